package stage

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// G is a goroutine of a scenario: every stage operation takes the G doing it, so each event
// knows its lane without goroutine-ID tricks.
type G struct {
	id   int
	name string
	run  *Run
	// aliveAt is g's place in run.alive while it is alive.
	aliveAt int
	// A goroutine of an errgroup, live: its group, the function it runs and the line of its
	// Go (errgroup.go, groupMain), kept here rather than in a closure made for each Go.
	group   *Group
	groupFn func(*G) error
	groupPC uintptr
	// groupWait is what g waits in an errgroup's Wait or Go with, made the first time: a wait
	// of g's that ended is over with it.
	groupWait *groupWaiter
	// exited: g's return is recorded already (exitedLocked).
	exited bool
	// doing is what g is doing, on the object doingObj (activity.go), or in a select on the
	// objects of selecting. Guarded by run.mu.
	doing    activity
	doingObj int32
	// What g's selects keep, made at its first: most goroutines never select, and a G is
	// what every goroutine a scenario starts costs.
	*selectState

	// Seeded runs: the channel that hands g the baton, and the mutex g waits for, if any (for
	// the deadlock report to name its holder).
	wake      chan struct{}
	waitMutex *mutexModel
	// next is the operation g is about to do at its scheduling point, or the one it is blocked
	// in: what a steered run shows as g's option (record.go). Touched only with the baton.
	next pending

	// waitingIn is the semaphore or errgroup wait g is blocked in, which says what it waits
	// for (guarded by run.mu).
	waitingIn waitSite
	// Parking (park.go), for RWMutex, Cond, Once, the semaphore and errgroup: the channel a
	// live goroutine is handed what it waits for through, the RWMutex, Cond or Once it is
	// blocked on (for the reports to say on whom it waits), and the wake of the Signal or
	// Broadcast that woke it from a Cond's Wait.
	parked   chan struct{}
	waitSync syncWait
	wokenBy  uint32

	// A live send or receive blocked on an unbuffered channel may be ended by its partner
	// (chan_live.go): recvPC is the receive's line (guarded by run.mu), and sendEnded and
	// recvEnded say when their ends are recorded.
	recvPC               uintptr
	sendEnded, recvEnded handoff
}

// selectState is what a goroutine's selects keep from one to the next.
type selectState struct {
	// selecting are the objects of the select g is in (see G.doing).
	selecting []selRef
	// selectScratch holds the cases of g's select while it runs (select.go), and in a live
	// run what reflect.Select is given when it must wait.
	selectScratch []Case
	selectIdx     []int
	selectReflect []reflect.SelectCase
	// parkedSelect is g's live select while it waits on the stage (select.go).
	parkedSelect stagedSelect
}

// syncWait is an RWMutex, Cond or Once a goroutine is blocked on: it says, under the
// recorder lock, what the goroutine waits for and on whom.
type syncWait interface {
	waitingLocked(g *G) string
}

// ID is the goroutine's number in the trace; main is 1.
func (g *G) ID() int { return g.id }

// Name is the goroutine's name in the trace.
func (g *G) Name() string { return g.name }

// Context is the run's context: done when the run is stopping.
func (g *G) Context() context.Context { return g.run.ctx }

// spawn runs fn as goroutine g of the run.
func (r *Run) spawn(g *G, fn func(*G)) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer g.exit()
		r.sched.waitTurn(g)
		fn(g)
	}()
}

// exit records how g's function ended. A normal return of main ends the run, as in Go.
func (g *G) exit() {
	v := recover()
	if g.exited {
		return // recorded with the last event of its function (exitedLocked)
	}
	r := g.run
	r.mu.Lock()
	r.removeAliveLocked(g)
	switch v.(type) {
	case nil:
		r.appendLocked(&entry{g: uint16(g.id), kind: kindExit}, 0)
		if g.id == 1 && !r.halted {
			if r.ctx.Err() != nil {
				// Cancelled before the halt it causes arrived: the run was stopped.
				r.haltLocked(ReasonStopped, "stopped before the end")
				break
			}
			r.noteLeftoverLocked()
			r.haltLocked(ReasonDone, "main returned")
		}
	case unwind:
	default:
		msg := fmt.Sprint(v)
		r.appendLocked(&entry{g: uint16(g.id), kind: kindPanic, text: r.texts.addString(msg)}, 0)
		r.haltLocked(ReasonPanic, fmt.Sprintf("%s panicked: %s", g.name, msg))
	}
	passOn := v == nil && !r.halted && r.ctx.Err() == nil
	r.mu.Unlock()
	if passOn {
		// A goroutine that returned holds the baton of a seeded run: it passes it on. One
		// that unwinds does not hold it, and must not touch the scheduler.
		r.sched.exited(g)
	}
}

// addAliveLocked notes that g has started and not yet ended.
func (r *Run) addAliveLocked(g *G) {
	g.aliveAt = len(r.alive)
	r.alive = append(r.alive, g)
}

// removeAliveLocked notes that g has ended. It is a swap, not a map's delete: a goroutine's
// start and end are on the path of every Go.
func (r *Run) removeAliveLocked(g *G) {
	last := r.alive[len(r.alive)-1]
	r.alive[g.aliveAt], last.aliveAt = last, g.aliveAt
	r.alive[len(r.alive)-1] = nil
	r.alive = r.alive[:len(r.alive)-1]
}

// aliveInStartOrderLocked is the goroutines still alive, in the order they started.
func (r *Run) aliveInStartOrderLocked() []*G {
	gs := slices.Clone(r.alive)
	slices.SortFunc(gs, func(a, b *G) int { return a.id - b.id })
	return gs
}

// exitedLocked records the normal return of g, a live goroutine other than main, in the
// critical section of the event its function ends with, at that event's instant, which
// spares the exit a critical section of its own (exit then has nothing left to do).
func (g *G) exitedLocked() bool {
	r := g.run
	r.removeAliveLocked(g)
	g.exited = true
	return g.recordAgainLocked(&entry{kind: kindExit}, 0)
}

// noteLeftoverLocked lists the goroutines main leaves behind, in the order they started.
func (r *Run) noteLeftoverLocked() {
	for _, g := range r.aliveInStartOrderLocked() {
		if g.id == 1 {
			continue
		}
		doing := r.describeLocked(g)
		switch {
		case r.seeded != nil && slices.Contains(r.seeded.ready, g):
			// Let go (its send taken, its lock handed over) but not yet run again: it has
			// not leaked, though it will never record the end of its wait.
			doing = "runnable, its wait over"
		case doing == "":
			doing = "running"
		}
		r.leftover = append(r.leftover, fmt.Sprintf("%s (%s)", g.name, doing))
	}
}

// Go starts fn as a new goroutine named name, like the go statement.
//
//go:noinline
func (g *G) Go(name string, fn func(g *G)) { g.goAt(name, fn, callerPC()) }

// goAt is Go, recorded at pc's line: for the stage's own Go calls (an errgroup's), made on a
// scenario line.
func (g *G) goAt(name string, fn func(g *G), pc uintptr) {
	r := g.enterAs(pending{kind: kindGo, pc: pc})
	child, ok := g.goLocked(name, pc, false)
	r.leave(ok)
	g.spawn(child, fn)
}

// goLocked records the go event of a goroutine named name that g starts at pc, at the
// instant of the event before it if again, and returns the goroutine, for spawn to run once
// the recorder lock is released. A run at its goroutine limit halts instead.
func (g *G) goLocked(name string, pc uintptr, again bool) (*G, bool) {
	r := g.run
	if r.nextG >= r.cfg.MaxGoroutines {
		// A limit of the playground, not a fault of the scenario: the run ends cut short, as
		// at the event limit.
		r.haltLocked(ReasonTruncated, fmt.Sprintf("stopped at %d goroutines, the most a run may start", r.cfg.MaxGoroutines))
		return nil, false
	}
	r.nextG++
	child := &G{id: r.nextG, name: name, run: r}
	e := entry{kind: kindGo, aux: uint32(child.id), text: r.texts.addString(name)}
	var ok bool
	if again {
		ok = g.recordAgainLocked(&e, pc)
	} else {
		ok = g.recordLocked(&e, pc)
	}
	if ok {
		r.addAliveLocked(child)
	}
	return child, ok
}

// spawn runs fn as the goroutine child, which goLocked recorded, outside the recorder lock.
func (g *G) spawn(child *G, fn func(g *G)) {
	r := g.run
	r.sched.spawned(child)
	r.spawn(child, fn)
}

// Work stands for d of computation: the goroutine is busy, not blocked.
//
//go:noinline
func (g *G) Work(d time.Duration) {
	g.run.sched.span(g, max(d, 0), callerPC(), spanWork)
}

// Sleep parks the goroutine for d, like time.Sleep.
//
//go:noinline
func (g *G) Sleep(d time.Duration) {
	g.run.sched.span(g, max(d, 0), callerPC(), spanSleep)
}

// spanKind is what a span of time is: Work (busy, and in a seeded run on a processor) or
// Sleep (parked).
type spanKind struct {
	begin, end kind
	doing      activity
}

var (
	spanWork  = spanKind{kindWorkBegin, kindWorkEnd, working}
	spanSleep = spanKind{kindSleepBeg, kindSleepEnd, sleeping}
)

// beginSpan records the work-begin or sleep-begin of a span of d.
func (g *G) beginSpan(d time.Duration, pc uintptr, k spanKind) {
	r := g.lock()
	ok := g.recordWideLocked(&entry{kind: k.begin}, int64(d), 0, pc)
	g.startLocked(k.doing, 0)
	r.leave(ok)
}

// Println records a line of output, like fmt.Println.
//
//go:noinline
func (g *G) Println(args ...any) {
	pc := callerPC()
	g.pointAs(pending{kind: kindPrint, pc: pc})
	line := strings.TrimSuffix(fmt.Sprintln(args...), "\n")
	r := g.lock()
	r.leave(g.recordLocked(&entry{kind: kindPrint, text: r.texts.addString(line)}, pc))
}

// Jitter returns a random duration from 0 to max, for work times that differ run to run:
// from the seed in a seeded run.
func (g *G) Jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return g.run.sched.jitter(max)
}

// Now is the scenario time since the run started.
func (g *G) Now() time.Duration { return g.run.sched.elapsed() }

// newObject registers an object and announces it with a new event: x has its ObjKind, Name
// and Cap, value its initial contents. An object a live goroutine can block on is h, which
// the run wakes when it halts and the deadlock watch asks; seeded runs pass none.
func (g *G) newObject(x Event, value string, h liveObject, pc uintptr) int {
	r := g.lock()
	r.nextObj++
	id := r.nextObj
	r.objNames = append(r.objNames, x.Name)
	ok := g.recordExtraLocked(&entry{kind: kindNew, obj: int32(id), text: r.texts.addString(value)}, &x, pc)
	if ok && h != nil {
		r.live = append(r.live, h)
		r.liveByID = append(r.liveByID, make([]liveObject, id-len(r.liveByID))...)
		r.liveByID[id-1] = h
	}
	r.leave(ok)
	return id
}
