package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"math"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
)

// longRun keeps a run going until it is stopped.
const longRun = `{"type":"run","scenario":"channels","params":{"work":1000,"messages":10}}`

func (ts *testServer) dialHeader(t *testing.T, h http.Header) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(ts.wsURL(), h)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	resp.Body.Close()
	t.Cleanup(func() { conn.Close() })
	return conn
}

func from(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }

func expectMeta(t *testing.T, conn *websocket.Conn) message {
	t.Helper()
	m := read(t, conn)
	if m.Type != typeMeta {
		t.Fatalf("got %s %q, want meta", m.Type, m.Message)
	}
	return m
}

func expectError(t *testing.T, conn *websocket.Conn, want string) {
	t.Helper()
	m := read(t, conn)
	if m.Type != typeError || !strings.Contains(m.Message, want) {
		t.Fatalf("got %s %q, want an error containing %q", m.Type, m.Message, want)
	}
}

// stopAndDrain stops conn's run and reads up to its end.
func stopAndDrain(t *testing.T, conn *websocket.Conn) message {
	t.Helper()
	send(t, conn, `{"type":"stop"}`)
	for {
		if m := read(t, conn); m.Type == typeEnd {
			return m
		}
	}
}

func TestRunLimitsPerAddressAndServer(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) {
		c.trustProxy = true // the test's connections all come from 127.0.0.1, a trusted proxy
		c.limits.maxRuns = 2
		c.limits.maxRunsPerClient = 1
	})
	a1 := ts.dialHeader(t, from("203.0.113.1"))
	a2 := ts.dialHeader(t, from("203.0.113.1"))
	b := ts.dialHeader(t, from("203.0.113.2"))
	c := ts.dialHeader(t, from("203.0.113.3"))

	send(t, a1, longRun)
	expectMeta(t, a1)
	send(t, a2, longRun)
	expectError(t, a2, "1 runs are already going from your address")

	send(t, b, longRun)
	expectMeta(t, b)
	send(t, c, longRun)
	expectError(t, c, "the server is busy: 2 runs are going")

	// A refused connection stays usable, and a slot is free again once the end is out.
	if end := stopAndDrain(t, a1); end.Reason != "stopped" {
		t.Fatalf("a1 ended %q", end.Reason)
	}
	send(t, c, `{"type":"run","scenario":"atomic-counter","params":{"work":0}}`)
	if _, _, _, end := readRun(t, c); end.Reason != "done" {
		t.Errorf("c's run after a slot came free ended %q (%s)", end.Reason, end.Message)
	}
	send(t, a2, `{"type":"run","scenario":"atomic-counter","params":{"work":0}}`)
	if _, _, _, end := readRun(t, a2); end.Reason != "done" {
		t.Errorf("a2's run after a slot came free ended %q (%s)", end.Reason, end.Message)
	}
	stopAndDrain(t, b)
	if total, _ := ts.app.runSlots.running(""); total != 0 {
		t.Errorf("%d run slots still taken after every run ended", total)
	}
}

// TestSocketLimitsPerAddressAndServer opens sockets up to each limit: the next one is closed
// at once with Try Again Later and a sentence saying why, and a slot freed by a closing
// socket can be taken again.
func TestSocketLimitsPerAddressAndServer(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) {
		c.trustProxy = true
		c.limits.maxSockets = 3
		c.limits.maxSocketsPerClient = 2
	})
	refused := func(conn *websocket.Conn, want string) {
		t.Helper()
		_, _, err := conn.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater || !strings.Contains(ce.Text, want) {
			t.Fatalf("read %v, want a close (%d) saying %q", err, websocket.CloseTryAgainLater, want)
		}
	}
	usable := func(conn *websocket.Conn) {
		t.Helper()
		send(t, conn, `{"type":"hello"}`)
		expectError(t, conn, "hello")
	}
	a1 := ts.dialHeader(t, from("203.0.113.1"))
	usable(a1)
	a2 := ts.dialHeader(t, from("203.0.113.1"))
	usable(a2)
	refused(ts.dialHeader(t, from("203.0.113.1")), "2 pages of this site are open from your address")
	b := ts.dialHeader(t, from("203.0.113.2"))
	usable(b)
	refused(ts.dialHeader(t, from("203.0.113.3")), "the server is full (3 connections)")

	a1.Close()
	waitFor(t, "the server to notice a closed socket", func() bool { _, n := ts.app.sockets.running("203.0.113.1"); return n == 1 })
	usable(ts.dialHeader(t, from("203.0.113.1")))
}

// TestSocketRefusalsFitACloseFrame checks the refusal sentences at the largest limits: a
// close frame's reason holds at most 123 bytes.
func TestSocketRefusalsFitACloseFrame(t *testing.T) {
	s := newSocketSlots(math.MaxInt, math.MaxInt)
	for _, r := range []string{s.busy, s.full} {
		if len(r) > 123 {
			t.Errorf("%d bytes: %q", len(r), r)
		}
	}
}

func TestForwardedForIsIgnoredUnlessTrusted(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.maxRunsPerClient = 1 })
	a := ts.dialHeader(t, from("203.0.113.1"))
	b := ts.dialHeader(t, from("203.0.113.2"))
	send(t, a, longRun)
	expectMeta(t, a)
	send(t, b, longRun)
	expectError(t, b, "already going from your address")
}

func TestAPIRunsTakeRunSlotsToo(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.maxRunsPerClient = 1 })
	conn := ts.dial(t)
	send(t, conn, longRun)
	expectMeta(t, conn)
	for _, path := range []string{"/api/scenarios/deadlock/trace?seed=1", "/api/scenarios/deadlock/search?want=deadlock"} {
		resp, body := get(t, ts, path)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "already going from your address") {
			t.Errorf("%s while a socket run holds the only slot: %d %s", path, resp.StatusCode, body)
		}
	}
	send(t, conn, `{"type":"stop"}`)
	for {
		if m := read(t, conn); m.Type == typeEnd {
			break
		}
	}
	if resp, body := get(t, ts, "/api/scenarios/deadlock/trace?seed=1"); resp.StatusCode != http.StatusOK {
		t.Errorf("trace after the slot was freed: %d %s", resp.StatusCode, body)
	}
}

func TestASecondRunOnOneConnectionTakesTheSameSlot(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.maxRunsPerClient = 1 })
	conn := ts.dial(t)
	send(t, conn, longRun)
	expectMeta(t, conn)
	send(t, conn, `{"type":"run","scenario":"atomic-counter","params":{"work":0}}`)
	for {
		if m := read(t, conn); m.Type == typeEnd {
			break
		}
	}
	if _, _, _, end := readRun(t, conn); end.Reason != "done" {
		t.Errorf("second run ended %q (%s)", end.Reason, end.Message)
	}
}

func TestMaxEventsEndsTheRunAsTruncated(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.maxEvents = 100 })
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"channels","params":{"producers":16,"messages":10,"work":0,"jitter":0,"handle":0},"speed":10}`)
	_, _, events, end := readRun(t, conn)
	if end.Reason != "truncated" || !strings.Contains(end.Message, "stopped at 100 events, the most a run may record") {
		t.Fatalf("end %q: %q, want truncated at 100 events", end.Reason, end.Message)
	}
	if len(events) != 100 || end.Stats.Events != 100 {
		t.Errorf("got %d events, end counts %d; want all 100 recorded", len(events), end.Stats.Events)
	}
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
}

func TestAPIRateLimit(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) {
		c.limits.apiRate = 0.001 // one request per 1000 s after the burst
		c.limits.apiBurst = 2
	})
	for i := range 2 {
		if resp, body := get(t, ts, "/api/scenarios"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body := get(t, ts, "/api/scenarios/channels")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third request: %d, want 429", resp.StatusCode)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "1000" {
		t.Errorf("Retry-After %q, want 1000", ra)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error":"too many requests from your address`) {
		t.Errorf("429 body %q (%s)", body, resp.Header.Get("Content-Type"))
	}
	// Pages are not rate limited.
	if resp, _ := get(t, ts, "/play/channels"); resp.StatusCode != http.StatusOK {
		t.Errorf("page after the API limit: %d", resp.StatusCode)
	}
}

func TestAPIHandlersHaveATimeout(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.apiTimeout = 50 * time.Millisecond })
	// A handler that takes as long as its context lets it.
	ts.app.apiRoute("/slow", func(c echo.Context) error {
		<-c.Request().Context().Done()
		return c.Request().Context().Err()
	})
	resp, body := get(t, ts, "/api/slow")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"error":"the server took too long to answer`) {
		t.Errorf("got %d %q, want 503 with a JSON error", resp.StatusCode, body)
	}
}

func TestBodyLimit(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/api/scenarios", "/play/channels"} {
		req, err := http.NewRequest(http.MethodGet, ts.srv.URL+path, strings.NewReader(strings.Repeat("x", 8<<10)))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s with an 8 KB body: %d %s, want 413", path, resp.StatusCode, body)
		}
	}
}

func TestLimitFlags(t *testing.T) {
	if err := defaultLimits().check(); err != nil {
		t.Fatalf("the defaults do not pass their own check: %v", err)
	}
	tests := []struct {
		args []string
		want string // "" when valid
	}{
		{[]string{"-max-runs", "50", "-max-runs-per-client", "5", "-max-backlog", "500", "-api-rate", "0.5"}, ""},
		{[]string{"-max-runs", "0"}, "-max-runs must be at least 1"},
		{[]string{"-max-runs", "4", "-max-runs-per-client", "5"}, "-max-runs-per-client must be 1–4"},
		{[]string{"-max-backlog", "10"}, "-max-backlog must be at least 100"},
		{[]string{"-api-rate", "0"}, "-api-rate must be above 0"},
		{[]string{"-api-burst", "0"}, "-api-burst must be at least 1"},
		{[]string{"-api-timeout", "1ms"}, "-api-timeout must be at least 10ms"},
		{[]string{"-max-events", "5"}, "-max-events must be at least 100"},
		{[]string{"-max-events", "5000", "-max-events-total", "4999"}, "-max-events-total must be at least -max-events (5000), so that one run can reach it, got 4999"},
		{[]string{"-max-goroutines", "1"}, "-max-goroutines must be 2–65535, got 1"},
		{[]string{"-max-sockets", "0"}, "-max-sockets must be at least 1, got 0"},
		{[]string{"-max-sockets", "5", "-max-sockets-per-client", "6"}, "-max-sockets-per-client must be 1–5 (-max-sockets), got 6"},
		{[]string{"-max-goroutines", "70000"}, "-max-goroutines must be 2–65535, got 70000"},
		{[]string{"-max-conns", "0"}, "-max-conns must be at least 1, got 0"},
		{[]string{"-max-conns", "5", "-max-conns-per-client", "6"}, "-max-conns-per-client must be 1–5 (-max-conns), got 6"},
		{[]string{"-read-timeout", "10ms"}, "-read-timeout must be at least 1s, got 10ms"},
		{[]string{"-idle-timeout", "0s"}, "-idle-timeout must be at least 1s, got 0s"},
		{[]string{"-api-timeout", "30s", "-write-timeout", "30s"}, "-write-timeout must be more than -api-timeout (30s)"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		lim := defaultLimits()
		lim.addFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		err := lim.check()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%v: %v", tt.args, err)
			}
			if lim.maxRuns != 50 || lim.maxRunsPerClient != 5 || lim.maxBacklog != 500 || lim.apiRate != 0.5 {
				t.Errorf("%v parsed to %+v", tt.args, lim)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want %q", tt.args, err, tt.want)
		}
	}
	if err := run(context.Background(), []string{"-max-runs", "0"}, io.Discard); err == nil || !strings.Contains(err.Error(), "-max-runs") {
		t.Errorf("run with a bad limit: %v", err)
	}
}

// The README's table of flags names every flag the server takes.
func TestTheREADMENamesEveryFlag(t *testing.T) {
	var usage strings.Builder
	if err := run(context.Background(), []string{"-h"}, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run -h: %v", err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	flags := regexp.MustCompile(`(?m)^  (-[a-z-]+)`).FindAllStringSubmatch(usage.String(), -1)
	if len(flags) < 10 {
		t.Fatalf("found %d flags in the usage:\n%s", len(flags), usage.String())
	}
	for _, f := range flags {
		if !regexp.MustCompile("(?m)^\\| (`-[a-z-]+`, )*`" + f[1] + "`( \\||,)").Match(readme) {
			t.Errorf("the README's table of flags has no row for %s", f[1])
		}
	}
}
