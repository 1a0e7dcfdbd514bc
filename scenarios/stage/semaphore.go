package stage

import (
	"fmt"
	"slices"
)

// The weighted semaphore of golang.org/x/sync/semaphore on the stage. A semaphore of size n
// lends weight to Acquire until n is in use; a request that does not fit waits, and waiters
// are served in the order they came: a large request at the front holds back smaller ones
// behind it, so that it is not starved. A request larger than the size never joins the queue
// (it could never be served, and must not hold anyone back): only its context ends it.
//
// The semaphore is one model for both schedulers, kept under the recorder lock; only how a
// waiter parks and is woken differs (park.go). Whoever lets a waiter go — a Release, a cancel
// that takes a waiter out from in front of others — hands it its weight and records its
// acquire-end on its lane in that same critical section, at the instant the weight became
// its, as x/sync's notifyWaiters does. So the weight in use chains from event to event along
// seq, and the order waiters are served in is the order the trace shows.

// Semaphore kinds and object.
const (
	// KindAcquireBegin: g asks semaphore Obj for weight Value; Op "try" for TryAcquire,
	// which never waits.
	KindAcquireBegin Kind = "acquire-begin"
	// KindAcquireEnd: g's Acquire returned; Old and New are the weight in use before and
	// after. Op "" it got its weight; "canceled", its context ended first and Value is the
	// error Acquire returns, having taken nothing; "refused", a TryAcquire that did not fit.
	KindAcquireEnd Kind = "acquire-end"
	// KindSemRelease: g gives back weight Value, Old to New in use (recorded before the
	// waiters it lets go are served).
	KindSemRelease Kind = "sem-release"
	// ObjSemaphore is a weighted semaphore; Cap is its size.
	ObjSemaphore ObjKind = "semaphore"
)

// Semaphore is a weighted semaphore, like golang.org/x/sync/semaphore.Weighted. Make one with
// NewWeighted.
type Semaphore struct {
	id   int
	name string
	size int64
	// Guarded by the recorder lock: the weight in use, the waiters in the order they are
	// served, and the waiters asking for more than size.
	cur    int64
	queue  []*semWaiter
	doomed []*semWaiter
}

// semWaiter is an Acquire that waits.
type semWaiter struct {
	g   *G
	s   *Semaphore
	ctx *Context
	n   int64
	pc  uintptr
	// Set when it is let go, under the recorder lock, before g is woken: over, and what
	// Acquire returns.
	over bool
	err  error
}

// NewWeighted makes a semaphore named name of size n, as semaphore.NewWeighted; a negative
// size panics.
//
//go:noinline
func NewWeighted(g *G, name string, n int64) *Semaphore {
	pc := callerPC()
	if n < 0 {
		panic("semaphore: size < 0")
	}
	s := &Semaphore{name: name, size: n}
	var h liveObject
	if seededOf(g) == nil {
		h = liveSemaphore{s}
	}
	s.id = g.newObject(Event{ObjKind: ObjSemaphore, Name: name, Cap: int(n)}, "", h, pc)
	return s
}

// Name is the name the semaphore was made with.
func (s *Semaphore) Name() string { return s.name }

// Size is the semaphore's size.
func (s *Semaphore) Size() int64 { return s.size }

// Acquire takes weight n, waiting until it fits and every earlier waiter has been served, or
// until ctx is done: then it returns ctx's error and takes nothing, as semaphore.Acquire. A
// ctx already done fails it even when the weight is free.
//
//go:noinline
func (s *Semaphore) Acquire(g *G, ctx *Context, n int64) error {
	pc := callerPC()
	if n < 0 {
		panic("semaphore: n < 0")
	}
	r := g.enterAs(pending{kind: kindAcquireBegin, obj: int32(s.id), pc: pc})
	if !g.recordLocked(&entry{kind: kindAcquireBegin, obj: int32(s.id), text: r.texts.add(shown{n: n, isInt: true})}, pc) {
		r.leave(false)
	}
	if err := ctx.err; err != nil {
		r.leave(s.endLocked(g, n, opCanceled, err, pc))
		return err
	}
	if s.size-s.cur >= n && len(s.queue) == 0 {
		r.leave(s.endLocked(g, n, opNone, nil, pc))
		return nil
	}
	w := &semWaiter{g: g, s: s, ctx: ctx, n: n, pc: pc}
	if n > s.size {
		s.doomed = append(s.doomed, w)
	} else {
		s.queue = append(s.queue, w)
	}
	if ctx.done != nil {
		ctx.acquirers = append(ctx.acquirers, w)
	}
	g.parkLocked()
	g.startLocked(acquiring, s.id)
	g.waitingIn = w
	r.leave(true)
	g.park() // a halt unwinds g instead
	return w.err
}

// TryAcquire takes weight n if it fits now and no one waits, as semaphore.TryAcquire, and
// reports whether it did.
//
//go:noinline
func (s *Semaphore) TryAcquire(g *G, n int64) bool {
	pc := callerPC()
	if n < 0 {
		panic("semaphore: n < 0")
	}
	r := g.enterAs(pending{kind: kindAcquireBegin, op: opTry, obj: int32(s.id), pc: pc})
	if !g.recordLocked(&entry{kind: kindAcquireBegin, obj: int32(s.id), op: opTry, text: r.texts.add(shown{n: n, isInt: true})}, pc) {
		r.leave(false)
	}
	fits := s.size-s.cur >= n && len(s.queue) == 0
	o := opNone
	if !fits {
		o = opRefused
	}
	r.leave(s.endLocked(g, n, o, nil, pc))
	return fits
}

// Release gives back weight n and serves the waiters it lets go, as semaphore.Release.
// Releasing more than is in use panics, as x/sync does.
//
//go:noinline
func (s *Semaphore) Release(g *G, n int64) {
	pc := callerPC()
	if n < 0 {
		panic("semaphore: n < 0")
	}
	r := g.enterAs(pending{kind: kindSemRelease, obj: int32(s.id), pc: pc})
	if s.cur < n {
		// Checked before anything is recorded, so the panic leaves no phantom release.
		r.mu.Unlock()
		panic("semaphore: released more than held")
	}
	// Its value, n, is what the weight before and after say.
	ok := g.recordWideLocked(&entry{kind: kindSemRelease, obj: int32(s.id)}, s.cur, s.cur-n, pc)
	if ok {
		s.cur -= n
		ok = s.serveLocked()
	}
	r.leave(ok)
}

// endLocked records the end of g's Acquire of n at pc, on g's lane, taking the weight unless o
// says it failed; err is what a cancelled one returns.
func (s *Semaphore) endLocked(g *G, n int64, o op, err error, pc uintptr) bool {
	old := s.cur
	if o == opNone {
		s.cur += n
	}
	e := entry{kind: kindAcquireEnd, obj: int32(s.id), op: o}
	if err != nil {
		e.text = g.run.texts.addString(err.Error())
	}
	return g.recordWideLocked(&e, old, s.cur, pc)
}

// serveLocked serves the waiters at the front of the queue while their weight fits, as
// x/sync's notifyWaiters: it stops at the first that does not, so none overtakes it.
func (s *Semaphore) serveLocked() bool {
	for len(s.queue) > 0 && s.size-s.cur >= s.queue[0].n {
		w := popFront(&s.queue)
		w.ctx.acquirers = slices.DeleteFunc(w.ctx.acquirers, func(x *semWaiter) bool { return x == w })
		if !s.letGoLocked(w, opNone, nil) {
			return false
		}
	}
	return true
}

// letGoLocked ends w's wait, served or cancelled, and wakes it.
func (s *Semaphore) letGoLocked(w *semWaiter, o op, err error) bool {
	w.over, w.err = true, err
	w.g.unblockedLocked()
	w.g.waitingIn = nil
	ok := s.endLocked(w.g, w.n, o, err, w.pc)
	w.g.unparkLocked()
	return ok
}

// cancelAcquirersLocked ends, with err, the Acquires waiting with c, which has just been
// cancelled; one that leaves the front of the queue may let those behind it be served.
func (r *Run) cancelAcquirersLocked(c *Context, err error) bool {
	waiting := c.acquirers
	c.acquirers = nil
	for _, w := range waiting {
		if w.over {
			continue
		}
		s := w.s
		gone := func(x *semWaiter) bool { return x == w }
		s.queue = slices.DeleteFunc(s.queue, gone)
		s.doomed = slices.DeleteFunc(s.doomed, gone)
		if !s.letGoLocked(w, opCanceled, err) || !s.serveLocked() {
			return false
		}
	}
	return true
}

// describeLocked says what w waits for: "blocked in Acquire(3) on sem (2 of 4 in use)".
func (w *semWaiter) describeLocked(*Run) string {
	s := w.s
	what := fmt.Sprintf("blocked in Acquire(%d) on %s", w.n, s.name)
	if w.n > s.size {
		return what + fmt.Sprintf(", more than its size %d: only its context can end it", s.size)
	}
	what += fmt.Sprintf(" (%d of %d in use", s.cur, s.size)
	if i := slices.Index(s.queue, w); i > 0 {
		front := s.queue[0]
		what += fmt.Sprintf(", behind %s's Acquire(%d)", front.g.name, front.n)
	}
	return what + ")"
}

// liveSemaphore is a semaphore's part in a live run's halt and deadlock watch.
type liveSemaphore struct{ s *Semaphore }

// haltLocked wakes every waiter; none is served once the run has halted, so each unwinds.
func (l liveSemaphore) haltLocked(*Run) {
	for _, w := range l.s.queue {
		close(w.g.parked)
	}
	for _, w := range l.s.doomed {
		close(w.g.parked)
	}
}

// stuckLocked: a waiter is let go in the critical section that lets it go, so one still
// waiting is stuck unless a deadline is yet to end its context.
func (l liveSemaphore) stuckLocked(waits) bool {
	for _, ws := range [][]*semWaiter{l.s.queue, l.s.doomed} {
		for _, w := range ws {
			if w.ctx.deadlineAheadLocked() {
				return false
			}
		}
	}
	return true
}

// deadlineAheadLocked reports whether a deadline is still to cancel c: its own or an
// ancestor's.
func (c *Context) deadlineAheadLocked() bool {
	for ; c != nil; c = c.parent {
		if c.err == nil && c.deadline != nil && c.deadline.pending {
			return true
		}
	}
	return false
}

// waitSite is a wait a goroutine is blocked in that says for a person what it waits for: a
// semaphore's Acquire, an errgroup's Go or Wait.
type waitSite interface {
	describeLocked(r *Run) string
}
