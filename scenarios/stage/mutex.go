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
	// acquire waits, after lock-begin, until g holds the mutex.
	acquire(g *G, pc uintptr)
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

// NewMutex makes an unlocked mutex named name.
//
//go:noinline
func NewMutex(g *G, name string) *Mutex {
	pc := callerPC()
	m := &Mutex{name: name}
	var h halter
	if s := seededOf(g); s != nil {
		m.ops = &mutexModel{s: s}
	} else {
		l := &liveMutex{slot: make(chan struct{}, 1)}
		l.slot <- struct{}{}
		m.ops, h = l, l
	}
	m.id = g.newObject(Event{ObjKind: ObjMutex, Name: name}, "", h, pc)
	return m
}

// Lock blocks until the mutex is free and takes it.
//
//go:noinline
func (m *Mutex) Lock(g *G) {
	pc := callerPC()
	g.point()
	g.begin(entry{kind: kindLockBegin, obj: int32(m.id)}, pc, locking)
	m.ops.acquire(g, pc)
	shown := m.shown()
	r := g.lock()
	g.unblockedLocked()
	r.leave(g.recordLocked(entry{kind: kindLockEnd, obj: int32(m.id), text: r.texts.addString(shown)}, pc))
}

// Unlock releases the mutex. Unlocking an unlocked mutex panics (Go makes it a fatal error).
//
//go:noinline
func (m *Mutex) Unlock(g *G) {
	pc := callerPC()
	r := g.enter()
	// Checked and released under the recorder lock, so an unlocked mutex panics without a
	// phantom unlock event.
	if !m.ops.heldLocked() {
		r.mu.Unlock()
		panic("sync: unlock of unlocked mutex " + m.name)
	}
	// Recorded before the release, so the next holder's lock-end always comes after it.
	ok := g.recordLocked(entry{kind: kindUnlock, obj: int32(m.id), text: r.texts.addString(m.shown())}, pc)
	if ok {
		m.ops.releaseLocked()
	}
	r.leave(ok)
}

// Name is the name the mutex was made with.
func (m *Mutex) Name() string { return m.name }

// liveMutex is a mutex in a live run: a one-slot channel rather than a sync.Mutex, because a
// goroutine blocked in sync.Mutex.Lock cannot be woken by cancellation, so a deadlocked or
// abandoned run would leak it. The slot holds a token while the mutex is free: Lock takes it,
// Unlock puts it back (under the recorder lock, never blocking), and a halting run closes the
// slot so that every goroutine waiting in Lock wakes.
type liveMutex struct{ slot chan struct{} }

func (l *liveMutex) acquire(*G, uintptr) {
	if _, ok := <-l.slot; !ok {
		// The run halted, and the mutex may have a holder: do not call show.
		panic(unwind{})
	}
}

func (l *liveMutex) heldLocked() bool { return len(l.slot) == 0 }

func (l *liveMutex) releaseLocked() { l.slot <- struct{}{} }

// haltLocked wakes the goroutines waiting in Lock. Unlock sends only under the recorder lock
// and not once the run is halted, so the slot is never sent on after this.
func (l *liveMutex) haltLocked(*Run) { close(l.slot) }

// mutexModel is a mutex under the seeded scheduler: a holder and a FIFO of waiters, to whom
// Unlock hands the lock directly.
type mutexModel struct {
	s      *seeded
	holder *G
	waitq  []*G
}

func (m *mutexModel) acquire(g *G, _ uintptr) {
	if m.holder == nil {
		m.holder = g
		return
	}
	m.waitq = append(m.waitq, g)
	g.waitMutex = m
	m.s.block(g)
	g.waitMutex = nil
}

func (m *mutexModel) heldLocked() bool { return m.holder != nil }

func (m *mutexModel) releaseLocked() {
	if len(m.waitq) == 0 {
		m.holder = nil
		return
	}
	next := m.waitq[0]
	m.waitq = m.waitq[1:]
	m.holder = next
	m.s.makeReady(next)
}
