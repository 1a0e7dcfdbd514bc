package stage

// liveChan is a channel in a live run: a real Go channel.
//
// Receivers, and senders on an unbuffered channel, block on the channel alone, with no select
// on the run's context: a halting run wakes them through the channel (haltLocked).
type liveChan[T any] struct {
	c  *Chan[T]
	ch chan item[T]
	// Guarded by the run's recorder lock: the senders between their send-begin and
	// send-end, and the sends and receives of a value recorded as ended, for the deadlock
	// watch (stuckLocked).
	senders        int
	sends, receipt int
	// pendingFires counts the timer fires still to come into this channel (timer.go).
	pendingFires int
}

// send records the send-begin and tries the send without blocking, in one critical section:
// when a receiver is waiting or a buffer slot is free, the send completes there and its
// send-end is recorded with it. Both events then really happen between one lock and unlock,
// so they are recorded at one instant, and the commonest sends take the recorder lock once
// instead of twice. Otherwise the sender blocks on the channel, counted in senders until its
// send ends (see haltLocked).
func (l *liveChan[T]) send(g *G, pc uintptr, v T, shown shown) {
	c := l.c
	r := g.enter()
	// sendBeginLocked's body, written out for the commonest operation of all.
	r.nextMsg++
	it := item[T]{msg: r.nextMsg, v: v, text: r.texts.add(shown)}
	ok := g.recordLocked(&entry{kind: kindSendBegin, obj: int32(c.id), aux: it.msg, text: it.text}, pc)
	if ok && !c.closed { // a send on a closed channel panics, outside the lock
		select {
		case l.ch <- it:
			l.sends++
			r.leave(g.recordAgainLocked(&entry{kind: kindSendEnd, obj: int32(c.id), aux: it.msg}, pc))
			return
		default:
		}
	}
	if ok {
		l.senders++
		g.startLocked(sending, c.id)
	}
	r.leave(ok)

	// A send on a channel the scenario closed panics here, as in Go, and leaves senders
	// counting it: the halt has nothing left to close. A halt lets an unbuffered send
	// complete (see haltLocked); recording the end then unwinds.
	sent := true
	if c.cap == 0 {
		l.ch <- it
	} else {
		select {
		case l.ch <- it:
		default:
			select {
			case l.ch <- it:
			case <-r.ctx.Done():
				sent = false
			}
		}
	}
	r.mu.Lock()
	l.senders--
	if r.halted && l.senders == 0 && !c.closed {
		l.shutLocked()
	}
	g.unblockedLocked()
	if sent {
		l.sends++
	}
	ok = sent && g.recordLocked(&entry{kind: kindSendEnd, obj: int32(c.id), aux: it.msg}, pc)
	r.leave(ok)
}

// recv records a recv-begin and, like send, tries the receive without blocking in the same
// critical section: when a value is there, its recv-end is recorded with it. A closed channel
// is left to the blocking receive, whose end formats the zero value outside the lock (fmt may
// call the value's own methods).
func (l *liveChan[T]) recv(g *G, pc uintptr) (T, bool) {
	c := l.c
	r := g.enter()
	ok := g.recordLocked(&entry{kind: kindRecvBegin, obj: int32(c.id)}, pc)
	if ok && !c.closed {
		select {
		case it := <-l.ch:
			// The receive cannot find the channel closed: the halt closes it under this lock,
			// after halting, and then recording the begin has failed.
			l.receipt++
			e := c.recvEndEntry(it, false)
			r.leave(g.recordAgainLocked(&e, pc))
			return it.v, true
		default:
		}
	}
	if ok {
		g.startLocked(receiving, c.id)
	}
	r.leave(ok)
	// Closed by the halt rather than by Close, the channel reports !ok too; then the run is
	// halted and recording the end unwinds instead.
	h := r.cfg.hooks
	if h != nil && h.receiving != nil {
		h.receiving()
	}
	it, got := <-l.ch
	if h != nil && h.received != nil {
		h.received()
	}
	var zero shown
	if !got {
		zero = show(it.v) // before the lock: fmt may call the value's own methods
	}
	r = g.lock()
	g.unblockedLocked()
	e := c.recvEndEntry(it, !got)
	if got {
		l.receipt++
	} else {
		e.text = r.texts.add(zero)
	}
	r.leave(g.recordLocked(&e, pc))
	return it.v, got
}

func (l *liveChan[T]) closedLocked() { close(l.ch) }

func (l *liveChan[T]) pendingFiresLocked(delta int) { l.pendingFires += delta }

// stuckLocked reports whether the goroutines blocked on the channel are stuck. Recorded as
// blocked does not mean blocked in the runtime: a value may have passed between a sender
// and a receiver, or into and out of the buffer, whose goroutines have not recorded it yet.
// What was recorded tells: with senders and receivers both waiting they pair, or are about
// to; with receivers only, every value sent (sends) is either received (receipt), in the
// buffer, or held by a receiver yet to record it — any but the first lets one go on; with
// senders only, every value received was sent, is in the buffer, or came from a sender yet
// to record it, and a buffer with room lets one in. A closed channel wakes its receivers
// and panics its senders: they go on too.
func (l *liveChan[T]) stuckLocked(w waits) bool {
	switch {
	case l.c.closed, w.senders > 0 && w.receivers > 0, l.pendingFires > 0:
		return false
	case w.receivers > 0:
		return len(l.ch) == 0 && l.sends == l.receipt
	case w.senders > 0:
		return len(l.ch) == l.c.cap && l.receipt+len(l.ch) == l.sends
	}
	return false
}

func (l *liveChan[T]) len() int { return len(l.ch) }

// haltLocked wakes the goroutines blocked on the channel. Closing it wakes receivers, but a
// close racing with a send is a data race (the race detector reports it, rightly: Go does not
// order them), so while senders are between their send-begin and send-end the channel stays
// open and the last of them to leave closes it (shutLocked). Until then, senders on a
// buffered channel leave through the run's context; on an unbuffered one a drainer takes what
// they send (it holds nothing, so nothing observable is lost) and ends at the close.
func (l *liveChan[T]) haltLocked(r *Run) {
	switch {
	case l.c.closed:
	case l.senders == 0:
		l.shutLocked()
	case l.c.cap == 0:
		r.wg.Add(1) // a sender has not ended yet, so the run's WaitGroup is not at zero
		go func() {
			defer r.wg.Done()
			for range l.ch {
			}
		}()
	}
}

// shutLocked closes the channel for a halted run.
func (l *liveChan[T]) shutLocked() {
	l.c.closed = true
	close(l.ch)
}
