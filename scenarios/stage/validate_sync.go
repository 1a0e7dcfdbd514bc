package stage

import "strconv"

// The rules of the sync primitives beyond Mutex and WaitGroup (rwmutex.go, cond.go, once.go),
// which Validate checks through syncEvent:
//
//   - an RWMutex has no writer while a reader holds it, and at most one writer; only the
//     writer unlocks it, a read unlock has a reader to release, and a TryLock or TryRLock
//     fails only when the lock was taken (or, for TryRLock, a writer waited);
//   - a Cond's waiter releases the Cond's mutex just before it waits, is woken by a Signal or
//     Broadcast on that Cond made after it began to wait, and locks the mutex again before
//     Wait returns; a Signal wakes the longest waiter if there is one and is lost only when
//     there is none, a Broadcast wakes every waiter;
//   - a Once's function runs once, its once-done comes from the goroutine that ran it, and
//     no other Do returns before it.

// syncState is what the rules need to remember.
type syncState struct {
	rw     map[int]*rwState   // by rwmutex
	conds  map[int]*condState // by cond
	once   map[int]*onceState // by once
	wakes  map[int64]*wake    // by the wake's message id
	prev   map[int]*Event     // each goroutine's previous event
	relock map[int]int        // goroutine → the mutex it must lock again, after a cond-wait-end
}

type rwState struct {
	readers, writer int
	writersWaiting  int
}

type condState struct {
	mutex   int // the cond's mutex
	waiting int // waiters not yet woken
}

type onceState struct {
	runner    int
	ran, done bool
}

type wake struct {
	cond int
	seq  int64
	left int
}

// syncEvent checks e, of goroutine g, against the rules above, and reports whether it was
// one of theirs, which the rest of Validate then leaves alone. It sees every goroutine's
// event, to know each one's previous.
func (v *validator) syncEvent(e *Event, g *gState) bool {
	s := v.sync
	if s == nil {
		s = &syncState{rw: map[int]*rwState{}, conds: map[int]*condState{}, once: map[int]*onceState{},
			wakes: map[int64]*wake{}, prev: map[int]*Event{}, relock: map[int]int{}}
		v.sync = s
	}
	prev := s.prev[e.G]
	s.prev[e.G] = e
	if m, ok := s.relock[e.G]; ok {
		delete(s.relock, e.G)
		if (e.Kind != KindLockBegin || e.Obj != m) && e.Kind != KindPanic && e.Kind != KindDeadlock {
			v.fail(e, "Wait returns without locking mutex %s again", v.objects[m].name)
		}
	}
	switch e.Kind {
	case KindNew:
		switch e.ObjKind {
		case ObjRWMutex:
			s.rw[e.Obj] = &rwState{}
		case ObjCond:
			if o, ok := v.objects[e.Parent]; !ok || o.kind != ObjMutex {
				v.fail(e, "cond %s is bound to object %d, which is no mutex", e.Name, e.Parent)
			}
			s.conds[e.Obj] = &condState{mutex: e.Parent}
		case ObjOnce:
			s.once[e.Obj] = &onceState{}
		}
		return false
	case KindLockBegin, KindLockEnd, KindUnlock:
		if o := v.objects[e.Obj]; o == nil || o.kind != ObjRWMutex {
			return false // a Mutex's, or an unannounced object's: the rest of Validate says
		}
	case KindRLockBegin, KindRLockEnd, KindRUnlock, KindTryLock:
	case KindCondWaitBegin, KindCondWaitEnd, KindSignal, KindBroadcast:
		if v.object(e, ObjCond) != nil {
			v.cond(e, g, prev, s.conds[e.Obj])
		}
		return true
	case KindOnceRun, KindOnceDone, KindOnceWaitBegin, KindOnceWaitEnd:
		if o := v.object(e, ObjOnce); o != nil {
			v.once(e, o, s.once[e.Obj])
		}
		return true
	default:
		return false
	}
	if o := v.object(e, ObjRWMutex); o != nil {
		v.rwmutex(e, o, s.rw[e.Obj])
	}
	return true
}

func (v *validator) rwmutex(e *Event, o *oState, rw *rwState) {
	took := e.Kind == KindLockEnd || e.Kind == KindRLockEnd
	write := e.Kind == KindLockEnd
	if e.Kind == KindTryLock {
		if e.Op != "lock" && e.Op != "rlock" || e.Value != "true" && e.Value != "false" {
			v.fail(e, "a trylock with op %q and value %q", e.Op, e.Value)
			return
		}
		took, write = e.Value == "true", e.Op == "lock"
		if !took {
			free := rw.writer == 0 && (write && rw.readers == 0 || !write && rw.writersWaiting == 0)
			if free {
				v.fail(e, "Try%s of rwmutex %s fails, but nothing kept it out", map[bool]string{true: "Lock", false: "RLock"}[write], o.name)
			}
			return
		}
	}
	switch {
	case e.Kind == KindLockBegin:
		rw.writersWaiting++
	case took && rw.writer != 0:
		v.fail(e, "rwmutex %s taken while goroutine %d holds it for writing", o.name, rw.writer)
	case took && write && rw.readers > 0:
		v.fail(e, "rwmutex %s locked for writing while %d readers hold it", o.name, rw.readers)
	case e.Kind == KindUnlock && rw.writer != e.G:
		v.fail(e, "unlocks rwmutex %s held for writing by goroutine %d", o.name, rw.writer)
	case e.Kind == KindRUnlock && rw.readers == 0:
		v.fail(e, "read-unlocks rwmutex %s, which no reader holds", o.name)
	}
	switch {
	case e.Kind == KindLockEnd:
		rw.writersWaiting--
		fallthrough
	case took && write:
		rw.writer = e.G
	case took:
		rw.readers++
	case e.Kind == KindUnlock:
		rw.writer = 0
	case e.Kind == KindRUnlock:
		rw.readers = max(rw.readers-1, 0)
	}
}

func (v *validator) cond(e *Event, g *gState, prev *Event, c *condState) {
	s := v.sync
	mutex := v.objects[c.mutex]
	switch e.Kind {
	case KindCondWaitBegin:
		if prev == nil || prev.Kind != KindUnlock || prev.Obj != c.mutex {
			v.fail(e, "waits on cond %s without releasing its mutex %s just before", v.objects[e.Obj].name, mutex.name)
		}
		c.waiting++
	case KindCondWaitEnd:
		w := s.wakes[e.Msg]
		if w == nil || w.cond != e.Obj || w.seq < g.pendingSeq || w.left == 0 {
			v.fail(e, "woken by wake %d, which no Signal or Broadcast on %s made for it after it began to wait", e.Msg, v.objects[e.Obj].name)
		} else {
			w.left--
		}
		s.relock[e.G] = c.mutex
	case KindSignal, KindBroadcast:
		n, err := strconv.Atoi(e.Value)
		want := c.waiting
		if e.Kind == KindSignal {
			want = min(want, 1)
		}
		switch {
		case err != nil:
			v.fail(e, "a %s that says it woke %q", e.Kind, e.Value)
			return
		case n != want:
			v.fail(e, "%s on %s wakes %d goroutines, but %d waited to be woken", e.Kind, v.objects[e.Obj].name, n, c.waiting)
		case (e.Op == "lost") != (n == 0) || (e.Msg == 0) != (n == 0):
			v.fail(e, "%s on %s wakes %d goroutines, with op %q and wake %d", e.Kind, v.objects[e.Obj].name, n, e.Op, e.Msg)
		}
		if n > 0 {
			if _, dup := s.wakes[e.Msg]; dup || e.Msg == 0 {
				v.fail(e, "wake id %d is not new", e.Msg)
			}
			s.wakes[e.Msg] = &wake{cond: e.Obj, seq: e.Seq, left: n}
		}
		c.waiting = max(c.waiting-n, 0)
	}
}

func (v *validator) once(e *Event, o *oState, once *onceState) {
	switch e.Kind {
	case KindOnceRun:
		if once.ran {
			v.fail(e, "the function of once %s runs a second time", o.name)
		}
		once.ran, once.runner = true, e.G
	case KindOnceDone:
		if !once.ran || once.runner != e.G || once.done {
			v.fail(e, "once %s is done by goroutine %d, which is not running its function", o.name, e.G)
		}
		once.done = true
	case KindOnceWaitEnd:
		if !once.done {
			v.fail(e, "Do on once %s returns before its function has", o.name)
		}
	}
}
