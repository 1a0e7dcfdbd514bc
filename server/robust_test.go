package main

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func newRobustServer(t *testing.T, configure func(*appConfig)) *testServer {
	t.Helper()
	return newTestServerWith(t, func(c *appConfig) {
		c.catalog = testCatalog()
		if configure != nil {
			configure(c)
		}
	})
}

// waitFor polls cond until it holds; guard only turns a hang into a failure.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestAPanickingScenarioEndsItsRunAndTheServerServesOn(t *testing.T) {
	ts := newRobustServer(t, nil)
	conn := ts.dial(t)

	send(t, conn, `{"type":"run","scenario":"boom","params":{"at":3}}`)
	_, _, events, end := readRun(t, conn)
	if end.Reason != "panic" || !strings.Contains(end.Message, "worker panicked: assignment to entry in nil map") {
		t.Fatalf("end %q: %q, want a panic of the worker", end.Reason, end.Message)
	}
	var prints, panics int
	for _, e := range events {
		switch e.Kind {
		case "print":
			prints++
		case "panic":
			panics++
			if e.Value != "assignment to entry in nil map" {
				t.Errorf("panic event value %q", e.Value)
			}
		}
	}
	if prints != 3 || panics != 1 || events[len(events)-1].Kind != "panic" {
		t.Errorf("%d prints and %d panic events, last %q; want 3 prints then the panic", prints, panics, events[len(events)-1].Kind)
	}

	send(t, conn, `{"type":"run","scenario":"main-panics"}`)
	if _, _, _, end := readRun(t, conn); end.Reason != "panic" || !strings.Contains(end.Message, "main panicked: value out of range") {
		t.Errorf("main-panics ended %q: %q", end.Reason, end.Message)
	}

	// The same connection, a new one and the pages all go on working.
	send(t, conn, `{"type":"run","scenario":"calm","params":{"lines":4}}`)
	if _, _, _, end := readRun(t, conn); end.Reason != "done" || len(end.Summary) != 1 || end.Summary[0].Value != "4" {
		t.Errorf("calm after the panics ended %q %+v", end.Reason, end.Summary)
	}
	other := ts.dial(t)
	send(t, other, `{"type":"run","scenario":"calm"}`)
	if _, _, _, end := readRun(t, other); end.Reason != "done" {
		t.Errorf("calm on a new connection ended %q", end.Reason)
	}
	if resp, _ := get(t, ts, "/api/scenarios/boom"); resp.StatusCode != 200 {
		t.Errorf("API after the panics: %d", resp.StatusCode)
	}
	if total, _ := ts.app.runSlots.running(""); total != 0 {
		t.Errorf("%d run slots still taken", total)
	}
}

func TestAVanishingClientEndsItsBlockedRun(t *testing.T) {
	ts := newRobustServer(t, nil)
	for _, how := range []string{"close", "close frame"} {
		t.Run(how, func(t *testing.T) {
			conn := ts.dial(t)
			send(t, conn, `{"type":"run","scenario":"stuck"}`)
			expectMeta(t, conn)
			waitFor(t, "the run to take its slot", func() bool {
				total, _ := ts.app.runSlots.running("")
				return total == 1
			})
			if how == "close frame" {
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(guard))
			}
			conn.Close()
			ts.waitSessionsEnd(t)
			if total, _ := ts.app.runSlots.running(""); total != 0 {
				t.Errorf("%d run slots still taken after the client left", total)
			}
			// goleak (TestMain) checks that main and its helper, blocked forever, are gone.
		})
	}
}

// TestASlowClientGetsItsLiveRunCutShort stalls a reader and watches the server's queue and
// backlog: once the queue is full and the live run is maxBacklog events ahead of it, the run
// must end as truncated, saying the connection could not keep up, and what the client then
// reads must be a whole prefix of the run. The scenario drips events at a pace any reading
// client keeps up with; the server's socket send buffer is kept small so the stall is felt
// after a few hundred kilobytes rather than megabytes.
func TestASlowClientGetsItsLiveRunCutShort(t *testing.T) {
	logs := &logBuffer{}
	const backlog = 500
	cfg := appConfig{
		catalog: testCatalog(),
		log:     slog.New(slog.NewTextHandler(logs, nil)),
		limits:  defaultLimits(),
	}
	cfg.limits.maxBacklog = backlog
	cfg.limits.maxEvents = 1_000_000 // a backstop that must not be what ends the run
	ts := startTestServer(t, newApp(cfg), func(l net.Listener) net.Listener { return smallSendBuffers{l} })
	conn := ts.dial(t)

	send(t, conn, `{"type":"run","scenario":"drip"}`)
	// The client reads nothing until the server gives up on it.
	waitFor(t, "the server to cut the run short", func() bool { return ts.app.slowCuts.Load() == 1 })
	line, ok := logs.find("run cut short")
	t.Log(line)
	if !ok {
		t.Fatal("no log of the cut")
	}
	if q := logField(t, line, "queued"); q != outQueue {
		t.Errorf("the run was cut with %d messages queued; want a full queue (%d)", q, outQueue)
	}
	sent, waiting := logField(t, line, "sent"), logField(t, line, "waiting")
	if waiting <= backlog {
		t.Errorf("the run was cut with %d events waiting, not more than the backlog %d", waiting, backlog)
	}

	// Now read: a whole prefix of the run, then the end saying why.
	_, _, events, end := readRun(t, conn)
	if end.Reason != "truncated" || !strings.Contains(end.Message, "the connection could not keep up") {
		t.Fatalf("end %q: %q, want truncated because the connection could not keep up", end.Reason, end.Message)
	}
	if len(events) != sent || end.Stats.Events != sent {
		t.Errorf("read %d events, end counts %d, the server sent %d", len(events), end.Stats.Events, sent)
	}
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: the prefix has a hole", i, e.Seq)
		}
	}
	if end.Stats.Duration != events[len(events)-1].T || end.Stats.Goroutines != 1 || end.Stats.Objects != 0 {
		t.Errorf("end stats %+v do not describe the events sent (last t %d)", end.Stats, events[len(events)-1].T)
	}

	// The connection is still good for a run it can keep up with.
	send(t, conn, `{"type":"run","scenario":"calm"}`)
	if _, _, _, end := readRun(t, conn); end.Reason != "done" {
		t.Errorf("a run after the cut ended %q (%s)", end.Reason, end.Message)
	}
}

// TestASlowClientGetsAllOfASeededRun stalls a reader while a seeded run, computed far faster
// than any connection, gets thousands of events ahead of the full queue: the run is only
// paced, never cut, and the client reads it whole once it reads.
func TestASlowClientGetsAllOfASeededRun(t *testing.T) {
	const backlog, lines = 500, 50_000
	cfg := appConfig{catalog: testCatalog(), log: slog.New(slog.DiscardHandler), limits: defaultLimits()}
	cfg.limits.maxBacklog = backlog
	ts := startTestServer(t, newApp(cfg), func(l net.Listener) net.Listener { return smallSendBuffers{l} })
	conn := ts.dial(t)

	send(t, conn, fmt.Sprintf(`{"type":"run","scenario":"flood","params":{"lines":%d},"mode":"seeded","seed":1}`, lines))
	time.Sleep(200 * time.Millisecond) // the client reads nothing for a while
	_, _, events, end := readRun(t, conn)
	if end.Reason != "done" {
		t.Fatalf("end %q: %q, want done", end.Reason, end.Message)
	}
	if want := lines + 2; len(events) != want || end.Stats.Events != want { // go, the lines, exit
		t.Errorf("read %d events, end counts %d, want %d", len(events), end.Stats.Events, want)
	}
	if n := ts.app.slowCuts.Load(); n != 0 {
		t.Errorf("%d runs cut short", n)
	}
}

// smallSendBuffers gives every accepted connection a small kernel send buffer.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}
