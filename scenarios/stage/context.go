package stage

import (
	"context"
	"time"
)

// Contexts: context.Context's cancellation on the stage. A context's Done is a channel of its
// own, announced as a context object (with its parent's object), that cancelling closes: a
// goroutine waits for it with Recv or in a select, as on any channel. Cancelling a context
// cancels every context made from it, each with a cancel event of its own, parent first. A
// context made WithTimeout or WithDeadline has a timer that cancels it with
// DeadlineExceeded when it fires; the runtime does that, so that cancel event has g 0.

// Context kinds and objects.
const (
	// KindCancel: g (0 for a deadline) cancelled context Obj; Value is why, as Err says it.
	KindCancel Kind = "cancel"
	// ObjContext is a context; its new event names its parent context in Parent (0 for one
	// made from Background).
	ObjContext ObjKind = "context"
)

// Context is a context.Context on the stage. Background is the root; the others are made
// from a parent with WithCancel, WithTimeout or WithDeadline.
type Context struct {
	name   string
	parent *Context
	done   *Chan[struct{}] // nil for Background, which is never done
	// Guarded by the recorder lock.
	err      error
	children []*Context
	deadline *Timer
	// acquirers are the semaphore Acquires waiting with this context, which its cancel ends
	// (semaphore.go).
	acquirers []*semWaiter
}

// CancelFunc cancels a context, as context.CancelFunc; g is the goroutine calling it.
type CancelFunc func(g *G)

// Background is the root context, as context.Background: never cancelled, its Done nil.
func Background() *Context { return &Context{name: "background"} }

// WithCancel is context.WithCancel: a context named name that cancel, or parent's
// cancellation, cancels.
//
//go:noinline
func WithCancel(g *G, parent *Context, name string) (*Context, CancelFunc) {
	c := newContext(g, parent, name, 0, callerPC())
	return c, c.cancelFunc
}

// WithTimeout is context.WithTimeout: WithCancel, and cancelled with DeadlineExceeded once d
// has passed.
//
//go:noinline
func WithTimeout(g *G, parent *Context, name string, d time.Duration) (*Context, CancelFunc) {
	pc := callerPC()
	c := newContext(g, parent, name, d, pc)
	c.startDeadline(g, g.Now()+d)
	return c, c.cancelFunc
}

// WithDeadline is context.WithDeadline, the deadline given as scenario time since the run
// began (what G.Now says).
//
//go:noinline
func WithDeadline(g *G, parent *Context, name string, deadline time.Duration) (*Context, CancelFunc) {
	pc := callerPC()
	c := newContext(g, parent, name, deadline-g.Now(), pc)
	c.startDeadline(g, deadline)
	return c, c.cancelFunc
}

func newContext(g *G, parent *Context, name string, d time.Duration, pc uintptr) *Context {
	if parent == nil {
		panic("cannot create context from nil parent")
	}
	x := Event{ObjKind: ObjContext, Name: name, Dur: int64(max(d, 0))}
	if parent.done != nil {
		x.Parent = parent.done.id
	}
	c := &Context{name: name, parent: parent}
	c.done = newChan[struct{}](g, x, pc)
	r := g.lock()
	ok := true
	if parent.err != nil {
		// Made from a context already cancelled: cancelled at once, as Go does.
		ok = r.cancelLocked(c, parent.err, g, pc)
	} else if parent.done != nil {
		parent.children = append(parent.children, c)
	}
	r.leave(ok)
	return c
}

// startDeadline arms the timer that cancels c at deadline.
func (c *Context) startDeadline(g *G, deadline time.Duration) {
	r := g.lock()
	if c.err == nil {
		c.deadline = newDeadline(r, c.done, deadline, func(r *Run) {
			r.cancelLocked(c, context.DeadlineExceeded, nil, 0)
		})
	}
	r.leave(true)
}

// cancelFunc is c's CancelFunc.
func (c *Context) cancelFunc(g *G) {
	pc := g.run.scenarioPC() // called through a function value: the scenario's frame is not at a fixed depth
	r := g.enterAs(pending{kind: kindCancel, obj: int32(c.done.id), pc: pc})
	r.leave(r.cancelLocked(c, context.Canceled, g, pc))
}

// cancelLocked cancels c and every context made from it, and reports whether the run goes on.
// by is the goroutine cancelling, or nil for the runtime (a deadline).
func (r *Run) cancelLocked(c *Context, err error, by *G, pc uintptr) bool {
	if c.err != nil {
		return true
	}
	c.err = err
	e := entry{kind: kindCancel, obj: int32(c.done.id), text: r.texts.addString(err.Error())}
	ok := false
	if by != nil {
		ok = by.recordLocked(&e, pc)
	} else {
		ok = r.appendLocked(&e, 0)
	}
	if !ok {
		return false
	}
	c.done.closed = true
	c.done.ops.closedLocked()
	if !r.cancelAcquirersLocked(c, err) {
		return false
	}
	if t := c.deadline; t != nil && t.pending {
		t.ops.disarmLocked()
		t.pending = false
	}
	for _, child := range c.children {
		if !r.cancelLocked(child, err, by, pc) {
			return false
		}
	}
	c.children = nil
	return true
}

// Done is the channel cancelling closes, as context.Context.Done; nil for Background.
func (c *Context) Done() *Chan[struct{}] { return c.done }

// Err is nil until c is cancelled, then context.Canceled or context.DeadlineExceeded, as
// context.Context.Err.
func (c *Context) Err(g *G) error {
	r := g.lock()
	err := c.err
	r.leave(true)
	return err
}

// Name is the name the context was made with.
func (c *Context) Name() string { return c.name }

// newDeadline arms a timer with no channel of its own that runs fire when it is due; its
// pending fire counts on done, for the live deadlock watch. Under the recorder lock.
func newDeadline(r *Run, done *Chan[struct{}], due time.Duration, fire func(r *Run)) *Timer {
	t := &Timer{onFire: fire, due: due, pending: true}
	if s := r.seeded; s != nil {
		t.ops = &timerModel{t: t, s: s}
	} else {
		l := &liveTimer{t: t, r: r, fires: done.live()}
		t.ops = l
		r.live = append(r.live, l)
	}
	t.ops.armLocked()
	return t
}
