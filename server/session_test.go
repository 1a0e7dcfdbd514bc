package main

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// An idle session runs one goroutine, its reader: no writer waits for messages that are not
// coming, and the HTTP server's goroutine for the request is gone once it is upgraded.
func TestAnIdleSessionRunsOneGoroutine(t *testing.T) {
	ts := newTestServer(t)
	const sessions = 20
	base := runtime.NumGoroutine()
	for range sessions {
		ts.dial(t)
	}
	waitFor(t, "the sessions to be open", func() bool { n, _ := ts.app.sockets.running(""); return n == sessions })
	// The HTTP server's goroutines end just after each upgrade; a session that kept a
	// writer (or its handler's goroutine) would stay above this.
	waitFor(t, "one goroutine a session", func() bool { return runtime.NumGoroutine()-base <= sessions })

	// And a writer comes when there is something to write: a run on one of them.
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"atomic-counter","params":{"work":0}}`)
	if _, _, events, end := readRun(t, conn); end.Reason != "done" || len(events) == 0 {
		t.Fatalf("the run ended %q with %d events", end.Reason, len(events))
	}
	waitFor(t, "the writer to go once the run is sent", func() bool { return runtime.NumGoroutine()-base <= sessions+1 })
}

// A session pings its client while it is idle and while a run is going, so that neither
// end takes a quiet connection for a dead one.
func TestASessionPingsItsClient(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.pingEvery = 5 * time.Millisecond })
	conn := ts.dial(t)
	var pings atomic.Int64
	conn.SetPingHandler(func(string) error { pings.Add(1); return nil })
	// The ping handler runs while the client reads; a run's messages are read by readRun.
	send(t, conn, `{"type":"run","scenario":"channels","params":{"work":50,"jitter":0},"speed":10}`)
	if _, _, _, end := readRun(t, conn); end.Reason != "done" {
		t.Fatalf("the run ended %q: %s", end.Reason, end.Message)
	}
	during := pings.Load()
	go func() {
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	waitFor(t, "pings while idle", func() bool { return pings.Load() >= during+3 })
	if during == 0 {
		t.Error("no ping came during the run")
	}
}
