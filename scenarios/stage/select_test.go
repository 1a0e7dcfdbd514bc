package stage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// both runs a test of a select under each scheduler.
func both(t *testing.T, test func(t *testing.T, cfg stage.Config)) {
	for _, cfg := range []stage.Config{fast, {Mode: stage.Seeded, Seed: 1}} {
		t.Run(string(cfg.Mode)+"mode", func(t *testing.T) { test(t, cfg) })
	}
}

// validated runs main to the end and checks its trace with stage.Validate alone, for programs
// with kinds the tests' own checker leaves to it (waitgroups, deadlocks).
func validated(t *testing.T, cfg stage.Config, main func(g *stage.G)) ([]stage.Event, stage.End) {
	t.Helper()
	r := start(t, context.Background(), cfg, main)
	select {
	case <-r.Done():
	case <-time.After(guard):
		t.Fatalf("the run did not end within %s", guard)
	}
	ev, end := r.Events(0, nil), r.End()
	if err := stage.Validate(ev, end); err != nil {
		t.Errorf("stage.Validate refuses the trace: %v", err)
	}
	return ev, end
}

// selects are the select events of a trace, in order: begins and ends.
func selects(ev []stage.Event) []stage.Event {
	var out []stage.Event
	for _, e := range ev {
		if e.Kind == stage.KindSelectBegin || e.Kind == stage.KindSelectEnd {
			out = append(out, e)
		}
	}
	return out
}

func TestSelectTakesTheReadyCase(t *testing.T) {
	both(t, func(t *testing.T, cfg stage.Config) {
		var got, idx int
		ev, end := run(t, cfg, func(g *stage.G) {
			empty := stage.NewChan[int](g, "empty", 0)
			full := stage.NewChan[int](g, "full", 1)
			full.Send(g, 42)
			idx = g.Select(
				empty.RecvCase(nil),
				full.RecvCase(&got),
			)
		})
		if end.Reason != stage.ReasonDone || idx != 1 || got != 42 {
			t.Fatalf("ended %s, took case %d with %d; want case 1 with 42", end.Reason, idx, got)
		}
		s := selects(ev)
		if len(s) != 2 || len(s[0].Cases) != 2 || s[0].Cases[0].Dir != "recv" || s[1].Case != 1 || s[1].Value != "42" || s[1].Msg == 0 {
			t.Errorf("select events %v", s)
		}
		if s[1].Line != s[0].Cases[1].Line || s[0].Cases[0].Line == s[0].Cases[1].Line || s[0].Line == 0 {
			t.Errorf("the end lights line %d, the cases are on %d and %d (select on %d)", s[1].Line, s[0].Cases[0].Line, s[0].Cases[1].Line, s[0].Line)
		}
	})
}

func TestSelectDefaultAndNilChannels(t *testing.T) {
	both(t, func(t *testing.T, cfg stage.Config) {
		var first, second int
		_, end := run(t, cfg, func(g *stage.G) {
			var never *stage.Chan[int] // a nil channel: never ready
			empty := stage.NewChan[int](g, "empty", 1)
			first = g.Select(never.RecvCase(nil), empty.RecvCase(nil), stage.Default())
			empty.Send(g, 1)
			second = g.Select(never.SendCase(3), empty.RecvCase(nil), stage.Default())
		})
		if end.Reason != stage.ReasonDone || first != 2 || second != 1 {
			t.Errorf("ended %s; took %d then %d, want the default then the receive", end.Reason, first, second)
		}
	})
}

func TestSelectWaitsForTheFirstCaseToBeReady(t *testing.T) {
	both(t, func(t *testing.T, cfg stage.Config) {
		var idx int
		var v string
		ev, end := run(t, cfg, func(g *stage.G) {
			a := stage.NewChan[string](g, "a", 0)
			b := stage.NewChan[string](g, "b", 0)
			g.Go("sender", func(g *stage.G) {
				g.Sleep(time.Millisecond)
				b.Send(g, "hello")
			})
			idx = g.Select(a.RecvCase(&v), b.RecvCase(&v))
		})
		if end.Reason != stage.ReasonDone || idx != 1 || v != `hello` {
			t.Fatalf("ended %s (%s); took case %d with %q", end.Reason, end.Message, idx, v)
		}
		// The receive pairs with the send: same message.
		var sent int64
		for _, e := range ev {
			if e.Kind == stage.KindSendBegin {
				sent = e.Msg
			}
		}
		if s := selects(ev); s[1].Msg != sent || s[1].Obj != 2+0 && s[1].Obj == 0 {
			t.Errorf("the select received message %d, the send was %d", s[1].Msg, sent)
		}
	})
}

func TestSelectSendCaseMeetsAReceiver(t *testing.T) {
	both(t, func(t *testing.T, cfg stage.Config) {
		var got int
		var idx int
		ev, end := validated(t, cfg, func(g *stage.G) {
			out := stage.NewChan[int](g, "out", 0)
			quit := stage.NewChan[int](g, "quit", 0)
			done := stage.NewWaitGroup(g, "done")
			done.Add(g, 1)
			g.Go("receiver", func(g *stage.G) {
				got, _ = out.Recv(g)
				done.Done(g)
			})
			idx = g.Select(quit.RecvCase(nil), out.SendCase(7))
			done.Wait(g)
		})
		if end.Reason != stage.ReasonDone || idx != 1 || got != 7 {
			t.Fatalf("ended %s (%s); case %d, received %d", end.Reason, end.Message, idx, got)
		}
		s := selects(ev)
		var recvMsg int64
		for _, e := range ev {
			if e.Kind == stage.KindRecvEnd {
				recvMsg = e.Msg
			}
		}
		if s[0].Cases[1].Msg == 0 || s[1].Msg != s[0].Cases[1].Msg || recvMsg != s[1].Msg {
			t.Errorf("the send case offered message %d, its end says %d, the receiver got %d", s[0].Cases[1].Msg, s[1].Msg, recvMsg)
		}
	})
}

func TestSelectOnClosedChannels(t *testing.T) {
	both(t, func(t *testing.T, cfg stage.Config) {
		var ok = true
		var idx int
		_, end := run(t, cfg, func(g *stage.G) {
			c := stage.NewChan[int](g, "c", 0)
			c.Close(g)
			var v int
			idx = g.Select(c.RecvCaseOK(&v, &ok))
		})
		if end.Reason != stage.ReasonDone || idx != 0 || ok {
			t.Errorf("a receive case on a closed channel: ended %s, case %d, ok %v", end.Reason, idx, ok)
		}
		_, end = run(t, cfg, func(g *stage.G) {
			c := stage.NewChan[int](g, "c", 1)
			c.Close(g)
			g.Select(c.SendCase(1))
		})
		if end.Reason != stage.ReasonPanic || !strings.Contains(end.Message, "send on closed channel") {
			t.Errorf("a send case on a closed channel: ended %s: %s, want the panic", end.Reason, end.Message)
		}
	})
}

// A select of receives from unbuffered channels that waits is woken by whatever lets one of
// its cases go: a send, a close, or the run ending; and when nothing can, the run deadlocks
// and says on what each waits.
func TestSelectOfReceivesWaitsForSendCloseOrTheEnd(t *testing.T) {
	both(t, func(t *testing.T, cfg stage.Config) {
		cfg.Speed = 1
		var got []string
		_, end := validated(t, cfg, func(g *stage.G) {
			x := stage.NewChan[int](g, "x", 0)
			y := stage.NewChan[int](g, "y", 0)
			done := stage.NewChan[int](g, "done", 0)
			g.Go("selecting", func(g *stage.G) {
				var v int
				var ok bool
				for range 3 {
					switch g.Select(x.RecvCaseOK(&v, &ok), y.RecvCaseOK(&v, &ok)) {
					case 0:
						got = append(got, fmt.Sprint("x ", v, " ", ok))
					case 1:
						got = append(got, fmt.Sprint("y ", v, " ", ok))
					}
				}
				done.Send(g, 0)
			})
			g.Sleep(time.Millisecond) // the select is likelier to wait before each of these
			y.Send(g, 1)
			g.Sleep(time.Millisecond)
			x.Send(g, 2)
			g.Sleep(time.Millisecond)
			y.Close(g)
			done.Recv(g)
		})
		if want := []string{"y 1 true", "x 2 true", "y 0 false"}; end.Reason != stage.ReasonDone || !slices.Equal(got, want) {
			t.Errorf("ended %s (%s), the select got %q, want %q", end.Reason, end.Message, got, want)
		}

		ev, end := validated(t, cfg, func(g *stage.G) {
			x := stage.NewChan[int](g, "x", 0)
			y := stage.NewChan[int](g, "y", 0)
			g.Go("waiter", func(g *stage.G) { g.Select(x.RecvCase(nil), y.RecvCase(nil)) })
			g.Select(y.RecvCase(nil), x.RecvCase(nil))
		})
		if end.Reason != stage.ReasonDeadlock {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		for _, want := range []string{"main: blocked in select: receiving from y, receiving from x", "waiter: blocked in select: receiving from x, receiving from y"} {
			if !strings.Contains(end.Message, want) {
				t.Errorf("message %q, want it to say %q", end.Message, want)
			}
		}
		if n := count(ev, stage.KindDeadlock); n != 2 {
			t.Errorf("%d deadlock events, want one for each goroutine", n)
		}

		_, end = validated(t, cfg, func(g *stage.G) {
			x := stage.NewChan[int](g, "x", 0)
			y := stage.NewChan[int](g, "y", 0)
			g.Go("left waiting", func(g *stage.G) { g.Select(x.RecvCase(nil), y.RecvCase(nil)) })
			g.Sleep(time.Millisecond)
		})
		if end.Reason != stage.ReasonDone || len(end.Leftover) != 1 {
			t.Errorf("ended %s (%s), leftover %q: want main's return, the select left over", end.Reason, end.Message, end.Leftover)
		}
	})
}

func TestSelectDeadlockSaysOnWhat(t *testing.T) {
	both(t, func(t *testing.T, cfg stage.Config) {
		cfg.Speed = 1
		ev, end := validated(t, cfg, func(g *stage.G) {
			results := stage.NewChan[int](g, "results", 0)
			timer := stage.NewChan[int](g, "timer", 0)
			out := stage.NewChan[int](g, "out", 0)
			g.Select(results.RecvCase(nil), timer.RecvCase(nil), out.SendCase(1))
		})
		if end.Reason != stage.ReasonDeadlock {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		want := "blocked in select: receiving from results, receiving from timer, sending on out"
		if !strings.Contains(end.Message, want) {
			t.Errorf("message %q, want it to say %q", end.Message, want)
		}
		if n := count(ev, stage.KindDeadlock); n != 1 {
			t.Errorf("%d deadlock events, want main's", n)
		}
	})
}

func TestSelectWithNothingToWaitForIsADeadlock(t *testing.T) {
	both(t, func(t *testing.T, cfg stage.Config) {
		cfg.Speed = 1
		_, end := validated(t, cfg, func(g *stage.G) {
			var never *stage.Chan[int]
			g.Select(never.RecvCase(nil))
		})
		if end.Reason != stage.ReasonDeadlock || !strings.Contains(end.Message, "blocked in select: receiving from a nil channel") {
			t.Errorf("ended %s: %s", end.Reason, end.Message)
		}
	})
}

// A live run stopped while goroutines wait in selects, on receives and on sends to a full
// buffer and to an unbuffered channel, ends stopped, and every goroutine leaves (goleak checks).
// (A seeded run waits in a select as on anything else: for the baton, which a stop takes back.)
func TestStopWhileInSelect(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := start(t, ctx, stage.Config{Speed: 1}, func(g *stage.G) {
		a := stage.NewChan[int](g, "a", 0)
		b := stage.NewChan[int](g, "b", 1)
		c := stage.NewChan[int](g, "c", 0)
		d := stage.NewChan[int](g, "d", 0)
		b.Send(g, 1) // b is full: a send case on it waits too
		g.Go("other", func(g *stage.G) { g.Select(d.SendCase(2), b.SendCase(3)) })
		g.Select(a.RecvCase(nil), c.RecvCase(nil))
	})
	waitFor(t, r, "both in their selects", func(ev []stage.Event) bool { return count(ev, stage.KindSelectBegin) == 2 })
	cancel()
	select {
	case <-r.Done():
	case <-time.After(guard):
		t.Fatal("the run did not end after its context was cancelled")
	}
	if end := r.End(); end.Reason != stage.ReasonStopped {
		t.Errorf("ended %s: %s, want stopped", end.Reason, end.Message)
	}
	if err := stage.Validate(r.Events(0, nil), r.End()); err != nil {
		t.Error(err)
	}
}

// In seeded mode a select with several ready cases takes one at random from the seed: both
// come up across seeds, the same seed takes the same, and the choice is in the schedule, so
// that a replay makes it again whatever the strategy behind it.
func TestSeededSelectChoosesBySeedAndTheScheduleHoldsIt(t *testing.T) {
	program := func(g *stage.G) {
		a := stage.NewChan[int](g, "a", 1)
		b := stage.NewChan[int](g, "b", 1)
		for i := range 6 {
			a.Send(g, i)
			b.Send(g, i)
			var v int
			g.Println(g.Select(a.RecvCase(&v), b.RecvCase(&v)))
			if a.Len() > 0 {
				a.Recv(g)
			} else {
				b.Recv(g)
			}
		}
	}
	picks := map[string]bool{}
	for seed := uint64(1); seed <= 8; seed++ {
		trace, end := seededRun(t, stage.Config{Seed: seed}, program)
		again, _ := seededRun(t, stage.Config{Seed: seed}, program)
		if string(trace) != string(again) {
			t.Errorf("seed %d gave two traces", seed)
		}
		if end.Schedule.Len() < 6 {
			t.Errorf("seed %d: %d choices in the schedule, want the 6 selects'", seed, end.Schedule.Len())
		}
		replayed, _ := seededRun(t, stage.Config{Seed: seed, Strategy: stage.Replay(end.Schedule, stage.RoundRobin())}, program)
		if string(replayed) != string(trace) {
			t.Errorf("seed %d: its schedule replayed gives another run", seed)
		}
		picks[fmt.Sprint(printsOf(t, program, seed))] = true
	}
	if len(picks) < 2 {
		t.Errorf("8 seeds took the same cases every time: %v", picks)
	}
}

func printsOf(t *testing.T, program func(*stage.G), seed uint64) []string {
	t.Helper()
	events, _ := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: seed}, program)
	var out []string
	for _, e := range events {
		if e.Kind == stage.KindPrint {
			out = append(out, e.Value)
		}
	}
	return out
}

// Live, a select takes the ready cases at random, as Go's does: over many selects with both
// ready, both are taken.
func TestLiveSelectTakesBothReadyCases(t *testing.T) {
	var counts [2]int
	_, end := run(t, fast, func(g *stage.G) {
		a := stage.NewChan[int](g, "a", 1)
		b := stage.NewChan[int](g, "b", 1)
		for range 200 {
			if a.Len() == 0 {
				a.Send(g, 1)
			}
			if b.Len() == 0 {
				b.Send(g, 2)
			}
			counts[g.Select(a.RecvCase(nil), b.RecvCase(nil))]++
		}
	})
	if end.Reason != stage.ReasonDone || counts[0] == 0 || counts[1] == 0 {
		t.Errorf("ended %s; took a %d and b %d times of 200", end.Reason, counts[0], counts[1])
	}
}
