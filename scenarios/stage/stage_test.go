package stage_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"interleave/scenarios/stage"
)

// No goroutine of any run may outlive it: every test ends with none left.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// guard bounds every wait on a run. It only turns a hang into a failure: no test asserts how
// long anything takes.
const guard = 5 * time.Second

// fast makes Work and Sleep waits tiny.
var fast = stage.Config{Speed: 1000}

// start begins a run; the test stops it if it fails before the run ends.
func start(t *testing.T, ctx context.Context, cfg stage.Config, main func(g *stage.G)) *stage.Run {
	t.Helper()
	r := stage.Start(ctx, cfg, main)
	t.Cleanup(func() {
		r.Stop()
		select {
		case <-r.Done():
		case <-time.After(guard):
			// A goroutine held at a gate: the gate opens in a later cleanup.
			t.Errorf("the run did not end within %s of Stop", guard)
		}
	})
	return r
}

// finish waits for r to end, then checks the invariants every trace must satisfy.
func finish(t *testing.T, r *stage.Run) ([]stage.Event, stage.End) {
	t.Helper()
	select {
	case <-r.Done():
	case <-time.After(guard):
		t.Fatalf("the run did not end within %s; events so far:\n%s", guard, dump(r.Events(0, nil)))
	}
	ev, end := r.Events(0, nil), r.End()
	checkTrace(t, ev, end)
	if err := stage.Validate(ev, end); err != nil {
		t.Errorf("stage.Validate refuses the trace: %v", err)
	}
	return ev, end
}

// run runs main to the end and checks its trace.
func run(t *testing.T, cfg stage.Config, main func(g *stage.G)) ([]stage.Event, stage.End) {
	t.Helper()
	return finish(t, start(t, context.Background(), cfg, main))
}

// waitFor waits until the events recorded so far satisfy cond and returns them.
func waitFor(t *testing.T, r *stage.Run, what string, cond func(ev []stage.Event) bool) []stage.Event {
	t.Helper()
	timeout := time.After(guard)
	for {
		ev := r.Events(0, nil)
		if cond(ev) {
			return ev
		}
		select {
		case <-r.Updated():
		case <-r.Done():
			if ev := r.Events(0, nil); cond(ev) {
				return ev
			}
			t.Fatalf("the run ended (%+v) before %s; events:\n%s", r.End(), what, dump(r.Events(0, nil)))
		case <-timeout:
			t.Fatalf("no %s within %s; events:\n%s", what, guard, dump(r.Events(0, nil)))
		}
	}
}

// gate holds a scenario goroutine outside the stage until the test opens it: the test can look
// at a trace while the scenario is known to be in a given state.
type gate chan struct{}

func (c gate) open() {
	select {
	case <-c:
	default:
		close(c)
	}
}

func newGate(t *testing.T) gate {
	c := make(gate)
	t.Cleanup(c.open)
	return c
}

func dump(ev []stage.Event) string {
	var b strings.Builder
	for i := range ev {
		b.Write(ev[i].AppendJSON(nil))
		b.WriteByte('\n')
	}
	return b.String()
}

// gid is the id of the goroutine started with name, or 0.
func gid(ev []stage.Event, name string) int {
	for _, e := range ev {
		if e.Kind == stage.KindGo && e.Name == name {
			return e.Child
		}
	}
	return 0
}

// of is the events of goroutine g, in seq order.
func of(ev []stage.Event, g int) []stage.Event {
	var out []stage.Event
	for _, e := range ev {
		if e.G == g {
			out = append(out, e)
		}
	}
	return out
}

// lastKind is the kind of g's latest event, or "".
func lastKind(ev []stage.Event, g int) stage.Kind {
	for i := len(ev) - 1; i >= 0; i-- {
		if ev[i].G == g {
			return ev[i].Kind
		}
	}
	return ""
}

func kinds(ev []stage.Event) []stage.Kind {
	out := make([]stage.Kind, len(ev))
	for i, e := range ev {
		out[i] = e.Kind
	}
	return out
}

func count(ev []stage.Event, kind stage.Kind) int {
	n := 0
	for _, e := range ev {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------------------------------------
// The trace checker: what every trace guarantees, whatever the scheduler did.

// endOf pairs each -begin kind with its -end.
var endOf = map[stage.Kind]stage.Kind{
	stage.KindSendBegin:   stage.KindSendEnd,
	stage.KindRecvBegin:   stage.KindRecvEnd,
	stage.KindLockBegin:   stage.KindLockEnd,
	stage.KindWorkBegin:   stage.KindWorkEnd,
	stage.KindSleepBeg:    stage.KindSleepEnd,
	stage.KindSelectBegin: stage.KindSelectEnd,
}

var isEnd = map[stage.Kind]bool{
	stage.KindSendEnd: true, stage.KindRecvEnd: true, stage.KindLockEnd: true,
	stage.KindWorkEnd: true, stage.KindSleepEnd: true, stage.KindSelectEnd: true,
}

// objOf says what kind of object each kind of event touches.
var objOf = map[stage.Kind]stage.ObjKind{
	stage.KindSendBegin: stage.ObjChan,
	stage.KindSendEnd:   stage.ObjChan,
	stage.KindRecvBegin: stage.ObjChan,
	stage.KindRecvEnd:   stage.ObjChan,
	stage.KindClose:     stage.ObjChan,
	stage.KindLockBegin: stage.ObjMutex,
	stage.KindLockEnd:   stage.ObjMutex,
	stage.KindUnlock:    stage.ObjMutex,
	stage.KindAtomic:    stage.ObjAtomic,
}

// allKinds is the closed set of kinds the browser knows.
var allKinds = []stage.Kind{
	stage.KindGo, stage.KindExit, stage.KindNew,
	stage.KindSendBegin, stage.KindSendEnd, stage.KindRecvBegin, stage.KindRecvEnd, stage.KindClose,
	stage.KindLockBegin, stage.KindLockEnd, stage.KindUnlock, stage.KindAtomic,
	stage.KindWorkBegin, stage.KindWorkEnd, stage.KindSleepBeg, stage.KindSleepEnd,
	stage.KindRunnableBegin, stage.KindRunnableEnd,
	stage.KindPrint, stage.KindPanic, stage.KindSelectBegin, stage.KindSelectEnd,
	stage.KindFire, stage.KindTimer, stage.KindCancel,
	stage.KindAcquireBegin, stage.KindAcquireEnd, stage.KindSemRelease,
	stage.KindGroupLimit, stage.KindGroupGoBegin, stage.KindGroupGoEnd, stage.KindGroupDone, stage.KindGroupWaitBegin, stage.KindGroupWaitEnd,
	stage.KindRLockBegin, stage.KindRLockEnd, stage.KindRUnlock, stage.KindTryLock,
	stage.KindCondWaitBegin, stage.KindCondWaitEnd, stage.KindSignal, stage.KindBroadcast,
	stage.KindOnceRun, stage.KindOnceDone, stage.KindOnceWaitBegin, stage.KindOnceWaitEnd,
}

type object struct {
	kind     stage.ObjKind
	cap      int
	closedAt int64 // seq of its close event
	drained  int64 // seq of the first receive that found it closed and empty
	holder   int   // mutex: the goroutine holding it
	value    int64 // atomic: its current value
}

type message struct {
	obj                int
	value              string
	sendBegin, sendEnd int64
	recvBegin, recvEnd int64
}

// atomicNew is what an atomic event's New must be given its Op, Old and argument.
func atomicNew(e stage.Event) (int64, error) {
	switch e.Op {
	case "add":
		d, err := strconv.ParseInt(e.Value, 10, 64)
		return e.Old + d, err
	case "load":
		if e.Value != "" {
			return 0, fmt.Errorf("load with argument %q", e.Value)
		}
		return e.Old, nil
	case "store", "swap":
		return strconv.ParseInt(e.Value, 10, 64)
	case "cas":
		a, b, ok := strings.Cut(e.Value, "→")
		if !ok {
			return 0, fmt.Errorf("cas argument %q is not old→new", e.Value)
		}
		old, err1 := strconv.ParseInt(a, 10, 64)
		nw, err2 := strconv.ParseInt(b, 10, 64)
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("cas argument %q is not old→new", e.Value)
		}
		if e.Old == old {
			return nw, nil
		}
		return e.Old, nil
	}
	return 0, fmt.Errorf("unknown op %q", e.Op)
}

// checkTrace asserts the guarantees of a trace (see doc.go and the README): seq and t, program
// order of begins and ends, goroutines and objects announced before use, every received value
// sent before, unbuffered rendezvous, FIFO, mutex exclusion, atomic chains, and End agreeing.
func checkTrace(t *testing.T, ev []stage.Event, end stage.End) {
	t.Helper()
	failures := 0
	fail := func(e stage.Event, format string, args ...any) {
		t.Helper()
		failures++
		if failures <= 10 {
			t.Errorf("%s: %s", e.AppendJSON(nil), fmt.Sprintf(format, args...))
		}
	}
	if end.Events != len(ev) {
		t.Errorf("End.Events = %d, but %d events were recorded", end.Events, len(ev))
	}
	if len(ev) > 0 && end.Duration != ev[len(ev)-1].T {
		t.Errorf("End.Duration = %d, want the last event's t %d", end.Duration, ev[len(ev)-1].T)
	}

	started := map[int]bool{}
	ended := map[int]bool{}
	open := map[int]stage.Event{} // the -begin each goroutine is in
	objects := map[int]*object{}
	messages := map[int64]*message{}
	received := map[[2]int][]int64{} // receiver, channel → messages in the order received
	nGo, nNew := 0, 0
	var prevT int64
	for i, e := range ev {
		if e.Seq != int64(i+1) {
			fail(e, "seq %d at position %d: seq must be 1, 2, 3…", e.Seq, i+1)
		}
		if e.T < prevT || e.T < 0 {
			fail(e, "t %d after t %d: t must never decrease", e.T, prevT)
		}
		prevT = e.T
		if !slices.Contains(allKinds, e.Kind) {
			fail(e, "unknown kind")
		}

		// A deadline's cancel is the runtime's (g 0).
		if e.Kind == stage.KindCancel && e.G == 0 {
			continue
		}
		// A timer's fire is the runtime's (g 0): a message sent at once, unless dropped.
		if e.Kind == stage.KindFire {
			if e.G != 0 {
				fail(e, "a fire is the runtime's, g 0")
			}
			if e.Op != "dropped" {
				if e.Msg == 0 || messages[e.Msg] != nil {
					fail(e, "each fire has its own message id")
					continue
				}
				messages[e.Msg] = &message{obj: e.Obj, value: e.Value, sendBegin: e.Seq, sendEnd: e.Seq}
			}
			continue
		}

		// Goroutines: announced by a go event before they act, silent after exit or panic.
		if i == 0 {
			if e.Kind != stage.KindGo || e.G != 0 || e.Child != 1 || e.Name != "main" {
				fail(e, "the first event must be main's go event")
			}
		} else if !started[e.G] {
			fail(e, "goroutine %d acts before its go event", e.G)
		}
		if ended[e.G] {
			fail(e, "goroutine %d acts after its exit or panic", e.G)
		}

		// Begins and ends: a goroutine in a -begin does nothing but its -end (or panic).
		var recvBegin int64
		var selectBegin stage.Event // the select-begin a select-end ends
		if b, ok := open[e.G]; ok {
			delete(open, e.G)
			switch {
			case e.Kind == stage.KindPanic:
			case e.Kind == stage.KindSelectEnd && b.Kind == stage.KindSelectBegin:
				recvBegin, selectBegin = b.Seq, b
			case e.Kind != endOf[b.Kind] || e.Obj != b.Obj || (e.Kind == stage.KindSendEnd && e.Msg != b.Msg):
				fail(e, "goroutine %d is in %s (seq %d): its next event must be the matching %s", e.G, b.Kind, b.Seq, endOf[b.Kind])
			default:
				recvBegin = b.Seq
			}
		} else if isEnd[e.Kind] {
			fail(e, "an end without its begin")
		}
		if _, ok := endOf[e.Kind]; ok {
			open[e.G] = e
		}

		// Objects: announced by a new event, used as what they are.
		var o *object
		if want, ok := objOf[e.Kind]; ok {
			o = objects[e.Obj]
			if o == nil {
				fail(e, "object %d was not announced", e.Obj)
				continue
			}
			// An RWMutex's Lock and Unlock record a mutex's kinds.
			if o.kind != want && !(want == stage.ObjMutex && o.kind == stage.ObjRWMutex) {
				fail(e, "object %d is a %s, not a %s", e.Obj, o.kind, want)
				continue
			}
		}

		switch e.Kind {
		case stage.KindGo:
			nGo++
			if e.Child != nGo {
				fail(e, "goroutines are numbered 1, 2, 3… in start order: want child %d", nGo)
			}
			started[e.Child] = true
		case stage.KindExit, stage.KindPanic:
			ended[e.G] = true
		case stage.KindNew:
			nNew++
			if e.Obj != nNew {
				fail(e, "objects are numbered 1, 2, 3… in creation order: want obj %d", nNew)
			}
			o := &object{kind: e.ObjKind, cap: e.Cap}
			if e.ObjKind == stage.ObjAtomic {
				v, err := strconv.ParseInt(e.Value, 10, 64)
				if err != nil {
					fail(e, "an atomic's new event carries its initial value: %v", err)
				}
				o.value = v
			}
			objects[e.Obj] = o
		case stage.KindSendBegin:
			if e.Msg == 0 || messages[e.Msg] != nil {
				fail(e, "each send has its own message id")
				continue
			}
			messages[e.Msg] = &message{obj: e.Obj, value: e.Value, sendBegin: e.Seq}
		case stage.KindSendEnd:
			if m := messages[e.Msg]; m != nil {
				m.sendEnd = e.Seq
			}
		case stage.KindSelectBegin:
			for _, c := range e.Cases {
				if c.Dir == "send" && c.Obj != 0 {
					if c.Msg == 0 || messages[c.Msg] != nil {
						fail(e, "each send case has its own message id")
						continue
					}
					messages[c.Msg] = &message{obj: c.Obj, value: c.Value, sendBegin: e.Seq}
				}
			}
		case stage.KindSelectEnd:
			if selectBegin.Kind == "" || e.Case < 0 || e.Case >= len(selectBegin.Cases) {
				fail(e, "a select-end that runs no case of its select-begin")
				continue
			}
			for i, c := range selectBegin.Cases {
				if i != e.Case && c.Dir == "send" {
					delete(messages, c.Msg) // offered, never sent
				}
			}
			c := selectBegin.Cases[e.Case]
			if c.Obj != e.Obj || c.Line != e.Line {
				fail(e, "the end names obj %d at line %d, its case is obj %d at line %d", e.Obj, e.Line, c.Obj, c.Line)
			}
			switch c.Dir {
			case "send":
				if m := messages[e.Msg]; m == nil || e.Msg != c.Msg {
					fail(e, "a send case's end names message %d, the case offered %d", e.Msg, c.Msg)
				} else {
					m.sendEnd = e.Seq
				}
				continue
			case "default":
				continue
			}
			o = objects[e.Obj]
			if o == nil {
				fail(e, "a receive case on object %d, never announced", e.Obj)
				continue
			}
			fallthrough
		case stage.KindRecvEnd:
			if e.Closed {
				if e.Msg != 0 {
					fail(e, "a receive from a closed, drained channel carries no message")
				}
				if o.closedAt == 0 {
					fail(e, "received closed:true before the channel's close event")
				}
				if o.drained == 0 {
					o.drained = e.Seq
				}
				continue
			}
			m := messages[e.Msg]
			switch {
			case m == nil:
				fail(e, "received message %d, which no earlier send-begin sent", e.Msg)
				continue
			case m.obj != e.Obj || m.value != e.Value:
				fail(e, "message %d was sent as %q on obj %d", e.Msg, m.value, m.obj)
			case m.recvEnd != 0:
				fail(e, "message %d was already received at seq %d", e.Msg, m.recvEnd)
			case o.drained != 0 && recvBegin > o.drained:
				// A receive in progress when another found the channel closed may end after it
				// with a value it took before the close: an -end is recorded after the
				// operation returns. One that began after cannot.
				fail(e, "a value after a receive found the channel closed and empty")
			}
			m.recvBegin, m.recvEnd = recvBegin, e.Seq
			key := [2]int{e.G, e.Obj}
			received[key] = append(received[key], e.Msg)
		case stage.KindClose:
			if o.closedAt != 0 {
				fail(e, "channel closed twice (the second close must panic instead)")
			}
			o.closedAt = e.Seq
		case stage.KindLockEnd:
			if o.holder != 0 {
				fail(e, "goroutine %d took the mutex while goroutine %d held it", e.G, o.holder)
			}
			o.holder = e.G
		case stage.KindUnlock:
			if o.holder != e.G {
				fail(e, "goroutine %d unlocked a mutex held by %d", e.G, o.holder)
			}
			o.holder = 0
		case stage.KindAtomic:
			if e.Old != o.value {
				fail(e, "old %d: atomic events chain, the previous left %d", e.Old, o.value)
			}
			if want, err := atomicNew(e); err != nil || e.New != want {
				fail(e, "new %d: %s from %d with %q gives %d (%v)", e.New, e.Op, e.Old, e.Value, want, err)
			}
			o.value = e.New
		}
	}

	for id, m := range messages {
		// An unbuffered send completes only when a receiver takes it: the receiver began first.
		if m.recvEnd != 0 && m.sendEnd != 0 && objects[m.obj].cap == 0 && m.recvBegin > m.sendEnd {
			t.Errorf("message %d: unbuffered send ended at seq %d before its receiver began receiving at seq %d", id, m.sendEnd, m.recvBegin)
		}
	}
	// FIFO: a send that ended before another began is received first. In each receiver's
	// receive order, no message's send may end before an earlier-received one's began.
	for key, msgs := range received {
		var latest int64 // the message received so far whose send began last
		for _, id := range msgs {
			m := messages[id]
			if m.sendEnd != 0 && latest != 0 && m.sendEnd < messages[latest].sendBegin {
				t.Errorf("goroutine %d received message %d before %d, but %d's send ended (seq %d) before %d's began (seq %d)",
					key[0], latest, id, id, m.sendEnd, latest, messages[latest].sendBegin)
			}
			if latest == 0 || m.sendBegin > messages[latest].sendBegin {
				latest = id
			}
		}
	}

	if end.Goroutines < nGo || end.Objects < nNew {
		t.Errorf("End counts %d goroutines and %d objects, the trace announces %d and %d", end.Goroutines, end.Objects, nGo, nNew)
	}
	if end.Reason == stage.ReasonDone && len(end.Leftover) == 0 && (end.Goroutines != nGo || end.Objects != nNew) {
		t.Errorf("End counts %d goroutines and %d objects, the trace announces %d and %d", end.Goroutines, end.Objects, nGo, nNew)
	}
	if failures > 10 {
		t.Errorf("… %d trace failures in all; trace:\n%s", failures, dump(ev))
	}
}

// ---------------------------------------------------------------------------------------------
// Channels

func TestUnbufferedSendWaitsForReceiver(t *testing.T) {
	release := newGate(t)
	var got int
	var ok bool
	r := start(t, context.Background(), fast, func(g *stage.G) {
		ch := stage.NewChan[int](g, "ch", 0)
		ack := stage.NewChan[int](g, "ack", 0)
		g.Go("sender", func(g *stage.G) {
			ch.Send(g, 42)
			ack.Recv(g)
		})
		<-release // no receiver until the test says so
		got, ok = ch.Recv(g)
		ack.Send(g, 0) // completes once the sender is past its send
	})
	sender := 2
	ev := waitFor(t, r, "the sender's send-begin", func(ev []stage.Event) bool {
		return lastKind(ev, sender) == stage.KindSendBegin
	})
	// With no receiver the send cannot complete, however long we look.
	if n := count(ev, stage.KindSendEnd); n != 0 {
		t.Fatalf("a send on an unbuffered channel completed with no receiver:\n%s", dump(ev))
	}
	release.open()
	ev, end := finish(t, r)
	if end.Reason != stage.ReasonDone || got != 42 || !ok {
		t.Fatalf("end %+v, received %d, %v; want done, 42, true", end, got, ok)
	}
	recvBegin := slices.IndexFunc(ev, func(e stage.Event) bool { return e.Kind == stage.KindRecvBegin && e.Obj == 1 })
	sendEnd := slices.IndexFunc(ev, func(e stage.Event) bool { return e.Kind == stage.KindSendEnd && e.Obj == 1 })
	if recvBegin < 0 || sendEnd < 0 || recvBegin > sendEnd {
		t.Fatalf("recv-begin at %d, send-end at %d: the send must end after the receive began\n%s", recvBegin, sendEnd, dump(ev))
	}
}

func TestUnbufferedRendezvous(t *testing.T) {
	for _, tc := range []struct{ senders, receivers, each int }{
		{1, 1, 200},
		{4, 1, 50},
		{4, 4, 50},
		{8, 2, 25},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.senders, tc.receivers), func(t *testing.T) {
			var total atomic.Int64
			ev, end := run(t, fast, func(g *stage.G) {
				ch := stage.NewChan[int](g, "ch", 0)
				done := stage.NewChan[int](g, "done", 0)
				for s := range tc.senders {
					g.Go(fmt.Sprint("sender ", s), func(g *stage.G) {
						for i := range tc.each {
							ch.Send(g, s*1000+i)
						}
					})
				}
				per := tc.senders * tc.each / tc.receivers
				for r := range tc.receivers {
					g.Go(fmt.Sprint("receiver ", r), func(g *stage.G) {
						for range per {
							if _, ok := ch.Recv(g); ok {
								total.Add(1)
							}
						}
						done.Send(g, r)
					})
				}
				for range tc.receivers {
					done.Recv(g)
				}
			})
			if end.Reason != stage.ReasonDone {
				t.Fatalf("end %+v", end)
			}
			if want := int64(tc.senders * tc.each); total.Load() != want {
				t.Fatalf("received %d values, want %d", total.Load(), want)
			}
			// Each send-end comes after the recv-begin of the receive that took it.
			recvBegin := map[int]int64{} // receiver → its pending recv-begin
			pairedWith := map[int64]int64{}
			for _, e := range ev {
				switch e.Kind {
				case stage.KindRecvBegin:
					recvBegin[e.G] = e.Seq
				case stage.KindRecvEnd:
					pairedWith[e.Msg] = recvBegin[e.G]
				}
			}
			for _, e := range ev {
				if e.Kind == stage.KindSendEnd && e.Obj == 1 {
					if b, ok := pairedWith[e.Msg]; !ok || b > e.Seq {
						t.Errorf("send-end of message %d at seq %d, its receiver's recv-begin at seq %d", e.Msg, e.Seq, b)
					}
				}
			}
		})
	}
}

// A live send or receive blocked on an unbuffered channel is often ended by its partner, in
// the critical section that takes or hands over the value. Whoever ends it, every value is
// received once, each goroutine's events stay in its own order (checkTrace, Validate), and a
// run cut off at any event between the two ends as truncated there.
func TestUnbufferedPartnersEndEachOthersWaits(t *testing.T) {
	for _, tc := range []struct {
		name                string
		senders, plain, sel int // goroutines sending, receiving with Recv, receiving in a select
	}{
		{"ping-pong", 1, 1, 0},
		{"one sender, one select", 1, 0, 1},
		{"many senders, one receiver", 4, 1, 0},
		{"one sender, many receivers", 1, 3, 0},
		{"receivers and selects", 3, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const each = 60
			var received atomic.Int64
			ev, end := run(t, fast, func(g *stage.G) {
				// Plain receivers take from x; selects from x and y, and the senders send on y
				// too when there are selects to take it. Once the senders are done, main
				// offers -1 on x until each receiver has taken one and said so.
				x := stage.NewChan[int](g, "x", 0)
				y := stage.NewChan[int](g, "y", 0)
				done := stage.NewChan[int](g, "done", 0)
				for s := range tc.senders {
					g.Go(fmt.Sprint("sender ", s), func(g *stage.G) {
						for i := range each {
							if tc.sel > 0 && i%2 == 1 {
								y.Send(g, s*1000+i)
							} else {
								x.Send(g, s*1000+i)
							}
						}
						done.Send(g, s)
					})
				}
				for r := range tc.plain {
					g.Go(fmt.Sprint("receiver ", r), func(g *stage.G) {
						for {
							if v, _ := x.Recv(g); v < 0 {
								break
							}
							received.Add(1)
						}
						done.Send(g, r)
					})
				}
				for r := range tc.sel {
					g.Go(fmt.Sprint("selecting ", r), func(g *stage.G) {
						for {
							var v int
							g.Select(x.RecvCase(&v), y.RecvCase(&v))
							if v < 0 {
								break
							}
							received.Add(1)
						}
						done.Send(g, r)
					})
				}
				for range tc.senders {
					done.Recv(g)
				}
				for left := tc.plain + tc.sel; left > 0; {
					if g.Select(x.SendCase(-1), done.RecvCase(nil)) == 1 {
						left--
					}
				}
			})
			if end.Reason != stage.ReasonDone {
				t.Fatalf("end %+v", end)
			}
			if want := int64(tc.senders * each); received.Load() != want {
				t.Fatalf("received %d values, want %d", received.Load(), want)
			}
			sendEnds := countFunc(ev, func(e stage.Event) bool { return e.Kind == stage.KindSendEnd && e.Obj <= 2 })
			if want := tc.senders * each; sendEnds != want {
				t.Errorf("%d send-ends on x and y, want %d, one for each send", sendEnds, want)
			}
		})
	}
	// Cut off at every event of a short ping-pong, or of a sender and a select, a goroutine
	// whose end its partner was recording, or recorded, unwinds.
	selecting := func(g *stage.G) {
		x := stage.NewChan[int](g, "x", 0)
		y := stage.NewChan[int](g, "y", 0)
		g.Go("sender", func(g *stage.G) {
			for i := range 20 {
				if i%2 == 0 {
					x.Send(g, i)
				} else {
					y.Send(g, i)
				}
			}
		})
		for range 20 {
			g.Select(x.RecvCase(nil), y.RecvCase(nil))
		}
	}
	for _, program := range []struct {
		name string
		main func(g *stage.G)
	}{{"ping-pong", pingPongProgram(20)}, {"select", selecting}} {
		for max := 1; max <= 50; max++ {
			t.Run(fmt.Sprint(program.name, " cut at ", max), func(t *testing.T) {
				ev, end := run(t, stage.Config{MaxEvents: max}, program.main)
				if end.Reason != stage.ReasonTruncated || len(ev) != max {
					t.Errorf("end %+v with %d events, want truncated at %d", end, len(ev), max)
				}
			})
		}
	}
}

func TestFIFO(t *testing.T) {
	// One receiver; each sender's sends follow one another, so each sender's values arrive in
	// the order sent (with one sender: all values, in order).
	for _, capacity := range []int{0, 1, 3, 16} {
		for _, senders := range []int{1, 4} {
			t.Run(fmt.Sprintf("cap%d/senders%d", capacity, senders), func(t *testing.T) {
				const each = 100
				var got []int
				_, end := run(t, fast, func(g *stage.G) {
					ch := stage.NewChan[int](g, "ch", capacity)
					for s := range senders {
						g.Go(fmt.Sprint("sender ", s), func(g *stage.G) {
							for i := range each {
								ch.Send(g, s*each+i)
							}
						})
					}
					for range senders * each {
						v, _ := ch.Recv(g)
						got = append(got, v)
					}
				})
				if end.Reason != stage.ReasonDone || len(got) != senders*each {
					t.Fatalf("end %+v after %d values", end, len(got))
				}
				next := make([]int, senders)
				for _, v := range got {
					s, i := v/each, v%each
					if i != next[s] {
						t.Fatalf("from sender %d got %d before %d; received %v", s, i, next[s], got)
					}
					next[s]++
				}
			})
		}
	}
}

func TestBufferedCapacity(t *testing.T) {
	// With cap k and no receiver, exactly k sends complete and the next one blocks.
	for _, k := range []int{1, 2, 5, 16} {
		t.Run(fmt.Sprint("cap", k), func(t *testing.T) {
			var ch *stage.Chan[int]
			made := make(chan struct{})
			release := newGate(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := start(t, ctx, fast, func(g *stage.G) {
				ch = stage.NewChan[int](g, "ch", k)
				close(made)
				g.Go("sender", func(g *stage.G) {
					for i := range k + 10 {
						ch.Send(g, i)
					}
				})
				<-release
			})
			ev := waitFor(t, r, fmt.Sprintf("send-begin number %d", k+1), func(ev []stage.Event) bool {
				return count(ev, stage.KindSendBegin) == k+1
			})
			<-made
			if n := count(ev, stage.KindSendEnd); n != k {
				t.Errorf("%d sends completed on a channel of cap %d with no receiver, want %d", n, k, k)
			}
			if ch.Len() != k || ch.Cap() != k {
				t.Errorf("Len %d, Cap %d, want %d and %d", ch.Len(), ch.Cap(), k, k)
			}
			cancel()
			release.open()
			ev, end := finish(t, r)
			if end.Reason != stage.ReasonStopped {
				t.Errorf("reason %q, want stopped", end.Reason)
			}
			if b, e := count(ev, stage.KindSendBegin), count(ev, stage.KindSendEnd); b != k+1 || e != k {
				t.Errorf("%d send-begins and %d send-ends, want %d and %d:\n%s", b, e, k+1, k, dump(ev))
			}
			if ch.Len() != k {
				t.Errorf("Len %d after the stop, want %d", ch.Len(), k)
			}
		})
	}
}

// TestCloseEndsEveryRange has receivers, and selects, range over a channel main closes
// right after its last send, with every receiver waiting: each value is received once, every
// receiver then sees the channel closed, and the trace says so in an order that happened
// (Validate), however the wake-ups of the value's receiver and the close's fall. Live runs
// are repeated, as their order is the machine's.
func TestCloseEndsEveryRange(t *testing.T) {
	for _, capacity := range []int{0, 1, 3} {
		for _, mode := range []stage.Mode{stage.Live, stage.Seeded} {
			runs := 20
			if mode == stage.Seeded {
				runs = 3
			}
			for i := range runs {
				name := fmt.Sprintf("cap %d %s run %d", capacity, mode, i)
				const receivers, values = 4, 3
				var got [receivers]int
				_, end := run(t, stage.Config{Mode: mode, Seed: uint64(i), Speed: 1}, func(g *stage.G) {
					ch := stage.NewChan[int](g, "ch", capacity)
					done := stage.NewChan[int](g, "done", 0)
					for w := range receivers {
						g.Go(fmt.Sprint("r", w), func(g *stage.G) {
							for {
								var v int
								var ok bool
								if w%2 == 0 {
									g.Select(ch.RecvCaseOK(&v, &ok))
								} else {
									v, ok = ch.Recv(g)
								}
								if !ok {
									break
								}
								got[w]++
							}
							done.Send(g, w)
						})
					}
					g.Sleep(time.Millisecond) // every receiver waiting
					for v := range values {
						ch.Send(g, v)
					}
					ch.Close(g)
					for range receivers {
						done.Recv(g)
					}
				})
				if end.Reason != stage.ReasonDone {
					t.Fatalf("%s: ended %s: %s", name, end.Reason, end.Message)
				}
				if n := got[0] + got[1] + got[2] + got[3]; n != values {
					t.Errorf("%s: %d values received (%v), want %d", name, n, got, values)
				}
			}
		}
	}
}

func TestRecvFromClosed(t *testing.T) {
	type result struct {
		v  string
		ok bool
	}
	for _, tc := range []struct {
		name string
		scen func(g *stage.G, wait func()) []result
		want []result
		zero string // the zero value as a closed recv-end shows it
	}{
		{
			name: "buffered, drained after close",
			scen: func(g *stage.G, wait func()) []result {
				ch := stage.NewChan[int](g, "ch", 3)
				ch.Send(g, 1)
				ch.Send(g, 2)
				ch.Close(g)
				var out []result
				for range 4 {
					v, ok := ch.Recv(g)
					out = append(out, result{strconv.Itoa(v), ok})
				}
				return out
			},
			want: []result{{"1", true}, {"2", true}, {"0", false}, {"0", false}},
			zero: "0",
		},
		{
			name: "strings",
			scen: func(g *stage.G, wait func()) []result {
				ch := stage.NewChan[string](g, "ch", 1)
				ch.Send(g, "hi")
				ch.Close(g)
				var out []result
				for range 2 {
					v, ok := ch.Recv(g)
					out = append(out, result{v, ok})
				}
				return out
			},
			want: []result{{"hi", true}, {"", false}},
			zero: `""`,
		},
		{
			name: "close wakes a waiting receiver",
			scen: func(g *stage.G, wait func()) []result {
				ch := stage.NewChan[int](g, "ch", 0)
				done := stage.NewChan[result](g, "done", 1)
				g.Go("receiver", func(g *stage.G) {
					v, ok := ch.Recv(g)
					done.Send(g, result{strconv.Itoa(v), ok})
				})
				wait() // until the receiver is blocked
				ch.Close(g)
				res, _ := done.Recv(g)
				return []result{res}
			},
			want: []result{{"0", false}},
			zero: "0",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := newGate(t)
			var got []result
			r := start(t, context.Background(), fast, func(g *stage.G) {
				got = tc.scen(g, func() { <-release })
			})
			waitFor(t, r, "a blocked receiver or the end", func(ev []stage.Event) bool {
				return lastKind(ev, gid(ev, "receiver")) == stage.KindRecvBegin || lastKind(ev, 1) == stage.KindExit
			})
			release.open()
			ev, end := finish(t, r)
			if end.Reason != stage.ReasonDone {
				t.Fatalf("end %+v", end)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("received %v, want %v", got, tc.want)
			}
			closeAt := slices.IndexFunc(ev, func(e stage.Event) bool { return e.Kind == stage.KindClose && e.Obj == 1 })
			closedRecvs := 0
			for i, e := range ev {
				if e.Kind != stage.KindRecvEnd || e.Obj != 1 || !e.Closed {
					continue
				}
				closedRecvs++
				if i < closeAt || e.Msg != 0 {
					t.Errorf("closed recv-end at %d (msg %d), close at %d: it must follow the close and carry no message", i, e.Msg, closeAt)
				}
				if e.Value != tc.zero {
					t.Errorf("closed recv-end shows value %q, want the zero value %q", e.Value, tc.zero)
				}
			}
			if want := countFunc(tc.want, func(r result) bool { return !r.ok }); closedRecvs != want {
				t.Errorf("%d recv-ends closed:true, want %d", closedRecvs, want)
			}
		})
	}
}

func countFunc[T any](s []T, f func(T) bool) int {
	n := 0
	for _, v := range s {
		if f(v) {
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------------------------------------
// Panics

func TestPanics(t *testing.T) {
	for _, tc := range []struct {
		name    string
		scen    func(g *stage.G)
		who     string // the goroutine that panics
		value   string // its panic event's value
		message string // End.Message
	}{
		{
			name: "close of closed channel",
			scen: func(g *stage.G) {
				ch := stage.NewChan[int](g, "ch", 0)
				ch.Close(g)
				ch.Close(g)
			},
			who: "main", value: "close of closed channel ch", message: "main panicked: close of closed channel ch",
		},
		{
			name: "send on closed channel",
			scen: func(g *stage.G) {
				ch := stage.NewChan[int](g, "ch", 1)
				ch.Close(g)
				ch.Send(g, 1)
			},
			who: "main", value: "send on closed channel", message: "main panicked: send on closed channel",
		},
		{
			name: "unlock of unlocked mutex",
			scen: func(g *stage.G) {
				mu := stage.NewMutex(g, "mu")
				mu.Unlock(g)
			},
			who: "main", value: "sync: unlock of unlocked mutex mu", message: "main panicked: sync: unlock of unlocked mutex mu",
		},
		{
			name: "in another goroutine while main waits",
			scen: func(g *stage.G) {
				ch := stage.NewChan[int](g, "ch", 0)
				g.Go("closer", func(g *stage.G) {
					ch.Close(g)
					ch.Close(g)
				})
				stage.NewChan[int](g, "never", 0).Recv(g)
			},
			who: "closer", value: "close of closed channel ch", message: "closer panicked: close of closed channel ch",
		},
		{
			name: "scenario's own panic",
			scen: func(g *stage.G) {
				g.Go("worker", func(g *stage.G) {
					g.Work(time.Millisecond)
					panic(fmt.Sprintf("bad value %d", 7))
				})
				g.Sleep(time.Hour)
			},
			who: "worker", value: "bad value 7", message: "worker panicked: bad value 7",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, end := run(t, fast, tc.scen)
			if end.Reason != stage.ReasonPanic || end.Message != tc.message {
				t.Errorf("end %q %q, want panic %q", end.Reason, end.Message, tc.message)
			}
			g := 1
			if tc.who != "main" {
				g = gid(ev, tc.who)
			}
			var panics []stage.Event
			for _, e := range ev {
				if e.Kind == stage.KindPanic {
					panics = append(panics, e)
				}
			}
			if len(panics) != 1 || panics[0].G != g || panics[0].Value != tc.value {
				t.Errorf("panic events %v, want one by goroutine %d with value %q", panics, g, tc.value)
			}
			if lastKind(ev, g) != stage.KindPanic {
				t.Errorf("the panic is not goroutine %d's last event:\n%s", g, dump(ev))
			}
			if n := count(ev, stage.KindUnlock); n != 0 {
				t.Errorf("%d unlock events: a panicking Unlock released nothing", n)
			}
		})
	}
}

// TestRefCellBorrowCopies checks that a borrow is a value that ends once: a copy released
// besides the borrow panics before anything more is recorded, and the cell stays as it was.
func TestRefCellBorrowCopies(t *testing.T) {
	for _, mut := range []bool{false, true} {
		r := start(t, context.Background(), fast, func(g *stage.G) {
			c := stage.NewRefCell(g, "c", 1)
			if mut {
				m := c.BorrowMut(g)
				again := m
				m.Release(g)
				again.Release(g)
			}
			b := c.Borrow(g)
			again := b
			b.Release(g)
			again.Release(g)
		})
		<-r.Done()
		ev, end := r.Events(0, nil), r.End()
		if err := stage.Validate(ev, end); err != nil {
			t.Errorf("mut %v: stage.Validate refuses the trace: %v", mut, err)
		}
		want := "main panicked: RefCell borrow released twice"
		if end.Reason != stage.ReasonPanic || end.Message != want {
			t.Errorf("mut %v: end %q %q, want panic %q", mut, end.Reason, end.Message, want)
		}
		if n := count(ev, stage.KindRelease); n != 1 {
			t.Errorf("mut %v: %d release events, want the one that was not a copy's:\n%s", mut, n, dump(ev))
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Mutex

func TestMutexExclusion(t *testing.T) {
	for _, tc := range []struct{ goroutines, iters int }{{2, 300}, {8, 100}, {16, 40}} {
		t.Run(fmt.Sprintf("%dx%d", tc.goroutines, tc.iters), func(t *testing.T) {
			counter := 0 // guarded by mu: the race detector checks the stage's mutex orders it
			var final int
			ev, end := run(t, fast, func(g *stage.G) {
				mu := stage.NewMutex(g, "mu")
				done := stage.NewChan[struct{}](g, "done", 0)
				for i := range tc.goroutines {
					g.Go(fmt.Sprint("incrementer ", i), func(g *stage.G) {
						for range tc.iters {
							mu.Lock(g)
							v := counter
							runtime.Gosched() // invite another goroutine in, should the lock let it
							counter = v + 1
							mu.Unlock(g)
						}
						done.Send(g, struct{}{})
					})
				}
				for range tc.goroutines {
					done.Recv(g)
				}
				mu.Lock(g)
				final = counter
				mu.Unlock(g)
			})
			if end.Reason != stage.ReasonDone {
				t.Fatalf("end %+v", end)
			}
			if want := tc.goroutines * tc.iters; final != want {
				t.Errorf("counter %d, want %d", final, want)
			}
			// Holding spans, lock-end to unlock, follow one another in seq order.
			holder, spans := 0, 0
			for _, e := range ev {
				switch e.Kind {
				case stage.KindLockEnd:
					if holder != 0 {
						t.Fatalf("goroutine %d took the mutex at seq %d while %d held it", e.G, e.Seq, holder)
					}
					holder = e.G
					spans++
				case stage.KindUnlock:
					if holder != e.G {
						t.Fatalf("goroutine %d unlocked at seq %d, holder %d", e.G, e.Seq, holder)
					}
					holder = 0
				}
			}
			if want := tc.goroutines*tc.iters + 1; spans != want {
				t.Errorf("%d holding spans, want %d", spans, want)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------------
// Atomics

func TestAtomicResults(t *testing.T) {
	type op struct {
		name string
		a, b int64
	}
	ops := []op{
		{"add", 5, 0}, {"load", 0, 0}, {"add", -20, 0}, {"store", 7, 0}, {"load", 0, 0},
		{"swap", 42, 0}, {"cas", 42, 1}, {"cas", 42, 2}, {"load", 0, 0}, {"swap", math.MaxInt64, 0},
		{"add", 1, 0}, {"cas", math.MinInt64, 0}, {"store", -3, 0}, {"cas", -3, -3}, {"add", 0, 0},
	}
	const initial = 10
	var shadow atomic.Int64
	shadow.Store(initial)
	type result struct {
		ret        int64
		swapped    bool
		old, new   int64
		value      string
		eventCount int
	}
	var want, got []result
	for _, o := range ops {
		old := shadow.Load()
		var res result
		switch o.name {
		case "add":
			res.ret, res.value = shadow.Add(o.a), strconv.FormatInt(o.a, 10)
		case "load":
			res.ret = shadow.Load()
		case "store":
			shadow.Store(o.a)
			res.value = strconv.FormatInt(o.a, 10)
		case "swap":
			res.ret, res.value = shadow.Swap(o.a), strconv.FormatInt(o.a, 10)
		case "cas":
			res.swapped = shadow.CompareAndSwap(o.a, o.b)
			res.value = fmt.Sprintf("%d→%d", o.a, o.b)
		}
		res.old, res.new = old, shadow.Load()
		want = append(want, res)
	}

	ev, end := run(t, fast, func(g *stage.G) {
		a := stage.NewAtomicInt(g, "a", initial)
		for _, o := range ops {
			var res result
			switch o.name {
			case "add":
				res.ret = a.Add(g, o.a)
			case "load":
				res.ret = a.Load(g)
			case "store":
				a.Store(g, o.a)
			case "swap":
				res.ret = a.Swap(g, o.a)
			case "cas":
				res.swapped = a.CompareAndSwap(g, o.a, o.b)
			}
			got = append(got, res)
		}
	})
	if end.Reason != stage.ReasonDone {
		t.Fatalf("end %+v", end)
	}
	var atomics []stage.Event
	for _, e := range ev {
		if e.Kind == stage.KindAtomic {
			atomics = append(atomics, e)
		}
	}
	if len(atomics) != len(ops) || len(got) != len(ops) {
		t.Fatalf("%d atomic events and %d results for %d ops", len(atomics), len(got), len(ops))
	}
	for i, o := range ops {
		w, e := want[i], atomics[i]
		if got[i].ret != w.ret || got[i].swapped != w.swapped {
			t.Errorf("op %d %v returned %d, %v; sync/atomic gives %d, %v", i, o, got[i].ret, got[i].swapped, w.ret, w.swapped)
		}
		if e.Op != o.name || e.Old != w.old || e.New != w.new || e.Value != w.value {
			t.Errorf("op %d %v recorded %s(%q) %d→%d, want %s(%q) %d→%d", i, o, e.Op, e.Value, e.Old, e.New, o.name, w.value, w.old, w.new)
		}
	}
}

func TestAtomicConcurrentAdds(t *testing.T) {
	for _, tc := range []struct{ goroutines, adds int }{{2, 1000}, {8, 200}, {16, 100}} {
		t.Run(fmt.Sprintf("%dx%d", tc.goroutines, tc.adds), func(t *testing.T) {
			var final, casFinal int64
			ev, end := run(t, fast, func(g *stage.G) {
				counter := stage.NewAtomicInt(g, "counter", 0)
				casCounter := stage.NewAtomicInt(g, "cas counter", 0)
				done := stage.NewChan[struct{}](g, "done", tc.goroutines)
				for i := range tc.goroutines {
					g.Go(fmt.Sprint("adder ", i), func(g *stage.G) {
						for range tc.adds {
							counter.Add(g, 1)
							for { // increment by compare-and-swap
								v := casCounter.Load(g)
								if casCounter.CompareAndSwap(g, v, v+1) {
									break
								}
							}
						}
						done.Send(g, struct{}{})
					})
				}
				for range tc.goroutines {
					done.Recv(g)
				}
				final, casFinal = counter.Load(g), casCounter.Load(g)
			})
			if end.Reason != stage.ReasonDone {
				t.Fatalf("end %+v", end)
			}
			want := int64(tc.goroutines * tc.adds)
			if final != want || casFinal != want {
				t.Errorf("counters %d and %d, want %d", final, casFinal, want)
			}
			// Every add stepped the counter to a value no other add did.
			var news []int64
			for _, e := range ev {
				if e.Kind == stage.KindAtomic && e.Op == "add" {
					news = append(news, e.New)
				}
			}
			slices.Sort(news)
			for i, v := range news {
				if v != int64(i+1) {
					t.Fatalf("add results %v…, want 1…%d each once", news[:min(len(news), i+3)], want)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------------------------
// Ordering

func TestProgramOrder(t *testing.T) {
	const workers = 4
	worker := []stage.Kind{
		stage.KindPrint, stage.KindAtomic,
		stage.KindLockBegin, stage.KindLockEnd, stage.KindUnlock,
		stage.KindSendBegin, stage.KindSendEnd, stage.KindRecvBegin, stage.KindRecvEnd,
		stage.KindWorkBegin, stage.KindWorkEnd, stage.KindSleepBeg, stage.KindSleepEnd,
		stage.KindNew, stage.KindClose, stage.KindGo, stage.KindPrint,
		stage.KindSendBegin, stage.KindSendEnd, stage.KindExit,
	}
	release := newGate(t)
	r := start(t, context.Background(), fast, func(g *stage.G) {
		a := stage.NewAtomicInt(g, "a", 0)
		mu := stage.NewMutex(g, "mu")
		ch := stage.NewChan[int](g, "ch", workers)
		done := stage.NewChan[int](g, "done", 0)
		for i := range workers {
			g.Go(fmt.Sprint("worker ", i), func(g *stage.G) {
				g.Println("first")
				a.Add(g, 1)
				mu.Lock(g)
				mu.Unlock(g)
				ch.Send(g, i)
				ch.Recv(g)
				g.Work(time.Millisecond)
				g.Sleep(time.Millisecond)
				stage.NewChan[int](g, "mine", 0).Close(g)
				g.Go("child", func(g *stage.G) {})
				g.Println("last")
				done.Send(g, i)
			})
		}
		for range workers {
			done.Recv(g)
		}
		<-release // until every worker has exited: main returning would end them
	})
	waitFor(t, r, "every worker's exit", func(ev []stage.Event) bool {
		for i := range workers {
			if lastKind(ev, gid(ev, fmt.Sprint("worker ", i))) != stage.KindExit {
				return false
			}
		}
		return true
	})
	release.open()
	ev, end := finish(t, r)
	if end.Reason != stage.ReasonDone {
		t.Fatalf("end %+v", end)
	}
	for i := range workers {
		mine := of(ev, gid(ev, fmt.Sprint("worker ", i)))
		if got := kinds(mine); !slices.Equal(got, worker) {
			t.Errorf("worker %d recorded\n%v\nwant\n%v", i, got, worker)
		}
		if mine[0].Value != "first" || mine[16].Value != "last" {
			t.Errorf("worker %d printed %q then %q", i, mine[0].Value, mine[16].Value)
		}
	}
	wantMain := []stage.Kind{stage.KindNew, stage.KindNew, stage.KindNew, stage.KindNew}
	for range workers {
		wantMain = append(wantMain, stage.KindGo)
	}
	for range workers {
		wantMain = append(wantMain, stage.KindRecvBegin, stage.KindRecvEnd)
	}
	wantMain = append(wantMain, stage.KindExit)
	if got := kinds(of(ev, 1)); !slices.Equal(got, wantMain) {
		t.Errorf("main recorded\n%v\nwant\n%v", got, wantMain)
	}
}

// TestTraceInvariants runs busy mixed scenarios and holds their traces to checkTrace's rules.
func TestTraceInvariants(t *testing.T) {
	for _, tc := range []struct {
		name       string
		goroutines int
		capacity   int
	}{
		{"unbuffered, few", 3, 0},
		{"unbuffered, many", 12, 0},
		{"buffered", 8, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, end := run(t, fast, func(g *stage.G) {
				ch := stage.NewChan[int](g, "ch", tc.capacity)
				results := stage.NewChan[string](g, "results", tc.capacity)
				mu := stage.NewMutex(g, "mu")
				n := stage.NewAtomicInt(g, "n", 0)
				for i := range tc.goroutines {
					g.Go(fmt.Sprint("producer ", i), func(g *stage.G) {
						for j := range 20 {
							g.Work(time.Duration(j%3) * time.Millisecond)
							ch.Send(g, i*100+j)
						}
					})
					g.Go(fmt.Sprint("consumer ", i), func(g *stage.G) {
						for range 20 {
							v, _ := ch.Recv(g)
							mu.Lock(g)
							n.Add(g, int64(v%7))
							mu.Unlock(g)
						}
						results.Send(g, fmt.Sprint("consumer ", i))
					})
				}
				for range tc.goroutines {
					s, _ := results.Recv(g)
					g.Println("done:", s)
				}
				ch.Close(g)
				if _, ok := ch.Recv(g); ok {
					panic("value after close")
				}
			})
			if end.Reason != stage.ReasonDone {
				t.Fatalf("end %+v", end)
			}
			if len(ev) < tc.goroutines*20*8 {
				t.Errorf("only %d events", len(ev))
			}
		})
	}
}

// here is the line it is called from.
func here() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

func TestLines(t *testing.T) {
	var (
		ch *stage.Chan[int]
		mu *stage.Mutex
		a  *stage.AtomicInt
	)
	// Each step does one operation on the line here() reports.
	steps := []struct {
		key  string
		line int
		do   func(g *stage.G)
	}{
		{"new chan", here(), func(g *stage.G) { ch = stage.NewChan[int](g, "ch", 1) }},
		{"new mutex", here(), func(g *stage.G) { mu = stage.NewMutex(g, "mu") }},
		{"new atomic", here(), func(g *stage.G) { a = stage.NewAtomicInt(g, "a", 3) }},
		{"send", here(), func(g *stage.G) { ch.Send(g, 1) }},
		{"recv", here(), func(g *stage.G) { ch.Recv(g) }},
		{"close", here(), func(g *stage.G) { ch.Close(g) }},
		{"lock", here(), func(g *stage.G) { mu.Lock(g) }},
		{"unlock", here(), func(g *stage.G) { mu.Unlock(g) }},
		{"add", here(), func(g *stage.G) { a.Add(g, 2) }},
		{"load", here(), func(g *stage.G) { a.Load(g) }},
		{"store", here(), func(g *stage.G) { a.Store(g, 9) }},
		{"swap", here(), func(g *stage.G) { a.Swap(g, 4) }},
		{"cas", here(), func(g *stage.G) { a.CompareAndSwap(g, 4, 5) }},
		{"work", here(), func(g *stage.G) { g.Work(time.Millisecond) }},
		{"sleep", here(), func(g *stage.G) { g.Sleep(time.Millisecond) }},
		{"print", here(), func(g *stage.G) { g.Println("hello") }},
		{"go", here(), func(g *stage.G) { g.Go("child", func(*stage.G) {}) }},
	}
	ev, end := run(t, fast, func(g *stage.G) {
		for _, s := range steps {
			s.do(g)
		}
	})
	if end.Reason != stage.ReasonDone {
		t.Fatalf("end %+v", end)
	}
	key := func(e stage.Event) string {
		switch e.Kind {
		case stage.KindNew:
			return "new " + string(e.ObjKind)
		case stage.KindAtomic:
			return e.Op
		}
		k, _, _ := strings.Cut(string(e.Kind), "-")
		return k
	}
	seen := map[string]int{}
	for _, e := range of(ev, 1) {
		if e.Kind == stage.KindExit {
			continue
		}
		i := slices.IndexFunc(steps, func(s struct {
			key  string
			line int
			do   func(g *stage.G)
		}) bool {
			return s.key == key(e)
		})
		if i < 0 {
			t.Errorf("unexpected event %s", e.AppendJSON(nil))
			continue
		}
		seen[steps[i].key]++
		if e.Line != steps[i].line {
			t.Errorf("%s event has line %d, the %s is on line %d", e.Kind, e.Line, steps[i].key, steps[i].line)
		}
	}
	for _, s := range steps {
		if seen[s.key] == 0 {
			t.Errorf("no event for %s", s.key)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Ending a run

// blocked is a world with something to block on in every way.
type blocked struct {
	ch, in, never *stage.Chan[int] // nobody receives from ch, nobody sends on in or never
	full          *stage.Chan[int] // buffered, full, and nobody receives from it
	mu            *stage.Mutex     // held by main
}

func newBlocked(g *stage.G) *blocked {
	w := &blocked{
		ch:    stage.NewChan[int](g, "ch", 0),
		in:    stage.NewChan[int](g, "in", 0),
		never: stage.NewChan[int](g, "never", 0),
		full:  stage.NewChan[int](g, "full", 1),
		mu:    stage.NewMutex(g, "mu"),
	}
	w.full.Send(g, 0)
	w.mu.Lock(g)
	return w
}

var blockers = []struct {
	name  string
	kind  stage.Kind // the -begin it stays in
	doing string     // as the leftover report says it
	block func(g *stage.G, w *blocked)
}{
	{"sender", stage.KindSendBegin, "blocked sending on ch", func(g *stage.G, w *blocked) { w.ch.Send(g, 1) }},
	{"receiver", stage.KindRecvBegin, "blocked receiving from in", func(g *stage.G, w *blocked) { w.in.Recv(g) }},
	{"buffered sender", stage.KindSendBegin, "blocked sending on full", func(g *stage.G, w *blocked) { w.full.Send(g, 1) }},
	{"locker", stage.KindLockBegin, "blocked locking mu", func(g *stage.G, w *blocked) { w.mu.Lock(g) }},
	{"sleeper", stage.KindSleepBeg, "sleeping", func(g *stage.G, w *blocked) { g.Sleep(time.Hour) }},
	{"worker", stage.KindWorkBegin, "working", func(g *stage.G, w *blocked) { g.Work(time.Hour) }},
}

// allBlocked reports whether every blocker is in its -begin.
func allBlocked(ev []stage.Event) bool {
	for _, b := range blockers {
		if id := gid(ev, b.name); id == 0 || lastKind(ev, id) != b.kind {
			return false
		}
	}
	return true
}

func TestStopWhileBlocked(t *testing.T) {
	stops := []struct {
		name string
		stop func(r *stage.Run, cancel context.CancelFunc)
	}{
		{"cancel", func(r *stage.Run, cancel context.CancelFunc) { cancel() }},
		{"Stop", func(r *stage.Run, cancel context.CancelFunc) { r.Stop() }},
	}
	for _, s := range stops {
		for _, b := range blockers {
			t.Run(s.name+"/"+b.name, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				r := start(t, ctx, stage.Config{}, func(g *stage.G) {
					w := newBlocked(g)
					g.Go(b.name, func(g *stage.G) { b.block(g, w) })
					w.never.Recv(g)
				})
				waitFor(t, r, b.name+" and main blocked", func(ev []stage.Event) bool {
					id := gid(ev, b.name)
					return id != 0 && lastKind(ev, id) == b.kind && lastKind(ev, 1) == stage.KindRecvBegin
				})
				s.stop(r, cancel)
				ev, end := finish(t, r)
				if end.Reason != stage.ReasonStopped || end.Message != "stopped before the end" || len(end.Leftover) != 0 {
					t.Errorf("end %+v, want stopped", end)
				}
				if k := lastKind(ev, gid(ev, b.name)); k != b.kind {
					t.Errorf("%s's last event is %s, want it still in %s", b.name, k, b.kind)
				}
			})
		}
		t.Run(s.name+"/all", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := start(t, ctx, stage.Config{}, func(g *stage.G) {
				w := newBlocked(g)
				for _, b := range blockers {
					g.Go(b.name, func(g *stage.G) { b.block(g, w) })
				}
				w.never.Recv(g)
			})
			waitFor(t, r, "every goroutine blocked", func(ev []stage.Event) bool {
				return allBlocked(ev) && lastKind(ev, 1) == stage.KindRecvBegin
			})
			s.stop(r, cancel)
			if _, end := finish(t, r); end.Reason != stage.ReasonStopped {
				t.Errorf("end %+v, want stopped", end)
			}
		})
	}
}

func TestStopWhileWaiting(t *testing.T) {
	// WaitGroup kinds are outside checkTrace's set, so this checks with Validate alone.
	for _, stop := range []string{"Stop", "main returns"} {
		t.Run(stop, func(t *testing.T) {
			release := newGate(t)
			r := start(t, context.Background(), stage.Config{}, func(g *stage.G) {
				wg := stage.NewWaitGroup(g, "wg")
				wg.Add(g, 1)
				for i := range 3 {
					g.Go(fmt.Sprint("waiter ", i), func(g *stage.G) { wg.Wait(g) })
				}
				<-release
			})
			waitFor(t, r, "three waiters", func(ev []stage.Event) bool { return count(ev, stage.KindWaitBegin) == 3 })
			if stop == "Stop" {
				r.Stop()
			}
			release.open()
			select {
			case <-r.Done():
			case <-time.After(guard):
				t.Fatalf("the run did not end within %s", guard)
			}
			ev, end := r.Events(0, nil), r.End()
			if err := stage.Validate(ev, end); err != nil {
				t.Errorf("stage.Validate refuses the trace: %v", err)
			}
			if n := count(ev, stage.KindWaitEnd); n != 0 {
				t.Errorf("%d waits ended on a counter that never reached zero", n)
			}
			if stop == "main returns" && len(end.Leftover) != 3 {
				t.Errorf("leftover %q, want the three waiters", end.Leftover)
			}
		})
	}
}

func TestStopWhileBusy(t *testing.T) {
	// Goroutines that never block still stop at their next stage operation.
	loops := []struct {
		name string
		loop func(g *stage.G)
	}{
		{"atomic adds", func(g *stage.G) {
			a := stage.NewAtomicInt(g, "a", 0)
			for {
				a.Add(g, 1)
			}
		}},
		{"prints", func(g *stage.G) {
			for {
				g.Println("x")
			}
		}},
		{"buffered send and receive", func(g *stage.G) {
			ch := stage.NewChan[int](g, "ch", 1)
			for {
				ch.Send(g, 1)
				ch.Recv(g)
			}
		}},
		{"lock and unlock", func(g *stage.G) {
			mu := stage.NewMutex(g, "mu")
			for {
				mu.Lock(g)
				mu.Unlock(g)
			}
		}},
		{"zero work", func(g *stage.G) {
			for {
				g.Work(0)
			}
		}},
	}
	stops := []struct {
		name string
		stop func(r *stage.Run, cancel context.CancelFunc)
	}{
		{"cancel", func(r *stage.Run, cancel context.CancelFunc) { cancel() }},
		{"Stop", func(r *stage.Run, cancel context.CancelFunc) { r.Stop() }},
	}
	for _, s := range stops {
		for _, l := range loops {
			t.Run(s.name+"/"+l.name, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				// Loops that never block hold both processors until the test's goroutine is
				// preempted in, some milliseconds of recording later: room for that, so that
				// the stop, not the event limit, ends the run.
				r := start(t, ctx, stage.Config{MaxEvents: 10_000_000}, func(g *stage.G) {
					g.Go("busy", l.loop)
					l.loop(g)
				})
				waitFor(t, r, "some events", func(ev []stage.Event) bool { return len(ev) > 100 })
				s.stop(r, cancel)
				if _, end := finish(t, r); end.Reason != stage.ReasonStopped {
					t.Errorf("end %q %q, want stopped", end.Reason, end.Message)
				}
			})
		}
	}
	t.Run("cancelled before Start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ops := 0
		r := start(t, ctx, stage.Config{}, func(g *stage.G) {
			for {
				g.Println("x")
				ops++
			}
		})
		if _, end := finish(t, r); end.Reason != stage.ReasonStopped || ops != 0 {
			t.Errorf("end %q %q after %d operations, want stopped at the first", end.Reason, end.Message, ops)
		}
	})
}

func TestMainReturnsWhileOthersBlocked(t *testing.T) {
	release := newGate(t)
	r := start(t, context.Background(), stage.Config{}, func(g *stage.G) {
		w := newBlocked(g)
		for _, b := range blockers {
			g.Go(b.name, func(g *stage.G) { b.block(g, w) })
		}
		g.Go("runner", func(g *stage.G) {
			<-release // running scenario code, outside any stage operation
			g.Println("too late")
		})
		<-release
	})
	waitFor(t, r, "every goroutine blocked", allBlocked)
	release.open()
	ev, end := finish(t, r)
	if end.Reason != stage.ReasonDone || end.Message != "main returned" {
		t.Errorf("end %q %q, want done, main returned", end.Reason, end.Message)
	}
	var want []string
	for _, b := range blockers {
		want = append(want, fmt.Sprintf("%s (%s)", b.name, b.doing))
	}
	// The runner may have got past the gate before main returned, or not.
	if len(end.Leftover) == len(want)+1 {
		want = append(want, "runner (running)")
	}
	if !slices.Equal(end.Leftover, want) {
		t.Errorf("leftover\n%q\nwant\n%q", end.Leftover, want)
	}
	for _, b := range blockers {
		if k := lastKind(ev, gid(ev, b.name)); k != b.kind {
			t.Errorf("%s's last event is %s, want it still in %s", b.name, k, b.kind)
		}
	}
	exit := slices.IndexFunc(ev, func(e stage.Event) bool { return e.G == 1 && e.Kind == stage.KindExit })
	if exit != len(ev)-1 {
		t.Errorf("events after main's exit: Go ends the program there\n%s", dump(ev[exit:]))
	}
}

func TestMaxEvents(t *testing.T) {
	for _, max := range []int{1, 2, 10, 1000} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			ev, end := run(t, stage.Config{MaxEvents: max}, func(g *stage.G) {
				g.Go("printer", func(g *stage.G) {
					for {
						g.Println("p")
					}
				})
				a := stage.NewAtomicInt(g, "a", 0)
				for {
					a.Add(g, 1)
				}
			})
			if end.Reason != stage.ReasonTruncated || len(ev) != max || end.Events != max {
				t.Errorf("end %+v with %d events, want truncated at exactly %d", end, len(ev), max)
			}
			if want := fmt.Sprintf("stopped at %d events, the most a run may record", max); end.Message != want {
				t.Errorf("message %q, want %q", end.Message, want)
			}
		})
	}
}

func TestMaxDuration(t *testing.T) {
	_, end := run(t, stage.Config{MaxDuration: 20 * time.Millisecond}, func(g *stage.G) {
		stage.NewChan[int](g, "never", 0).Recv(g)
	})
	if end.Reason != stage.ReasonTruncated || end.Message != "stopped after 20ms, the longest a run may take" {
		t.Errorf("end %q %q, want truncated after 20ms", end.Reason, end.Message)
	}
}

// TestMaxGoroutines checks that a run starting more goroutines than it may ends cut short
// (a limit of the playground, like the event limit), not as a panic of the scenario.
func TestMaxGoroutines(t *testing.T) {
	for _, mode := range []stage.Mode{stage.Live, stage.Seeded} {
		for _, max := range []int{1, 2, 5} {
			t.Run(fmt.Sprintf("%s_%d", mode, max), func(t *testing.T) {
				ev, end := run(t, stage.Config{Mode: mode, MaxGoroutines: max}, func(g *stage.G) {
					never := stage.NewChan[int](g, "never", 0)
					for i := range max + 3 {
						g.Go(fmt.Sprint("g", i), func(g *stage.G) { never.Recv(g) })
					}
				})
				msg := fmt.Sprintf("stopped at %d goroutines, the most a run may start", max)
				if end.Reason != stage.ReasonTruncated || end.Message != msg {
					t.Errorf("end %q %q, want truncated: %s", end.Reason, end.Message, msg)
				}
				if n := count(ev, stage.KindGo); n != max {
					t.Errorf("%d goroutines started, want %d", n, max)
				}
				if n := count(ev, stage.KindPanic); n != 0 {
					t.Errorf("%d panic events, want none", n)
				}
			})
		}
	}
}

func TestRecord(t *testing.T) {
	ev, end := stage.Record(context.Background(), fast, func(g *stage.G) {
		ch := stage.NewChan[string](g, "ch", 0)
		g.Go("greeter", func(g *stage.G) { ch.Send(g, "hello") })
		v, _ := ch.Recv(g)
		g.Println(v, 42)
	})
	checkTrace(t, ev, end)
	if end.Reason != stage.ReasonDone || end.Goroutines != 2 || end.Objects != 1 {
		t.Errorf("end %+v", end)
	}
	if p := ev[slices.IndexFunc(ev, func(e stage.Event) bool { return e.Kind == stage.KindPrint })]; p.Value != "hello 42" {
		t.Errorf("printed %q, want %q", p.Value, "hello 42")
	}
	// Events from an offset append the rest.
	r := stage.Start(context.Background(), fast, func(g *stage.G) {
		for i := range 3000 {
			g.Println(i)
		}
	})
	<-r.Done()
	all := r.Events(0, nil)
	if len(all) != r.Len() || len(all) != 3002 {
		t.Fatalf("%d events, Len %d, want 3002", len(all), r.Len())
	}
	for _, from := range []int{0, 1, 1023, 1024, 1025, 2047, 2048, 3001, 3002} {
		got := r.Events(from, []stage.Event{{Seq: -1}})
		if got[0].Seq != -1 || !reflect.DeepEqual(got[1:], all[from:]) {
			t.Errorf("Events(%d) differs from the full trace from there", from)
		}
	}
}
