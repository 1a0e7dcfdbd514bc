package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// The search's own limits. The run settings' are in scenarios.RunSettings.
const (
	defaultTries = 200
	maxTries     = 500
	searchBudget = 5 * time.Second
)

// newSeed picks a seed for a seeded run that came without one.
func newSeed() uint64 { return rand.Uint64N(scenarios.MaxSeed + 1) }

// runConfig is the stage configuration of a run with these settings.
func (l limits) runConfig(set scenarios.Settings) stage.Config {
	cfg := l.stageConfig()
	cfg.Speed = set.Speed
	if set.Seeded() {
		cfg.Mode = stage.Seeded
		cfg.Seed = set.Seed
		cfg.Processors = set.Processors
		if set.Schedule.Len() > 0 {
			// The schedule's choices first, then the seed's own, which it keeps in step.
			cfg.Strategy = stage.Replay(set.Schedule, stage.RandomStrategy(set.Seed))
		}
	}
	return cfg
}

// takeRunSlot holds a run slot for an API request, as a socket run holds one: the API's
// seeded runs count against the same limits. A refusal is a 503 with the sentence.
func (a *app) takeRunSlot(c echo.Context) (release func(), err error) {
	release, refusal := a.runSlots.acquire(c.RealIP())
	if refusal != "" {
		return nil, echo.NewHTTPError(http.StatusServiceUnavailable, refusal)
	}
	return release, nil
}

// runSeeded runs a scenario to its end under the seeded scheduler, counted as asked for via.
// Its events hold room in the server's event budget until the caller, done with them,
// releases the lease.
func (a *app) runSeeded(ctx context.Context, via string, s *scenarios.Scenario, vals scenarios.Values, set scenarios.Settings) (*scenarios.Run, *eventLease) {
	a.metrics.runStarted(via)
	cfg, lease := a.limits.runConfig(set), a.events.lease()
	cfg.Budget = lease
	r := s.Start(ctx, cfg, vals)
	<-r.Done()
	end := r.End()
	a.metrics.runEnded(via, end.Reason, end.Events)
	return r, lease
}

// handleTrace answers a seeded run's whole trace: the socket's events as one JSON document,
// or, with format=chrome, a Chrome trace for Perfetto. The trace is the link's for good, and
// is answered so that any cache may keep it (tracecache.go).
func (a *app) handleTrace(c echo.Context) error {
	req, err := a.readAPIRequest(c, "a trace is of a seeded run", "format")
	if err != nil {
		return err
	}
	s, vals, set := req.scenario, req.values, req.settings
	if _, raw := scenarios.SplitQuery(req.query); strings.TrimSpace(raw["seed"]) == "" {
		st, _ := scenarios.LookupSetting("seed")
		return echo.NewHTTPError(http.StatusBadRequest, "seed is required: a whole number "+st.Range())
	}
	format := req.query.Get("format")
	switch format {
	case "":
		format = "json"
	case "json", "chrome":
	default:
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("format must be json or chrome, got %s", scenarios.QuoteInput(format)))
	}
	etag := a.traceETag(s, vals, set, format)
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		cacheable(c.Response().Header(), etag)
		return c.NoContent(http.StatusNotModified) // the asker has this very trace: no run
	}
	release, err := a.takeRunSlot(c)
	if err != nil {
		return err
	}
	began := time.Now()
	r, lease := a.runSeeded(c.Request().Context(), viaTrace, s, vals, set)
	defer lease.release() // once the trace is written
	took := time.Since(began)
	release()
	end, summary := r.End(), r.Summary()
	if err := c.Request().Context().Err(); err != nil {
		// The request's deadline stopped the run, or came as it ended: what it recorded is
		// not the link's trace, and a late answer is no answer.
		return err
	}
	if end.Reason == stage.ReasonSchedule {
		return echo.NewHTTPError(http.StatusBadRequest, end.Message)
	}
	if took < a.limits.maxRunTime && !lease.wasCut() {
		cacheable(c.Response().Header(), etag)
	} else {
		// -max-run-time, a wall-clock limit, may have cut it, or -max-events-total, which
		// the other runs going decide: another run may go further.
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	name := downloadName(s.ID, set) // as the page names its downloads
	if format == "chrome" {
		c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.chrome.json"`, name))
		if err := a.writeChromeTrace(c.Response(), r); err != nil {
			a.log.Debug("trace write cut short", "trace", name, "err", err)
		}
		return nil
	}
	head, err := json.Marshal(traceHead{V: stage.SchemaVersion, Scenario: s.ID, Params: s.Named(vals),
		Mode: stage.Seeded, Seed: set.Seed, Processors: set.Processors, Schedule: set.Schedule.String(), End: newEndMessage(0, end, summary)})
	if err != nil {
		return fmt.Errorf("encode trace of %s: %w", name, err)
	}
	// {head…, "events": […]}: the events go through the same encoder as the socket's.
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.json"`, name))
	if err := a.writeTrace(c.Response(), head, r); err != nil {
		// Headers and part of the trace are out: the client went away, or stopped reading
		// until the write timeout. Nothing is left to answer.
		a.log.Debug("trace write cut short", "trace", name, "err", err)
	}
	return nil
}

// traceChunk is how many events a trace's answer holds in memory at once as Events (their
// JSON goes out every maxMessageBytes), whatever the run's length: a million-event trace
// costs no more per event than a small one, and the run's own compact store is all that
// grows with it.
const traceChunk = 4096

// writeTrace writes the trace document, head (a JSON object) with the run's events added as
// "events", in chunks of traceChunk events.
func (a *app) writeTrace(w *echo.Response, head []byte, r *scenarios.Run) error {
	w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	w.WriteHeader(http.StatusOK)
	chunk := a.eventChunks.get()
	defer a.eventChunks.put(chunk)
	buf := a.buffers.get()
	defer func() { a.buffers.put(buf) }()
	buf = append(append(buf, head[:len(head)-1]...), `,"events":[`...)
	for from := 0; ; from += len(chunk) {
		chunk = r.EventsN(from, traceChunk, chunk[:0])
		if len(chunk) == 0 {
			break
		}
		for i := range chunk {
			if from+i > 0 {
				buf = append(buf, ',')
			}
			buf = chunk[i].AppendJSON(buf)
			if len(buf) >= maxMessageBytes {
				// Written on as it fills: a buffer of one chunk's JSON would be too big to keep.
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err := w.Write(append(buf, "]}"...))
	return err
}

// writeChromeTrace writes the run's trace in the Chrome Trace Event Format, converted in
// chunks of traceChunk events as writeTrace writes the JSON one.
func (a *app) writeChromeTrace(w *echo.Response, r *scenarios.Run) error {
	w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	w.WriteHeader(http.StatusOK)
	cw := stage.NewChromeWriter(w)
	chunk := a.eventChunks.get()
	defer a.eventChunks.put(chunk)
	for from := 0; ; from += len(chunk) {
		chunk = r.EventsN(from, traceChunk, chunk[:0])
		if len(chunk) == 0 {
			break
		}
		if err := cw.Write(chunk); err != nil {
			return err
		}
	}
	return cw.Close()
}

// eventChunks keeps the chunks of Events trace answers read a run's store into, for the next
// answer: a chunk of traceChunk events is 768 KB, which a short trace's answer spent more
// time allocating, and the collector collecting, than writing its events.
type eventChunks struct{ pool sync.Pool }

func (p *eventChunks) get() []stage.Event {
	if c, ok := p.pool.Get().(*[]stage.Event); ok {
		return (*c)[:0]
	}
	return make([]stage.Event, 0, traceChunk)
}

// put keeps c for another answer, its events cleared: their strings point into the store of
// the run they were read from, which would otherwise stay in memory with them.
func (p *eventChunks) put(c []stage.Event) {
	clear(c[:cap(c)])
	c = c[:0]
	p.pool.Put(&c)
}

type traceHead struct {
	V          int            `json:"v"`
	Scenario   string         `json:"scenario"`
	Params     map[string]any `json:"params"`
	Mode       stage.Mode     `json:"mode"`
	Seed       uint64         `json:"seed"`
	Processors int            `json:"processors"`
	Schedule   string         `json:"schedule,omitempty"` // the schedule the run followed, as asked
	End        endMessage     `json:"end"`
}

// searchResult answers a search: the first seed that showed what was wanted, or that none of
// the seeds tried did.
type searchResult struct {
	Found bool   `json:"found"`
	Seed  uint64 `json:"seed,omitempty"`
	Tries int    `json:"tries"`
	// Seeds are the first and last seed tried (none: [0, 0]).
	Seeds [2]uint64 `json:"seeds"`
	Link  string    `json:"link,omitempty"`
	// Exhaustive: the search walked the schedules of one seed rather than trying seeds
	// (exhaustive.go); All: it walked every one of them, so what it did not find cannot happen.
	Exhaustive bool `json:"exhaustive,omitempty"`
	All        bool `json:"all,omitempty"`
	// Stopped names the limit that stopped the search before its tries: search-time or
	// api-timeout.
	Stopped string `json:"stopped,omitempty"`
	Message string `json:"message,omitempty"`
}

// handleSearch tries seeds 1, 2, 3… until a run shows what was wanted, within tries and a
// time budget; with exhaustive=1 it walks the schedules of one seed instead (exhaustive.go).
// Exhausting either limit is an answer, not an error, saying what was tried.
func (a *app) handleSearch(c echo.Context) error {
	// A seed, if given, is checked and then left aside: the search tries its own.
	req, err := a.readAPIRequest(c, "a search tries seeds", "want", "tries", "exhaustive")
	if err != nil {
		return err
	}
	s, vals, set, q := req.scenario, req.values, req.settings, req.query
	want := q.Get("want")
	wanted, err := lookForWant(s, want)
	if err != nil {
		return err
	}
	exhaustive := false
	switch text := q.Get("exhaustive"); text {
	case "", "0":
	case "1":
		exhaustive = true
	default:
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("exhaustive must be 0 or 1, got %s", scenarios.QuoteInput(text)))
	}
	tries, most := defaultTries, maxTries
	if exhaustive {
		tries, most = maxExhaustiveTries, maxExhaustiveTries
	}
	if text := q.Get("tries"); text != "" {
		if tries, err = strconv.Atoi(text); err != nil || tries < 1 || tries > most {
			return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("tries must be 1–%d, got %s", most, scenarios.QuoteInput(text)))
		}
	}
	release, err := a.takeRunSlot(c)
	if err != nil {
		return err
	}
	defer release()
	// The search stops at its own budget or at the request's deadline, whichever comes first,
	// and says which.
	deadline, limit := time.Now().Add(searchBudget), limitSearchTime
	if d, ok := c.Request().Context().Deadline(); ok && d.Before(deadline) {
		deadline, limit = d, limitAPITimeout
	}
	ctx, cancel := context.WithDeadline(c.Request().Context(), deadline)
	defer cancel()
	if exhaustive {
		return a.searchExhaustively(c, ctx, req, wanted, tries, limit)
	}
	tried := 0
	for seed := uint64(1); tried < tries && ctx.Err() == nil; seed++ {
		set.Seed = seed
		r, lease := a.runSeeded(ctx, viaSearch, s, vals, set)
		end, summary := r.End(), r.Summary()
		shows := end.Reason != stage.ReasonStopped && end.Reason != stage.ReasonSchedule && wanted.shows(r, end, summary)
		lease.release()
		if end.Reason == stage.ReasonStopped {
			break // out of time mid-run: that seed was not tried
		}
		if end.Reason == stage.ReasonSchedule {
			// Every seed replays the same schedule first: it fits none of them.
			return echo.NewHTTPError(http.StatusBadRequest, end.Message)
		}
		tried++
		a.metrics.tried()
		if shows {
			return c.JSON(http.StatusOK, searchResult{Found: true, Seed: seed, Tries: tried, Seeds: [2]uint64{1, seed}, Link: playLink(s, vals, set)})
		}
	}
	if err := c.Request().Context().Err(); err != nil && tried == 0 {
		return err // the request's deadline, before a single seed: a 503 like any API answer's
	}
	what := wanted.what
	res := searchResult{Found: false, Tries: tried, Message: fmt.Sprintf("no %s in %d seeds", what, tried)}
	if tried > 0 {
		res.Seeds = [2]uint64{1, uint64(tried)}
	}
	if tried < tries {
		res.Stopped = limit
		res.Message = fmt.Sprintf("no %s in seeds 1–%d: the search stopped before its %d tries, after %s", what, tried, tries, a.limitText(limit))
	}
	return c.JSON(http.StatusOK, res)
}

// The limits that stop a search before its tries, by the names searchResult.Stopped gives.
const (
	limitSearchTime = "search-time" // the search's own budget
	limitAPITimeout = "api-timeout" // the request's deadline, -api-timeout
)

// limitText says what a limit that stops a search is, for its message.
func (a *app) limitText(limit string) string {
	if limit == limitAPITimeout {
		return fmt.Sprintf("%s, the longest an API request may take (-api-timeout)", a.limits.apiTimeout)
	}
	return fmt.Sprintf("%s, the longest a search may take", searchBudget)
}

// downloadName is the file name, without its extension, of a seeded run's trace: what makes
// the run, but its params, which would make it long ("deadlock-seed-40-4-processors", and
// "-steered" when a schedule made its first choices). The page names its downloads so too.
func downloadName(id string, set scenarios.Settings) string {
	name := fmt.Sprintf("%s-seed-%d-%d-processors", id, set.Seed, set.Processors)
	if set.Schedule.Len() > 0 {
		name += "-steered"
	}
	return name
}
