package stage

// Once is sync.Once on the stage: the first Do runs its function; every other Do waits until
// that function has returned — at once, if it already has — and then returns without running
// its own. A Do inside the function on the same Once waits for itself, which Go's deadlocks
// on too.

// Once kinds.
const (
	KindOnceRun  Kind = "once-run"  // g's Do on once Obj is the first: it runs the function
	KindOnceDone Kind = "once-done" // the function returned: the once is done
	// KindOnceWaitBegin: g's Do on once Obj is not the first: it waits for the function to
	// return (its once-wait-end follows at once when it already has).
	KindOnceWaitBegin Kind = "once-wait-begin"
	KindOnceWaitEnd   Kind = "once-wait-end"
)

// ObjOnce is a Once.
const ObjOnce ObjKind = "once"

// Once performs one action only, like sync.Once. Make one with NewOnce.
type Once struct {
	id   int
	name string
	// Guarded by the recorder lock.
	runner  *G // who runs the function; nil before the first Do
	done    bool
	waiters waitQueue
}

// NewOnce makes a Once named name.
//
//go:noinline
func NewOnce(g *G, name string) *Once {
	pc := callerPC()
	o := &Once{name: name}
	var h liveObject
	if g.run.seeded == nil {
		h = o
	}
	o.id = g.newObject(Event{ObjKind: ObjOnce, Name: name}, "", h, pc)
	return o
}

// Name is the name the Once was made with.
func (o *Once) Name() string { return o.name }

// Do calls f if it is the first Do of o, as sync.Once.Do; every other Do returns once f has.
//
//go:noinline
func (o *Once) Do(g *G, f func(g *G)) {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindOnceRun, obj: int32(o.id), pc: pc})
	switch {
	case o.runner == nil:
		o.runner = g
		r.leave(g.recordLocked(&entry{kind: kindOnceRun, obj: int32(o.id)}, pc))
		f(g)
		r = g.enterAs(pending{kind: kindOnceDone, obj: int32(o.id), pc: pc})
		ok := g.recordLocked(&entry{kind: kindOnceDone, obj: int32(o.id)}, pc)
		if ok {
			o.done = true
			for _, w := range o.waiters {
				w.unparkLocked()
			}
			o.waiters = nil
		}
		r.leave(ok)
	case o.done:
		ok := g.recordLocked(&entry{kind: kindOnceWaitBegin, obj: int32(o.id)}, pc)
		r.leave(ok && g.recordAgainLocked(&entry{kind: kindOnceWaitEnd, obj: int32(o.id)}, pc))
	default:
		ok := g.recordLocked(&entry{kind: kindOnceWaitBegin, obj: int32(o.id)}, pc)
		if ok {
			o.waiters.push(g)
			g.parkLocked()
			g.waitSync = o
			g.startLocked(onceWaiting, o.id)
		}
		r.leave(ok)
		g.park()
		g.end(&entry{kind: kindOnceWaitEnd, obj: int32(o.id)}, "", pc)
	}
}

// waitingLocked says what g, blocked in Do, waits for, and on whom.
func (o *Once) waitingLocked(*G) string {
	return "blocked in Do on " + o.name + " (" + o.runner.name + " runs its function)"
}

// stuckLocked reports whether the goroutines waiting in Do in a live run are stuck: the
// function has not returned, and none of them has been woken.
func (o *Once) stuckLocked(w waits) bool { return !o.done && w.onceWaiters == len(o.waiters) }

// haltLocked wakes the goroutines waiting in Do in a live run that halts.
func (o *Once) haltLocked(*Run) { o.waiters.haltLocked() }
