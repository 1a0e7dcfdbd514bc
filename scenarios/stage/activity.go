package stage

import "strings"

// activity is what a goroutine is doing other than running its own code, for the leftover
// and deadlock reports and for a live run's deadlock watchdog. It is kept as a number and an
// object id rather than a sentence, because it is set and cleared around every blocking
// operation, under the recorder lock, and a string there would be a pointer written (with a
// write barrier while the collector runs) twice per operation. The sentence is made only
// for a report.
type activity uint8

// The activities.
const (
	running activity = iota
	sending
	receiving
	locking
	waitingGroup
	selecting // in a select, on the objects of g.selecting
	working
	sleeping
	runnable // seeded: waiting for a processor to work on
	// Blocked in a semaphore's Acquire, in an errgroup's Go (its limit reached) or Wait; what
	// on is g.waitingIn (semaphore.go, errgroup.go).
	acquiring
	goingInGroup
	waitingForGroup
	// Blocked on the RWMutex, Cond or Once g.waitSync.
	rLocking    // in RWMutex.RLock
	rwLocking   // in RWMutex.Lock
	condWaiting // in Cond.Wait
	onceWaiting // in Once.Do
)

// blocks reports whether the activity waits for another goroutine to act.
func (a activity) blocks() bool { return a >= sending && a <= selecting || a >= acquiring }

// op is the activity as a deadlock event's Op, and as the seeded scheduler's reason to wait.
func (a activity) op() string {
	switch a {
	case sending:
		return "send"
	case receiving:
		return "recv"
	case locking:
		return "lock"
	case waitingGroup:
		return "wait"
	case selecting:
		return "select"
	case working:
		return "working"
	case sleeping:
		return "sleeping"
	case runnable:
		return "waiting for a processor"
	case acquiring:
		return "acquire"
	case goingInGroup:
		return "go"
	case waitingForGroup:
		return "wait"
	case rLocking:
		return "rlock"
	case rwLocking:
		return "lock"
	case condWaiting:
		return "cond-wait"
	case onceWaiting:
		return "once"
	}
	return ""
}

// describeLocked says what g is doing, for a person: "blocked sending on results", or ""
// while it runs its own code.
func (r *Run) describeLocked(g *G) string {
	name := ""
	if i := int(g.doingObj) - 1; i >= 0 && i < len(r.objNames) {
		name = r.objNames[i]
	}
	if g.waitingIn != nil {
		return g.waitingIn.describeLocked(r)
	}
	switch g.doing {
	case sending:
		return "blocked sending on " + name
	case receiving:
		return "blocked receiving from " + name
	case locking:
		return "blocked locking " + name
	case waitingGroup:
		return "waiting for " + name
	case selecting:
		var what []string
		for _, c := range g.selecting {
			name := "a nil channel"
			if i := c.obj - 1; i >= 0 && i < len(r.objNames) {
				name = r.objNames[i]
			}
			if c.dir == dirSend {
				what = append(what, "sending on "+name)
			} else {
				what = append(what, "receiving from "+name)
			}
		}
		if len(what) == 0 {
			return "blocked in select with no case that can ever go"
		}
		return "blocked in select: " + strings.Join(what, ", ")
	case rLocking, rwLocking, condWaiting, onceWaiting:
		return g.waitSync.waitingLocked(g)
	}
	return g.doing.op()
}

// startLocked notes that g begins a, on the object obj (0: none). In a live run, a blocking
// activity counts in blocked, which the deadlock watchdog compares with the goroutines alive;
// the seeded scheduler knows who is blocked itself.
func (g *G) startLocked(a activity, obj int) {
	g.doing, g.doingObj = a, int32(obj)
	if a.blocks() && g.run.countsBlocked {
		g.run.blocked++
	}
}

// unblockedLocked notes that g's activity is over: it runs its own code again.
func (g *G) unblockedLocked() {
	if g.doing.blocks() && g.run.countsBlocked {
		g.run.blocked--
	}
	g.doing, g.doingObj = running, 0
}
