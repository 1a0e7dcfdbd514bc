package stage

// Mutex is a mutual-exclusion lock, like sync.Mutex. Make one with NewMutex.
type Mutex struct {
	id   int
	name string
	// show renders what the mutex guards; called only by the holder.
	show func() string
	// ops is the mutex's live form or its model under the seeded scheduler, chosen when it
	// is made.
	ops mutexOps
}

// mutexOps is what a mutex's live form and its model each do their own way.
type mutexOps interface {
	// lock takes the mutex for g, from lock-begin to lock-end.
	lock(m *Mutex, g *G, pc uintptr)
	// heldLocked reports whether the mutex is held; under the recorder lock.
	heldLocked() bool
	// releaseLocked releases the mutex, whose unlock has just been recorded, under the
	// recorder lock: never blocking, it hands the mutex to the next waiter, if any.
	releaseLocked()
}

// Show makes the mutex report what it guards: show is called by the goroutine taking or
// releasing the lock, while it holds it, and its text rides on the lock-end and unlock
// events. It is how a Go mutex, which guards data only by convention, gets the lane a Rust
// Mutex<T> would have.
func (m *Mutex) Show(show func() string) { m.show = show }

func (m *Mutex) shown() string {
	if m.show == nil {
		return ""
	}
	return m.show()
}

// lockEnd is the lock-end entry of m, without its text.
func (m *Mutex) lockEnd() entry { return entry{kind: kindLockEnd, obj: int32(m.id)} }

// NewMutex makes an unlocked mutex named name.
//
//go:noinline
func NewMutex(g *G, name string) *Mutex {
	pc := callerPC()
	m := &Mutex{name: name}
	var h liveObject
	if s := seededOf(g); s != nil {
		m.ops = &mutexModel{s: s}
	} else {
		l := &liveMutex{handoff: make(chan struct{}, MaxGoroutinesCap)}
		m.ops, h = l, l
	}
	m.id = g.newObject(Event{ObjKind: ObjMutex, Name: name}, "", h, pc)
	return m
}

// Lock blocks until the mutex is free and takes it.
//
//go:noinline
func (m *Mutex) Lock(g *G) { m.ops.lock(m, g, callerPC()) }

// Unlock releases the mutex. Unlocking an unlocked mutex panics (Go makes it a fatal error).
//
//go:noinline
func (m *Mutex) Unlock(g *G) {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindUnlock, obj: int32(m.id), pc: pc})
	// Checked and released under the recorder lock, so an unlocked mutex panics without a
	// phantom unlock event.
	if !m.ops.heldLocked() {
		r.mu.Unlock()
		panic("sync: unlock of unlocked mutex " + m.name)
	}
	// Recorded before the release, so the next holder's lock-end always comes after it.
	ok := g.recordLocked(&entry{kind: kindUnlock, obj: int32(m.id), text: r.texts.addString(m.shown())}, pc)
	if ok {
		m.ops.releaseLocked()
	}
	r.leave(ok)
}

// Name is the name the mutex was made with.
func (m *Mutex) Name() string { return m.name }

// liveMutex is a mutex in a live run. It is not a sync.Mutex, because a goroutine blocked in
// sync.Mutex.Lock cannot be woken by cancellation, so a deadlocked or abandoned run would
// leak it. Whether it is held, and how many goroutines wait for it, are noted under the
// recorder lock: a Lock that finds it free takes it there, recording its lock-begin and
// lock-end in one critical section, at one instant, as a channel operation that does not
// block does. One that finds it held waits on handoff, into which Unlock puts a token for
// the longest waiter instead of freeing the mutex; a halting run closes handoff, which wakes
// every waiter.
type liveMutex struct {
	held    bool // guarded by the recorder lock, as is waiting
	waiting int
	// handoff holds a token for each waiter Unlock has handed the mutex to and that has not
	// taken it yet: tokens take no memory, so it can hold one for every goroutine a run may
	// have, and Unlock never blocks on it.
	handoff chan struct{}
}

func (l *liveMutex) lock(m *Mutex, g *G, pc uintptr) {
	r := g.enter()
	ok := g.recordLocked(&entry{kind: kindLockBegin, obj: int32(m.id)}, pc)
	if ok && !l.held {
		l.held = true
		e := m.lockEnd()
		if shown := m.shown(); shown != "" {
			e.text = r.texts.addString(shown)
		}
		r.leave(g.recordAgainLocked(&e, pc))
		return
	}
	if ok {
		l.waiting++
		g.startLocked(locking, m.id)
	}
	r.leave(ok)
	if _, ok := <-l.handoff; !ok {
		// The run halted, and the mutex may have a holder: do not call show.
		panic(unwind{})
	}
	e := m.lockEnd()
	g.end(&e, m.shown(), pc)
}

func (l *liveMutex) heldLocked() bool { return l.held }

func (l *liveMutex) releaseLocked() {
	if l.waiting == 0 {
		l.held = false
		return
	}
	l.waiting--
	l.handoff <- struct{}{}
}

// stuckLocked reports whether the goroutines blocked in Lock are stuck: the mutex is held
// and every one of them is still counted waiting. One that is not has been handed the lock
// by Unlock and is yet to record it.
func (l *liveMutex) stuckLocked(w waits) bool { return l.held && w.lockers == l.waiting }

// haltLocked wakes the goroutines waiting in Lock. Unlock sends only under the recorder lock
// and not once the run is halted, so handoff is never sent on after this.
func (l *liveMutex) haltLocked(*Run) { close(l.handoff) }

// mutexModel is a mutex under the seeded scheduler: a holder and a FIFO of waiters, to whom
// Unlock hands the lock directly.
type mutexModel struct {
	s      *seeded
	holder *G
	waitq  []*G
}

func (m *mutexModel) lock(mu *Mutex, g *G, pc uintptr) {
	g.next = pending{kind: kindLockBegin, obj: int32(mu.id), pc: pc}
	m.s.point(g)
	g.begin(&entry{kind: kindLockBegin, obj: int32(mu.id)}, pc, locking)
	if m.holder == nil {
		m.holder = g
	} else {
		m.waitq = append(m.waitq, g)
		g.waitMutex = m
		m.s.block(g)
		g.waitMutex = nil
	}
	e := mu.lockEnd()
	g.end(&e, mu.shown(), pc)
}

func (m *mutexModel) heldLocked() bool { return m.holder != nil }

func (m *mutexModel) releaseLocked() {
	if len(m.waitq) == 0 {
		m.holder = nil
		return
	}
	next := popFront(&m.waitq)
	m.holder = next
	m.s.makeReady(next)
}
