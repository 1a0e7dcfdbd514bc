package stage

import (
	"fmt"
	"strconv"
	"sync/atomic"
)

// item is what travels through a live channel: the value, the message id that pairs the
// receive with its send, and the value's text, recorded once for both events.
type item[T any] struct {
	msg  uint32
	v    T
	text textRef
}

// Chan is a channel of T, like chan T. Make one with NewChan.
//
// In a live run, receivers, and senders on an unbuffered channel, block on the live channel
// alone, with no select on the run's context: a halting run wakes them through the channel
// (haltLocked).
type Chan[T any] struct {
	id   int
	name string
	cap  int
	live chan item[T]
	// Guarded by the run's recorder lock: whether the channel is closed (live: by Close or by
	// the halt), and how many live senders are between their send-begin and send-end.
	closed  bool
	senders int
	// model is the channel under the seeded scheduler (live is then unused).
	model *chanModel[T]
}

// NewChan makes a channel named name with cap buffer slots (0: unbuffered), as make(chan T, cap).
//
//go:noinline
func NewChan[T any](g *G, name string, cap int) *Chan[T] {
	pc := callerPC()
	if cap < 0 {
		panic(fmt.Sprintf("makechan: size out of range: %d", cap))
	}
	c := &Chan[T]{name: name, cap: cap}
	var h halter
	if g.run.sched != nil {
		c.model = &chanModel[T]{}
	} else {
		c.live = make(chan item[T], cap)
		h = c
	}
	c.id = g.newObject(Event{ObjKind: ObjChan, Name: name, Cap: cap}, "", h, pc)
	return c
}

// haltLocked wakes the goroutines blocked on a live channel. Closing it wakes receivers, but
// a close racing with a send is a data race (the race detector reports it, rightly: Go does
// not order them), so while senders are between their send-begin and send-end the channel
// stays open and the last of them to leave closes it (shutLocked). Until then, senders on a
// buffered channel leave through the run's context; on an unbuffered one a drainer takes
// what they send (it holds nothing, so nothing observable is lost) and ends at the close.
func (c *Chan[T]) haltLocked(r *Run) {
	switch {
	case c.closed:
	case c.senders == 0:
		c.shutLocked()
	case c.cap == 0:
		r.wg.Add(1) // a sender has not ended yet, so the run's WaitGroup is not at zero
		go func() {
			defer r.wg.Done()
			for range c.live {
			}
		}()
	}
}

// shutLocked closes the live channel for a halted run.
func (c *Chan[T]) shutLocked() {
	c.closed = true
	close(c.live)
}

// Send sends v, blocking until a receiver takes it (unbuffered) or a slot is free (buffered).
// Sending on a closed channel panics, as in Go.
//
//go:noinline
func (c *Chan[T]) Send(g *G, v T) {
	pc := callerPC()
	r := g.run
	shown := show(v)
	if r.sched != nil {
		c.sendSeeded(g, pc, v, shown)
		return
	}
	it, sent := c.beginSend(g, pc, v, shown)
	if sent {
		return
	}
	// A send on a channel the scenario closed panics here, as in Go, and leaves senders
	// counting it: the halt has nothing left to close. A halt lets an unbuffered send
	// complete (see haltLocked); recording the end then unwinds.
	sent = true
	if c.cap == 0 {
		c.live <- it
	} else {
		select {
		case c.live <- it:
		default:
			select {
			case c.live <- it:
			case <-r.ctx.Done():
				sent = false
			}
		}
	}
	r.mu.Lock()
	c.senders--
	if r.halted && c.senders == 0 && !c.closed {
		c.shutLocked()
	}
	g.unblockedLocked()
	ok := sent && r.appendLocked(&entry{g: uint16(g.id), kind: kindSendEnd, obj: int32(c.id), aux: it.msg}, pc)
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

// beginSend gives the message its id and records the send-begin, in one critical section so
// that message ids rise along seq.
//
// In a live run it then tries the send without blocking, still in that critical section:
// when a receiver is waiting or a buffer slot is free, the send completes there and its
// send-end is recorded with it, and sent is true. Both events then really happen between one
// lock and unlock, so they are recorded at one instant, and the commonest sends take the
// recorder lock once instead of twice. Otherwise the sender is counted in senders until its
// send ends (see haltLocked).
func (c *Chan[T]) beginSend(g *G, pc uintptr, v T, shown shown) (it item[T], sent bool) {
	r := g.run
	r.mu.Lock()
	r.nextMsg++
	it = item[T]{msg: r.nextMsg, v: v, text: r.texts.add(shown)}
	ok := r.appendLocked(&entry{g: uint16(g.id), kind: kindSendBegin, obj: int32(c.id), aux: it.msg, text: it.text}, pc)
	if ok && c.model == nil && !c.closed { // a send on a closed channel panics, outside the lock
		select {
		case c.live <- it:
			sent = true
			ok = r.appendLocked(&entry{g: uint16(g.id), kind: kindSendEnd, obj: int32(c.id), aux: it.msg}, pc)
		default:
		}
	}
	if ok && !sent {
		if c.model == nil {
			c.senders++
		}
		g.startLocked(sending, c.id)
	}
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
	return it, sent
}

// Recv receives a value; ok is false when the channel is closed and drained, as v, ok := <-ch.
//
//go:noinline
func (c *Chan[T]) Recv(g *G) (v T, ok bool) {
	return c.recv(g, callerPC())
}

func (c *Chan[T]) recv(g *G, pc uintptr) (v T, ok bool) {
	r := g.run
	if r.sched != nil {
		return c.recvSeeded(g, pc)
	}
	if it, got := c.beginRecv(g, pc); got {
		return it.v, true
	}
	// Closed by the halt rather than by Close, the channel reports !ok too; then the run is
	// halted and recording the end unwinds instead.
	it, ok := <-c.live
	c.endRecv(g, pc, it, ok)
	return it.v, ok
}

// beginRecv records a live recv-begin and, like beginSend, tries the receive without
// blocking in the same critical section: when a value is there, its recv-end is recorded
// with it and got is true. A closed channel is left to the blocking receive, whose end
// formats the zero value outside the lock (fmt may call the value's own methods).
func (c *Chan[T]) beginRecv(g *G, pc uintptr) (it item[T], got bool) {
	r := g.run
	r.mu.Lock()
	ok := r.appendLocked(&entry{g: uint16(g.id), kind: kindRecvBegin, obj: int32(c.id)}, pc)
	if ok && !c.closed {
		select {
		case it, got = <-c.live:
			// got is false only if the halt closed the channel, which it does under this
			// lock after halting: appendLocked has returned false by then.
			ok = r.appendLocked(&entry{g: uint16(g.id), kind: kindRecvEnd, obj: int32(c.id), aux: it.msg, text: it.text}, pc)
		default:
		}
	}
	if ok && !got {
		g.startLocked(receiving, c.id)
	}
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
	return it, got
}

// endRecv records the recv-end of it; !ok when the channel was found closed and drained.
func (c *Chan[T]) endRecv(g *G, pc uintptr, it item[T], ok bool) {
	r := g.run
	var zero shown
	if !ok {
		zero = show(it.v)
	}
	r.mu.Lock()
	g.unblockedLocked()
	if !ok {
		it.text = r.texts.add(zero)
	}
	done := r.appendLocked(&entry{g: uint16(g.id), kind: kindRecvEnd, obj: int32(c.id), aux: it.msg, text: it.text, closed: !ok}, pc)
	r.mu.Unlock()
	if !done {
		panic(unwind{})
	}
}

// Close closes the channel: receivers drain what is buffered, then get the zero value and
// ok false. Closing twice panics, as in Go.
//
//go:noinline
func (c *Chan[T]) Close(g *G) {
	pc := callerPC()
	r := g.run
	r.point(g)
	r.mu.Lock()
	if r.halted {
		// The halt may have closed the channel already.
		r.mu.Unlock()
		panic(unwind{})
	}
	if c.closed {
		r.mu.Unlock()
		panic("close of closed channel " + c.name)
	}
	// Close under the recorder lock: it cannot block, and a send-begin recorded after this
	// event then really did start after the close.
	ok := r.appendLocked(&entry{g: uint16(g.id), kind: kindClose, obj: int32(c.id)}, pc)
	if ok {
		c.closed = true
		if c.model != nil {
			c.closeSeeded(g)
		} else {
			close(c.live)
		}
	}
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

// Len is the number of values buffered now, as len(ch).
func (c *Chan[T]) Len() int {
	if c.model != nil {
		return len(c.model.buf)
	}
	return len(c.live)
}

// Cap is the buffer size, as cap(ch).
func (c *Chan[T]) Cap() int { return c.cap }

// Name is the name the channel was made with.
func (c *Chan[T]) Name() string { return c.name }

// Mutex is a mutual-exclusion lock, like sync.Mutex. Make one with NewMutex.
//
// Live runs use a one-slot channel as the lock rather than sync.Mutex: a goroutine blocked in
// sync.Mutex.Lock cannot be woken by cancellation, so a deadlocked or abandoned run would leak
// it. The slot holds a token while the mutex is free: Lock takes it, Unlock puts it back (under
// the recorder lock, never blocking), and a halting run closes the slot so that every
// goroutine waiting in Lock wakes.
type Mutex struct {
	id   int
	name string
	slot chan struct{}
	// show renders what the mutex guards; called only by the holder.
	show func() string
	// model is the mutex under the seeded scheduler (slot is then unused).
	model *mutexModel
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
	if g.run.sched != nil {
		m.model = &mutexModel{}
	} else {
		m.slot = make(chan struct{}, 1)
		m.slot <- struct{}{}
		h = m
	}
	m.id = g.newObject(Event{ObjKind: ObjMutex, Name: name}, "", h, pc)
	return m
}

// haltLocked wakes the goroutines waiting in a live Lock. Unlock sends only under the
// recorder lock and not once the run is halted, so the slot is never sent on after this.
func (m *Mutex) haltLocked(*Run) { close(m.slot) }

// Lock blocks until the mutex is free and takes it.
//
//go:noinline
func (m *Mutex) Lock(g *G) {
	pc := callerPC()
	r := g.run
	if r.sched != nil {
		m.lockSeeded(g, pc)
		return
	}
	g.begin(&entry{kind: kindLockBegin, obj: int32(m.id)}, pc, locking)
	if _, ok := <-m.slot; !ok {
		// The run halted, and the mutex may have a holder: do not call show.
		panic(unwind{})
	}
	m.endLock(g, pc)
}

// endLock records the lock-end of g, which now holds the mutex.
func (m *Mutex) endLock(g *G, pc uintptr) {
	shown := m.shown()
	r := g.run
	r.mu.Lock()
	g.unblockedLocked()
	ok := r.appendLocked(&entry{g: uint16(g.id), kind: kindLockEnd, obj: int32(m.id), text: r.texts.addString(shown)}, pc)
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

// Unlock releases the mutex. Unlocking an unlocked mutex panics (Go makes it a fatal error).
//
//go:noinline
func (m *Mutex) Unlock(g *G) {
	pc := callerPC()
	r := g.run
	r.point(g)
	r.mu.Lock()
	// Every Unlock checks and releases under the recorder lock, so an unlocked mutex panics
	// without a phantom unlock event.
	if m.model != nil && m.model.holder == nil || m.model == nil && len(m.slot) != 0 {
		r.mu.Unlock()
		panic("sync: unlock of unlocked mutex " + m.name)
	}
	// Recorded before the release, so the next holder's lock-end always comes after it.
	ok := r.appendLocked(&entry{g: uint16(g.id), kind: kindUnlock, obj: int32(m.id), text: r.texts.addString(m.shown())}, pc)
	switch {
	case !ok:
	case m.model != nil:
		m.unlockSeeded(r.sched)
	default:
		m.slot <- struct{}{}
	}
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

// Name is the name the mutex was made with.
func (m *Mutex) Name() string { return m.name }

// AtomicInt is an int64 changed only by atomic operations, like sync/atomic.Int64.
type AtomicInt struct {
	id   int
	name string
	v    atomic.Int64
}

// NewAtomicInt makes an atomic integer named name holding initial.
//
//go:noinline
func NewAtomicInt(g *G, name string, initial int64) *AtomicInt {
	pc := callerPC()
	a := &AtomicInt{name: name}
	a.v.Store(initial)
	a.id = g.newObject(Event{ObjKind: ObjAtomic, Name: name}, strconv.FormatInt(initial, 10), nil, pc)
	return a
}

// atomically does op on the value and records it; under the recorder lock so that the
// recorded order of atomic events is the order they took effect.
func (a *AtomicInt) atomically(g *G, pc uintptr, op, arg string, do func() (old, new int64)) {
	r := g.run
	r.point(g)
	r.mu.Lock()
	if r.halted {
		r.mu.Unlock()
		panic(unwind{})
	}
	old, new := do()
	ok := r.appendExtraLocked(&entry{g: uint16(g.id), kind: kindAtomic, obj: int32(a.id), text: r.texts.addString(arg)},
		&Event{Op: op, Old: old, New: new}, pc)
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

// Add adds delta and returns the new value, as atomic.Int64.Add.
//
//go:noinline
func (a *AtomicInt) Add(g *G, delta int64) (new int64) {
	a.atomically(g, callerPC(), "add", strconv.FormatInt(delta, 10), func() (int64, int64) {
		new = a.v.Add(delta)
		return new - delta, new
	})
	return new
}

// Load returns the value, as atomic.Int64.Load.
//
//go:noinline
func (a *AtomicInt) Load(g *G) (v int64) {
	a.atomically(g, callerPC(), "load", "", func() (int64, int64) {
		v = a.v.Load()
		return v, v
	})
	return v
}

// Store sets the value, as atomic.Int64.Store.
//
//go:noinline
func (a *AtomicInt) Store(g *G, v int64) {
	a.atomically(g, callerPC(), "store", strconv.FormatInt(v, 10), func() (int64, int64) {
		return a.v.Swap(v), v
	})
}

// Swap sets the value and returns the old one, as atomic.Int64.Swap.
//
//go:noinline
func (a *AtomicInt) Swap(g *G, v int64) (old int64) {
	a.atomically(g, callerPC(), "swap", strconv.FormatInt(v, 10), func() (int64, int64) {
		old = a.v.Swap(v)
		return old, v
	})
	return old
}

// CompareAndSwap sets the value to new if it is old, and reports whether it did, as
// atomic.Int64.CompareAndSwap.
//
//go:noinline
func (a *AtomicInt) CompareAndSwap(g *G, old, new int64) (swapped bool) {
	a.atomically(g, callerPC(), "cas", strconv.FormatInt(old, 10)+"→"+strconv.FormatInt(new, 10), func() (int64, int64) {
		before := a.v.Load()
		swapped = a.v.CompareAndSwap(old, new)
		if swapped {
			return before, new
		}
		return before, before
	})
	return swapped
}

// Name is the name the atomic was made with.
func (a *AtomicInt) Name() string { return a.name }

// format renders a value for the trace; small integers, the common case, skip fmt.
func format[T any](v T) string {
	switch x := any(v).(type) {
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return strconv.Quote(x)
	case struct{}:
		return "struct{}{}"
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
