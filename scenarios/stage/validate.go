package stage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxViolations caps how many broken rules Validate reports: past a few, more say nothing new.
const maxViolations = 20

// Validate checks a trace against the rules every trace of the stage keeps, whichever
// scheduler recorded it, and returns every broken rule found (joined), or nil:
//
//   - seq counts 1, 2, 3…; t never goes backwards;
//   - goroutines and objects are announced (go, new) before they act or are touched;
//   - a goroutine's -begin is followed by its -end before it does anything else;
//   - each recv-end pairs with exactly one earlier send-begin of the same message, channel and
//     value, and no message is received twice; a select's send case sends like a send-begin
//     (at its select-begin) and send-end (at its select-end, if it ran), and its receive case
//     receives like a recv-begin and recv-end; a select-end names one of its begin's cases, and takes its
//     default only when no receive case was certainly ready (closed, or a value buffered);
//   - per channel, a send that ended before another began is received first (FIFO), and the
//     values certainly in the buffer never exceed its capacity;
//   - a closed channel is not closed again nor sent on (unless the sender panics), and a
//     receive only reports "closed" after the close;
//   - a mutex has at most one holder, and only its holder unlocks it;
//   - each atomic operation starts from the value the previous one left and does what its
//     op says;
//   - a waitgroup's counter chains and never goes negative, and a Wait ends only after the
//     counter was zero;
//   - a cell reads what was last written;
//   - a refcell has any number of shared borrows or one mutable borrow, releases match
//     borrows, and a borrow-error is raised only when the rules forbid the borrow;
//   - a timer's or ticker's fire comes from the runtime (g 0), no earlier than it was due (d
//     after it was made or reset; a ticker's next a period after its last was due), never
//     after a Stop or a timer's one fire until a Reset, and sends a message like a send-begin
//     and send-end at once;
//   - RWMutex, Cond and Once keep the rules in validate_sync.go;
//   - a context is cancelled once, with an error Err returns, closing its Done, and every
//     context made from it is cancelled too;
//   - a weighted semaphore and an errgroup keep the rules in validate_sema.go: the weight in
//     use within the size, waiters served in order, the group's context cancelled by its
//     first error;
//   - when a run ends in deadlock, every goroutine that has not ended is reported;
//   - when main returned, the goroutines that had not ended are exactly those end.Leftover
//     names.
func Validate(events []Event, end End) error {
	v := newValidator()
	v.indexReceives(events)
	for i := range events {
		v.event(i, &events[i])
	}
	v.finish(events, end)
	return v.err()
}

type validator struct {
	problems []string
	more     int

	lastT      int64
	goroutines map[int]*gState
	objects    map[int]*oState
	sends      map[int64]*sendState
	mustPanic  []mustPanic
	// The seq of the recv-begin and recv-end of the (first) receive of each message.
	recvBegin map[int64]int64
	recvEnd   map[int64]int64
	// lastBegin is each goroutine's latest -begin, for the select-end that ends it.
	lastBegin map[int]*Event
	// sema is the state of the semaphore's and the errgroup's rules (validate_sema.go).
	sema *semaRules
	sync *syncState // validate_sync.go
}

type gState struct {
	name    string
	lastT   int64
	pending *Event // the -begin waiting for its -end
	// pendingSeq is the seq of the -begin the current event ends, if it ends one.
	pendingSeq int64
	ended      bool
	deadlocked bool // reported blocked forever
	// gotProcessor: the goroutine's last event was a runnable-end, so its next must be the
	// work-begin it waited to do.
	gotProcessor bool
}

type oState struct {
	kind      ObjKind
	name      string
	cap       int
	closed    bool
	sendEnds  int
	recvBegs  int
	holder    int    // mutex
	value     int64  // atomic, waitgroup counter
	text      string // cell contents
	borrows   int    // refcell
	parent    int    // context: the context it was made from
	cancelled int64  // context: the seq of its cancel event
	lastZero  int64  // waitgroup: seq at which the counter was last seen at zero
	// Timers and tickers: the earliest its next fire may come (made or reset at t with d:
	// t+d; a ticker's next, a period after its last was due), and whether one may come.
	due, period int64
	stopped     bool
	// FIFO check: the latest recv-begin among the receives of sends of this channel that
	// have ended.
	maxEndedRecvBegin int64
	// drained is the seq of the first receive that found the channel closed and empty.
	drained int64
}

type sendState struct {
	obj       int
	g         int
	value     string
	ended     bool
	received  bool
	threshold int64 // maxEndedRecvBegin of the channel when this send began
}

func newValidator() *validator {
	return &validator{
		goroutines: map[int]*gState{},
		objects:    map[int]*oState{},
		sends:      map[int64]*sendState{},
		recvBegin:  map[int64]int64{},
		recvEnd:    map[int64]int64{},
		lastBegin:  map[int]*Event{},
	}
}

// indexReceives finds where each message's receive began and ended, for the FIFO rule. A
// select's receive begins at its select-begin.
func (v *validator) indexReceives(events []Event) {
	begun := map[int]*Event{}
	for i := range events {
		e := &events[i]
		switch e.Kind {
		case KindRecvBegin, KindSelectBegin:
			begun[e.G] = e
		case KindRecvEnd, KindSelectEnd:
			b := begun[e.G]
			if b == nil || e.Closed {
				continue
			}
			if e.Kind == KindSelectEnd && (b.Kind != KindSelectBegin || e.Case < 0 || e.Case >= len(b.Cases) || b.Cases[e.Case].Dir != "recv") {
				continue
			}
			if _, seen := v.recvEnd[e.Msg]; !seen {
				v.recvBegin[e.Msg] = b.Seq
				v.recvEnd[e.Msg] = e.Seq
			}
		}
	}
}

func (v *validator) fail(e *Event, format string, args ...any) {
	if len(v.problems) >= maxViolations {
		v.more++
		return
	}
	prefix := "end of trace: "
	if e != nil {
		prefix = fmt.Sprintf("seq %d (g %d %s): ", e.Seq, e.G, e.Kind)
	}
	v.problems = append(v.problems, prefix+fmt.Sprintf(format, args...))
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	errs := make([]error, 0, len(v.problems)+1)
	for _, p := range v.problems {
		errs = append(errs, errors.New(p))
	}
	if v.more > 0 {
		errs = append(errs, fmt.Errorf("and %d more", v.more))
	}
	return errors.Join(errs...)
}

// endOf names the kind that must follow a -begin.
var endOf = map[Kind]Kind{
	KindSendBegin: KindSendEnd, KindRecvBegin: KindRecvEnd, KindLockBegin: KindLockEnd,
	KindWorkBegin: KindWorkEnd, KindSleepBeg: KindSleepEnd, KindWaitBegin: KindWaitEnd,
	KindRunnableBegin: KindRunnableEnd, KindSelectBegin: KindSelectEnd,
	KindAcquireBegin: KindAcquireEnd, KindGroupGoBegin: KindGroupGoEnd, KindGroupWaitBegin: KindGroupWaitEnd,
	KindRLockBegin: KindRLockEnd, KindCondWaitBegin: KindCondWaitEnd, KindOnceWaitBegin: KindOnceWaitEnd,
}

func (v *validator) object(e *Event, want ObjKind) *oState {
	o, ok := v.objects[e.Obj]
	if !ok {
		v.fail(e, "object %d was never announced", e.Obj)
		return nil
	}
	if o.kind != want && !(want == ObjChan && (o.kind == ObjTimer || o.kind == ObjTicker || o.kind == ObjContext)) {
		v.fail(e, "object %d is a %s, not a %s", e.Obj, o.kind, want)
		return nil
	}
	return o
}

func (v *validator) event(i int, e *Event) {
	if e.Seq != int64(i+1) {
		v.fail(e, "seq is %d at position %d", e.Seq, i+1)
	}
	if e.T < v.lastT {
		v.fail(e, "time goes back from %d to %d", v.lastT, e.T)
	}
	v.lastT = max(v.lastT, e.T)
	v.semaEvent(e)

	if e.Kind == KindGo && e.G == 0 {
		v.goroutines[e.Child] = &gState{name: e.Name}
		return
	}
	if e.Kind == KindFire {
		v.fire(e)
		return
	}
	if e.Kind == KindCancel && e.G == 0 {
		v.cancel(e) // a deadline: the runtime's
		return
	}
	g, ok := v.goroutines[e.G]
	if !ok {
		v.fail(e, "goroutine %d acts before it was started", e.G)
		g = &gState{}
		v.goroutines[e.G] = g
	}
	if g.ended {
		v.fail(e, "goroutine %d acts after it ended", e.G)
	}
	if e.T < g.lastT {
		v.fail(e, "time goes back on goroutine %d", e.G)
	}
	g.lastT = e.T
	g.pendingSeq = 0
	if g.pending != nil {
		g.pendingSeq = g.pending.Seq
		want := endOf[g.pending.Kind]
		// A select-end names the channel of the case that ran; its begin names none.
		if e.Kind != want || e.Obj != g.pending.Obj && want != KindSelectEnd {
			if e.Kind != KindPanic && e.Kind != KindDeadlock {
				v.fail(e, "goroutine %d does this before the %s of seq %d", e.G, want, g.pending.Seq)
			}
		}
		g.pending = nil
	} else if strings.HasSuffix(string(e.Kind), "-end") {
		v.fail(e, "an end with no begin")
	}
	begun := g.pending
	if e.Kind == KindSelectEnd {
		begun = nil
		if v.lastBegin[e.G] != nil && v.lastBegin[e.G].Kind == KindSelectBegin && g.pendingSeq == v.lastBegin[e.G].Seq {
			begun = v.lastBegin[e.G]
		}
	}
	if _, ok := endOf[e.Kind]; ok {
		g.pending = e
		v.lastBegin[e.G] = e
	}
	if g.gotProcessor && e.Kind != KindWorkBegin && e.Kind != KindPanic {
		v.fail(e, "goroutine %d got a processor but does not work", e.G)
	}
	g.gotProcessor = e.Kind == KindRunnableEnd
	if v.syncEvent(e, g) {
		return
	}

	switch e.Kind {
	case KindGo:
		if _, dup := v.goroutines[e.Child]; dup {
			v.fail(e, "goroutine %d started twice", e.Child)
		}
		v.goroutines[e.Child] = &gState{name: e.Name, lastT: e.T}
	case KindExit, KindPanic:
		g.ended = true
	case KindDeadlock:
		g.deadlocked = true
	case KindNew:
		if _, dup := v.objects[e.Obj]; dup {
			v.fail(e, "object %d announced twice", e.Obj)
		}
		o := &oState{kind: e.ObjKind, name: e.Name, cap: e.Cap, text: e.Value, parent: e.Parent}
		if e.ObjKind == ObjAtomic {
			n, err := strconv.ParseInt(e.Value, 10, 64)
			if err != nil {
				v.fail(e, "atomic %s has no initial value (%q)", e.Name, e.Value)
			}
			o.value = n
		}
		if e.ObjKind == ObjTimer || e.ObjKind == ObjTicker {
			o.due = e.T + max(e.Dur, 0)
			if e.ObjKind == ObjTicker {
				o.period = e.Dur
			}
		}
		v.objects[e.Obj] = o
	case KindSendBegin:
		o := v.object(e, ObjChan)
		if o == nil {
			return
		}
		if _, dup := v.sends[e.Msg]; dup || e.Msg == 0 {
			v.fail(e, "message id %d is not new", e.Msg)
		}
		v.sends[e.Msg] = &sendState{obj: e.Obj, g: e.G, value: e.Value, threshold: o.maxEndedRecvBegin}
		if o.closed {
			v.checkPanicsNext(e, "sends on closed channel "+o.name)
		}
	case KindSendEnd:
		o := v.object(e, ObjChan)
		s := v.sends[e.Msg]
		if o == nil || s == nil || s.g != e.G || s.obj != e.Obj {
			v.fail(e, "send-end of message %d that this goroutine did not begin on this channel", e.Msg)
			return
		}
		s.ended = true
		o.sendEnds++
		o.maxEndedRecvBegin = max(o.maxEndedRecvBegin, v.recvBegin[e.Msg])
		if o.sendEnds-o.recvBegs > o.cap {
			v.fail(e, "channel %s holds at least %d values, more than its capacity %d", o.name, o.sendEnds-o.recvBegs, o.cap)
		}
	case KindRecvBegin:
		if o := v.object(e, ObjChan); o != nil {
			o.recvBegs++
		}
	case KindRecvEnd:
		v.received(e, v.object(e, ObjChan))
	case KindSelectBegin:
		v.selectBegin(e)
	case KindSelectEnd:
		if begun == nil {
			return // reported above: an end with no begin
		}
		v.selectEnd(e, begun)
	case KindCancel:
		v.cancel(e)
	case KindTimer:
		v.timer(e)
	case KindClose:
		o := v.object(e, ObjChan)
		if o == nil {
			return
		}
		if o.closed {
			v.checkPanicsNext(e, "closes "+o.name+" twice")
		}
		o.closed = true
	case KindLockEnd:
		if o := v.object(e, ObjMutex); o != nil {
			if o.holder != 0 {
				v.fail(e, "mutex %s taken while goroutine %d holds it", o.name, o.holder)
			}
			o.holder = e.G
		}
	case KindLockBegin:
		v.object(e, ObjMutex)
	case KindUnlock:
		if o := v.object(e, ObjMutex); o != nil {
			if o.holder != e.G {
				v.fail(e, "unlocks mutex %s held by goroutine %d", o.name, o.holder)
			}
			o.holder = 0
		}
	case KindAtomic:
		if o := v.object(e, ObjAtomic); o != nil {
			v.atomic(e, o)
		}
	case KindWGAdd:
		if o := v.object(e, ObjWaitGroup); o != nil {
			delta, err := strconv.ParseInt(e.Value, 10, 64)
			switch {
			case err != nil:
				v.fail(e, "waitgroup delta %q is not a number", e.Value)
			case e.Old != o.value:
				v.fail(e, "waitgroup %s steps from %d, but its counter was %d", o.name, e.Old, o.value)
			case e.New != e.Old+delta || e.New < 0:
				v.fail(e, "waitgroup %s goes from %d by %d to %d", o.name, e.Old, delta, e.New)
			}
			o.value = e.New
			if o.value == 0 {
				o.lastZero = e.Seq
			}
		}
	case KindWaitBegin:
		if o := v.object(e, ObjWaitGroup); o != nil && o.value == 0 {
			o.lastZero = e.Seq
		}
	case KindWaitEnd:
		if o := v.object(e, ObjWaitGroup); o != nil && g.pendingSeq > o.lastZero {
			v.fail(e, "Wait on %s returns, but its counter was not zero since the wait began", o.name)
		}
	case KindCellGet, KindCellSet:
		if o := v.object(e, ObjCell); o != nil {
			if e.Kind == KindCellGet && e.Value != o.text {
				v.fail(e, "cell %s reads %q, but %q was last written", o.name, e.Value, o.text)
			}
			o.text = e.Value
		}
	case KindBorrow, KindBorrowMut, KindRelease, KindBorrowError:
		if o := v.object(e, ObjRefCell); o != nil {
			v.refcell(e, o)
		}
	}
}

// received checks the receive e (a recv-end, or a select-end that ran a receive case) on o.
func (v *validator) received(e *Event, o *oState) {
	if o == nil {
		return
	}
	if e.Closed {
		if !o.closed {
			v.fail(e, "receive reports %s closed before it was closed", o.name)
		}
		if o.drained == 0 {
			o.drained = e.Seq
		}
		return
	}
	s, ok := v.sends[e.Msg]
	switch {
	case o.drained != 0 && v.goroutines[e.G].pendingSeq > o.drained:
		// One in progress then may end after it, with a value it took before the close.
		v.fail(e, "receives a value from %s, which a receive that ended before this one began found closed and empty", o.name)
	case !ok:
		v.fail(e, "receives message %d before anyone began sending it", e.Msg)
	case s.obj != e.Obj:
		v.fail(e, "receives message %d on another channel than it was sent", e.Msg)
	case s.received:
		v.fail(e, "message %d received twice", e.Msg)
	default:
		s.received = true
		if s.value != e.Value {
			v.fail(e, "message %d was sent as %q but received as %q", e.Msg, s.value, e.Value)
		}
		// A send that ended before this one began was ahead of it in the channel, so its
		// receive must have begun before this one ended. (Receives that overlap in time may
		// record their ends in either order.)
		if s.threshold >= e.Seq {
			v.fail(e, "message %d overtakes a message on %s whose send ended before it was sent (FIFO)", e.Msg, o.name)
		}
	}
}

// cancel checks a context's cancellation, which closes its Done: once, and with an error Err
// returns (finish checks that every context made from it was cancelled too).
func (v *validator) cancel(e *Event) {
	o, ok := v.objects[e.Obj]
	if !ok || o.kind != ObjContext {
		v.fail(e, "object %d is no context", e.Obj)
		return
	}
	if o.closed {
		v.fail(e, "context %s cancelled twice", o.name)
	}
	if e.Value != context.Canceled.Error() && e.Value != context.DeadlineExceeded.Error() {
		v.fail(e, "context %s cancelled with %q, not an error Err returns", o.name, e.Value)
	}
	o.closed = true
	o.cancelled = e.Seq
}

// timer checks a Stop or Reset: it says truly whether a fire was pending, takes out only a
// tick that is in the channel, and a Reset sets when the next fire may come.
func (v *validator) timer(e *Event) {
	o, ok := v.objects[e.Obj]
	switch {
	case !ok || o.kind != ObjTimer && o.kind != ObjTicker:
		v.fail(e, "object %d is no timer or ticker", e.Obj)
		return
	case e.Op != "stop" && e.Op != "reset":
		v.fail(e, "a timer event with op %q", e.Op)
		return
	case e.Value != "true" && e.Value != "false":
		v.fail(e, "a timer's %s says %q, not whether it was pending", e.Op, e.Value)
	case (e.Value == "true") == o.stopped:
		v.fail(e, "%s of %s says pending %s, but %s", e.Op, o.name, e.Value,
			map[bool]string{true: "it had fired or been stopped", false: "it had neither fired nor been stopped"}[o.stopped])
	}
	o.stopped = e.Op == "stop"
	if e.Op == "reset" {
		o.due = e.T + max(e.Dur, 0)
	}
	if e.Msg != 0 {
		// The tick it took out of the channel: delivered, never to be received.
		if s := v.sends[e.Msg]; s == nil || s.obj != e.Obj || s.received {
			v.fail(e, "takes tick %d out of %s, which it does not hold", e.Msg, o.name)
		} else {
			s.received = true
			o.recvBegs++
		}
	}
}

// fire checks a timer's or ticker's tick, which the runtime sends (g 0): a send that began
// and ended at once, unless a ticker dropped it.
func (v *validator) fire(e *Event) {
	o, ok := v.objects[e.Obj]
	if due, err := time.ParseDuration(e.Value); err != nil {
		v.fail(e, "a fire carries %q, not the time it was due", e.Value)
	} else if e.T < int64(due) {
		v.fail(e, "fires at %s, before it was due at %s", time.Duration(e.T), due)
	}
	switch {
	case e.G != 0:
		v.fail(e, "a fire by goroutine %d: only the runtime (g 0) fires timers", e.G)
	case !ok || o.kind != ObjTimer && o.kind != ObjTicker:
		v.fail(e, "object %d is no timer or ticker", e.Obj)
	case o.stopped:
		v.fail(e, "%s fires after it fired or was stopped, and was not reset", o.name)
	case e.T < o.due:
		v.fail(e, "%s fires at %s, before it was due at %s", o.name, time.Duration(e.T), time.Duration(o.due))
	}
	if ok && o.kind == ObjTicker {
		o.due += o.period
	} else if ok {
		o.stopped = true // a timer fires once
	}
	switch {
	case !ok || e.G != 0:
	case e.Op == "dropped":
		if o.kind != ObjTicker {
			v.fail(e, "timer %s dropped a fire: only a ticker drops ticks", o.name)
		}
	default:
		if _, dup := v.sends[e.Msg]; dup || e.Msg == 0 {
			v.fail(e, "message id %d is not new", e.Msg)
		}
		v.sends[e.Msg] = &sendState{obj: e.Obj, value: e.Value, ended: true, threshold: o.maxEndedRecvBegin}
		o.sendEnds++
		if o.sendEnds-o.recvBegs > o.cap {
			v.fail(e, "%s holds at least %d ticks, more than its capacity %d", o.name, o.sendEnds-o.recvBegs, o.cap)
		}
	}
}

// selectBegin checks a select's cases and notes what they may do: each send offers its
// message, and each receive may take a value from its channel.
func (v *validator) selectBegin(e *Event) {
	defaults := 0
	for _, c := range e.Cases {
		switch c.Dir {
		case "default":
			defaults++
			continue
		case "send", "recv":
		default:
			v.fail(e, "a case that is neither a send, a receive nor default: %q", c.Dir)
			continue
		}
		if c.Obj == 0 {
			continue // a nil channel: never ready
		}
		o := v.object(&Event{Seq: e.Seq, G: e.G, Kind: e.Kind, Obj: c.Obj}, ObjChan)
		if o == nil {
			continue
		}
		if c.Dir == "recv" {
			o.recvBegs++
			continue
		}
		if _, dup := v.sends[c.Msg]; dup || c.Msg == 0 {
			v.fail(e, "message id %d of a send case is not new", c.Msg)
		}
		v.sends[c.Msg] = &sendState{obj: c.Obj, g: e.G, value: c.Value, threshold: o.maxEndedRecvBegin}
	}
	if defaults > 1 {
		v.fail(e, "a select with %d defaults", defaults)
	}
}

// selectEnd checks that a select ran one of its cases, and what that case did: a send ends
// like a send-end, a receive like a recv-end; the cases that did not run did nothing.
func (v *validator) selectEnd(e *Event, begin *Event) {
	if e.Case < 0 || e.Case >= len(begin.Cases) {
		v.fail(e, "case %d of a select with %d cases", e.Case, len(begin.Cases))
		return
	}
	c := begin.Cases[e.Case]
	if c.Obj != e.Obj {
		v.fail(e, "case %d of the select is on object %d, but its end names %d", e.Case, c.Obj, e.Obj)
		return
	}
	if c.Dir != "default" && c.Obj == 0 {
		v.fail(e, "a case on a nil channel ran")
		return
	}
	if c.Dir == "default" {
		v.defaultTaken(e, begin)
	}
	for i, other := range begin.Cases {
		if i == e.Case || other.Obj == 0 {
			continue
		}
		o := v.objects[other.Obj]
		switch {
		case o == nil:
		case other.Dir == "recv":
			o.recvBegs--
		case other.Dir == "send":
			delete(v.sends, other.Msg)
		}
	}
	switch c.Dir {
	case "send":
		o := v.objects[c.Obj]
		s := v.sends[c.Msg]
		if o == nil || s == nil || e.Msg != c.Msg {
			v.fail(e, "select-end of send case %d names message %d, not the case's %d", e.Case, e.Msg, c.Msg)
			return
		}
		if o.closed {
			v.fail(e, "a select sends on closed channel %s and goes on; Go panics there", o.name)
		}
		s.ended = true
		o.sendEnds++
		o.maxEndedRecvBegin = max(o.maxEndedRecvBegin, v.recvBegin[e.Msg])
		if o.sendEnds-o.recvBegs > o.cap {
			v.fail(e, "channel %s holds at least %d values, more than its capacity %d", o.name, o.sendEnds-o.recvBegs, o.cap)
		}
	case "recv":
		v.received(e, v.objects[c.Obj])
	}
}

// defaultTaken checks a select that took its default: none of its receive cases may have been
// certainly ready — on a closed channel, or on one whose buffer certainly held a value (more
// sends ended than receives begun, this select's own aside).
func (v *validator) defaultTaken(e *Event, begin *Event) {
	own := map[int]int{} // this select's receive cases, by channel
	for _, c := range begin.Cases {
		if c.Dir == "recv" && c.Obj != 0 {
			own[c.Obj]++
		}
	}
	for obj, n := range own {
		o := v.objects[obj]
		switch {
		case o == nil:
		case o.closed:
			v.fail(e, "a select took its default while %s, which it receives from, was closed and so ready", o.name)
		case o.sendEnds-(o.recvBegs-n) > 0:
			v.fail(e, "a select took its default while %s, which it receives from, held a value", o.name)
		}
	}
}

func (v *validator) refcell(e *Event, o *oState) {
	before := o.borrows
	var after int
	switch {
	case e.Kind == KindBorrow && before >= 0:
		after = before + 1
	case e.Kind == KindBorrowMut && before == 0:
		after = -1
	case e.Kind == KindRelease && e.Op == "mut" && before == -1:
		after = 0
	case e.Kind == KindRelease && e.Op == "shared" && before > 0:
		after = before - 1
	case e.Kind == KindBorrowError:
		forbidden := e.Value == AlreadyBorrowed && before != 0 || e.Value == AlreadyMutablyBorrowed && before < 0
		if !forbidden {
			v.fail(e, "refcell %s refuses a borrow the rules allow (%s with %d borrows)", o.name, e.Value, before)
		}
		after = before
	default:
		v.fail(e, "refcell %s: %s %s with %d borrows breaks the borrow rules", o.name, e.Kind, e.Op, before)
		after = e.Borrows
	}
	if e.Borrows != after {
		v.fail(e, "refcell %s reports %d borrows, want %d", o.name, e.Borrows, after)
	}
	o.borrows = after
}

// checkPanicsNext notes an operation Go answers with a panic; finish checks the panic came.
func (v *validator) checkPanicsNext(e *Event, what string) {
	v.mustPanic = append(v.mustPanic, mustPanic{e: e, what: what})
}

type mustPanic struct {
	e    *Event
	what string
}

func (v *validator) atomic(e *Event, o *oState) {
	if e.Old != o.value {
		v.fail(e, "atomic %s steps from %d, but its value was %d", o.name, e.Old, o.value)
	}
	arg, argErr := strconv.ParseInt(e.Value, 10, 64)
	var want int64
	switch e.Op {
	case "add":
		want = e.Old + arg
	case "load":
		want, argErr = e.Old, nil
	case "store", "swap":
		want = arg
	case "cas":
		from, to, ok := strings.Cut(e.Value, "→")
		f, err1 := strconv.ParseInt(from, 10, 64)
		t, err2 := strconv.ParseInt(to, 10, 64)
		argErr = errors.Join(err1, err2)
		if !ok {
			argErr = fmt.Errorf("no arrow")
		}
		want = e.Old
		if f == e.Old {
			want = t
		}
	default:
		v.fail(e, "unknown atomic op %q", e.Op)
		return
	}
	if argErr != nil {
		v.fail(e, "atomic %s argument %q is not understood", e.Op, e.Value)
	} else if e.New != want {
		v.fail(e, "atomic %s %s from %d gives %d, not %d", o.name, e.Op, e.Old, e.New, want)
	}
	o.value = e.New
}

func (v *validator) finish(events []Event, end End) {
	next := map[*Event]*Event{}
	byG := map[int]*Event{}
	for i := len(events) - 1; i >= 0; i-- {
		e := &events[i]
		next[e] = byG[e.G]
		byG[e.G] = e
	}
	for _, m := range v.mustPanic {
		if n := next[m.e]; n == nil || n.Kind != KindPanic {
			v.fail(m.e, "goroutine %d %s and goes on; Go panics there", m.e.G, m.what)
		}
	}
	if end.Reason == ReasonDone {
		alive := 0
		for _, g := range v.goroutines {
			if !g.ended {
				alive++
			}
		}
		if alive != len(end.Leftover) {
			v.fail(nil, "%d goroutines had not ended when main returned, but the end names %d", alive, len(end.Leftover))
		}
	}
	for id, o := range v.objects {
		// A cancelled context's descendants are cancelled too (by it, or before it on their own).
		if p, ok := v.objects[o.parent]; o.kind == ObjContext && ok && p.cancelled != 0 && o.cancelled == 0 {
			v.fail(nil, "context %s was cancelled, but not its child %s (object %d)", p.name, o.name, id)
		}
	}
	if end.Reason == ReasonDeadlock {
		for id, g := range v.goroutines {
			if !g.ended && !g.deadlocked {
				v.fail(nil, "goroutine %d (%s) neither ended nor is reported in the deadlock", id, g.name)
			}
		}
	}
	v.semaFinish(end)
	if end.Events != 0 && end.Events != len(events) {
		v.fail(nil, "the end counts %d events, the trace has %d", end.Events, len(events))
	}
}
