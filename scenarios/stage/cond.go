package stage

// Cond is sync.Cond on the stage, bound to a stage Mutex. Wait releases the mutex and parks
// in one critical section — so a Signal that comes after the release finds the waiter, as
// Go's ticket does — and, woken, takes the mutex back through Lock before it returns: the
// trace shows the unlock, the wait, the wake and the lock again. Signal wakes the goroutine
// that has waited longest and Broadcast every one; each records a wake (a message id) that
// the cond-wait-end of every goroutine it woke carries, which is what the page draws its
// arrows by; one that finds no waiter is recorded as lost. The stage's Cond never wakes
// spuriously, which Go's does not either.

// Cond kinds.
const (
	// KindCondWaitBegin: g waits on cond Obj, having released the cond's mutex in the unlock
	// just before.
	KindCondWaitBegin Kind = "cond-wait-begin"
	// KindCondWaitEnd: g was woken by the signal or broadcast whose Msg it carries; its
	// lock-begin and lock-end of the mutex follow, and then Wait returns.
	KindCondWaitEnd Kind = "cond-wait-end"
	// KindSignal: g signalled cond Obj, waking one goroutine (Msg the wake, Value "1"), or,
	// Op "lost", none, as none waited (Value "0").
	KindSignal Kind = "signal"
	// KindBroadcast: g broadcast on cond Obj, waking Value goroutines with the wake Msg; Op
	// "lost" when none waited.
	KindBroadcast Kind = "broadcast"
)

// ObjCond is a Cond; its new event names its mutex in Parent.
const ObjCond ObjKind = "cond"

// Cond is a condition variable, like sync.Cond, whose Locker is a stage Mutex. Make one with
// NewCond.
type Cond struct {
	id   int
	name string
	// L is the mutex a waiter holds when it calls Wait and holds again when Wait returns.
	L       *Mutex
	waiters waitQueue // guarded by the recorder lock
}

// NewCond makes a condition variable named name on the mutex l, as sync.NewCond.
//
//go:noinline
func NewCond(g *G, name string, l *Mutex) *Cond {
	pc := callerPC()
	c := &Cond{name: name, L: l}
	var h liveObject
	if g.run.seeded == nil {
		h = c
	}
	c.id = g.newObject(Event{ObjKind: ObjCond, Name: name, Parent: l.id}, "", h, pc)
	return c
}

// Name is the name the Cond was made with.
func (c *Cond) Name() string { return c.name }

// Wait unlocks c.L, waits for a Signal or Broadcast, and locks c.L again before it returns,
// as sync.Cond.Wait. The caller must hold c.L: Wait panics otherwise, as Unlock does.
//
//go:noinline
func (c *Cond) Wait(g *G) {
	pc := callerPC()
	m := c.L
	r := g.enterAs(pending{kind: kindCondWaitBegin, obj: int32(c.id), pc: pc})
	if !m.ops.heldLocked() {
		r.mu.Unlock()
		panic("sync: unlock of unlocked mutex " + m.name)
	}
	ok := g.recordLocked(&entry{kind: kindUnlock, obj: int32(m.id), text: r.texts.addString(m.shown())}, pc)
	if ok {
		m.ops.releaseLocked()
		ok = g.recordAgainLocked(&entry{kind: kindCondWaitBegin, obj: int32(c.id)}, pc)
	}
	if ok {
		c.waiters.push(g)
		g.parkLocked()
		g.waitSync = c
		g.startLocked(condWaiting, c.id)
	}
	r.leave(ok)
	g.park()
	// wokenBy was written before the token or the baton that woke g was handed over.
	g.end(&entry{kind: kindCondWaitEnd, obj: int32(c.id), aux: g.wokenBy}, "", pc)
	m.ops.lock(m, g, pc)
}

// Signal wakes the goroutine that has waited longest, if any, as sync.Cond.Signal.
//
//go:noinline
func (c *Cond) Signal(g *G) { c.wake(g, kindSignal, 1, callerPC()) }

// Broadcast wakes every waiting goroutine, as sync.Cond.Broadcast.
//
//go:noinline
func (c *Cond) Broadcast(g *G) { c.wake(g, kindBroadcast, -1, callerPC()) }

// wake records a signal or broadcast that wakes at most n waiters (-1: all) and wakes them.
func (c *Cond) wake(g *G, k kind, n int, pc uintptr) {
	r := g.enterAs(pending{kind: k, obj: int32(c.id), pc: pc})
	if n < 0 || n > len(c.waiters) {
		n = len(c.waiters)
	}
	e := entry{kind: k, obj: int32(c.id), text: r.texts.add(shown{n: int64(n), isInt: true})}
	if n == 0 {
		e.op = opLost
	} else {
		r.nextMsg++
		e.aux = r.nextMsg
	}
	ok := g.recordLocked(&e, pc)
	if ok {
		for range n {
			w := c.waiters.pop()
			w.wokenBy = e.aux
			w.unparkLocked()
		}
	}
	r.leave(ok)
}

// waitingLocked says what g, blocked in Wait, waits for.
func (c *Cond) waitingLocked(*G) string { return "waiting on " + c.name + " (in Wait)" }

// stuckLocked reports whether the goroutines in Wait in a live run are stuck: every one the
// watch counts is still queued, none woken yet.
func (c *Cond) stuckLocked(w waits) bool { return w.condWaiters == len(c.waiters) }

// haltLocked wakes the goroutines parked in Wait in a live run that halts.
func (c *Cond) haltLocked(*Run) { c.waiters.haltLocked() }
