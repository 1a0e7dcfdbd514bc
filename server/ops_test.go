package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"interleave/scenarios/stage"
)

func TestHealthAndReadiness(t *testing.T) {
	ts := newTestServer(t)
	for _, tt := range []struct{ path, want string }{{"/healthz", "ok\n"}, {"/readyz", "ready\n"}} {
		// A load balancer asks by the instance's address, a host no page is served by.
		for _, host := range []string{"", "10.1.2.3:8080"} {
			resp, body := get(t, ts, tt.path, "Host", host)
			if resp.StatusCode != http.StatusOK || body != tt.want {
				t.Errorf("%s (Host %q): %d %q", tt.path, host, resp.StatusCode, body)
			}
		}
	}
	ts.app.stop() // shutting down, as SIGTERM begins to
	if resp, body := get(t, ts, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable || body != "shutting down\n" {
		t.Errorf("readyz while shutting down: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get(t, ts, "/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz while shutting down: %d", resp.StatusCode)
	}
}

// scrape reads the app's metrics as Prometheus would.
func scrape(t *testing.T, a *app) string {
	t.Helper()
	rec := httptest.NewRecorder()
	a.metrics.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// metric is the value of the sample named so, labels and all, or -1 without one.
func metric(text, sample string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return -1
			}
			return f
		}
	}
	return -1
}

func TestMetricsCountWhatTheServerDoes(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) {
		c.limits.apiRate, c.limits.apiBurst = 0.001, 3
		c.limits.maxRunsPerClient = 1
	})
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"atomic-counter","params":{"work":0}}`)
	_, _, events, end := readRun(t, conn)
	get(t, ts, "/api/scenarios/deadlock/trace?seed=1")
	get(t, ts, "/api/scenarios/deadlock/search?want=deadlock&fix=yes&tries=3")
	get(t, ts, "/api/scenarios/nope")
	get(t, ts, "/api/scenarios") // over the burst: 429
	if sent := metric(scrape(t, ts.app), "interleave_events_sent_total"); sent != float64(len(events)) {
		t.Errorf("events sent %v, want the run's %d", sent, len(events))
	}
	send(t, conn, longRun)
	expectMeta(t, conn)
	other := ts.dial(t)
	send(t, other, longRun)
	expectError(t, other, "already going from your address")

	m := scrape(t, ts.app)
	for sample, want := range map[string]float64{
		`interleave_runs_started_total{via="socket"}`:                                 2,
		`interleave_runs_ended_total{reason="done",via="socket"}`:                     1,
		`interleave_runs_started_total{via="trace"}`:                                  1,
		`interleave_runs_ended_total{reason="deadlock",via="search"}`:                 -1, // the fixed philosophers never deadlock
		`interleave_runs_ended_total{reason="done",via="search"}`:                     3,
		`interleave_search_tries_total`:                                               3,
		`interleave_sockets_open`:                                                     2,
		`interleave_runs_going`:                                                       1,
		`interleave_refusals_total{limit="api-rate"}`:                                 1,
		`interleave_refusals_total{limit="max-runs-per-client"}`:                      1,
		`interleave_http_requests_total{code="429",route="/api/scenarios"}`:           1,
		`interleave_http_requests_total{code="404",route="/api/scenarios/:id"}`:       1,
		`interleave_http_requests_total{code="200",route="/api/scenarios/:id/trace"}`: 1,
		`interleave_slow_client_cuts_total`:                                           0,
		`interleave_events_held`:                                                      stage.BudgetChunk, // the going run's first chunk; the others gave theirs back
	} {
		if got := metric(m, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	if recorded := metric(m, "interleave_events_recorded_total"); recorded < float64(end.Stats.Events) {
		t.Errorf("events recorded %v, fewer than the socket run's %d alone", recorded, end.Stats.Events)
	}
	if metric(m, "go_goroutines") <= 0 || metric(m, "process_open_fds") <= 0 {
		t.Error("no Go or process metrics")
	}
	// Never on the public address.
	if resp, _ := get(t, ts, "/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public address: %d", resp.StatusCode)
	}
}

// The binary serves metrics only when -metrics-addr says where.
func TestMetricsAreServedOnTheirOwnAddressOnly(t *testing.T) {
	for _, args := range [][]string{{"-addr", "127.0.0.1:0"}, {"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0"}} {
		logs := &logBuffer{}
		ctx, stop := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- run(ctx, args, logs) }()
		waitFor(t, "the server to start", func() bool { _, ok := logs.find("msg=serving"); return ok })
		line, ok := logs.find("msg=\"serving metrics\"")
		if ok != (len(args) == 4) {
			t.Errorf("%v: serving metrics: %v", args, ok)
		}
		if ok {
			_, url, _ := strings.Cut(line, "url=")
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "interleave_sockets_open 0") {
				t.Errorf("%s: %d %.200s", url, resp.StatusCode, body)
			}
		}
		stop()
		if err := <-served; err != nil {
			t.Fatal(err)
		}
	}
}

// One access line per request and per socket session, naming the client as the limits see
// it: behind a trusted proxy, the address it forwards.
func TestAccessLogHasALinePerRequestAndSession(t *testing.T) {
	logs := &logBuffer{}
	ts := newTestServerWith(t, func(c *appConfig) {
		c.trustProxy = true
		c.log = slog.New(slog.NewTextHandler(logs, nil))
	})
	get(t, ts, "/api/scenarios/channels?producers=3", "X-Forwarded-For", "203.0.113.9")
	get(t, ts, "/play/cell?"+manyParams(100), "X-Forwarded-For", "203.0.113.9")
	conn := ts.dialHeader(t, from("203.0.113.10"))
	send(t, conn, `{"type":"run","scenario":"atomic-counter","params":{"work":0}}`)
	readRun(t, conn)
	conn.Close()
	waitFor(t, "the session's line", func() bool { _, ok := logs.find("uri=/ws"); return ok })

	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`msg=request method=GET uri="/api/scenarios/channels\?producers=3" route=/api/scenarios/:id status=200 latency=\S+ bytes=\d+ client=203\.0\.113\.9$`),
		regexp.MustCompile(`msg=request method=GET uri="/play/cell\?p0=1&\S{200,}…" route=/play/:id status=200 latency=\S+ bytes=[1-9]\d* client=203\.0\.113\.9 uri_bytes=600$`),
		regexp.MustCompile(`msg=request method=GET uri=/ws route=/ws status=101 .* client=203\.0\.113\.10 runs=1 ended="the client closed it \(1006\)"$`),
	} {
		found := false
		for _, line := range strings.Split(logs.String(), "\n") {
			found = found || want.MatchString(line)
		}
		if !found {
			t.Errorf("no line matches %s in:\n%s", want, logs.String())
		}
	}
}
