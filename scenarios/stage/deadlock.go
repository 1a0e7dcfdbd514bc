package stage

import (
	"strings"
	"time"
)

// watchForDeadlock ends a live run in which every goroutine has been blocked on a channel,
// mutex or waitgroup, with no event recorded, for two checks in a row. Go's runtime reports
// the same state as "all goroutines are asleep - deadlock!"; here a goroutine can always be
// woken by a stop, so the stage watches for it instead.
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
		stuck := len(r.alive) > 0 && r.blocked == len(r.alive) && r.n == lastN
		lastN = r.n
		if stuck && wasStuck {
			r.reportDeadlockLocked(nil)
		}
		wasStuck = stuck
		r.mu.Unlock()
	}
}

// reportDeadlockLocked records a deadlock event for every goroutine left, in the order they
// started, with what it waits on (its activity), and halts the run. holder, when given, names
// who holds the mutex a goroutine waits for.
func (r *Run) reportDeadlockLocked(holder func(g *G) string) {
	var names []string
	for id := 1; id <= r.nextG; id++ {
		g, ok := r.alive[id]
		if !ok {
			continue
		}
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
