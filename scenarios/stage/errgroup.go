package stage

import (
	"context"
	"fmt"
)

// The errgroup of golang.org/x/sync/errgroup on the stage: goroutines working on parts of one
// task, Wait for them all and the first error one returned, and — for a group made
// WithContext — a context that the first error cancels, or else Wait's return. SetLimit
// bounds the goroutines active at once: Go then waits for a slot, first come first served,
// and TryGo does not wait.
//
// The group is its own object, with its own events for what x/sync keeps inside it (its
// count of active goroutines, its first error), and is made of stage parts where they record
// truly: its goroutines are stage goroutines (each group-go-end is followed on its lane by the
// go that starts the goroutine), its context is a stage context whose cancel events are
// the cancellation. As for the semaphore (semaphore.go), one model serves both schedulers;
// whoever frees a slot or the last goroutine of the group records, in that critical
// section, the end of the Go or the Wait it lets go, on the lane of the goroutine it wakes.
// Go and Wait count one number, the goroutines active, so a Wait does not return between a
// Go given its slot and the goroutine it starts (x/sync's WaitGroup and semaphore can part
// there, which its documentation asks callers not to rely on).

// errgroup kinds and object.
const (
	// KindGroupLimit: g set group Obj's limit to Value (negative: none).
	KindGroupLimit Kind = "group-limit"
	// KindGroupGoBegin: g calls Go (Op "try": TryGo) on group Obj; with the limit reached,
	// Go waits here for a slot.
	KindGroupGoBegin Kind = "group-go-begin"
	// KindGroupGoEnd: g has its slot (Old to New goroutines active) and its next event is the
	// go that starts the goroutine; Op "refused": a TryGo that found the limit reached.
	KindGroupGoEnd Kind = "group-go-end"
	// KindGroupDone: g, a goroutine of group Obj, returned Value as its error ("" for nil):
	// Op "first" for the group's first error, which Wait returns and which cancels the
	// group's context (its cancel events follow), "later" for one after it, which is
	// dropped; Old to New goroutines active.
	KindGroupDone Kind = "group-done"
	// KindGroupWaitBegin, KindGroupWaitEnd: g waits for every goroutine of group Obj to
	// return; the end's Value is the error Wait returns. The group's context is cancelled
	// then, if it was not already (its cancel event follows).
	KindGroupWaitBegin Kind = "group-wait-begin"
	KindGroupWaitEnd   Kind = "group-wait-end"
	// ObjErrGroup is an errgroup; its new event's Parent is its context (0: none).
	ObjErrGroup ObjKind = "errgroup"
)

// Group is an errgroup.Group: make one with WithContext or NewGroup.
type Group struct {
	id   int
	name string
	ctx  *Context // nil for a group made with NewGroup
	// Guarded by the recorder lock: the limit (negative: none), the goroutines active, the
	// first error, the goroutines waiting in Go for a slot in the order they came, and those
	// in Wait.
	limit   int
	active  int
	err     error
	goers   []*groupWaiter
	waiters []*groupWaiter
}

// groupWaiter is a Go waiting for a slot or a Wait for the group to finish.
type groupWaiter struct {
	g    *G
	grp  *Group
	pc   uintptr
	wait bool  // in Wait; else in Go
	err  error // a Wait's: the group's error when it was let go
}

// WithContext makes a group named name and its context, made from parent and named name +
// " context", as errgroup.WithContext: the context is cancelled by the first error a
// goroutine of the group returns, or when Wait returns.
//
//go:noinline
func WithContext(g *G, parent *Context, name string) (*Group, *Context) {
	pc := callerPC()
	ctx := newContext(g, parent, name+" context", 0, pc)
	return newGroup(g, name, ctx, pc), ctx
}

// NewGroup makes a group named name with no context, as a zero errgroup.Group: no limit, and
// no cancellation on error.
//
//go:noinline
func NewGroup(g *G, name string) *Group { return newGroup(g, name, nil, callerPC()) }

func newGroup(g *G, name string, ctx *Context, pc uintptr) *Group {
	grp := &Group{name: name, ctx: ctx, limit: -1}
	x := Event{ObjKind: ObjErrGroup, Name: name}
	if ctx != nil {
		x.Parent = ctx.done.id
	}
	var h liveObject
	if seededOf(g) == nil {
		h = liveGroup{grp}
	}
	grp.id = g.newObject(x, "", h, pc)
	return grp
}

// Name is the name the group was made with.
func (grp *Group) Name() string { return grp.name }

// SetLimit limits the goroutines active in the group to n (negative: no limit), as
// errgroup.SetLimit; changing it while any is active panics, as x/sync does.
//
//go:noinline
func (grp *Group) SetLimit(g *G, n int) {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindGroupLimit, obj: int32(grp.id), pc: pc})
	if grp.active != 0 {
		active := grp.active
		r.mu.Unlock()
		panic(fmt.Errorf("errgroup: modify limit while %v goroutines in the group are still active", active))
	}
	ok := g.recordLocked(&entry{kind: kindGroupLimit, obj: int32(grp.id), text: r.texts.add(shown{n: int64(n), isInt: true})}, pc)
	if ok {
		grp.limit = max(n, -1)
	}
	r.leave(ok)
}

// Go runs f in a new goroutine of the group named name, as errgroup.Go: with the limit
// reached it first waits for a slot. The first error f returns in any goroutine of the group
// is the one Wait returns, and cancels the group's context.
//
//go:noinline
func (grp *Group) Go(g *G, name string, f func(g *G) error) { grp.start(g, name, f, false, callerPC()) }

// TryGo is Go when the limit leaves a slot now, as errgroup.TryGo; it reports whether it
// started the goroutine.
//
//go:noinline
func (grp *Group) TryGo(g *G, name string, f func(g *G) error) bool {
	return grp.start(g, name, f, true, callerPC())
}

func (grp *Group) start(g *G, name string, f func(g *G) error, try bool, pc uintptr) bool {
	r := g.enterAs(pending{kind: kindGroupGoBegin, obj: int32(grp.id), pc: pc})
	begin := entry{kind: kindGroupGoBegin, obj: int32(grp.id)}
	if try {
		begin.op = opTry
	}
	if !g.recordLocked(&begin, pc) {
		r.leave(false)
	}
	switch {
	case grp.roomLocked() && r.seeded == nil:
		// Live, the go event joins the Go's end in its critical section, at its instant: it
		// happened there. (A seeded run keeps its own scheduling point for it.)
		ok := grp.goEndLocked(g, opNone, pc)
		var child *G
		if ok {
			child, ok = g.goLocked(name, pc, true)
		}
		r.leave(ok)
		if ok {
			child.group, child.groupFn, child.groupPC = grp, f, pc
		}
		g.spawn(child, groupMain)
		return true
	case grp.roomLocked():
		r.leave(grp.goEndLocked(g, opNone, pc))
	case try:
		r.leave(grp.goEndLocked(g, opRefused, pc))
		return false
	default:
		w := g.waiterLocked(grp, pc, false)
		grp.goers = append(grp.goers, w)
		grp.wait(g, r, w, goingInGroup)
	}
	g.goAt(name, func(g *G) { grp.done(g, f(g), pc) }, pc)
	return true
}

// Wait waits for every goroutine of the group to return and returns the first error, as
// errgroup.Wait; it cancels the group's context.
//
//go:noinline
func (grp *Group) Wait(g *G) error {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindGroupWaitBegin, obj: int32(grp.id), pc: pc})
	if !g.recordLocked(&entry{kind: kindGroupWaitBegin, obj: int32(grp.id)}, pc) {
		r.leave(false)
	}
	if grp.active == 0 {
		err := grp.err
		r.leave(grp.waitEndLocked(g, opNone, pc))
		return err
	}
	w := g.waiterLocked(grp, pc, true)
	grp.waiters = append(grp.waiters, w)
	grp.wait(g, r, w, waitingForGroup)
	// Whoever let g go handed it the error, under the recorder lock: g needs no lock for it.
	return w.err
}

// groupMain is the function of a live goroutine of a group: its own, then the group's done,
// with the goroutine's return recorded in done's critical section.
func groupMain(g *G) { g.group.doneAt(g, g.groupFn(g), g.groupPC, true) }

// waiterLocked is g's waiter in grp's Go (or Wait, if wait), at pc: the one g keeps, since g
// waits in one place at a time.
func (g *G) waiterLocked(grp *Group, pc uintptr, wait bool) *groupWaiter {
	if g.groupWait == nil {
		g.groupWait = new(groupWaiter)
	}
	*g.groupWait = groupWaiter{g: g, grp: grp, pc: pc, wait: wait}
	return g.groupWait
}

// wait parks g, whose w is queued, until it is let go; a halt unwinds it instead. r's lock is
// held on the way in and released.
func (grp *Group) wait(g *G, r *Run, w *groupWaiter, doing activity) {
	g.parkLocked()
	g.startLocked(doing, grp.id)
	g.waitingIn = w
	r.leave(true)
	g.park()
}

func (grp *Group) roomLocked() bool { return grp.limit < 0 || grp.active < grp.limit }

// goEndLocked records the end of g's Go at pc, taking a slot unless o refuses it. It is
// recorded in the critical section of an event just recorded (the Go's begin, or the done
// that frees its slot), at that event's instant: it happened there.
func (grp *Group) goEndLocked(g *G, o op, pc uintptr) bool {
	old := grp.active
	if o == opNone {
		grp.active++
	}
	return g.recordWideAtLocked(&entry{kind: kindGroupGoEnd, obj: int32(grp.id), op: o}, int64(old), int64(grp.active), pc, true)
}

// waitEndLocked records the end of g's Wait at pc, then cancels the group's context, as
// Wait does before it returns.
func (grp *Group) waitEndLocked(g *G, _ op, pc uintptr) bool {
	e := entry{kind: kindGroupWaitEnd, obj: int32(grp.id)}
	if grp.err != nil {
		e.text = g.run.texts.addString(grp.err.Error())
	}
	// As a Go's end is (goEndLocked), in the critical section of an event just recorded.
	if !g.recordAgainLocked(&e, pc) {
		return false
	}
	return grp.ctx == nil || g.run.cancelLocked(grp.ctx, context.Canceled, g, pc)
}

// done is the end of a goroutine of the group, whose function returned err: the first error
// is kept and cancels the context; the slot it frees goes to the longest waiting Go, and the
// last one lets the Waits go. pc is the Go that started it.
func (grp *Group) done(g *G, err error, pc uintptr) { grp.doneAt(g, err, pc, false) }

// doneAt is done, which records g's return too if exits: g returns right after it.
func (grp *Group) doneAt(g *G, err error, pc uintptr, exits bool) {
	msg := ""
	if err != nil {
		msg = err.Error() // before the lock: it is the scenario's method
	}
	r := g.enterAs(pending{kind: kindGroupDone, obj: int32(grp.id), pc: pc})
	e := entry{kind: kindGroupDone, obj: int32(grp.id), text: r.texts.addString(msg)}
	first := err != nil && grp.err == nil
	switch {
	case first:
		e.op = opFirst
	case err != nil:
		e.op = opLater
	}
	old := grp.active
	ok := g.recordWideLocked(&e, int64(old), int64(old-1), pc)
	if ok {
		grp.active--
		if first {
			grp.err = err
			if grp.ctx != nil {
				ok = r.cancelLocked(grp.ctx, context.Canceled, g, pc)
			}
		}
	}
	ok = ok && grp.serveLocked()
	if ok && exits {
		ok = g.exitedLocked()
	}
	r.leave(ok)
}

// serveLocked gives free slots to the Go calls waiting, in the order they came, and once no
// goroutine of the group is active lets every Wait go.
func (grp *Group) serveLocked() bool {
	for len(grp.goers) > 0 && grp.roomLocked() {
		w := popFront(&grp.goers)
		if !grp.letGoLocked(w, grp.goEndLocked) {
			return false
		}
	}
	for grp.active == 0 && len(grp.waiters) > 0 {
		w := popFront(&grp.waiters)
		if !grp.letGoLocked(w, grp.waitEndLocked) {
			return false
		}
	}
	return true
}

// letGoLocked ends w's wait, recording its end with record, and wakes it. It is woken even
// when the record halts the run, which then wakes only those still queued.
func (grp *Group) letGoLocked(w *groupWaiter, record func(g *G, o op, pc uintptr) bool) bool {
	w.g.unblockedLocked()
	w.g.waitingIn = nil
	w.err = grp.err
	ok := record(w.g, opNone, w.pc)
	w.g.unparkLocked()
	return ok
}

// describeLocked says what w waits for: "blocked in Go on fetches (3 of limit 3 active)".
func (w *groupWaiter) describeLocked(*Run) string {
	grp := w.grp
	if w.wait {
		return fmt.Sprintf("blocked in Wait on %s (%d %s still active)", grp.name, grp.active, plural(grp.active, "goroutine", "goroutines"))
	}
	return fmt.Sprintf("blocked in Go on %s (%d of limit %d active)", grp.name, grp.active, grp.limit)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// liveGroup is a group's part in a live run's halt and deadlock watch.
type liveGroup struct{ grp *Group }

// haltLocked wakes every waiter; none is let go once the run has halted, so each unwinds.
func (l liveGroup) haltLocked(*Run) {
	for _, ws := range [][]*groupWaiter{l.grp.goers, l.grp.waiters} {
		for _, w := range ws {
			close(w.g.parked)
		}
	}
}

// stuckLocked: a waiter is let go in the critical section that frees it, so one still
// waiting, with every goroutine of the run blocked, is stuck.
func (liveGroup) stuckLocked(waits) bool { return true }
