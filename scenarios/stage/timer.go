package stage

import (
	"fmt"
	"time"
)

// Timers and tickers: time.After, time.NewTimer and time.NewTicker on the stage. A timer is a
// channel of capacity 1, announced as a timer (or ticker) object, into which the runtime —
// no goroutine, so its events have g 0 — delivers the scenario time it was due at: once for a
// timer, every period for a ticker, which drops a tick when the last one is still there, as
// Go's does. Live, a real timer fires, its wait scaled by the speed; seeded, the fire waits on
// the virtual clock with the sleeping goroutines, and comes when nothing can run before it.
// As in Go since 1.23, Stop and Reset leave no stale value behind in the channel.

// Timer kinds.
const (
	// KindFire: the runtime (g 0) delivered a tick on timer or ticker Obj: message Msg,
	// Value the time it was due; with Op "dropped" a ticker's tick found the last one still
	// waiting and was lost.
	KindFire Kind = "fire"
	// KindTimer: g stopped (Op "stop", Value whether it stopped a pending fire) or reset
	// (Op "reset", Dur the new duration; Value whether a fire was pending) timer Obj; Msg is
	// the tick it took out of the channel, delivered and never received, if there was one.
	KindTimer Kind = "timer"
)

// Object kinds of this file: channels the runtime sends on.
const (
	ObjTimer  ObjKind = "timer"
	ObjTicker ObjKind = "ticker"
)

// Timer is a timer, like time.Timer: C receives the scenario time once it fires.
type Timer struct {
	C      *Chan[time.Duration]
	period time.Duration // tickers; 0 for a timer
	// onFire, when set, is what a fire does instead of delivering a tick: a context's
	// deadline (context.go), which has no channel of its own.
	onFire func(r *Run)
	// Guarded by the recorder lock: when it is due (scenario time), and whether a fire is
	// pending.
	due     time.Duration
	pending bool
	ops     timerOps
}

// Ticker is a ticker, like time.Ticker: C receives the scenario time every period.
type Ticker struct{ t *Timer }

// timerOps is what a timer's live form and its model do their own way, under the recorder
// lock.
type timerOps interface {
	// armLocked makes the pending fire come at t.due.
	armLocked()
	// disarmLocked cancels the pending fire.
	disarmLocked()
}

// NewTimer makes a timer named name that fires once, d from now, as time.NewTimer.
//
//go:noinline
func NewTimer(g *G, name string, d time.Duration) *Timer {
	return newTimer(g, name, d, 0, callerPC())
}

// After is time.After: a channel that receives the scenario time once d has passed.
//
//go:noinline
func (g *G) After(name string, d time.Duration) *Chan[time.Duration] {
	return newTimer(g, name, d, 0, callerPC()).C
}

// NewTicker makes a ticker named name that fires every period, as time.NewTicker. A period of
// zero or less panics, as in Go.
//
//go:noinline
func NewTicker(g *G, name string, period time.Duration) *Ticker {
	if period <= 0 {
		panic("non-positive interval for NewTicker")
	}
	return &Ticker{t: newTimer(g, name, period, period, callerPC())}
}

// C is the ticker's channel.
func (t *Ticker) C() *Chan[time.Duration] { return t.t.C }

// Stop turns the ticker off, as time.Ticker.Stop.
//
//go:noinline
func (t *Ticker) Stop(g *G) { t.t.stop(g, callerPC()) }

func newTimer(g *G, name string, d, period time.Duration, pc uintptr) *Timer {
	kind := ObjTimer
	if period > 0 {
		kind = ObjTicker
	}
	t := &Timer{period: period}
	t.C = newChan[time.Duration](g, Event{ObjKind: kind, Name: name, Cap: 1, Dur: int64(d)}, pc)
	r := g.lock()
	if s := r.seeded; s != nil {
		t.ops = &timerModel{t: t, s: s}
	} else {
		l := &liveTimer{t: t, r: r, fires: t.C.live()}
		t.ops = l
		r.live = append(r.live, l) // woken by the halt; the watch asks the channel
	}
	t.due = r.scenarioNowLocked() + max(d, 0)
	t.pending = true
	t.ops.armLocked()
	r.leave(true)
	return t
}

// Stop cancels the timer, as time.Timer.Stop: it reports whether the timer was still to fire.
//
//go:noinline
func (t *Timer) Stop(g *G) bool { return t.stop(g, callerPC()) }

func (t *Timer) stop(g *G, pc uintptr) bool {
	r := g.enterAs(pending{kind: kindTimer, op: opStop, obj: int32(t.C.id), pc: pc})
	was := t.pending
	if was {
		t.ops.disarmLocked()
		t.pending = false
	}
	drained := t.drainLocked()
	r.leave(g.recordWideLocked(&entry{kind: kindTimer, obj: int32(t.C.id), op: opStop, text: r.texts.addString(fmt.Sprint(was))}, 0, int64(drained), pc))
	return was
}

// Reset makes the timer fire d from now, as time.Timer.Reset: it reports whether it was still
// to fire.
//
//go:noinline
func (t *Timer) Reset(g *G, d time.Duration) bool {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindTimer, op: opReset, obj: int32(t.C.id), pc: pc})
	was := t.pending
	if was {
		t.ops.disarmLocked()
	}
	drained := t.drainLocked()
	// Recorded first, so that the new due time is no earlier than the event's time plus d,
	// which is what a reader of the trace can check.
	ok := g.recordWideLocked(&entry{kind: kindTimer, obj: int32(t.C.id), op: opReset, text: r.texts.addString(fmt.Sprint(was))}, int64(d), int64(drained), pc)
	if ok {
		t.due = r.scenarioNowLocked() + max(d, 0)
		t.pending = true
		t.ops.armLocked()
	}
	r.leave(ok)
	return was
}

// drainLocked takes a tick that was delivered and not received out of the channel, and
// returns its message (0: none): after Stop or Reset, no stale value is received.
func (t *Timer) drainLocked() uint32 {
	switch o := t.C.ops.(type) {
	case *liveChan[time.Duration]:
		select {
		case it := <-o.ch:
			o.receipt++ // out of the channel, for the deadlock watch's count
			return it.msg
		default:
		}
	case *chanModel[time.Duration]:
		if len(o.buf) > 0 {
			msg := o.buf[0].msg
			o.buf = o.buf[:0]
			return msg
		}
	}
	return 0
}

// fireLocked delivers the tick due now and, for a ticker, sets the next one.
func (t *Timer) fireLocked(r *Run) {
	if t.onFire != nil {
		t.pending = false
		t.onFire(r)
		return
	}
	r.nextMsg++
	it := item[time.Duration]{msg: r.nextMsg, v: t.due, text: r.texts.add(show(t.due))}
	e := entry{kind: kindFire, obj: int32(t.C.id), aux: it.msg, text: it.text}
	if !t.deliverLocked(it) {
		e.aux, e.op = 0, opDropped
	}
	t.pending = false
	r.appendLocked(&e, 0)
	if t.period > 0 && !r.halted {
		t.due += t.period
		t.pending = true
		t.ops.armLocked()
	}
}

// deliverLocked puts it into the channel, or reports that the channel is full.
func (t *Timer) deliverLocked(it item[time.Duration]) bool {
	switch o := t.C.ops.(type) {
	case *liveChan[time.Duration]:
		select {
		case o.ch <- it:
			o.sends++
			return true
		default:
			return false
		}
	case *chanModel[time.Duration]:
		if o.head(&o.recvq) == nil && len(o.buf) >= t.C.cap {
			return false
		}
		o.deliver(it)
		return true
	}
	return false
}

// scenarioNowLocked is the scenario time of the run now.
func (r *Run) scenarioNowLocked() time.Duration {
	if s := r.seeded; s != nil {
		return time.Duration(s.now)
	}
	return time.Duration(float64(r.clock.elapsed()) * r.speed)
}

// liveTimer is a timer in a live run: a real timer, its wait scaled by the speed, that fires
// under the recorder lock.
type liveTimer struct {
	t *Timer
	r *Run
	// fires counts the pending fire on the channel it will wake, for the deadlock watch.
	fires interface{ pendingFiresLocked(delta int) }
	// Guarded by the recorder lock: the real timer, and its generation, which disarming
	// moves on so that a callback already on its way finds itself stale.
	real *time.Timer
	gen  int
}

func (l *liveTimer) armLocked() {
	l.gen++
	gen := l.gen
	l.fires.pendingFiresLocked(1)
	wait := time.Duration(float64(l.t.due-l.r.scenarioNowLocked()) / l.r.speed)
	l.real = time.AfterFunc(max(wait, 0), func() {
		r := l.r
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.halted || l.gen != gen {
			return
		}
		l.fires.pendingFiresLocked(-1)
		l.t.fireLocked(r)
	})
}

func (l *liveTimer) disarmLocked() {
	if l.real != nil {
		l.real.Stop()
	}
	l.gen++
	l.fires.pendingFiresLocked(-1)
}

// haltLocked stops the real timer; a callback already on its way finds the run halted.
func (l *liveTimer) haltLocked(*Run) {
	if l.real != nil {
		l.real.Stop()
	}
}

// stuckLocked is the channel's to say (liveChan.stuckLocked counts the pending fires).
func (l *liveTimer) stuckLocked(waits) bool { return true }

// timerModel is a timer under the seeded scheduler: a fire waiting on the virtual clock.
type timerModel struct {
	t    *Timer
	s    *seeded
	next *timedFire // the pending fire, if any
}

// timedFire is a timer's fire in the seeded scheduler's queue; cancelled when disarmed.
type timedFire struct {
	t         *Timer
	cancelled bool
}

func (m *timerModel) armLocked() {
	m.next = &timedFire{t: m.t}
	m.s.timerSeq++
	heapPushTimer(&m.s.timers, timer{when: int64(m.t.due), seq: m.s.timerSeq, fire: m.next})
}

func (m *timerModel) disarmLocked() {
	if m.next != nil {
		m.next.cancelled = true
		m.next = nil
	}
}
