package stage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// The first error a goroutine of the group returns is the one Wait returns, and cancels the
// group's context, which the others see; a later error is dropped.
func TestErrGroupTheFirstErrorCancelsTheContext(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var err, ctxErr error
		ev, end := validated(t, cfg, func(g *stage.G) {
			grp, ctx := stage.WithContext(g, stage.Background(), "fetches")
			grp.Go(g, "fails", func(g *stage.G) error {
				g.Sleep(10 * time.Millisecond)
				return errors.New("boom")
			})
			for i := range 2 {
				grp.Go(g, fmt.Sprint("fetch ", i), func(g *stage.G) error {
					ctx.Done().Recv(g)
					return fmt.Errorf("fetch %d: %w", i, ctx.Err(g))
				})
			}
			err = grp.Wait(g)
			ctxErr = ctx.Err(g)
		})
		if end.Reason != stage.ReasonDone {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		if err == nil || err.Error() != "boom" || !errors.Is(ctxErr, context.Canceled) {
			t.Errorf("Wait returned %v, the context's Err %v; want boom, canceled", err, ctxErr)
		}
		var ops []string
		cancelledAfterFirst := false
		for i, e := range ev {
			if e.Kind == stage.KindGroupDone {
				ops = append(ops, e.Op)
				if e.Op == "first" {
					next := ev[i+1]
					cancelledAfterFirst = next.Kind == stage.KindCancel && next.G == e.G
				}
			}
		}
		if strings.Join(ops, " ") != "first later later" || !cancelledAfterFirst {
			t.Errorf("group-done ops %v, cancel right after the first: %v", ops, cancelledAfterFirst)
		}
		if c := cancels(ev)["fetches context"]; c.Kind == "" {
			t.Errorf("the group's context was never cancelled")
		}
	})
}

// With no error, Wait returns nil and cancels the context itself.
func TestErrGroupWaitCancelsTheContext(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var err error
		ev, end := validated(t, cfg, func(g *stage.G) {
			grp, _ := stage.WithContext(g, stage.Background(), "group")
			for i := range 3 {
				grp.Go(g, fmt.Sprint("worker ", i), func(g *stage.G) error { g.Work(time.Millisecond); return nil })
			}
			err = grp.Wait(g)
			err = errors.Join(err, grp.Wait(g)) // a second Wait returns at once
		})
		if end.Reason != stage.ReasonDone || err != nil {
			t.Fatalf("ended %s (%s); Wait returned %v", end.Reason, end.Message, err)
		}
		c := cancels(ev)["group context"]
		if c.Kind == "" || c.G != 1 {
			t.Errorf("the group's context was cancelled by %d, want main's Wait", c.G)
		}
		if count(ev, stage.KindGroupWaitEnd) != 2 || count(ev, stage.KindCancel) != 1 {
			t.Errorf("%d wait ends and %d cancels, want 2 and 1", count(ev, stage.KindGroupWaitEnd), count(ev, stage.KindCancel))
		}
	})
}

// SetLimit bounds the goroutines active: Go waits for a slot, TryGo is refused while none is
// free, and changing the limit while goroutines run panics.
func TestErrGroupLimit(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var tried []bool
		most := int64(0)
		ev, end := validated(t, cfg, func(g *stage.G) {
			grp := stage.NewGroup(g, "pool")
			grp.SetLimit(g, 2)
			for i := range 5 {
				grp.Go(g, fmt.Sprint("job ", i), func(g *stage.G) error { g.Work(10 * time.Millisecond); return nil })
				tried = append(tried, grp.TryGo(g, "extra", func(g *stage.G) error { return nil }))
			}
			grp.Wait(g)
			grp.SetLimit(g, 1)
			grp.Go(g, "last", func(g *stage.G) error { g.Sleep(time.Millisecond); return nil })
			grp.SetLimit(g, 3)
		})
		if end.Reason != stage.ReasonPanic || !strings.Contains(end.Message, "errgroup: modify limit while 1 goroutines in the group are still active") {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		for _, e := range ev {
			if e.Kind == stage.KindGroupGoEnd {
				most = max(most, e.New)
			}
		}
		if most != 2 || tried[1] {
			t.Errorf("at most %d active, TryGo gave %v; want 2 and refusals while full", most, tried)
		}
	})
}

// Go blocked on the limit, and Wait on a goroutine that never returns, are named in a
// deadlock.
func TestErrGroupDeadlocks(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		_, end := validated(t, cfg, func(g *stage.G) {
			grp := stage.NewGroup(g, "none")
			grp.SetLimit(g, 0)
			grp.Go(g, "never", func(g *stage.G) error { return nil })
		})
		if end.Reason != stage.ReasonDeadlock || !strings.Contains(end.Message, "main: blocked in Go on none (0 of limit 0 active)") {
			t.Errorf("ended %s: %s", end.Reason, end.Message)
		}
		_, end = validated(t, cfg, func(g *stage.G) {
			grp := stage.NewGroup(g, "stuck")
			never := stage.NewChan[int](g, "never", 0)
			grp.Go(g, "waits", func(g *stage.G) error { never.Recv(g); return nil })
			grp.Wait(g)
		})
		if end.Reason != stage.ReasonDeadlock || !strings.Contains(end.Message, "main: blocked in Wait on stuck (1 goroutine still active)") {
			t.Errorf("ended %s: %s", end.Reason, end.Message)
		}
	})
}

// A stop wakes goroutines blocked in Go and in Wait.
func TestErrGroupStopWhileWaiting(t *testing.T) {
	r := start(t, context.Background(), stage.Config{}, func(g *stage.G) {
		grp := stage.NewGroup(g, "group")
		grp.SetLimit(g, 1)
		grp.Go(g, "sleeper", func(g *stage.G) error { g.Sleep(time.Hour); return nil })
		g.Go("waiter", func(g *stage.G) { grp.Wait(g) })
		grp.Go(g, "second", func(g *stage.G) error { return nil })
	})
	waitFor(t, r, "main in Go and the waiter in Wait", func(ev []stage.Event) bool {
		id := gid(ev, "waiter")
		return id != 0 && lastKind(ev, id) == stage.KindGroupWaitBegin && lastKind(ev, 1) == stage.KindGroupGoBegin
	})
	r.Stop()
	select {
	case <-r.Done():
	case <-time.After(guard):
		t.Fatalf("the run did not end within %s of Stop", guard)
	}
	ev, end := r.Events(0, nil), r.End()
	if end.Reason != stage.ReasonStopped {
		t.Errorf("ended %s: %s", end.Reason, end.Message)
	}
	if err := stage.Validate(ev, end); err != nil {
		t.Errorf("stage.Validate refuses the trace: %v", err)
	}
}
