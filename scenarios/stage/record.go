package stage

import "fmt"

// The one way into a run. Every stage operation has the same shape:
//
//	pc := callerPC()       // in the exported method: the scenario line that did it
//	r := g.enter()         // scheduling point, then the recorder lock; a halted run unwinds g
//	ok := g.recordLocked(…) // the event, and the operation's effect beside it
//	r.leave(ok)            // the lock released; a run that halted meanwhile unwinds g
//
// and a blocking one wraps its wait in begin and end. A primitive is then its live form,
// its model under the seeded scheduler (chosen once, when the object is made), and its
// events; none of it asks which scheduler runs it, and only these functions unwind.

// pending is the operation a goroutine at a scheduling point is about to do: the kind of
// event it records first (with its op, for an atomic's or a waitgroup's), on which object, at
// which scenario line. A steered run shows it to the person choosing who goes next ("load
// counter"); no other run reads it. An operation says it as it enters the run (enterAs,
// pointAs); one that does not is shown as going on.
type pending struct {
	kind  kind
	op    op
	first bool // g has not run yet: its next step is to start
	obj   int32
	pc    uintptr
}

// enter is the way into the run for an operation of g: a scheduling point first (in a
// seeded run g may yield there to another goroutine), then the recorder lock, held until
// leave. A halted run unwinds g instead.
func (g *G) enter() *Run { return g.enterAs(pending{}) }

// enterAs is enter for an operation that says what it is about to do (see pending).
func (g *G) enterAs(next pending) *Run {
	r := g.run
	if s := r.seeded; s != nil {
		g.next = next
		s.point(g)
	}
	// lock's body, written out: enter is on every operation's path, and a call costs there.
	r.mu.Lock()
	if r.halted {
		r.unlockAndUnwind()
	}
	return r
}

// point is g's scheduling point: in a seeded run g may yield here to another runnable
// goroutine; live runs have none.
func (g *G) point() { g.pointAs(pending{}) }

// pointAs is point for an operation that says what it is about to do (see pending).
func (g *G) pointAs(next pending) {
	if s := g.run.seeded; s != nil {
		g.next = next
		s.point(g)
	}
}

// lock takes the recorder lock for g without a scheduling point, for the part of an
// operation after its point: the end of a wait, a model's own steps. A halted run unwinds g.
func (g *G) lock() *Run {
	r := g.run
	r.mu.Lock()
	if r.halted {
		r.unlockAndUnwind()
	}
	return r
}

// leave releases the recorder lock. ok false — recording failed because the run halted
// (it reached a limit, or was stopped) — unwinds g.
func (r *Run) leave(ok bool) {
	if !ok {
		r.unlockAndUnwind()
	}
	r.mu.Unlock()
}

// unwindNow ends the calling goroutine's part in a halted run (see unwind), outside the
// recorder lock.
//
//go:noinline
func unwindNow() { panic(unwind{}) }

// unlockAndUnwind releases the recorder lock and ends the calling goroutine's part in a
// halted run (see unwind). It is a function of its own so that lock and leave, on every
// operation's path, stay small.
//
//go:noinline
func (r *Run) unlockAndUnwind() {
	r.mu.Unlock()
	panic(unwind{})
}

// recordLocked records e as g's event at pc's line and reports whether the run goes on.
func (g *G) recordLocked(e *entry, pc uintptr) bool {
	e.g = uint16(g.id)
	return g.run.appendExtraLocked(e, nil, pc)
}

// recordAgainLocked records e as g's event at the instant of the event just recorded: the
// end of an operation that completed in the critical section of its begin, whose two events
// happened at one instant. It saves that end a reading of the clock.
func (g *G) recordAgainLocked(e *entry, pc uintptr) bool {
	e.g = uint16(g.id)
	return g.run.appendAtLocked(e, nil, pc, true)
}

// recordWideLocked records e as g's event with the two numbers of its kind (auxWide): an
// atomic's or a waitgroup's old and new, a span's duration. The entry holds them itself (see
// entry.packed) when the kind and op fix their difference and the first is an int32, or when
// it has no text of its own, its value being what its numbers say, and the second is within
// an int32 of the first, as they nearly always are; otherwise they go to the side store.
func (g *G) recordWideLocked(e *entry, a, b int64, pc uintptr) bool {
	return g.recordWideAtLocked(e, a, b, pc, false)
}

// recordWideAtLocked is recordWideLocked, at the instant of the event just recorded if again
// (see recordAgainLocked).
func (g *G) recordWideAtLocked(e *entry, a, b int64, pc uintptr, again bool) bool {
	switch step, stepped := numbersStep(e.kind, e.op); {
	case stepped && b-a == step && a == int64(int32(a)):
		e.aux, e.packed = uint32(int32(a)), true
	case !stepped && e.text == (textRef{}) && b-a == int64(int32(b-a)) && (b-a < 0) == (b < a):
		e.text, e.aux, e.packed = wholeInt(a), uint32(int32(b-a)), true
	default:
		r := g.run
		if r.nwides%wideChunk == 0 {
			r.wides = append(r.wides, new([wideChunk]wide))
		}
		r.wides[r.nwides/wideChunk][r.nwides%wideChunk] = wide{a, b}
		r.nwides++
		e.aux = uint32(r.nwides)
	}
	e.g = uint16(g.id)
	return g.run.appendAtLocked(e, nil, pc, again)
}

// recordExtraLocked is recordLocked for an event of a rare kind (auxExtra), whose fields an
// entry does not hold: x holds them.
func (g *G) recordExtraLocked(e *entry, x *Event, pc uintptr) bool {
	e.g = uint16(g.id)
	return g.run.appendExtraLocked(e, x, pc)
}

// begin records the start of a wait of g (a -begin event) and notes what g is doing, which
// the deadlock report and the live watchdog read. It is not a scheduling point: a model
// that has one calls point first.
//
// It and end take and release the lock themselves rather than through lock and leave, as
// enter does: a blocking operation passes both, and the calls cost there.
func (g *G) begin(e *entry, pc uintptr, doing activity) {
	r := g.run
	r.mu.Lock()
	if r.halted {
		r.unlockAndUnwind()
	}
	ok := g.recordLocked(e, pc)
	g.startLocked(doing, int(e.obj))
	r.mu.Unlock()
	if !ok {
		unwindNow()
	}
}

// end records the end of g's wait; text, if any, is the event's value.
func (g *G) end(e *entry, text string, pc uintptr) {
	r := g.run
	r.mu.Lock()
	if r.halted {
		r.unlockAndUnwind()
	}
	g.unblockedLocked()
	if text != "" {
		e.text = r.texts.addString(text)
	}
	ok := g.recordLocked(e, pc)
	r.mu.Unlock()
	if !ok {
		unwindNow()
	}
}

// appendLocked records e at pc's line and reports whether the run goes on. Callers hold r.mu.
func (r *Run) appendLocked(e *entry, pc uintptr) bool {
	return r.appendExtraLocked(e, nil, pc)
}

// appendExtraLocked is appendLocked for an event of a kind with more fields than an entry
// holds: x carries them (the fields an entry has are taken from e). e and x are the
// caller's, which it fills and copies: they come by pointer because a copy of each at every
// call on the way here cost as much as a tenth of recording.
func (r *Run) appendExtraLocked(e *entry, x *Event, pc uintptr) bool {
	return r.appendAtLocked(e, x, pc, false)
}

// appendAtLocked is appendExtraLocked, at the time of the last event recorded if again.
func (r *Run) appendAtLocked(e *entry, x *Event, pc uintptr, again bool) bool {
	if r.n >= r.room && !r.roomLocked() {
		return false
	}
	t := r.lastT
	if !again {
		if s := r.seeded; s != nil {
			t = s.now
		} else {
			t = r.clock.elapsed()
			if r.speed != 1 { // the float conversions only for a run that is not at real time
				t = int64(float64(t) * r.speed)
			}
		}
		t = max(t, r.lastT)
	}
	r.lastT = t
	line := e.line
	if pc != 0 {
		// The line cache's hit, written out: every event asks it.
		l := 0
		if slot := &r.lineCache[(pc>>2)%uintptr(len(r.lineCache))]; slot.pc == pc {
			l = slot.line
		} else {
			l = r.lineLocked(pc)
		}
		if l <= maxLine {
			line = uint16(l)
		}
	}
	aux := e.aux
	if x != nil {
		r.extras = append(r.extras, *x)
		aux = uint32(len(r.extras))
	}
	// Field by field, each read as wide as it was written: the caller has just written e a
	// field at a time over a zeroed temporary, and copying it whole reads it in words that
	// span those writes, which the CPU cannot forward from its store buffer: each such read
	// waits for the writes to reach the cache, and that wait was a tenth of recording.
	// TestEntryCopy fails if a field is left out.
	d := &r.chunk[uint(r.n)%entryChunk]
	d.t = t
	d.text = e.text
	d.aux = aux
	d.obj = e.obj
	d.g = e.g
	d.line = line
	d.kind = e.kind
	d.closed = e.closed
	d.op = e.op
	d.packed = e.packed
	r.n++
	if !r.signalled {
		// One token per read: the reader clears signalled when it takes events, so a burst of
		// events costs one channel operation, not one each.
		r.signalled = true
		select {
		case r.notify <- struct{}{}:
		default:
		}
	}
	return true
}

// roomLocked is appendAtLocked's check of whether the next event may be recorded, made
// when r.n reaches r.room: the run has halted (which sets room to 0), or reached MaxEvents,
// or a storage chunk is full, when the budget is asked for the room of the next and it is
// allocated. It sets the next room.
//
//go:noinline
func (r *Run) roomLocked() bool {
	if r.halted {
		return false
	}
	if r.n >= r.cfg.MaxEvents {
		r.haltLocked(ReasonTruncated, fmt.Sprintf("stopped at %d events, the most a run may record", r.cfg.MaxEvents))
		return false
	}
	if r.n%entryChunk == 0 {
		if !r.reserveLocked() {
			return false
		}
		r.chunk = new([entryChunk]entry)
		r.chunks = append(r.chunks, r.chunk)
	}
	r.room = min(r.cfg.MaxEvents, (r.n/entryChunk+1)*entryChunk)
	return true
}

// eventLocked builds the event at index i from its stored entry.
func (r *Run) eventLocked(i int) Event {
	e := &r.chunks[i/entryChunk][i%entryChunk]
	var ev Event
	switch e.kind.auxOf() {
	case auxMsg:
		ev.Msg = int64(e.aux)
	case auxBorrows:
		ev.Borrows = int(int32(e.aux))
	case auxWide:
		var w wide
		step, stepped := numbersStep(e.kind, e.op)
		switch {
		case e.packed && stepped:
			w.a = int64(int32(e.aux))
			w.b = w.a + step
		case e.packed:
			w.a = e.text.wholeInt()
			w.b = w.a + int64(int32(e.aux))
		default:
			w = r.wides[(e.aux-1)/wideChunk][(e.aux-1)%wideChunk]
		}
		if e.packed && !stepped || e.text == (textRef{}) {
			ev.Value = numbersValue(e.kind, e.op, w.a, w.b)
		} else {
			ev.Value = r.texts.string(e.text)
		}
		switch e.kind {
		case kindWorkBegin, kindSleepBeg:
			ev.Dur = w.a
		case kindTimer:
			ev.Dur, ev.Msg = w.a, w.b
		default:
			ev.Old, ev.New = w.a, w.b
		}
	case auxExtra:
		if e.aux != 0 {
			ev = r.extras[e.aux-1]
		}
	case auxChild:
		ev.Child, ev.Name = int(e.aux), r.texts.string(e.text)
	case auxCases:
		ev.Cases = make([]SelectCase, e.obj)
		for j := range ev.Cases {
			k := int(e.aux) - 1 + j
			c := &r.cases[k/caseChunk][k%caseChunk]
			ev.Cases[j] = SelectCase{Dir: c.dir.String(), Obj: int(c.obj), Msg: int64(c.msg), Value: r.texts.string(c.text), Line: int(c.line)}
		}
	}
	switch {
	case e.kind == kindSelectEnd:
		ev.Case = int(e.op) // the index of the case, not an op
	case e.op != opNone:
		ev.Op = opNames[e.op]
	}
	ev.Seq = int64(i + 1)
	ev.T = e.t
	ev.G = int(e.g)
	ev.Kind = kindNames[e.kind]
	if e.kind != kindSelectBegin { // which holds the count of its cases there
		ev.Obj = int(e.obj)
	}
	if a := e.kind.auxOf(); a != auxWide && a != auxChild {
		ev.Value = r.texts.string(e.text)
	}
	ev.Line = int(e.line)
	ev.Closed = e.closed
	return ev
}
