package main

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"interleave/scenarios/stage"
)

// What the server counts for its operator, in Prometheus's format, on -metrics-addr only, so
// that it is never public by accident. The registry is the app's own: two apps in one process
// (as in tests) count apart.

// Where a run was asked for: a socket, or the API's trace or search.
const (
	viaSocket = "socket"
	viaTrace  = "trace"
	viaSearch = "search"
)

// metrics are the app's counters. A nil *metrics counts nothing: a stream tested alone has
// none.
type metrics struct {
	registry       *prometheus.Registry
	runsStarted    *prometheus.CounterVec // by via
	runsEnded      *prometheus.CounterVec // by via and reason
	eventsRecorded prometheus.Counter
	eventsSent     prometheus.Counter
	requests       *prometheus.CounterVec // by route and code
	refusals       *prometheus.CounterVec // by the limit's flag
	searchTries    prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		runsStarted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "interleave_runs_started_total",
			Help: "Runs started, by where they were asked for (socket, trace, search)."}, []string{"via"}),
		runsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "interleave_runs_ended_total",
			Help: "Runs ended, by where they were asked for and the reason the client was told (done, deadlock, panic, truncated, stopped, schedule)."}, []string{"via", "reason"}),
		eventsRecorded: prometheus.NewCounter(prometheus.CounterOpts{Name: "interleave_events_recorded_total",
			Help: "Events recorded by runs that have ended."}),
		eventsSent: prometheus.NewCounter(prometheus.CounterOpts{Name: "interleave_events_sent_total",
			Help: "Events handed to sockets' writers."}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "interleave_http_requests_total",
			Help: "HTTP requests answered, by route (/api/… for the API; /ws counted when its session ends) and status code."}, []string{"route", "code"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "interleave_refusals_total",
			Help: "Requests, runs, sockets and connections refused, by the limit's flag (api-rate, max-runs, max-runs-per-client, max-sockets, max-sockets-per-client, max-conns, max-conns-per-client, max-events-total)."}, []string{"limit"}),
		searchTries: prometheus.NewCounter(prometheus.CounterOpts{Name: "interleave_search_tries_total",
			Help: "Seeds tried by searches."}),
	}
	m.registry.MustRegister(m.runsStarted, m.runsEnded, m.eventsRecorded, m.eventsSent, m.requests, m.refusals, m.searchTries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watch registers the app's gauges and the counts it keeps itself, read when scraped.
func (m *metrics) watch(a *app) {
	count := func(s *slots) func() float64 {
		return func() float64 { n, _ := s.running(""); return float64(n) }
	}
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "interleave_sockets_open", Help: "Sockets open."}, count(a.sockets)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "interleave_runs_going", Help: "Runs going, from sockets and the API."}, count(a.runSlots)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "interleave_http_connections_open", Help: "Plain HTTP connections open (not counting sockets)."}, count(a.conns)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "interleave_events_held",
			Help: "Events the runs in progress hold room for in the server's budget (-max-events-total), reserved 1,024 at a time."}, func() float64 { return float64(a.events.holding()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "interleave_slow_client_cuts_total",
			Help: "Live runs cut short because their client could not keep up."}, func() float64 { return float64(a.slowCuts.Load()) }),
	)
}

// handler serves the metrics.
func (m *metrics) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	return mux
}

func (m *metrics) runStarted(via string) {
	if m != nil {
		m.runsStarted.WithLabelValues(via).Inc()
	}
}

// runEnded counts a run's end: the reason its client was told and the events it recorded.
func (m *metrics) runEnded(via string, reason stage.Reason, recorded int) {
	if m != nil {
		m.runsEnded.WithLabelValues(via, string(reason)).Inc()
		m.eventsRecorded.Add(float64(recorded))
	}
}

func (m *metrics) sent(events int) {
	if m != nil {
		m.eventsSent.Add(float64(events))
	}
}

func (m *metrics) refused(limit string) {
	if m != nil {
		m.refusals.WithLabelValues(limit).Inc()
	}
}

func (m *metrics) answered(route string, code int) {
	if m != nil {
		m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	}
}

func (m *metrics) tried() {
	if m != nil {
		m.searchTries.Inc()
	}
}
