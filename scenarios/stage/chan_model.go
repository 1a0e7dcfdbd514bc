package stage

// chanModel is a channel under the seeded scheduler. Nothing runs concurrently there, so it
// is plain data touched by the goroutine holding the baton, giving the semantics the live
// channel gets from the Go runtime: unbuffered rendezvous, a FIFO buffer of cap slots, close
// waking receivers (and panicking blocked senders).
type chanModel[T any] struct {
	c     *Chan[T]
	s     *seeded
	buf   []item[T]
	recvq []*chanWaiter[T]
	sendq []*chanWaiter[T]
}

// chanWaiter is a goroutine blocked on a channel; whoever completes its operation fills it.
type chanWaiter[T any] struct {
	g  *G
	it item[T]
	ok bool // the operation completed (false: the channel was closed under it)
}

func (m *chanModel[T]) send(g *G, pc uintptr, v T, shown shown) {
	c, s := m.c, m.s
	r := g.enter()
	it, ok := c.sendBeginLocked(g, pc, v, shown)
	g.startLocked(sending, c.id)
	r.leave(ok)
	if c.closed {
		panic("send on closed channel " + c.name)
	}
	switch {
	case len(m.recvq) > 0:
		w := m.recvq[0]
		m.recvq = m.recvq[1:]
		w.it, w.ok = it, true
		s.makeReady(w.g)
	case len(m.buf) < c.cap:
		m.buf = append(m.buf, it)
	default:
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
	s.point(g)
	g.begin(&entry{kind: kindRecvBegin, obj: int32(c.id)}, pc, receiving)
	var it item[T]
	ok := true
	switch {
	case len(m.buf) > 0:
		it = m.buf[0]
		m.buf = m.buf[1:]
		if len(m.sendq) > 0 {
			// A blocked sender's value takes the freed slot: its send completes now.
			w := m.sendq[0]
			m.sendq = m.sendq[1:]
			m.buf = append(m.buf, w.it)
			w.ok = true
			s.makeReady(w.g)
		}
	case len(m.sendq) > 0:
		w := m.sendq[0]
		m.sendq = m.sendq[1:]
		it, w.ok = w.it, true
		s.makeReady(w.g)
	case c.closed:
		ok = false
	default:
		w := &chanWaiter[T]{g: g}
		m.recvq = append(m.recvq, w)
		s.block(g)
		it, ok = w.it, w.ok
	}
	c.recvEnd(g, pc, it, ok)
	return it.v, ok
}

// closedLocked wakes every blocked receiver (they get the zero value) and sender (they panic).
func (m *chanModel[T]) closedLocked() {
	for _, w := range m.recvq {
		m.s.makeReady(w.g)
	}
	for _, w := range m.sendq {
		m.s.makeReady(w.g)
	}
	m.recvq, m.sendq = nil, nil
}

func (m *chanModel[T]) len() int { return len(m.buf) }
