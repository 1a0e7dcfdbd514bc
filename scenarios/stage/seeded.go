package stage

// The seeded scheduler's models of Go's channels, mutexes and waitgroups. Under it nothing
// runs concurrently, so these are plain data touched by the goroutine holding the baton; they
// give the semantics the live primitives get from the Go runtime: unbuffered rendezvous,
// buffered FIFO with cap slots, close waking receivers (and panicking blocked senders),
// mutex wait queues.

// chanModel is a channel under the seeded scheduler.
type chanModel[T any] struct {
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

func (c *Chan[T]) sendSeeded(g *G, pc uintptr, v T, shown shown) {
	s := g.run.sched
	s.point(g)
	it, _ := c.beginSend(g, pc, v, shown)
	if c.closed {
		panic("send on closed channel " + c.name)
	}
	m := c.model
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
	g.end(&entry{kind: kindSendEnd, obj: int32(c.id), aux: it.msg}, pc)
}

func (c *Chan[T]) recvSeeded(g *G, pc uintptr) (T, bool) {
	s := g.run.sched
	s.point(g)
	g.begin(&entry{kind: kindRecvBegin, obj: int32(c.id)}, pc, receiving)
	m := c.model
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
	c.endRecv(g, pc, it, ok)
	return it.v, ok
}

// closeSeeded wakes every blocked receiver (they get the zero value) and sender (they panic).
func (c *Chan[T]) closeSeeded(g *G) {
	s := g.run.sched
	m := c.model
	for _, w := range m.recvq {
		s.makeReady(w.g)
	}
	for _, w := range m.sendq {
		s.makeReady(w.g)
	}
	m.recvq, m.sendq = nil, nil
}

// mutexModel is a mutex under the seeded scheduler: a holder and a FIFO of waiters, to whom
// Unlock hands the lock directly.
type mutexModel struct {
	holder *G
	waitq  []*G
}

func (m *Mutex) lockSeeded(g *G, pc uintptr) {
	s := g.run.sched
	s.point(g)
	g.begin(&entry{kind: kindLockBegin, obj: int32(m.id)}, pc, locking)
	if m.model.holder == nil {
		m.model.holder = g
	} else {
		m.model.waitq = append(m.model.waitq, g)
		g.waitMutex = m
		s.block(g)
		g.waitMutex = nil
	}
	m.endLock(g, pc)
}

// unlockSeeded releases the lock recorded as released; the caller holds the recorder lock.
func (m *Mutex) unlockSeeded(s *sched) {
	if len(m.model.waitq) == 0 {
		m.model.holder = nil
		return
	}
	next := m.model.waitq[0]
	m.model.waitq = m.model.waitq[1:]
	m.model.holder = next
	s.makeReady(next)
}
