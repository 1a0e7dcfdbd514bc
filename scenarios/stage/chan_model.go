package stage

// chanModel is a channel under the seeded scheduler. Nothing runs concurrently there, so it
// is plain data touched by the goroutine holding the baton, giving the semantics the live
// channel gets from the Go runtime: unbuffered rendezvous, a FIFO buffer of cap slots, close
// waking receivers (and panicking blocked senders), a select waiting on several channels.
type chanModel[T any] struct {
	c     *Chan[T]
	s     *seeded
	buf   []item[T]
	recvq []*chanWaiter[T]
	sendq []*chanWaiter[T]
}

// chanWaiter is a goroutine blocked on a channel; whoever completes its operation fills it.
// A select waits on each of its channels with a waiter of its own, sel shared between them:
// the first to be taken marks sel done, and the others are passed over from then on.
type chanWaiter[T any] struct {
	g   *G
	it  item[T]
	ok  bool // the operation completed (false: the channel was closed under it)
	sel *selectWait
	idx int // the select's case
}

// head is the first waiter of q that still waits, dropping the selects another channel took.
func (m *chanModel[T]) head(q *[]*chanWaiter[T]) *chanWaiter[T] {
	for len(*q) > 0 {
		w := (*q)[0]
		if w.sel == nil || !w.sel.done {
			return w
		}
		*q = (*q)[1:]
	}
	return nil
}

// pop removes and returns the first waiter of q that still waits, or nil; a select's is
// taken for the case it waits on here.
func (m *chanModel[T]) pop(q *[]*chanWaiter[T]) *chanWaiter[T] {
	w := m.head(q)
	if w == nil {
		return nil
	}
	*q = (*q)[1:]
	if w.sel != nil {
		w.sel.done, w.sel.chosen = true, w.idx
	}
	return w
}

// deliver completes a send of it that can go: to a waiting receiver, or into the buffer.
func (m *chanModel[T]) deliver(it item[T]) {
	if w := m.pop(&m.recvq); w != nil {
		w.it, w.ok = it, true
		m.s.makeReady(w.g)
		return
	}
	m.buf = append(m.buf, it)
}

// take completes a receive that can go: from the buffer (whose freed slot a blocked sender's
// value then takes), from a waiting sender, or, closed and drained, nothing (open false).
func (m *chanModel[T]) take() (it item[T], open bool) {
	if len(m.buf) > 0 {
		it = m.buf[0]
		m.buf = m.buf[1:]
		if w := m.pop(&m.sendq); w != nil {
			m.buf = append(m.buf, w.it)
			w.ok = true
			m.s.makeReady(w.g)
		}
		return it, true
	}
	if w := m.pop(&m.sendq); w != nil {
		it, w.ok = w.it, true
		m.s.makeReady(w.g)
		return it, true
	}
	return it, false // closed: the caller has checked it is ready
}

func (m *chanModel[T]) send(g *G, pc uintptr, v T, shown shown) {
	c, s := m.c, m.s
	r := g.enterAs(pending{kind: kindSendBegin, obj: int32(c.id), pc: pc})
	it, ok := c.sendBeginLocked(g, pc, v, shown)
	g.startLocked(sending, c.id)
	r.leave(ok)
	if c.closed {
		panic("send on closed channel " + c.name)
	}
	if m.head(&m.recvq) != nil || len(m.buf) < c.cap {
		m.deliver(it)
	} else {
		w := &chanWaiter[T]{g: g, it: it}
		m.sendq = append(m.sendq, w)
		s.block(g)
		if !w.ok {
			panic("send on closed channel " + c.name)
		}
	}
	c.sendEnd(g, pc, it)
}

func (m *chanModel[T]) recv(g *G, pc uintptr) (T, bool) {
	c, s := m.c, m.s
	g.next = pending{kind: kindRecvBegin, obj: int32(c.id), pc: pc}
	s.point(g)
	g.begin(&entry{kind: kindRecvBegin, obj: int32(c.id)}, pc, receiving)
	var it item[T]
	ok := true
	if len(m.buf) > 0 || m.head(&m.sendq) != nil || c.closed {
		it, ok = m.take()
	} else {
		w := &chanWaiter[T]{g: g}
		m.recvq = append(m.recvq, w)
		s.block(g)
		it, ok = w.it, w.ok
	}
	c.recvEnd(g, pc, it, ok)
	return it.v, ok
}

// closedLocked wakes every blocked receiver (they get the zero value) and sender (they
// panic), selects among them.
func (m *chanModel[T]) closedLocked() {
	for _, q := range []*[]*chanWaiter[T]{&m.recvq, &m.sendq} {
		for w := m.pop(q); w != nil; w = m.pop(q) {
			m.s.makeReady(w.g)
		}
	}
	m.recvq, m.sendq = nil, nil
}

func (m *chanModel[T]) len() int { return len(m.buf) }
