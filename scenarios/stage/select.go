package stage

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
)

// Go's select statement on the stage. A scenario writes
//
//	switch g.Select(
//		results.RecvCase(&r),  // case r = <-results:
//		timeout.RecvCase(nil), // case <-timeout:
//		stage.Default(),       // default:
//	) {
//	case 0:
//		…
//
// and Select returns the index of the case that ran, which has set what it received. Each
// case is made on its own line, so the select-end lights the line of the case that ran. A
// case on a nil channel is never ready, as in Go.
//
// Live, a select is Go's: tried without blocking under the recorder lock, as a lone send or
// receive is, and otherwise blocked in reflect.Select on every case's channel and the run's
// context, so a halt wakes it. The runtime picks uniformly among the ready cases. A select
// of receives from unbuffered channels waits on the stage instead (stagedSelect): the
// sender that comes first hands it its value under the recorder lock, as Go's runtime hands
// one to a goroutine parked in its select. Seeded, the
// model finds the ready cases, and when there are several the run's Strategy picks one (and
// the schedule records it); when none is, the goroutine waits on every case's channel and
// the first to be able to go takes it.

// caseDir is what a case does.
type caseDir uint8

const (
	dirRecv caseDir = iota
	dirSend
	dirDefault
)

func (d caseDir) String() string {
	switch d {
	case dirRecv:
		return "recv"
	case dirSend:
		return "send"
	}
	return "default"
}

// maxCases is the most cases a select may have: a select-end holds its case in a byte.
const maxCases = 255

// Case is one case of a select (G.Select): made by a channel's RecvCase, RecvCaseOK or
// SendCase, or by Default. It is a plain value, with the channel behind an interface, so that
// a select allocates nothing for its receive cases.
type Case struct {
	dir   caseDir
	unbuf bool  // the channel is unbuffered
	obj   int32 // the channel's id, 0 with ch nil: read on every select's path, without a call
	pc    uintptr
	ch    selectChan // nil for default and for a nil channel
	// What the scenario gave: where a receive puts its value (*T) and whether it was open,
	// and the value a send sends (T) with its text.
	into  any
	ok    *bool
	v     any
	shown shown
	// What the select did: the message the case sends or received, its text, whether the
	// channel was found closed, and (seeded) the case's waiter.
	msg    uint32
	text   textRef
	closed bool
	w      any
}

// selectChan is what a case does with its channel, a *Chan[T], for the element type T. The
// Locked methods run under the recorder lock; the model's under the seeded scheduler's baton.
type selectChan interface {
	objID() int32
	// zeroShown is the text of the channel's zero value, what a closed channel gives.
	zeroShown() shown
	// prepareLocked gives a send case its message and the value's text; the select calls
	// it for send cases alone.
	prepareLocked(r *Run, cs *Case)

	// The model.
	ready(cs *Case) bool
	commit(cs *Case)
	enqueue(g *G, cs *Case, sel *selectWait, idx int)
	resolve(cs *Case)

	// The live form.
	// tryLocked does the case now if it can go without blocking, and reports whether it did.
	// A send on a closed channel panics, so the caller checks closedLocked first.
	tryLocked(cs *Case) bool
	closedLocked() bool
	reflectCase(cs *Case) reflect.SelectCase
	// doneLocked notes the case ran with what reflect.Select received, and reports whether
	// it recorded an event: the send-end of a blocked sender it took a value from.
	doneLocked(cs *Case, recv reflect.Value, recvOK bool) bool
	// mayStageLocked reports whether a select may wait for a receive case on the channel on
	// the stage (stagedSelect); stageSelectLocked and unstageSelectLocked put g's case idx
	// among the channel's waiting selects and take g out again.
	mayStageLocked() bool
	stageSelectLocked(g *G, idx int)
	unstageSelectLocked(g *G)
	// pendingLocked counts a blocked select's send among the channel's senders (+1), or
	// takes it out again (-1), for the halt (see liveChan.haltLocked); and counts its
	// receive among the channel's selecting receivers, so that a send that hands its value
	// over does not take the channel's lone blocked receiver for the one that got it.
	pendingLocked(r *Run, cs *Case, delta int)
}

// Default is a select's default case: it runs when no other case is ready.
//
//go:noinline
func Default() Case { return Case{dir: dirDefault, pc: callerPC()} }

// RecvCase is the case of a select that receives from c: case *into = <-c (into may be nil).
//
//go:noinline
func (c *Chan[T]) RecvCase(into *T) Case { return c.recvCase(into, nil, callerPC()) }

// RecvCaseOK is the case that receives from c and reports whether the channel was open:
// case *into, *ok = <-c.
//
//go:noinline
func (c *Chan[T]) RecvCaseOK(into *T, ok *bool) Case { return c.recvCase(into, ok, callerPC()) }

func (c *Chan[T]) recvCase(into *T, ok *bool, pc uintptr) Case {
	cs := Case{dir: dirRecv, pc: pc, ok: ok}
	if into != nil {
		cs.into = into
	}
	if c != nil {
		cs.ch, cs.obj, cs.unbuf = c, int32(c.id), c.cap == 0
	}
	return cs
}

// SendCase is the case of a select that sends v on c: case c <- v.
//
//go:noinline
func (c *Chan[T]) SendCase(v T) Case {
	cs := Case{dir: dirSend, pc: callerPC()}
	if c != nil {
		cs.ch, cs.obj, cs.v, cs.shown = c, int32(c.id), v, show(v)
	}
	return cs
}

// Select runs one of cases, as the select statement does, and returns its index: a ready
// case, chosen at random among the ready ones; else the default case, if there is one; else,
// once one is ready, that one. With no case that can ever be ready it blocks forever, and the
// run ends in deadlock unless something else goes on.
//
//go:noinline
func (g *G) Select(cases ...Case) int { return g.selectAt(callerPC(), cases) }

// selectAt is Select, called at pc.
func (g *G) selectAt(pc uintptr, cases []Case) int {
	if len(cases) > maxCases {
		panic(fmt.Sprintf("select with %d cases: the stage takes at most %d", len(cases), maxCases))
	}
	def := -1
	for i := range cases {
		if cases[i].dir == dirDefault {
			if def >= 0 {
				panic("multiple defaults in select")
			}
			def = i
		}
	}
	// The select works on a copy of its cases in g's own scratch, which it keeps from one
	// select to the next: the cases the scenario passes then need no allocation.
	if g.selectState == nil {
		g.selectState = new(selectState)
	}
	sc := append(g.selectScratch[:0], cases...)
	g.selectScratch = sc
	if s := g.run.seeded; s != nil {
		return s.selectCases(g, pc, sc, def)
	}
	return selectLive(g, pc, sc, def)
}

func (c *Chan[T]) objID() int32 { return int32(c.id) }

func (c *Chan[T]) zeroShown() shown { return c.zero }

func (c *Chan[T]) prepareLocked(r *Run, cs *Case) {
	if cs.dir == dirSend {
		r.nextMsg++
		cs.msg, cs.text = r.nextMsg, r.texts.add(cs.shown)
	}
}

// item is the message a send case offers.
func (c *Chan[T]) item(cs *Case) item[T] {
	v, _ := cs.v.(T)
	return item[T]{msg: cs.msg, v: v, text: cs.text}
}

// received notes that the receive case cs got it, or found the channel closed (!open), and
// puts the value where the case says.
func (c *Chan[T]) received(cs *Case, it item[T], open bool) {
	if open {
		cs.msg, cs.text = it.msg, it.text
	} else {
		var zero T
		it = item[T]{v: zero}
		cs.msg, cs.closed = 0, true
	}
	if p, _ := cs.into.(*T); p != nil {
		*p = it.v
	}
	if cs.ok != nil {
		*cs.ok = open
	}
}

func (c *Chan[T]) model() *chanModel[T] { return c.ops.(*chanModel[T]) }

func (c *Chan[T]) ready(cs *Case) bool {
	m := c.model()
	if c.closed {
		return true
	}
	if cs.dir == dirSend {
		return m.head(&m.recvq) != nil || len(m.buf) < c.cap
	}
	return len(m.buf) > 0 || m.head(&m.sendq) != nil
}

func (c *Chan[T]) commit(cs *Case) {
	m := c.model()
	if cs.dir == dirSend {
		if c.closed {
			panic("send on closed channel " + c.name)
		}
		m.deliver(c.item(cs))
		return
	}
	it, open := m.take()
	c.received(cs, it, open)
}

func (c *Chan[T]) enqueue(g *G, cs *Case, sel *selectWait, idx int) {
	m := c.model()
	w := &chanWaiter[T]{g: g, sel: sel, idx: idx}
	cs.w = w
	if cs.dir == dirSend {
		w.it = c.item(cs)
		m.sendq = append(m.sendq, w)
	} else {
		m.recvq = append(m.recvq, w)
	}
}

func (c *Chan[T]) resolve(cs *Case) {
	w := cs.w.(*chanWaiter[T])
	if cs.dir == dirSend {
		if !w.ok {
			panic("send on closed channel " + c.name)
		}
		return
	}
	c.received(cs, w.it, w.ok)
}

func (c *Chan[T]) live() *liveChan[T] { return c.ops.(*liveChan[T]) }

func (c *Chan[T]) closedLocked() bool { return c.closed }

func (c *Chan[T]) mayStageLocked() bool { return c.live().mayStageLocked() }

func (c *Chan[T]) stageSelectLocked(g *G, idx int) { c.live().stageSelectLocked(g, idx) }

func (c *Chan[T]) unstageSelectLocked(g *G) { c.live().unstageSelectLocked(g) }

func (c *Chan[T]) tryLocked(cs *Case) bool {
	l := c.live()
	if cs.dir == dirSend {
		if len(l.selects) > 0 {
			l.sends++
			l.handLocked(c.item(cs))
			return true
		}
		select {
		case l.ch <- c.item(cs):
			l.sends++
			return true
		default:
			return false
		}
	}
	select {
	case it, open := <-l.ch:
		// Found closed, the channel was closed by Close: the halt closes it only after
		// halting, and then the select's begin was not recorded.
		c.received(cs, it, open)
		if open {
			l.receipt++
			l.sentLocked(it, true)
		}
		return true
	default:
		return false
	}
}

func (c *Chan[T]) reflectCase(cs *Case) reflect.SelectCase {
	ch := reflect.ValueOf(c.live().ch)
	if cs.dir == dirSend {
		return reflect.SelectCase{Dir: reflect.SelectSend, Chan: ch, Send: reflect.ValueOf(c.item(cs))}
	}
	return reflect.SelectCase{Dir: reflect.SelectRecv, Chan: ch}
}

func (c *Chan[T]) doneLocked(cs *Case, recv reflect.Value, recvOK bool) bool {
	l := c.live()
	if cs.dir == dirSend {
		l.sends++
		return false
	}
	it, _ := recv.Interface().(item[T])
	c.received(cs, it, recvOK)
	if recvOK {
		l.receipt++
		return l.sentLocked(it, false)
	}
	return false
}

func (c *Chan[T]) pendingLocked(r *Run, cs *Case, delta int) {
	l := c.live()
	if cs.dir != dirSend {
		l.selectRecvs += delta
		return
	}
	l.senders += delta
	if delta < 0 && r.halted && l.senders == 0 && !c.closed {
		l.shutLocked()
	}
}

// selectWait is a seeded select blocked on all its cases: the first channel able to complete
// one of them takes it (done), and the others find it done and pass over it.
type selectWait struct {
	done   bool
	chosen int
}

// selRef is a case a blocked select waits on, for the deadlock report and the live watch.
type selRef struct {
	obj int
	dir caseDir
}

// beginSelectLocked records the select-begin of cases at pc.
func (g *G) beginSelectLocked(pc uintptr, cases []Case) bool {
	r := g.run
	first := r.ncases
	for i := range cases {
		cs := &cases[i]
		if r.ncases%caseChunk == 0 {
			r.cases = append(r.cases, new([caseChunk]caseRec))
		}
		if cs.dir == dirSend && cs.ch != nil {
			cs.ch.prepareLocked(r, cs)
		}
		// The line cache's hit, written out, as appendAtLocked has it.
		line := 0
		if slot := &r.lineCache[(cs.pc>>2)%uintptr(len(r.lineCache))]; slot.pc == cs.pc {
			line = slot.line
		} else {
			line = r.lineLocked(cs.pc)
		}
		if line > maxLine {
			line = 0
		}
		r.cases[r.ncases/caseChunk][r.ncases%caseChunk] = caseRec{text: cs.text, msg: cs.msg, obj: cs.obj, line: uint16(line), dir: cs.dir}
		r.ncases++
	}
	return g.recordLocked(&entry{kind: kindSelectBegin, obj: int32(len(cases)), aux: uint32(first + 1)}, pc)
}

// endSelectLocked records the select-end of case idx, at the instant of the event before it
// if again.
func (g *G) endSelectLocked(cases []Case, idx int, again bool) bool {
	r := g.run
	cs := &cases[idx]
	e := entry{kind: kindSelectEnd, op: op(idx)}
	if cs.ch != nil {
		e.obj, e.aux, e.text, e.closed = cs.obj, cs.msg, cs.text, cs.closed
		if cs.closed {
			e.text = r.texts.add(cs.ch.zeroShown())
		}
	}
	if again {
		return g.recordAgainLocked(&e, cs.pc)
	}
	return g.recordLocked(&e, cs.pc)
}

// stagedSelect is a live select that waits on the stage rather than in the runtime's select:
// every case of it receives from an unbuffered channel that no sender is on its way to, so
// the case that goes will be one a sender, a close or a halt meets under the recorder lock.
// Whoever does records the select's end, and wakes it; a sender then hands its value over
// without blocking, as it would to a goroutine parked in Go's select.
type stagedSelect struct {
	cases  []Case // the select's, in its goroutine's scratch
	chosen int
	ok     bool // the end was recorded and the run goes on
	wake   chan struct{}
}

// stagedCase is a receive case of a select waiting on the stage: its goroutine and index.
type stagedCase struct {
	g   *G
	idx int
}

// unbufferedReceives reports whether every case of a select receives from an unbuffered
// channel (or a nil one), one at least from a channel: a select that may wait on the stage.
func unbufferedReceives(cases []Case) bool {
	onChannel := false
	for i := range cases {
		switch {
		case cases[i].dir != dirRecv:
			return false
		case cases[i].ch == nil:
		case !cases[i].unbuf:
			return false
		default:
			onChannel = true
		}
	}
	return onChannel
}

// mayStageLocked reports whether a select of unbufferedReceives may wait on the stage now:
// none of its channels is closed or has a sender on its way to it.
func mayStageLocked(cases []Case) bool {
	for i := range cases {
		if ch := cases[i].ch; ch != nil && !ch.mayStageLocked() {
			return false
		}
	}
	return true
}

// waitLocked parks g's select on the stage until a case goes or the run halts, and returns
// the case. It releases the recorder lock.
func (sel *stagedSelect) waitLocked(g *G, cases []Case) int {
	r := g.run
	g.waitSelectLocked(cases)
	sel.cases, sel.chosen, sel.ok = cases, -1, false
	if sel.wake == nil {
		sel.wake = make(chan struct{}, 1)
	}
	for i := range cases {
		if ch := cases[i].ch; ch != nil {
			ch.stageSelectLocked(g, i)
		}
	}
	r.mu.Unlock()
	<-sel.wake
	if !sel.ok {
		unwindNow()
	}
	return sel.chosen
}

// wakeLocked ends g's wait on the stage with case idx (-1: the run halted), whose end, if
// any, was recorded (ok false: not, the run halted).
func (sel *stagedSelect) wakeLocked(g *G, idx int, ok bool) {
	if sel.cases == nil {
		// Woken already: by the halt that recording its end just caused.
		return
	}
	for i := range sel.cases {
		if ch := sel.cases[i].ch; ch != nil {
			ch.unstageSelectLocked(g)
		}
	}
	g.unblockedLocked()
	sel.chosen, sel.ok, sel.cases = idx, ok, nil
	sel.wake <- struct{}{}
}

// waitSelectLocked notes that g waits in a select on cases.
func (g *G) waitSelectLocked(cases []Case) {
	g.selecting = g.selecting[:0]
	for i := range cases {
		switch ch := cases[i].ch; {
		case ch != nil:
			g.selecting = append(g.selecting, selRef{obj: int(cases[i].obj), dir: cases[i].dir})
		case cases[i].dir != dirDefault:
			g.selecting = append(g.selecting, selRef{dir: cases[i].dir}) // a nil channel
		}
	}
	g.startLocked(selecting, 0)
}

// selectCases is a select under the seeded scheduler.
func (s *seeded) selectCases(g *G, pc uintptr, cases []Case, def int) int {
	r := g.enterAs(pending{kind: kindSelectBegin, pc: pc})
	r.leave(g.beginSelectLocked(pc, cases))
	var ready []int
	for i := range cases {
		if ch := cases[i].ch; ch != nil && ch.ready(&cases[i]) {
			ready = append(ready, i)
		}
	}
	idx := def
	switch {
	case len(ready) == 1:
		idx = ready[0]
	case len(ready) > 1:
		s.selecting = selectPoint{g: g, cases: cases, ready: ready} // for a strategy that shows them
		idx = ready[s.chooseCase(len(ready))]
		s.selecting = selectPoint{}
	}
	if idx >= 0 {
		if ch := cases[idx].ch; ch != nil {
			ch.commit(&cases[idx])
		}
	} else {
		r = g.lock()
		g.waitSelectLocked(cases)
		r.leave(true)
		sel := &selectWait{}
		for i := range cases {
			if ch := cases[i].ch; ch != nil {
				ch.enqueue(g, &cases[i], sel, i)
			}
		}
		s.block(g)
		idx = sel.chosen
		cases[idx].ch.resolve(&cases[idx])
	}
	r = g.lock()
	g.unblockedLocked()
	r.leave(g.endSelectLocked(cases, idx, false))
	return idx
}

// chooseCase asks the strategy which of n > 1 ready cases a select takes, and notes the
// choice in the schedule. A strategy that cannot choose halts the run.
func (s *seeded) chooseCase(n int) int {
	i, err := s.strategy.Case(n)
	if err == nil && (i < 0 || i >= n) {
		err = fmt.Errorf("the strategy chose ready case %d of %d", i, n)
	}
	if err != nil {
		s.run.halt(ReasonSchedule, "the schedule does not fit this run: "+err.Error())
		panic(unwind{})
	}
	s.taken.addCase(i)
	return i
}

// selectLive is a select in a live run.
func selectLive(g *G, pc uintptr, cases []Case, def int) int {
	// A select that finds no case ready waits on the stage if it can (stagedSelect), at once:
	// its partner then hands it a value without blocking. Any other yields once before it
	// parks in the runtime's select: a partner on its way is often a moment off, and yielding
	// lets it come at a fraction of the cost of parking there.
	staging := def < 0 && unbufferedReceives(cases)
	r := g.enter()
	if !g.beginSelectLocked(pc, cases) {
		r.leave(false)
	}
	closedSend := false
	for i := range cases {
		if ch := cases[i].ch; ch != nil && cases[i].dir == dirSend && ch.closedLocked() {
			closedSend = true
		}
	}
	if !closedSend {
		// Tried without blocking in the critical section of its begin, each case in turn from
		// a random one on: the first that can go takes it, which is any of those ready with
		// equal chance, as in Go. Recorded at the begin's instant, as a lone send or receive
		// that does not block.
		n := len(cases)
		for attempt := range 2 {
			from := rand.IntN(n)
			for k := range n {
				i := (from + k) % n
				if ch := cases[i].ch; ch != nil && ch.tryLocked(&cases[i]) {
					r.leave(g.endSelectLocked(cases, i, attempt == 0))
					return i
				}
			}
			if def >= 0 {
				r.leave(g.endSelectLocked(cases, def, true))
				return def
			}
			if staging && mayStageLocked(cases) {
				return g.parkedSelect.waitLocked(g, cases)
			}
			if attempt == 0 {
				r.mu.Unlock()
				runtime.Gosched()
				r.mu.Lock()
				if r.halted {
					r.leave(false) // a halt closes the channels: no case may be tried now
				}
			}
		}
	}
	// A send on a closed channel panics, as in Go, and must not with the recorder lock held:
	// such a select, and one that must wait, selects outside it.
	g.waitSelectLocked(cases)
	idxOf := g.selectIdx[:0]
	rcs := g.selectReflect[:0]
	for i := range cases {
		if ch := cases[i].ch; ch != nil {
			ch.pendingLocked(r, &cases[i], 1)
			idxOf = append(idxOf, i)
			rcs = append(rcs, ch.reflectCase(&cases[i]))
		}
	}
	r.mu.Unlock()
	if def >= 0 {
		rcs = append(rcs, reflect.SelectCase{Dir: reflect.SelectDefault})
	}
	rcs = append(rcs, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(r.ctx.Done())})
	g.selectIdx, g.selectReflect = idxOf, rcs
	chosen, recv, recvOK := reflect.Select(rcs)
	clear(rcs) // the values to send and the channels: not to be held until the next select
	r.mu.Lock()
	for i := range cases {
		if ch := cases[i].ch; ch != nil {
			ch.pendingLocked(r, &cases[i], -1)
		}
	}
	g.unblockedLocked()
	idx, again := def, false
	switch {
	case chosen == len(rcs)-1:
		// The run's context is done: it halted.
		r.leave(false)
	case chosen < len(idxOf):
		idx = idxOf[chosen]
		again = cases[idx].ch.doneLocked(&cases[idx], recv, recvOK)
	}
	r.leave(g.endSelectLocked(cases, idx, again))
	return idx
}
