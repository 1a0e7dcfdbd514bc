package stage

import "sync/atomic"

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
	// Guarded by the recorder lock too, on an unbuffered channel: the receives between their
	// recv-begin and recv-end that block, the goroutine doing them when it is the only one
	// (nil if not known), and the selects blocked in the runtime's select with a receive case
	// on the channel. A send that completes at once while that one receiver alone waits has
	// handed it its value, and ends its receive for it (receivedLocked).
	receivers, selectRecvs int
	receiver               *G
	// blockedSends are the sends blocked on an unbuffered channel (guarded by the recorder
	// lock): the receiver that takes one's value ends it (sentLocked). There is seldom more
	// than one.
	blockedSends []blockedSend
	// selects are the live selects waiting on the stage with a receive case on this
	// unbuffered channel (guarded by the recorder lock): a sender hands the first its value
	// (handLocked), a close or a halt wakes them all.
	selects []stagedCase
	// pendingFires counts the timer fires still to come into this channel (timer.go).
	pendingFires int
}

// send sends v on the channel: sendNow, and if the send must wait, the wait and sendWaited.
// Chan.Send does the same itself, so that the wait is one frame nearer the scenario.
func (l *liveChan[T]) send(g *G, pc uintptr, v T, shown shown) {
	if it, wait := l.sendNow(g, pc, v, shown); wait {
		l.ch <- it
		l.sendWaited(g, pc, it)
	}
}

// sendNow records the send-begin and tries the send without blocking, in one critical
// section: when a receiver is waiting or a buffer slot is free, the send completes there and
// its send-end is recorded with it. Both events then really happen between one lock and
// unlock, so they are recorded at one instant, and the commonest sends take the recorder lock
// once instead of twice. Otherwise the sender blocks on the channel, counted in senders until
// its send ends (see haltLocked): on a buffered channel here, and on an unbuffered one in its
// caller, which sendNow asks to (wait) and which then sends it on l.ch and calls sendWaited.
// Waking from that wait returns through every frame between it and the scenario, each return
// mispredicted after the switch of goroutines, so it is made as near the scenario as it can.
func (l *liveChan[T]) sendNow(g *G, pc uintptr, v T, shown shown) (it item[T], wait bool) {
	c := l.c
	r := g.enter()
	// sendBeginLocked's body, written out for the commonest operation of all.
	r.nextMsg++
	it = item[T]{msg: r.nextMsg, v: v, text: r.texts.add(shown)}
	ok := g.recordLocked(&entry{kind: kindSendBegin, obj: int32(c.id), aux: it.msg, text: it.text}, pc)
	if ok && !c.closed { // a send on a closed channel panics, outside the lock
		if len(l.selects) > 0 {
			l.sends++
			ok = g.recordAgainLocked(&entry{kind: kindSendEnd, obj: int32(c.id), aux: it.msg}, pc)
			if ok {
				l.handLocked(it)
			}
			r.leave(ok)
			return it, false
		}
		select {
		case l.ch <- it:
			l.sends++
			ok = g.recordAgainLocked(&entry{kind: kindSendEnd, obj: int32(c.id), aux: it.msg}, pc)
			if ok {
				l.receivedLocked(it)
			}
			r.leave(ok)
			return it, false
		default:
		}
	}
	if ok {
		l.senders++
		g.startLocked(sending, c.id)
		if c.cap == 0 {
			l.blockedSends = append(l.blockedSends, blockedSend{g: g, pc: pc, msg: it.msg})
		}
	}
	r.leave(ok)

	// A send on a channel the scenario closed panics in the wait, as in Go, and leaves senders
	// counting it: the halt has nothing left to close. A halt lets an unbuffered send
	// complete (see haltLocked); recording the end then unwinds.
	if c.cap == 0 {
		return it, true
	}
	sent := true
	select {
	case l.ch <- it:
	default:
		select {
		case l.ch <- it:
		case <-r.ctx.Done():
			sent = false
		}
	}
	l.sendEnd(g, pc, it, sent)
	return it, false
}

// sendWaited ends the send of it on the unbuffered channel once its wait is over: the
// receiver has nearly always recorded its end already (sentLocked).
func (l *liveChan[T]) sendWaited(g *G, pc uintptr, it item[T]) {
	if done, ok := g.sendEnded.of(it.msg); done {
		if !ok {
			unwindNow()
		}
		return
	}
	l.sendEnd(g, pc, it, true)
}

// sendEnd records the end of a send of it that waited, unless another goroutine has; sent
// false when it left the wait without sending, its run halted.
func (l *liveChan[T]) sendEnd(g *G, pc uintptr, it item[T], sent bool) {
	c := l.c
	r := g.run
	r.mu.Lock()
	if done, ok := g.sendEnded.of(it.msg); done {
		r.leave(ok)
		return
	}
	l.senders--
	if r.halted && l.senders == 0 && !c.closed {
		l.shutLocked()
	}
	g.unblockedLocked()
	if sent {
		l.sends++
	}
	if c.cap == 0 {
		l.takeBlockedSendLocked(it.msg) // its receiver has yet to take the lock
	}
	r.leave(sent && g.recordLocked(&entry{kind: kindSendEnd, obj: int32(c.id), aux: it.msg}, pc))
}

// blockedSend is a send blocked on an unbuffered channel: its goroutine, line and message.
type blockedSend struct {
	g   *G
	pc  uintptr
	msg uint32
}

// takeBlockedSendLocked takes the blocked send of message msg out of blockedSends and
// returns it; ok false if it is not there (it was not blocked, or is ended already).
func (l *liveChan[T]) takeBlockedSendLocked(msg uint32) (s blockedSend, ok bool) {
	for i := range l.blockedSends {
		if l.blockedSends[i].msg == msg {
			s = l.blockedSends[i]
			last := len(l.blockedSends) - 1
			l.blockedSends[i] = l.blockedSends[last]
			l.blockedSends[last] = blockedSend{}
			l.blockedSends = l.blockedSends[:last]
			return s, true
		}
	}
	return s, false
}

// sentLocked ends the send of it for its sender, if the sender blocked sending it on this
// unbuffered channel and has not ended the send itself, and reports whether it recorded the
// send-end (false too when the run has halted). The send completed when the value was taken,
// and whoever took it holds the recorder lock now: recording the end here, at the instant of
// the event before it if again, spares the sender the lock and a clock reading once it
// wakes. A receiver calls it before recording its own end.
func (l *liveChan[T]) sentLocked(it item[T], again bool) bool {
	if len(l.blockedSends) == 0 {
		return false
	}
	s, ok := l.takeBlockedSendLocked(it.msg)
	if !ok {
		return false
	}
	r := s.g.run
	l.senders--
	if r.halted && l.senders == 0 && !l.c.closed {
		l.shutLocked()
	}
	s.g.unblockedLocked()
	l.sends++
	e := entry{kind: kindSendEnd, obj: int32(l.c.id), aux: it.msg}
	if again {
		ok = s.g.recordAgainLocked(&e, s.pc)
	} else {
		ok = s.g.recordLocked(&e, s.pc)
	}
	s.g.sendEnded.set(it.msg, ok)
	return ok
}

// receivedLocked ends the receive of it for its receiver, when the send of it just completed
// without blocking on this unbuffered channel and only one goroutine was waiting to receive:
// that one took it. Like sentLocked, it spares the receiver the lock once it wakes. Only a
// blocked receive counts in receivers, and a select is counted apart: with one waiting,
// or two receivers, who took the value is not known, and the receiver records its own end.
func (l *liveChan[T]) receivedLocked(it item[T]) {
	w := l.receiver
	if w == nil || l.receivers != 1 || l.selectRecvs != 0 || l.c.cap != 0 {
		return
	}
	l.receivers, l.receiver = 0, nil
	l.receipt++
	w.unblockedLocked()
	e := l.c.recvEndEntry(it, false)
	w.recvEnded.set(it.msg, w.recordAgainLocked(&e, w.recvPC))
}

// receiveEndedLocked takes a receive that blocked on this unbuffered channel, and has ended,
// out of the channel's receivers.
func (l *liveChan[T]) receiveEndedLocked() {
	l.receivers--
	l.receiver = nil // with one left, which one is not known
}

// handoff says whether the end of a goroutine's blocked operation was recorded for it by
// another goroutine: the message of the latest one so ended, and whether the run went on.
// It is written under the recorder lock and read by the woken goroutine without it.
type handoff struct{ v atomic.Uint64 }

func (h *handoff) set(msg uint32, ok bool) {
	v := uint64(msg) << 1
	if ok {
		v |= 1
	}
	h.v.Store(v)
}

// of reports whether the end of the operation of message msg (never 0) is recorded, and if
// so whether the run went on after it.
func (h *handoff) of(msg uint32) (done, ok bool) {
	v := h.v.Load()
	return uint32(v>>1) == msg, v&1 == 1
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
			l.sentLocked(it, true)
			e := c.recvEndEntry(it, false)
			r.leave(g.recordAgainLocked(&e, pc))
			return it.v, true
		default:
		}
	}
	if ok {
		g.startLocked(receiving, c.id)
		if c.cap == 0 {
			l.receivers++
			l.receiver = nil
			if l.receivers == 1 {
				l.receiver = g
			}
			g.recvPC = pc
		}
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
	// The sender has often ended the receive already (receivedLocked).
	if got && c.cap == 0 {
		if done, ok := g.recvEnded.of(it.msg); done {
			if !ok {
				unwindNow()
			}
			return it.v, true
		}
	}
	var zero shown
	if !got {
		zero = show(it.v) // before the lock: fmt may call the value's own methods
	}
	r = g.lock()
	if c.cap == 0 {
		if done, ok := g.recvEnded.of(it.msg); got && done {
			r.leave(ok)
			return it.v, true
		}
		l.receiveEndedLocked()
	}
	g.unblockedLocked()
	e := c.recvEndEntry(it, !got)
	again := false
	if got {
		l.receipt++
		again = l.sentLocked(it, false)
	} else {
		e.text = r.texts.add(zero)
	}
	if again {
		r.leave(g.recordAgainLocked(&e, pc))
	} else {
		r.leave(g.recordLocked(&e, pc))
	}
	return it.v, got
}

func (l *liveChan[T]) closedLocked() {
	close(l.ch)
	// The selects waiting on the stage receive the zero value, each at the close's instant.
	for len(l.selects) > 0 {
		w := l.selects[0]
		sel := &w.g.parkedSelect
		cs := &sel.cases[w.idx]
		l.c.received(cs, item[T]{}, false)
		sel.wakeLocked(w.g, w.idx, w.g.endSelectLocked(sel.cases, w.idx, true))
	}
}

// handLocked gives it, whose send just ended, to the first select waiting on the stage, and
// records that select's end at the send's instant.
func (l *liveChan[T]) handLocked(it item[T]) {
	w := l.selects[0]
	sel := &w.g.parkedSelect
	cs := &sel.cases[w.idx]
	l.c.received(cs, it, true)
	l.receipt++
	sel.wakeLocked(w.g, w.idx, w.g.endSelectLocked(sel.cases, w.idx, true))
}

func (l *liveChan[T]) stageSelectLocked(g *G, idx int) {
	l.selects = append(l.selects, stagedCase{g: g, idx: idx})
}

func (l *liveChan[T]) unstageSelectLocked(g *G) {
	for i := range l.selects {
		if l.selects[i].g == g {
			l.selects = append(l.selects[:i], l.selects[i+1:]...)
			return
		}
	}
}

// mayStageLocked reports whether a select may wait on the stage for a receive from this
// channel: it is unbuffered and open, and no sender is between its begin and end, whose value
// only the runtime's channel could hand over.
func (l *liveChan[T]) mayStageLocked() bool {
	return l.c.cap == 0 && !l.c.closed && l.senders == 0
}

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
	for len(l.selects) > 0 {
		w := l.selects[0]
		w.g.parkedSelect.wakeLocked(w.g, -1, false)
	}
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
