package stage

import (
	"fmt"
	"iter"
)

// item is what travels through a channel: the value, the message id that pairs the receive
// with its send, and the value's text, recorded once for both events.
type item[T any] struct {
	msg  uint32
	v    T
	text textRef
}

// Chan is a channel of T, like chan T. Make one with NewChan.
type Chan[T any] struct {
	id   int
	name string
	cap  int
	// closed is guarded by the run's recorder lock: closed by Close, or (live) by the halt.
	closed bool
	// ops is the channel's live form (chan_live.go) or its model under the seeded scheduler
	// (chan_model.go), chosen when it is made.
	ops chanOps[T]
	// zero is the text of T's zero value, made once, for a select's receive from the channel
	// closed (select.go).
	zero shown
}

// chanOps is what a channel's live form and its model each do their own way.
type chanOps[T any] interface {
	// send sends v (shown is its text), from send-begin to send-end.
	send(g *G, pc uintptr, v T, shown shown)
	// recv receives, from recv-begin to recv-end; ok false when closed and drained.
	recv(g *G, pc uintptr) (v T, ok bool)
	// closedLocked does the close just recorded, under the recorder lock.
	closedLocked()
	// len is the number of values buffered.
	len() int
}

// NewChan makes a channel named name with cap buffer slots (0: unbuffered), as make(chan T, cap).
//
//go:noinline
func NewChan[T any](g *G, name string, cap int) *Chan[T] {
	pc := callerPC()
	if cap < 0 {
		panic(fmt.Sprintf("makechan: size out of range: %d", cap))
	}
	return newChan[T](g, Event{ObjKind: ObjChan, Name: name, Cap: cap}, pc)
}

// newChan makes a channel announced as x says (a timer's channel is announced as the timer).
func newChan[T any](g *G, x Event, pc uintptr) *Chan[T] {
	name, cap := x.Name, x.Cap
	var zero T
	c := &Chan[T]{name: name, cap: cap, zero: show(zero)}
	var h liveObject
	if s := seededOf(g); s != nil {
		c.ops = &chanModel[T]{c: c, s: s}
	} else {
		l := &liveChan[T]{c: c, ch: make(chan item[T], cap)}
		c.ops, h = l, l
	}
	c.id = g.newObject(x, "", h, pc)
	return c
}

// Send sends v, blocking until a receiver takes it (unbuffered) or a slot is free (buffered).
// Sending on a closed channel panics, as in Go.
//
//go:noinline
func (c *Chan[T]) Send(g *G, v T) {
	pc := callerPC()
	if c == nil {
		// A send on a nil channel blocks forever, as in Go: a select with that one case.
		g.selectAt(pc, []Case{{dir: dirSend, pc: pc}})
		return
	}
	// The live form called directly rather than through the interface, whose method on a
	// generic type is a wrapper that passes on every argument again; and its wait made here,
	// as liveChan.send would (see sendNow).
	if l, ok := c.ops.(*liveChan[T]); ok {
		if it, wait := l.sendNow(g, pc, v, show(v)); wait {
			l.ch <- it
			l.sendWaited(g, pc, it)
		}
		return
	}
	c.ops.send(g, pc, v, show(v))
}

// Recv receives a value; ok is false when the channel is closed and drained, as v, ok := <-ch.
//
//go:noinline
func (c *Chan[T]) Recv(g *G) (v T, ok bool) {
	pc := callerPC()
	if c == nil {
		// A receive from a nil channel blocks forever, as in Go: a select with that one case.
		g.selectAt(pc, []Case{{dir: dirRecv, pc: pc}})
		return v, false
	}
	if l, ok := c.ops.(*liveChan[T]); ok { // as in Send
		return l.recv(g, pc)
	}
	return c.ops.recv(g, pc)
}

// Range yields the values received from the channel until it is closed and drained, as
// for v := range ch.
func (c *Chan[T]) Range(g *G) iter.Seq[T] {
	return func(yield func(T) bool) { c.rangeLoop(g, yield) }
}

// rangeLoop is Range's loop. Its events show the scenario's for statement, found once per
// loop with the symbol tables: between the scenario and this loop sits Range's closure,
// which may be inlined, or compiled without a frame pointer to follow.
func (c *Chan[T]) rangeLoop(g *G, yield func(T) bool) {
	pc := g.run.scenarioPC()
	for {
		v, ok := c.ops.recv(g, pc)
		if !ok || !yield(v) {
			return
		}
	}
}

// Close closes the channel: receivers drain what is buffered, then get the zero value and
// ok false. Closing twice panics, as in Go.
//
//go:noinline
func (c *Chan[T]) Close(g *G) {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindClose, obj: int32(c.id), pc: pc})
	if c.closed {
		r.mu.Unlock()
		panic("close of closed channel " + c.name)
	}
	// Close under the recorder lock: it cannot block, and a send-begin recorded after this
	// event then really did start after the close.
	ok := g.recordLocked(&entry{kind: kindClose, obj: int32(c.id)}, pc)
	if ok {
		c.closed = true
		c.ops.closedLocked()
	}
	r.leave(ok)
}

// Len is the number of values buffered now, as len(ch).
func (c *Chan[T]) Len() int { return c.ops.len() }

// Cap is the buffer size, as cap(ch).
func (c *Chan[T]) Cap() int { return c.cap }

// Name is the name the channel was made with.
func (c *Chan[T]) Name() string { return c.name }

// sendBeginLocked gives a message its id and records its send-begin, in one critical section
// so that message ids rise along seq.
func (c *Chan[T]) sendBeginLocked(g *G, pc uintptr, v T, shown shown) (item[T], bool) {
	r := g.run
	r.nextMsg++
	it := item[T]{msg: r.nextMsg, v: v, text: r.texts.add(shown)}
	return it, g.recordLocked(&entry{kind: kindSendBegin, obj: int32(c.id), aux: it.msg, text: it.text}, pc)
}

// sendEnd records the send-end of it.
func (c *Chan[T]) sendEnd(g *G, pc uintptr, it item[T]) {
	g.end(&entry{kind: kindSendEnd, obj: int32(c.id), aux: it.msg}, "", pc)
}

// recvEndEntry is the recv-end of it.
func (c *Chan[T]) recvEndEntry(it item[T], closed bool) entry {
	return entry{kind: kindRecvEnd, obj: int32(c.id), aux: it.msg, text: it.text, closed: closed}
}

// recvEnd records the recv-end of it, after a wait; !ok when the channel was found closed
// and drained, and the zero value was received.
func (c *Chan[T]) recvEnd(g *G, pc uintptr, it item[T], ok bool) {
	var zero shown
	if !ok {
		zero = show(it.v) // before the lock: fmt may call the value's own methods
	}
	r := g.lock()
	g.unblockedLocked()
	if !ok {
		it.text = r.texts.add(zero)
	}
	e := c.recvEndEntry(it, !ok)
	r.leave(g.recordLocked(&e, pc))
}
