package stage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// untilQueued returns once a goroutine waits in Acquire on s: a TryAcquire(0), which fits
// whenever no one waits, is then refused.
func untilQueued(g *stage.G, s *stage.Semaphore) {
	for s.TryAcquire(g, 0) {
		g.Sleep(time.Millisecond)
	}
}

// acquireEnds are the ends of the Acquires (not TryAcquires) of a trace, as goroutine:op, in
// order.
func acquireEnds(ev []stage.Event) []string {
	names := map[int]string{}
	try := map[int]bool{}
	var out []string
	for _, e := range ev {
		switch e.Kind {
		case stage.KindGo:
			names[e.Child] = e.Name
		case stage.KindAcquireBegin:
			try[e.G] = e.Op == "try"
		case stage.KindAcquireEnd:
			if !try[e.G] {
				out = append(out, names[e.G]+":"+e.Op)
			}
		}
	}
	return out
}

// A request that does not fit waits, and holds back a smaller one behind it that would fit:
// with nothing left to let either go, that is a deadlock, named with each wait.
func TestSemaphoreALargeRequestHoldsBackSmallerOnes(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		ev, end := validated(t, cfg, func(g *stage.G) {
			sem := stage.NewWeighted(g, "sem", 4)
			sem.Acquire(g, stage.Background(), 3)
			g.Go("big", func(g *stage.G) { sem.Acquire(g, stage.Background(), 2) })
			untilQueued(g, sem)
			sem.Acquire(g, stage.Background(), 1) // 1 is free, but big came first
		})
		if end.Reason != stage.ReasonDeadlock {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		for _, want := range []string{
			"main: blocked in Acquire(1) on sem (3 of 4 in use, behind big's Acquire(2))",
			"big: blocked in Acquire(2) on sem (3 of 4 in use)",
		} {
			if !strings.Contains(end.Message, want) {
				t.Errorf("the deadlock says %q, want it to say %q", end.Message, want)
			}
		}
		ops := map[string]bool{}
		for _, e := range ev {
			if e.Kind == stage.KindDeadlock {
				ops[e.Op] = true
			}
		}
		if !ops["acquire"] || len(ops) != 1 {
			t.Errorf("deadlock events' ops %v, want acquire", ops)
		}
	})
}

// Release serves the waiters in the order they came, as many as fit.
func TestSemaphoreReleaseServesWaitersInOrder(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var inUse []int64
		ev, end := validated(t, cfg, func(g *stage.G) {
			sem := stage.NewWeighted(g, "sem", 4)
			sem.Acquire(g, stage.Background(), 4)
			done := stage.NewWaitGroup(g, "done")
			done.Add(g, 2)
			g.Go("first", func(g *stage.G) { sem.Acquire(g, stage.Background(), 3); done.Done(g) })
			untilQueued(g, sem)
			g.Go("second", func(g *stage.G) { sem.Acquire(g, stage.Background(), 1); done.Done(g) })
			sem.Release(g, 4)
			done.Wait(g)
		})
		if end.Reason != stage.ReasonDone {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		for _, e := range ev {
			if e.Kind == stage.KindAcquireEnd || e.Kind == stage.KindSemRelease {
				inUse = append(inUse, e.New)
			}
		}
		if got := strings.Join(acquireEnds(ev), " "); got != "main: first: second:" {
			t.Errorf("acquires served %s, want main, first, second", got)
		}
		if len(inUse) == 0 || inUse[len(inUse)-1] != 4 {
			t.Errorf("weight in use %v, want 4 at the end", inUse)
		}
	})
}

// An Acquire ends with its context's error when the context ends first, having taken
// nothing; a waiter that leaves the front lets the one behind it be served.
func TestSemaphoreAcquireEndsWithItsContext(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var timedOut, canceled, behind, early error
		ev, end := validated(t, cfg, func(g *stage.G) {
			sem := stage.NewWeighted(g, "sem", 4)
			sem.Acquire(g, stage.Background(), 2)
			ctx, _ := stage.WithTimeout(g, stage.Background(), "soon", 20*time.Millisecond)
			timedOut = sem.Acquire(g, ctx, 3)
			big, cancel := stage.WithCancel(g, stage.Background(), "big")
			done := stage.NewWaitGroup(g, "done")
			done.Add(g, 2)
			g.Go("big", func(g *stage.G) { canceled = sem.Acquire(g, big, 3); done.Done(g) })
			untilQueued(g, sem)
			g.Go("behind", func(g *stage.G) { behind = sem.Acquire(g, stage.Background(), 2); done.Done(g) })
			g.Sleep(10 * time.Millisecond)
			cancel(g)
			done.Wait(g)
			early = sem.Acquire(g, big, 0) // its context is already done: it fails, though 0 fits
		})
		if end.Reason != stage.ReasonDone {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		if !errors.Is(timedOut, context.DeadlineExceeded) || !errors.Is(canceled, context.Canceled) || behind != nil || !errors.Is(early, context.Canceled) {
			t.Errorf("Acquire returned %v, %v, %v, %v; want deadline exceeded, canceled, nil, canceled", timedOut, canceled, behind, early)
		}
		if got := strings.Join(acquireEnds(ev), " "); got != "main: main:canceled big:canceled behind: main:canceled" {
			t.Errorf("acquire ends %s", got)
		}
	})
}

// A request larger than the semaphore never queues: it holds no one back, and only its
// context ends it.
func TestSemaphoreARequestLargerThanItsSize(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var err error
		var small bool
		_, end := validated(t, cfg, func(g *stage.G) {
			sem := stage.NewWeighted(g, "sem", 4)
			ctx, _ := stage.WithTimeout(g, stage.Background(), "patience", 20*time.Millisecond)
			done := stage.NewWaitGroup(g, "done")
			done.Add(g, 1)
			g.Go("huge", func(g *stage.G) { err = sem.Acquire(g, ctx, 5); done.Done(g) })
			g.Sleep(time.Millisecond)
			small = sem.TryAcquire(g, 4)
			done.Wait(g)
		})
		if end.Reason != stage.ReasonDone || !small || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("ended %s (%s); TryAcquire(4) %v; Acquire(5) %v", end.Reason, end.Message, small, err)
		}
		_, end = validated(t, cfg, func(g *stage.G) {
			sem := stage.NewWeighted(g, "sem", 4)
			sem.Acquire(g, stage.Background(), 5)
		})
		if end.Reason != stage.ReasonDeadlock || !strings.Contains(end.Message, "blocked in Acquire(5) on sem, more than its size 4") {
			t.Errorf("ended %s: %s", end.Reason, end.Message)
		}
	})
}

// TryAcquire takes what fits and is refused what does not; Release of more than is in use
// panics, as x/sync's does.
func TestSemaphoreTryAcquireAndRelease(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var got []bool
		ev, end := validated(t, cfg, func(g *stage.G) {
			sem := stage.NewWeighted(g, "sem", 3)
			got = append(got, sem.TryAcquire(g, 2), sem.TryAcquire(g, 2), sem.TryAcquire(g, 1))
			sem.Release(g, 3)
			sem.Release(g, 1)
		})
		if end.Reason != stage.ReasonPanic || !strings.Contains(end.Message, "semaphore: released more than held") {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		if len(got) != 3 || !got[0] || got[1] || !got[2] {
			t.Errorf("TryAcquire gave %v, want true, false, true", got)
		}
		if n := count(ev, stage.KindSemRelease); n != 1 {
			t.Errorf("%d releases recorded, want 1: the one that panics records none", n)
		}
	})
}

// A stop wakes a goroutine waiting in Acquire; it unwinds without being served.
func TestSemaphoreStopWhileAcquiring(t *testing.T) {
	r := start(t, context.Background(), stage.Config{}, func(g *stage.G) {
		sem := stage.NewWeighted(g, "sem", 1)
		sem.Acquire(g, stage.Background(), 1)
		ctx, _ := stage.WithTimeout(g, stage.Background(), "long", time.Hour) // keeps the deadlock watch away
		g.Go("waiter", func(g *stage.G) { sem.Acquire(g, ctx, 1) })
		g.Sleep(time.Hour)
	})
	waitFor(t, r, "the waiter waiting", func(ev []stage.Event) bool {
		id := gid(ev, "waiter")
		return id != 0 && lastKind(ev, id) == stage.KindAcquireBegin
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
	if lastKind(ev, gid(ev, "waiter")) != stage.KindAcquireBegin {
		t.Errorf("the waiter's last event is %s, want it still in acquire-begin", lastKind(ev, gid(ev, "waiter")))
	}
}

// Live runs that contend for a semaphore and an errgroup's slots, with contexts ending waits,
// give traces the validator accepts, run after run: the weight in use within the size,
// waiters served in order, the group's limit kept and its first error cancelling its context.
func TestSemaphoreAndGroupLiveTracesPassTheValidator(t *testing.T) {
	for range 30 {
		ev, end := stage.Record(context.Background(), stage.Config{Speed: 1000}, func(g *stage.G) {
			sem := stage.NewWeighted(g, "sem", 5)
			grp, ctx := stage.WithContext(g, stage.Background(), "group")
			grp.SetLimit(g, 3)
			for i := range 12 {
				grp.Go(g, "worker", func(g *stage.G) error {
					for j := range 4 {
						n := int64(1 + (i+j)%4)
						if err := sem.Acquire(g, ctx, n); err != nil {
							return err
						}
						g.Work(time.Duration(1+i%3) * time.Millisecond)
						sem.Release(g, n)
						if sem.TryAcquire(g, 2) {
							sem.Release(g, 2)
						}
					}
					if i == 9 {
						return errors.New("worker 9 failed")
					}
					return nil
				})
			}
			grp.Wait(g)
		})
		if end.Reason != stage.ReasonDone {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		if err := stage.Validate(ev, end); err != nil {
			t.Fatalf("a live trace broke the rules:\n%v", err)
		}
	}
}
