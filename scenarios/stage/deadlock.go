package stage

import (
	"strings"
	"time"
)

// The live deadlock watch. Go's runtime reports "all goroutines are asleep - deadlock!" when
// no goroutine can run; here a goroutine can always be woken by a stop, so the stage watches
// for that state itself: every goroutine of the run blocked on a channel, mutex or
// waitgroup, and none of those objects able to let one of them go, at two checks in a row
// with no event recorded between. A slow machine is not a deadlock: a goroutine the runtime
// has already handed a value to, or a lock, may sit descheduled before it records that its
// wait ended, and it still counts as blocked; each object's stuckLocked tells that case
// from a real one by what the run has recorded of it (see liveChan.stuckLocked).

// waits is what the watch counts of the goroutines blocked on one object, by activity.
type waits struct {
	senders, receivers, lockers, waiters int
	// On an RWMutex (in RLock, in Lock), a Cond and a Once.
	rlockers, wlockers, condWaiters, onceWaiters int
}

// watchForDeadlock ends a live run that is deadlocked (see above), checking every so often.
func (r *Run) watchForDeadlock(every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	lastN, wasStuck := -1, false
	for {
		select {
		case <-tick.C:
		case <-r.ctx.Done():
			return
		}
		r.mu.Lock()
		if r.halted {
			r.mu.Unlock()
			return
		}
		stuck := r.n == lastN && r.stuckLocked()
		lastN = r.n
		if stuck && wasStuck {
			r.reportDeadlockLocked(nil)
		}
		wasStuck = stuck
		if h := r.cfg.hooks; h != nil && h.watched != nil {
			h.watched(stuck)
		}
		r.mu.Unlock()
	}
}

// stuckLocked reports whether no goroutine of the run can go on: every one is blocked, and
// no object they wait on can let one of them go.
func (r *Run) stuckLocked() bool {
	if len(r.alive) == 0 || r.blocked < len(r.alive) {
		return false
	}
	on := make(map[int32]*waits)
	at := func(obj int32) *waits {
		w := on[obj]
		if w == nil {
			w = &waits{}
			on[obj] = w
		}
		return w
	}
	for _, g := range r.alive {
		if g.doing == selecting {
			// A select waits on each of its channels at once, as a sender or a receiver.
			for _, c := range g.selecting {
				if c.obj == 0 {
					continue // a nil channel: it never lets anyone go
				}
				if c.dir == dirSend {
					at(int32(c.obj)).senders++
				} else {
					at(int32(c.obj)).receivers++
				}
			}
			continue
		}
		w := at(g.doingObj)
		switch g.doing {
		case sending:
			w.senders++
		case receiving:
			w.receivers++
		case locking:
			w.lockers++
		case waitingGroup:
			w.waiters++
		case rLocking:
			w.rlockers++
		case rwLocking:
			w.wlockers++
		case condWaiting:
			w.condWaiters++
		case onceWaiting:
			w.onceWaiters++
		}
	}
	for id, w := range on {
		if i := int(id) - 1; i < 0 || i >= len(r.liveByID) || r.liveByID[i] == nil || !r.liveByID[i].stuckLocked(*w) {
			return false
		}
	}
	return true
}

// reportDeadlockLocked records a deadlock event for every goroutine left, in the order they
// started, with what it waits on (its activity), and halts the run. holder, when given, names
// who holds the mutex a goroutine waits for.
func (r *Run) reportDeadlockLocked(holder func(g *G) string) {
	var names []string
	for _, g := range r.aliveInStartOrderLocked() {
		what := r.describeLocked(g)
		if holder != nil {
			if h := holder(g); h != "" {
				what += " (held by " + h + ")"
			}
		}
		r.appendExtraLocked(&entry{g: uint16(g.id), kind: kindDeadlock, obj: g.doingObj, text: r.texts.addString(what)}, &Event{Op: g.doing.op()}, 0)
		names = append(names, g.name+": "+what)
	}
	r.haltLocked(ReasonDeadlock, "all goroutines are asleep - deadlock! "+strings.Join(names, "; "))
}
