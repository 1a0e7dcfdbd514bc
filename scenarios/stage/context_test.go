package stage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// cancels are the cancel events of a trace, by context name.
func cancels(ev []stage.Event) map[string]stage.Event {
	names := map[int]string{}
	out := map[string]stage.Event{}
	for _, e := range ev {
		switch e.Kind {
		case stage.KindNew:
			names[e.Obj] = e.Name
		case stage.KindCancel:
			out[names[e.Obj]] = e
		}
	}
	return out
}

// Cancelling a parent cancels its children and theirs, each with its own event; a goroutine
// waiting on a child's Done wakes; Err says why.
func TestCancellingAParentCancelsItsChildren(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var errs []error
		ev, end := validated(t, cfg, func(g *stage.G) {
			root, cancel := stage.WithCancel(g, stage.Background(), "root")
			child, cancelChild := stage.WithCancel(g, root, "child")
			grandchild, _ := stage.WithCancel(g, child, "grandchild")
			other, _ := stage.WithCancel(g, stage.Background(), "other")
			done := stage.NewWaitGroup(g, "done")
			done.Add(g, 1)
			g.Go("worker", func(g *stage.G) {
				grandchild.Done().Recv(g)
				done.Done(g)
			})
			cancel(g)
			done.Wait(g)
			cancelChild(g) // already cancelled: nothing happens
			errs = []error{root.Err(g), child.Err(g), grandchild.Err(g), other.Err(g)}
		})
		if end.Reason != stage.ReasonDone {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		c := cancels(ev)
		if len(c) != 3 || c["other"].Kind != "" {
			t.Errorf("cancel events %v, want root, child and grandchild", c)
		}
		if !(c["root"].Seq < c["child"].Seq && c["child"].Seq < c["grandchild"].Seq) {
			t.Errorf("cancel events out of order: %v", c)
		}
		if !errors.Is(errs[0], context.Canceled) || !errors.Is(errs[2], context.Canceled) || errs[3] != nil {
			t.Errorf("Err: %v", errs)
		}
	})
}

// A context made WithTimeout is cancelled by the runtime when its time is up, with
// DeadlineExceeded; one cancelled first is not cancelled again.
func TestTimeoutCancelsWithDeadlineExceeded(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		var err, early error
		var took int
		ev, end := validated(t, cfg, func(g *stage.G) {
			ctx, cancel := stage.WithTimeout(g, stage.Background(), "request", 30*time.Millisecond)
			defer cancel(g)
			result := stage.NewChan[int](g, "result", 0)
			g.Go("worker", func(g *stage.G) {
				g.Work(time.Second)
				result.Send(g, 1)
			})
			took = g.Select(result.RecvCase(nil), ctx.Done().RecvCase(nil))
			err = ctx.Err(g)
			quick, stop := stage.WithTimeout(g, stage.Background(), "quick", time.Hour)
			stop(g)
			early = quick.Err(g)
		})
		// Main returns while the worker works on: its run ends when main does.
		if end.Reason != stage.ReasonDone || took != 1 || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(early, context.Canceled) {
			t.Fatalf("ended %s (%s); took case %d; Err %v, then %v", end.Reason, end.Message, took, err, early)
		}
		c := cancels(ev)
		if c["request"].G != 0 || c["request"].Value != "context deadline exceeded" || c["quick"].G != 1 {
			t.Errorf("cancel events %v: want request's by the runtime, quick's by main", c)
		}
		if cfg.Mode == stage.Seeded && c["request"].T != int64(30*time.Millisecond) {
			t.Errorf("the deadline came at %d ns, want 30ms", c["request"].T)
		}
	})
}

// Waiting on a context that nothing will cancel is a deadlock; one with a deadline to come
// is not.
func TestWaitingOnAContext(t *testing.T) {
	timed(t, func(t *testing.T, cfg stage.Config) {
		_, end := validated(t, cfg, func(g *stage.G) {
			ctx, _ := stage.WithCancel(g, stage.Background(), "forever")
			ctx.Done().Recv(g)
		})
		if end.Reason != stage.ReasonDeadlock || !strings.Contains(end.Message, "blocked receiving from forever") {
			t.Errorf("ended %s: %s", end.Reason, end.Message)
		}
		_, end = validated(t, cfg, func(g *stage.G) {
			ctx, _ := stage.WithTimeout(g, stage.Background(), "soon", 250*time.Millisecond)
			ctx.Done().Recv(g)
		})
		if end.Reason != stage.ReasonDone {
			t.Errorf("a context with a deadline to come: ended %s: %s", end.Reason, end.Message)
		}
		_, end = validated(t, cfg, func(g *stage.G) {
			stage.Background().Done().Recv(g) // nil: blocks forever, as in Go
		})
		if end.Reason != stage.ReasonDeadlock {
			t.Errorf("waiting on Background: ended %s: %s", end.Reason, end.Message)
		}
	})
}
