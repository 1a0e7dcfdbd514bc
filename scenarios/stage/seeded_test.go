package stage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

func seeded(seed uint64) stage.Config { return stage.Config{Mode: stage.Seeded, Seed: seed} }

func TestDeadlockIsReportedInBothModes(t *testing.T) {
	program := func(g *stage.G) {
		ch := stage.NewChan[int](g, "ch", 0)
		mu := stage.NewMutex(g, "mu")
		mu.Lock(g)
		g.Go("locker", func(g *stage.G) {
			mu.Lock(g)
		})
		out := stage.NewChan[int](g, "out", 0)
		g.Go("sender", func(g *stage.G) {
			out.Send(g, 1)
		})
		wg := stage.NewWaitGroup(g, "wg")
		wg.Add(g, 1)
		g.Go("waiter", func(g *stage.G) {
			wg.Wait(g)
		})
		ch.Recv(g)
	}
	for _, cfg := range []stage.Config{seeded(1), {Speed: 1}} {
		t.Run(string(cfg.Mode), func(t *testing.T) {
			events, end := stage.Record(context.Background(), cfg, program)
			if end.Reason != stage.ReasonDeadlock {
				t.Fatalf("ended %s: %s", end.Reason, end.Message)
			}
			if err := stage.Validate(events, end); err != nil {
				t.Fatal(err)
			}
			var reports []string
			for _, e := range events {
				if e.Kind == stage.KindDeadlock {
					reports = append(reports, e.Op+" "+e.Value)
				}
			}
			want := []string{"recv blocked receiving from ch", "lock blocked locking mu", "send blocked sending on out", "wait waiting for wg"}
			if len(reports) != len(want) {
				t.Fatalf("deadlock reports %q, want %q", reports, want)
			}
			for i := range want {
				if !strings.HasPrefix(reports[i], want[i]) {
					t.Errorf("deadlock report %d is %q, want %q", i, reports[i], want[i])
				}
			}
			if cfg.Mode == stage.Seeded && !strings.Contains(reports[1], "(held by main)") {
				t.Errorf("seeded report %q does not name the holder", reports[1])
			}
		})
	}
}

func TestSeededTimeIsVirtual(t *testing.T) {
	work := func(g *stage.G) {
		done := stage.NewChan[bool](g, "done", 4)
		for range 4 {
			g.Go("worker", func(g *stage.G) {
				g.Work(100 * time.Millisecond)
				done.Send(g, true)
			})
		}
		for range 4 {
			done.Recv(g)
		}
		g.Sleep(time.Hour)
	}
	for procs, want := range map[int]time.Duration{1: 400*time.Millisecond + time.Hour, 2: 200*time.Millisecond + time.Hour, 4: 100*time.Millisecond + time.Hour} {
		cfg := seeded(7)
		cfg.Processors = procs
		events, end := stage.Record(context.Background(), cfg, work)
		if end.Reason != stage.ReasonDone || time.Duration(end.Duration) != want {
			t.Errorf("%d processors: ended %s after %s, want done after %s", procs, end.Reason, time.Duration(end.Duration), want)
		}
		if err := stage.Validate(events, end); err != nil {
			t.Error(err)
		}
	}
}

func TestCancellingASeededRunEndsIt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := stage.Start(ctx, seeded(3), func(g *stage.G) {
		ch := stage.NewChan[int](g, "ch", 1)
		g.Go("spinner", func(g *stage.G) {
			for i := 0; ; i++ {
				ch.Send(g, i)
			}
		})
		for {
			ch.Recv(g)
		}
	})
	for r.Len() < 1000 {
		<-r.Updated()
	}
	cancel()
	select {
	case <-r.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the seeded run did not end after its context was cancelled")
	}
	if end := r.End(); end.Reason != stage.ReasonStopped {
		t.Errorf("ended %s, want stopped", end.Reason)
	}
}

func TestSeededChannelsKeepGoSemantics(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		events, end := stage.Record(context.Background(), seeded(seed), func(g *stage.G) {
			ch := stage.NewChan[int](g, "ch", 2)
			wg := stage.NewWaitGroup(g, "wg")
			for i := range 3 {
				wg.Add(g, 1)
				g.Go("sender", func(g *stage.G) {
					for j := range 5 {
						ch.Send(g, i*10+j)
					}
					wg.Done(g)
				})
			}
			g.Go("closer", func(g *stage.G) {
				wg.Wait(g)
				ch.Close(g)
			})
			got := 0
			for range ch.Range(g) {
				got++
			}
			if got != 15 {
				panic("lost a value")
			}
		})
		if end.Reason != stage.ReasonDone {
			t.Fatalf("seed %d ended %s: %s", seed, end.Reason, end.Message)
		}
		if err := stage.Validate(events, end); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

// TestSeededRunnableWhileProcessorsAreBusy checks that a goroutine wanting to Work while every
// processor is busy is recorded runnable, not running, until one frees, and then works.
func TestSeededRunnableWhileProcessorsAreBusy(t *testing.T) {
	const work = 100 * time.Millisecond
	program := func(g *stage.G) {
		done := stage.NewChan[bool](g, "done", 2)
		for range 2 {
			g.Go("worker", func(g *stage.G) {
				g.Work(work)
				done.Send(g, true)
			})
		}
		done.Recv(g)
		done.Recv(g)
	}
	for seed := range uint64(5) {
		cfg := seeded(seed)
		cfg.Processors = 1
		events, end := stage.Record(context.Background(), cfg, program)
		if err := stage.Validate(events, end); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var waits, works []stage.Event
		for _, e := range events {
			switch e.Kind {
			case stage.KindRunnableBegin, stage.KindRunnableEnd:
				waits = append(waits, e)
			case stage.KindWorkBegin:
				works = append(works, e)
			}
		}
		if len(waits) != 2 || waits[0].Kind != stage.KindRunnableBegin || waits[1].Kind != stage.KindRunnableEnd || waits[0].G != waits[1].G {
			t.Fatalf("seed %d: runnable events %v, want one goroutine's begin and end", seed, waits)
		}
		if len(works) != 2 || works[0].G == waits[0].G || works[1].G != waits[0].G {
			t.Fatalf("seed %d: works %v: want the other worker first, then the waiter", seed, works)
		}
		if waits[0].T != works[0].T || waits[1].T != works[0].T+int64(work) || works[1].T != waits[1].T {
			t.Errorf("seed %d: runnable %d→%d ns while the other works from %d; the waiter works from %d",
				seed, waits[0].T, waits[1].T, works[0].T, works[1].T)
		}
		if waits[0].Line == 0 || waits[0].Line != works[1].Line {
			t.Errorf("seed %d: runnable at line %d, its work at line %d: want the Work call's", seed, waits[0].Line, works[1].Line)
		}

		cfg.Processors = 2
		events, _ = stage.Record(context.Background(), cfg, program)
		for _, e := range events {
			if e.Kind == stage.KindRunnableBegin {
				t.Fatalf("seed %d: a goroutine waited for one of 2 processors with 2 workers", seed)
			}
		}
	}
}

// A sender whose value main has received is not left blocked, though main returns before it
// runs again: the end names it runnable, not blocked sending, and it is no leak.
func TestAGoroutineLetGoAsMainReturnsIsRunnable(t *testing.T) {
	seen := false
	for seed := uint64(1); seed <= 20; seed++ {
		_, end := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: seed}, func(g *stage.G) {
			ch := stage.NewChan[int](g, "done", 0)
			g.Go("sender", func(g *stage.G) { ch.Send(g, 1) })
			ch.Recv(g)
		})
		for _, l := range end.Leftover {
			if l != "sender (runnable, its wait over)" {
				t.Fatalf("seed %d: main leaves %q behind, though it took the send", seed, l)
			}
			seen = true
		}
	}
	if !seen {
		t.Skip("in no seed did main return before the sender ran again")
	}
}
