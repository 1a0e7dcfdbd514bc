package stage_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// TestChromeTrace checks the structure Perfetto relies on: named thread tracks, complete
// slices with non-negative durations on known threads, flows whose start and finish pair up
// by id, and counter tracks for atomics, channel buffers, cells and refcells' borrows, whose
// values are numbers (Perfetto drops a counter whose value is text).
func TestChromeTrace(t *testing.T) {
	events, end := stage.Record(context.Background(), stage.Config{Speed: 100}, func(g *stage.G) {
		c := stage.NewCell(g, "c", 10)
		c.Set(g, c.Get(g)+5)
		label := stage.NewCell(g, "label", "ten") // not a number: no counter
		label.Set(g, "eleven")
		r := stage.NewRefCell(g, "r", []int{1})
		b := r.Borrow(g)
		b.Release(g)
		m := r.BorrowMut(g)
		m.Release(g)
		ch := stage.NewChan[int](g, "ch", 2)
		n := stage.NewAtomicInt(g, "n", 5)
		mu := stage.NewMutex(g, "mu")
		done := stage.NewChan[bool](g, "done", 0)
		for i := range 3 {
			g.Go("worker", func(g *stage.G) {
				g.Work(1000)
				mu.Lock(g)
				n.Add(g, 1)
				mu.Unlock(g)
				ch.Send(g, i)
				done.Send(g, true)
			})
		}
		for range 3 {
			ch.Recv(g)
			done.Recv(g)
		}
		g.Sleep(1000)
	})
	if end.Reason != stage.ReasonDone {
		t.Fatalf("run ended %s: %s", end.Reason, end.Message)
	}
	file := chromeFile{TraceEvents: chromeEntries(t, events)}
	threads := map[int]string{}
	flows := map[int64][2]int{}
	kinds := map[string]int{}
	counters := map[string][]any{}
	for _, e := range file.TraceEvents {
		kinds[e.Ph]++
		if e.Pid != 1 {
			t.Errorf("%s %q has pid %d", e.Ph, e.Name, e.Pid)
		}
		switch e.Ph {
		case "M":
			if e.Name == "thread_name" {
				threads[e.Tid] = e.Args["name"].(string)
			}
		case "X":
			if e.Ts == nil || e.Dur == nil || *e.Dur < 0 {
				t.Errorf("slice %q without a time or with a negative duration", e.Name)
			}
			if _, ok := threads[e.Tid]; !ok {
				t.Errorf("slice %q on thread %d, which has no name", e.Name, e.Tid)
			}
		case "s", "f":
			f := flows[e.ID]
			if e.Ph == "s" {
				f[0]++
			} else {
				f[1]++
				if e.Bp != "e" {
					t.Errorf("flow %d finish binds %q, want the enclosing slice", e.ID, e.Bp)
				}
			}
			flows[e.ID] = f
		case "C":
			v, ok := e.Args["value"]
			if _, number := v.(float64); !ok || !number {
				t.Errorf("counter %q at %v has the value %#v, not a number", e.Name, *e.Ts, v)
			}
			counters[e.Name] = append(counters[e.Name], v)
		}
	}
	if len(threads) != 4 || threads[1] != "main" {
		t.Errorf("thread names %v, want main and 3 workers", threads)
	}
	if len(flows) != 6 {
		t.Errorf("%d flows, want one per message (6)", len(flows))
	}
	for id, f := range flows {
		if f != [2]int{1, 1} {
			t.Errorf("flow %d has %d starts and %d finishes", id, f[0], f[1])
		}
	}
	for name, want := range map[string][]any{
		"n":         {5.0, 6.0, 7.0, 8.0},
		"c":         {10.0, 15.0},
		"r borrows": {0.0, 1.0, 0.0, -1.0, 0.0},
	} {
		if got := counters[name]; !slices.Equal(got, want) {
			t.Errorf("counter %s: %v, want %v", name, got, want)
		}
	}
	if len(counters["ch buffered"]) == 0 || len(counters["label"]) != 0 {
		t.Errorf("counter tracks %v, want ch buffered and none for the cell that holds text", counters)
	}
	if kinds["X"] == 0 || kinds["i"] == 0 {
		t.Errorf("phases %v, want slices and instants", kinds)
	}
}

// TestChromeTraceSelectAndTimers checks that a select's case carries its message's arrow as
// a plain send or receive does, in both directions, that a timer's fire starts an arrow on
// the runtime's named track, and that timers and cancels show as instants; live and seeded.
func TestChromeTraceSelectAndTimers(t *testing.T) {
	for _, cfg := range []stage.Config{{Mode: stage.Live, Speed: 100}, {Mode: stage.Seeded, Seed: 3}} {
		t.Run(string(cfg.Mode), func(t *testing.T) {
			events, end := stage.Record(context.Background(), cfg, func(g *stage.G) {
				in := stage.NewChan[int](g, "in", 0)
				out := stage.NewChan[int](g, "out", 0)
				g.Go("worker", func(g *stage.G) {
					out.Recv(g)
					in.Send(g, 1) // after the receive, so its end is recorded before main exits
				})
				g.Select(out.SendCase(2))
				var v int
				g.Select(in.RecvCase(&v))
				var d time.Duration
				g.Select(g.After("tick", time.Millisecond).RecvCase(&d))
				ctx, cancel := stage.WithCancel(g, stage.Background(), "ctx")
				cancel(g)
				ctx.Done().Recv(g) // already closed: returns at once
			})
			if end.Reason != stage.ReasonDone {
				t.Fatalf("run ended %s: %s", end.Reason, end.Message)
			}
			file := chromeFile{TraceEvents: chromeEntries(t, events)}
			threads := map[int]string{}
			starts := map[int64]int{} // flow id → tid of its start
			finishes := map[int64]int{}
			var selects, instants []string
			for _, e := range file.TraceEvents {
				switch e.Ph {
				case "M":
					if e.Name == "thread_name" {
						threads[e.Tid] = e.Args["name"].(string)
					}
				case "X":
					if e.Name == "select" {
						selects = append(selects, e.Name)
					}
				case "s":
					starts[e.ID] = e.Tid
				case "f":
					finishes[e.ID] = e.Tid
				case "i":
					instants = append(instants, e.Name)
				}
			}
			if threads[0] != "runtime (timers)" {
				t.Errorf("thread names %v, want the runtime's track named", threads)
			}
			if len(selects) != 3 {
				t.Errorf("%d select slices, want 3", len(selects))
			}
			// worker → main (in), main → worker (out), runtime → main (tick)
			want := map[[2]int]int{{2, 1}: 1, {1, 2}: 1, {0, 1}: 1}
			got := map[[2]int]int{}
			for id, from := range starts {
				to, ok := finishes[id]
				if !ok {
					t.Errorf("flow %d starts on %d and never finishes", id, from)
				}
				got[[2]int{from, to}]++
			}
			if !maps.Equal(got, want) {
				t.Errorf("flows (from, to) %v, want %v", got, want)
			}
			for _, name := range []string{"fire tick", "cancel ctx"} {
				if !slices.ContainsFunc(instants, func(s string) bool { return strings.HasPrefix(s, name) }) {
					t.Errorf("instants %q, want one starting %q", instants, name)
				}
			}
		})
	}
}

// chromeEntry is an entry of a Chrome trace, as the tests read it.
type chromeEntry struct {
	Name string         `json:"name"`
	Ph   string         `json:"ph"`
	Ts   *float64       `json:"ts"`
	Dur  *float64       `json:"dur"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	ID   int64          `json:"id"`
	Bp   string         `json:"bp"`
	Args map[string]any `json:"args"`
}

// chromeFile is a Chrome trace's entries.
type chromeFile struct {
	TraceEvents []chromeEntry `json:"traceEvents"`
}

// chromeEntries converts events to a Chrome trace and reads its entries back.
func chromeEntries(t *testing.T, events []stage.Event) []chromeEntry {
	t.Helper()
	data, err := stage.ChromeTrace(events)
	if err != nil {
		t.Fatal(err)
	}
	var file chromeFile
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return file.TraceEvents
}

// A Chrome trace written a chunk at a time, as the trace API writes a long one, is the
// trace written whole, byte for byte, wherever the chunks split it: messages received in a
// later chunk than their send keep their arrows, and goroutines still blocked at the end
// keep their last stretch.
func TestChromeTraceInChunksIsTheWholeTrace(t *testing.T) {
	events, end := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 7}, func(g *stage.G) {
		ch := stage.NewChan[int](g, "ch", 2)
		stuck := stage.NewChan[int](g, "stuck", 0)
		n := stage.NewAtomicInt(g, "n", 0)
		for i := range 3 {
			g.Go("worker", func(g *stage.G) {
				g.Work(100)
				n.Add(g, 1)
				ch.Send(g, i)
			})
		}
		g.Go("stuck", func(g *stage.G) { stuck.Send(g, 1) })
		for range 3 {
			ch.Recv(g)
		}
	})
	if end.Reason != stage.ReasonDone {
		t.Fatalf("run ended %s: %s", end.Reason, end.Message)
	}
	whole, err := stage.ChromeTrace(events)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(whole) {
		t.Fatalf("not JSON: %.300s", whole)
	}
	if !strings.Contains(string(whole), `"name":"send 1 on stuck"`) {
		t.Errorf("the goroutine blocked at the end has no stretch: %.300s", whole)
	}
	for _, size := range []int{1, 3, 7, len(events)} {
		var b strings.Builder
		cw := stage.NewChromeWriter(&b)
		for chunk := range slices.Chunk(events, size) {
			if err := cw.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		if err := cw.Close(); err != nil {
			t.Fatal(err)
		}
		if b.String() != string(whole) {
			t.Errorf("in chunks of %d:\n%s\nwhole:\n%s", size, b.String(), whole)
		}
	}
}
