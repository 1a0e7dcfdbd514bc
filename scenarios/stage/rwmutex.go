package stage

import "strings"

// RWMutex is sync.RWMutex on the stage: any number of readers or one writer. As in Go, a
// goroutine blocked in Lock keeps later RLocks out, so that readers cannot starve a writer;
// a goroutine that takes a read lock it already holds can therefore deadlock once a writer
// waits, and the stage shows exactly that. When a writer unlocks, the readers it kept out go
// in before the next writer. Its state — the holders and the queues of readers and writers —
// is kept under the recorder lock, one for both schedulers, and a waiter is handed the lock
// by the goroutine that frees it (park.go), so that a stop can end a wait, as a live Mutex's.

// RWMutex kinds. Lock and Unlock of an RWMutex record lock-begin, lock-end and unlock on it,
// as a Mutex's do.
const (
	KindRLockBegin Kind = "rlock-begin" // g asks for a read lock of rwmutex Obj
	KindRLockEnd   Kind = "rlock-end"   // g holds a read lock of Obj (Value: what it guards, if shown)
	KindRUnlock    Kind = "runlock"     // g releases a read lock of Obj (recorded before the release)
	// KindTryLock: g tried to lock rwmutex Obj, Op "lock" for writing or "rlock" for
	// reading; Value "true" when it now holds it, "false" when it did not wait.
	KindTryLock Kind = "trylock"
)

// ObjRWMutex is an RWMutex.
const ObjRWMutex ObjKind = "rwmutex"

// RWMutex is a reader/writer mutual-exclusion lock, like sync.RWMutex. Make one with
// NewRWMutex.
type RWMutex struct {
	id   int
	name string
	show func() string
	// Guarded by the recorder lock: who holds it (a writer, or readers, one entry per read
	// lock held), and who waits, to read and to write.
	writer  *G
	readers []*G
	rq, wq  waitQueue
}

// NewRWMutex makes an unlocked RWMutex named name.
//
//go:noinline
func NewRWMutex(g *G, name string) *RWMutex {
	pc := callerPC()
	rw := &RWMutex{name: name}
	var h liveObject
	if g.run.seeded == nil {
		h = rw
	}
	rw.id = g.newObject(Event{ObjKind: ObjRWMutex, Name: name}, "", h, pc)
	return rw
}

// Name is the name the RWMutex was made with.
func (rw *RWMutex) Name() string { return rw.name }

// Show makes the RWMutex report what it guards, as Mutex.Show: show is called by a goroutine
// holding it (for reading or writing), and its text rides on rlock-end, runlock, lock-end and
// unlock.
func (rw *RWMutex) Show(show func() string) { rw.show = show }

func (rw *RWMutex) shownLocked(r *Run) textRef {
	if rw.show == nil {
		return textRef{}
	}
	return r.texts.addString(rw.show())
}

// RLock takes a read lock: at once unless a writer holds the lock or waits for it.
//
//go:noinline
func (rw *RWMutex) RLock(g *G) {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindRLockBegin, obj: int32(rw.id), pc: pc})
	ok := g.recordLocked(&entry{kind: kindRLockBegin, obj: int32(rw.id)}, pc)
	if ok && rw.writer == nil && len(rw.wq) == 0 {
		rw.readers = append(rw.readers, g)
		r.leave(g.recordAgainLocked(&entry{kind: kindRLockEnd, obj: int32(rw.id), text: rw.shownLocked(r)}, pc))
		return
	}
	if ok {
		rw.rq.push(g)
		rw.waitLocked(g, rLocking)
	}
	r.leave(ok)
	g.park()
	// Handed a read lock by the Unlock that let the readers in.
	r = g.lock()
	g.unblockedLocked()
	r.leave(g.recordLocked(&entry{kind: kindRLockEnd, obj: int32(rw.id), text: rw.shownLocked(r)}, pc))
}

// Lock takes the lock for writing: at once when no one holds it, or else once the writer
// before it and every reader have unlocked.
//
//go:noinline
func (rw *RWMutex) Lock(g *G) {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindLockBegin, obj: int32(rw.id), pc: pc})
	ok := g.recordLocked(&entry{kind: kindLockBegin, obj: int32(rw.id)}, pc)
	if ok && rw.writer == nil && len(rw.readers) == 0 {
		rw.writer = g
		r.leave(g.recordAgainLocked(&entry{kind: kindLockEnd, obj: int32(rw.id), text: rw.shownLocked(r)}, pc))
		return
	}
	if ok {
		rw.wq.push(g)
		rw.waitLocked(g, rwLocking)
	}
	r.leave(ok)
	g.park()
	r = g.lock()
	g.unblockedLocked()
	r.leave(g.recordLocked(&entry{kind: kindLockEnd, obj: int32(rw.id), text: rw.shownLocked(r)}, pc))
}

// waitLocked notes that g is about to park, blocked in RLock or Lock.
func (rw *RWMutex) waitLocked(g *G, a activity) {
	g.parkLocked()
	g.waitSync = rw
	g.startLocked(a, rw.id)
}

// TryLock takes the lock for writing if no one holds it, and reports whether it did.
//
//go:noinline
func (rw *RWMutex) TryLock(g *G) bool {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindTryLock, op: opLock, obj: int32(rw.id), pc: pc})
	took := rw.writer == nil && len(rw.readers) == 0
	ok := g.recordLocked(&entry{kind: kindTryLock, obj: int32(rw.id), op: opLock, text: r.texts.addString(boolText(took))}, pc)
	if ok && took {
		rw.writer = g
	}
	r.leave(ok)
	return took
}

// TryRLock takes a read lock if no writer holds the lock or waits for it, and reports
// whether it did.
//
//go:noinline
func (rw *RWMutex) TryRLock(g *G) bool {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindTryLock, op: opRLock, obj: int32(rw.id), pc: pc})
	took := rw.writer == nil && len(rw.wq) == 0
	ok := g.recordLocked(&entry{kind: kindTryLock, obj: int32(rw.id), op: opRLock, text: r.texts.addString(boolText(took))}, pc)
	if ok && took {
		rw.readers = append(rw.readers, g)
	}
	r.leave(ok)
	return took
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// RUnlock releases a read lock; the last reader out lets a waiting writer in. It panics when
// no read lock is held (Go makes that a fatal error).
//
//go:noinline
func (rw *RWMutex) RUnlock(g *G) {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindRUnlock, obj: int32(rw.id), pc: pc})
	if len(rw.readers) == 0 {
		r.mu.Unlock()
		panic("sync: RUnlock of unlocked RWMutex " + rw.name)
	}
	ok := g.recordLocked(&entry{kind: kindRUnlock, obj: int32(rw.id), text: rw.shownLocked(r)}, pc)
	if ok {
		rw.dropReaderLocked(g)
		if len(rw.readers) == 0 && len(rw.wq) > 0 {
			rw.writer = rw.wq.pop()
			rw.writer.unparkLocked()
		}
	}
	r.leave(ok)
}

// dropReaderLocked removes a read lock of g's from the holders, or, as Go lets another
// goroutine unlock it, the latest one taken.
func (rw *RWMutex) dropReaderLocked(g *G) {
	i := len(rw.readers) - 1
	for j := i; j >= 0; j-- {
		if rw.readers[j] == g {
			i = j
			break
		}
	}
	rw.readers[i] = rw.readers[len(rw.readers)-1]
	rw.readers = rw.readers[:len(rw.readers)-1]
}

// Unlock releases the write lock: the readers it kept out go in, or else the next writer.
// It panics when the lock is not held for writing (Go makes that a fatal error).
//
//go:noinline
func (rw *RWMutex) Unlock(g *G) {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindUnlock, obj: int32(rw.id), pc: pc})
	if rw.writer == nil {
		r.mu.Unlock()
		panic("sync: Unlock of unlocked RWMutex " + rw.name)
	}
	ok := g.recordLocked(&entry{kind: kindUnlock, obj: int32(rw.id), text: rw.shownLocked(r)}, pc)
	if ok {
		rw.writer = nil
		switch {
		case len(rw.rq) > 0:
			for _, w := range rw.rq {
				rw.readers = append(rw.readers, w)
				w.unparkLocked()
			}
			rw.rq = rw.rq[:0]
		case len(rw.wq) > 0:
			rw.writer = rw.wq.pop()
			rw.writer.unparkLocked()
		}
	}
	r.leave(ok)
}

// waitingLocked says what g, blocked in RLock or Lock, waits for, and on whom.
func (rw *RWMutex) waitingLocked(g *G) string {
	if g.doing == rLocking {
		switch {
		case rw.writer != nil:
			return "blocked in RLock on " + rw.name + " (held by " + rw.writer.name + ")"
		case len(rw.wq) > 0:
			return "blocked in RLock on " + rw.name + " (" + names(rw.wq) + " waiting in Lock)"
		}
		return "blocked in RLock on " + rw.name
	}
	switch {
	case rw.writer != nil:
		return "blocked in Lock on " + rw.name + " (held by " + rw.writer.name + ")"
	case len(rw.readers) > 0:
		return "blocked in Lock on " + rw.name + " (read-locked by " + names(rw.readers) + ")"
	}
	return "blocked in Lock on " + rw.name
}

// names lists the goroutines' names, each once, in order.
func names(gs []*G) string {
	var out []string
	seen := map[*G]bool{}
	for _, g := range gs {
		if !seen[g] {
			seen[g] = true
			out = append(out, g.name)
		}
	}
	return strings.Join(out, ", ")
}

// stuckLocked reports whether the goroutines blocked on the RWMutex in a live run are stuck:
// every one the watch counts is still queued, none handed the lock yet.
func (rw *RWMutex) stuckLocked(w waits) bool {
	return w.rlockers == len(rw.rq) && w.wlockers == len(rw.wq)
}

// haltLocked wakes the goroutines parked on the RWMutex in a live run that halts.
func (rw *RWMutex) haltLocked(*Run) {
	rw.rq.haltLocked()
	rw.wq.haltLocked()
}
