package stage_test

import (
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// fires are the fire events of a trace.
func fires(ev []stage.Event) []stage.Event {
	var out []stage.Event
	for _, e := range ev {
		if e.Kind == stage.KindFire {
			out = append(out, e)
		}
	}
	return out
}

// timed runs a timer test in both schedulers, live at real speed: a live timer's wait is
// real time.
func timed(t *testing.T, test func(t *testing.T, cfg stage.Config)) {
	for _, cfg := range []stage.Config{{Speed: 1}, {Mode: stage.Seeded, Seed: 1}} {
		t.Run(string(cfg.Mode)+"mode", func(t *testing.T) { test(t, cfg) })
	}
}

// made is the time the object named name was announced.
func made(ev []stage.Event, name string) time.Duration {
	for _, e := range ev {
		if e.Kind == stage.KindNew && e.Name == name {
			return time.Duration(e.T)
		}
	}
	return -1
}

func TestAfterFiresOnceAfterItsTime(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var got, at time.Duration
		ev, end := validated(t, cfg, func(g *stage.G) {
			got, _ = g.After("timeout", 40*time.Millisecond).Recv(g)
			at = g.Now()
		})
		if end.Reason != stage.ReasonDone {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		f := fires(ev)
		if len(f) != 1 || f[0].G != 0 || f[0].Msg == 0 {
			t.Fatalf("fires %v, want one by the runtime", f)
		}
		// It carries the time it was due, 40ms after it was made (live, a moment after its new
		// event), and comes no earlier.
		due := made(ev, "timeout") + 40*time.Millisecond
		if got < due || got > due+5*time.Millisecond || f[0].Value != got.String() || at < got {
			t.Errorf("received %s (fire says %s) at %s; made at %s, so due at %s", got, f[0].Value, at, made(ev, "timeout"), due)
		}
		if cfg.Mode == stage.Seeded && f[0].T != int64(40*time.Millisecond) {
			t.Errorf("a seeded timer fired at %d ns, want exactly 40ms", f[0].T)
		}
	})
}

// A timer waited on in a select races another case: here the result comes first, so the
// select takes it, and Stop says the timer had not fired; it never does.
func TestTimerInASelect(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var idx int
		var stopped bool
		ev, end := validated(t, cfg, func(g *stage.G) {
			result := stage.NewChan[int](g, "result", 0)
			timer := stage.NewTimer(g, "timeout", 5*time.Second)
			g.Go("worker", func(g *stage.G) {
				g.Work(time.Millisecond)
				result.Send(g, 7)
			})
			idx = g.Select(result.RecvCase(nil), timer.C.RecvCase(nil))
			stopped = timer.Stop(g)
		})
		if end.Reason != stage.ReasonDone || idx != 0 || !stopped {
			t.Fatalf("ended %s (%s); took case %d; Stop %v", end.Reason, end.Message, idx, stopped)
		}
		if f := fires(ev); len(f) != 0 {
			t.Errorf("a stopped timer fired: %v", f)
		}
	})
}

// A pending timer is not a deadlock: main waits on it alone, and it comes.
func TestAPendingTimerIsNotADeadlock(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		_, end := validated(t, cfg, func(g *stage.G) {
			g.After("later", 350*time.Millisecond).Recv(g) // past the live watch's two checks
		})
		if end.Reason != stage.ReasonDone {
			t.Errorf("ended %s: %s", end.Reason, end.Message)
		}
	})
}

func TestTickerTicksAndDropsTicksNotTaken(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var got []time.Duration
		ev, end := validated(t, cfg, func(g *stage.G) {
			tick := stage.NewTicker(g, "tick", 10*time.Millisecond)
			for range 3 {
				v, _ := tick.C().Recv(g)
				got = append(got, v)
			}
			g.Sleep(35 * time.Millisecond) // misses ticks: the buffer keeps one
			v, _ := tick.C().Recv(g)
			got = append(got, v)
			tick.Stop(g)
		})
		if end.Reason != stage.ReasonDone || len(got) != 4 {
			t.Fatalf("ended %s (%s); got %v", end.Reason, end.Message, got)
		}
		// Ticks are due a period apart from when the ticker was made. A live main that a busy
		// machine holds back past a tick misses it, as Go's would: its ticks are then further
		// apart, by whole periods.
		first := made(ev, "tick") + 10*time.Millisecond
		if got[0] < first || got[0] > first+5*time.Millisecond {
			t.Errorf("the first tick carries %s; the ticker was made at %s", got[0], made(ev, "tick"))
		}
		for i, v := range got[1:3] {
			apart := v - got[i]
			if cfg.Mode == stage.Seeded && apart != 10*time.Millisecond || apart <= 0 || apart%(10*time.Millisecond) != 0 {
				t.Errorf("tick %d carries %s, %s after the one before", i+1, v, apart)
			}
		}
		dropped := 0
		for _, f := range fires(ev) {
			if f.Op == "dropped" {
				dropped++
			}
		}
		if cfg.Mode == stage.Seeded && (dropped != 2 || got[3] != 40*time.Millisecond) {
			t.Errorf("while main slept, %d ticks dropped and it then got %s; want 2 dropped, the 40ms one kept", dropped, got[3])
		}
	})
}

// Reset makes a stopped or fired timer fire again, and leaves no stale tick behind.
func TestTimerResetLeavesNoStaleTick(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var got time.Duration
		var wasPending bool
		ev, end := validated(t, cfg, func(g *stage.G) {
			timer := stage.NewTimer(g, "t", 5*time.Millisecond)
			g.Sleep(20 * time.Millisecond) // it fires; its tick waits in the channel
			wasPending = timer.Reset(g, 30*time.Millisecond)
			got, _ = timer.C.Recv(g)
		})
		// A live timer that a busy machine holds back past main's sleep has not fired when
		// Reset comes: Reset then stops it, and says so, as Go's does.
		late := cfg.Mode != stage.Seeded && wasPending
		if end.Reason != stage.ReasonDone || wasPending && !late {
			t.Fatalf("ended %s (%s); Reset reported a pending fire %v", end.Reason, end.Message, wasPending)
		}
		var reset stage.Event
		for _, e := range ev {
			if e.Kind == stage.KindTimer {
				reset = e
			}
		}
		if got < time.Duration(reset.T)+30*time.Millisecond || got < made(ev, "t")+50*time.Millisecond {
			t.Errorf("received %s: the stale tick, not the one due 30ms after the reset (%s)", got, time.Duration(reset.T))
		}
		if reset.Op != "reset" || reset.Msg == 0 && !late || reset.Dur != int64(30*time.Millisecond) {
			t.Errorf("the reset event %+v: want op reset, the drained tick's message, dur 30ms", reset)
		}
		if late {
			t.Logf("the timer had not fired when Reset came, %s after it was made", time.Duration(reset.T)-made(ev, "t"))
		}
	})
}

func TestBlockedOnAStoppedTimerIsADeadlock(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		_, end := validated(t, cfg, func(g *stage.G) {
			timer := stage.NewTimer(g, "never", time.Hour)
			timer.Stop(g)
			timer.C.Recv(g)
		})
		if end.Reason != stage.ReasonDeadlock || !strings.Contains(end.Message, "blocked receiving from never") {
			t.Errorf("ended %s: %s", end.Reason, end.Message)
		}
	})
}
