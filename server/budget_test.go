package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"interleave/scenarios/stage"
)

// The budget grants room while what its leases hold fits, refuses the lease that would pass
// it with a sentence naming the flag and where the run stopped, and takes back all of a
// lease's room, once, when it is released.
func TestEventBudget(t *testing.T) {
	type step struct {
		lease   int // which lease acts
		reserve int // events asked for; 0: release the lease
		refused bool
		holding int // the budget's total after the step
	}
	tests := []struct {
		name  string
		max   int
		steps []step
	}{
		{"room to the last event", 8, []step{{0, 4, false, 4}, {1, 4, false, 8}, {0, 1, true, 8}}},
		{"a release gives back all of a lease", 8, []step{{0, 4, false, 4}, {0, 4, false, 8}, {1, 4, true, 8}, {0, 0, false, 0}, {1, 4, false, 4}}},
		{"a second release gives back nothing", 8, []step{{0, 4, false, 4}, {1, 4, false, 8}, {0, 0, false, 4}, {0, 0, false, 4}}},
		{"a released lease takes no more", 8, []step{{0, 4, false, 4}, {0, 0, false, 0}, {0, 4, true, 0}}},
		{"a refusal takes nothing", 6, []step{{0, 4, false, 4}, {1, 4, true, 4}, {1, 2, false, 6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newEventBudget(tt.max)
			leases := []*eventLease{b.lease(), b.lease()}
			held := []int{0, 0}
			for i, s := range tt.steps {
				l := leases[s.lease]
				if s.reserve == 0 {
					l.release()
				} else {
					err := l.Reserve(held[s.lease], s.reserve)
					if (err != nil) != s.refused {
						t.Fatalf("step %d: Reserve(%d, %d) = %v, want refused %v", i, held[s.lease], s.reserve, err, s.refused)
					}
					if err == nil {
						held[s.lease] += s.reserve
					} else {
						// A run refused at its first event was never under way.
						want := "(-max-events-total); this run stopped at "
						if held[s.lease] == 0 {
							want = "(-max-events-total), so this run could not start; try again in a moment"
						}
						if !strings.Contains(err.Error(), want) {
							t.Errorf("step %d: refusal %q does not say %q", i, err, want)
						}
					}
				}
				if got := b.holding(); got != s.holding {
					t.Fatalf("step %d: the budget holds %d, want %d", i, got, s.holding)
				}
			}
		})
	}
}

// Runs share the budget, the socket's and the trace API's alike: while one run holds room,
// another that needs more than is left ends truncated at the room it got, saying why, with a
// whole prefix of its events; a run that has ended gives its room back, and the next one
// runs whole.
func TestRunsShareTheEventBudget(t *testing.T) {
	const room = 6 * stage.BudgetChunk
	const beside = room - stage.BudgetChunk // what a run gets beside one holding a chunk
	ts := newTestServerWith(t, func(c *appConfig) {
		c.catalog = testCatalog()
		c.limits.maxEvents = room
		c.limits.maxEventsTotal = room
	})
	// flood of 6,000 lines is 6,002 events: six chunks, the whole budget.
	const flood = `{"type":"run","scenario":"flood","params":{"lines":6000},"mode":"seeded","seed":1}`
	first, second := ts.dial(t), ts.dial(t)

	send(t, first, flood)
	if _, _, events, end := readRun(t, first); end.Reason != "done" || len(events) != 6002 {
		t.Fatalf("the first run alone: %s (%s), %d events; want done, 6002", end.Reason, end.Message, len(events))
	}
	send(t, second, flood)
	if _, _, events, end := readRun(t, second); end.Reason != "done" || len(events) != 6002 {
		t.Fatalf("the second run, after the first ended: %s (%s), %d events; want done, 6002: the first gave its room back", end.Reason, end.Message, len(events))
	}

	// A run that waits until it is stopped holds a chunk from its first event on.
	send(t, first, `{"type":"run","scenario":"waits","mode":"seeded","seed":1}`)
	expectMeta(t, first)
	wantCut := "the server is holding as many events as it may for all runs (-max-events-total); this run stopped at 5,120 events"
	send(t, second, flood)
	_, _, events, end := readRun(t, second)
	if end.Reason != "truncated" || end.Message != wantCut {
		t.Fatalf("a run beside one holding a chunk ended %s: %q; want truncated: %q", end.Reason, end.Message, wantCut)
	}
	if len(events) != beside || end.Stats.Events != beside {
		t.Errorf("it sent %d events and counts %d, want the %d it had room for", len(events), end.Stats.Events, beside)
	}
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: not a whole prefix", i, e.Seq)
		}
	}
	resp, body := get(t, ts, "/api/scenarios/flood/trace?lines=6000&seed=1")
	var trace struct {
		End    endMessage        `json:"end"`
		Events []json.RawMessage `json:"events"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &trace) != nil {
		t.Fatalf("trace beside the waiting run: %d %.200s", resp.StatusCode, body)
	}
	if trace.End.Reason != stage.ReasonTruncated || trace.End.Message != wantCut || len(trace.Events) != beside {
		t.Errorf("the trace API's run beside the waiting one: %s %q, %d events; want truncated at %d: %q",
			trace.End.Reason, trace.End.Message, len(trace.Events), beside, wantCut)
	}
	// What the other runs held cut it, not the link: no cache may keep it as the link's.
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the cut trace is sent with Cache-Control %q, want no-store", cc)
	}

	if end := stopAndDrain(t, first); end.Reason != "stopped" {
		t.Fatalf("the waiting run ended %s (%s)", end.Reason, end.Message)
	}
	send(t, second, flood)
	if _, _, events, end := readRun(t, second); end.Reason != "done" || len(events) != 6002 {
		t.Fatalf("after the waiting run was stopped: %s (%s), %d events; want done, 6002", end.Reason, end.Message, len(events))
	}
	if resp, _ := get(t, ts, "/api/scenarios/flood/trace?lines=6000&seed=1"); !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("the whole trace is sent with Cache-Control %q, want it cacheable", resp.Header.Get("Cache-Control"))
	}
	if held := ts.app.events.holding(); held != 0 {
		t.Errorf("with every run over, the budget holds %d events", held)
	}
}

// Whatever way a run ends, it gives its room back: done, panicked, stopped, cut short by its
// own event limit, its client gone, through the socket or the API. (The room given back before
// the end message is queued, or the answer finished, so there is nothing to wait for, but for
// a session whose client went away.)
func TestEveryRunGivesItsRoomBack(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) {
		c.catalog = testCatalog()
		c.limits.maxEvents = 12_288 // past the flood of 6,000 lines, short of 20,000
	})
	socket := func(run, want string) func(t *testing.T) {
		return func(t *testing.T) {
			conn := ts.dial(t)
			send(t, conn, run)
			if _, _, _, end := readRun(t, conn); end.Reason != want {
				t.Fatalf("ended %s (%s), want %s", end.Reason, end.Message, want)
			}
		}
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"done", socket(`{"type":"run","scenario":"flood","params":{"lines":6000},"mode":"seeded","seed":1}`, "done")},
		{"live", socket(`{"type":"run","scenario":"flood","params":{"lines":6000}}`, "done")},
		{"panicked", socket(`{"type":"run","scenario":"boom","mode":"seeded","seed":1}`, "panic")},
		{"cut by its event limit", socket(`{"type":"run","scenario":"flood","params":{"lines":20000},"mode":"seeded","seed":1}`, "truncated")},
		{"stopped", func(t *testing.T) {
			conn := ts.dial(t)
			send(t, conn, `{"type":"run","scenario":"waits","mode":"seeded","seed":1}`)
			expectMeta(t, conn)
			if end := stopAndDrain(t, conn); end.Reason != "stopped" {
				t.Fatalf("ended %s (%s)", end.Reason, end.Message)
			}
		}},
		{"its client gone", func(t *testing.T) {
			conn := ts.dial(t)
			send(t, conn, `{"type":"run","scenario":"waits","mode":"seeded","seed":1}`)
			expectMeta(t, conn)
			if held := ts.app.events.holding(); held != stage.BudgetChunk {
				t.Fatalf("the waiting run holds %d events' room, want %d", held, stage.BudgetChunk)
			}
			conn.Close()
			ts.waitSessionsEnd(t)
		}},
		{"a trace", func(t *testing.T) {
			if resp, body := get(t, ts, "/api/scenarios/flood/trace?lines=6000&seed=1"); resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %.200s", resp.StatusCode, body)
			}
		}},
		{"a search", func(t *testing.T) {
			if resp, body := get(t, ts, "/api/scenarios/select-deadlock/search?want=deadlock&tries=3"); resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %.200s", resp.StatusCode, body)
			}
		}},
		{"an exhaustive search", func(t *testing.T) {
			if resp, body := get(t, ts, "/api/scenarios/select-deadlock/search?want=deadlock&exhaustive=1"); resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %.200s", resp.StatusCode, body)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t)
			if held := ts.app.events.holding(); held != 0 {
				t.Errorf("after the run the budget holds %d events", held)
			}
		})
	}
}
