package stage

import (
	"context"
	"strings"
	"testing"
)

// numbered numbers events in order and gives them rising times, so a table row only states
// what matters to it.
func numbered(events ...Event) []Event {
	for i := range events {
		events[i].Seq = int64(i + 1)
		if events[i].T == 0 {
			events[i].T = int64(i) * 10
		}
	}
	return events
}

// validatorPrelude starts main and two goroutines and announces a channel (1, cap 1), a mutex (2) and
// an atomic (3, initially 5).
func validatorPrelude(more ...Event) []Event {
	return numbered(append([]Event{
		{G: 0, Kind: KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: KindGo, Child: 2, Name: "a"},
		{G: 1, Kind: KindGo, Child: 3, Name: "b"},
		{G: 1, Kind: KindNew, Obj: 1, ObjKind: ObjChan, Name: "ch", Cap: 1},
		{G: 1, Kind: KindNew, Obj: 2, ObjKind: ObjMutex, Name: "mu"},
		{G: 1, Kind: KindNew, Obj: 3, ObjKind: ObjAtomic, Name: "n", Value: "5"},
	}, more...)...)
}

func TestValidateAcceptsAGoodTrace(t *testing.T) {
	good := validatorPrelude(
		Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 1, Value: "7"},
		Event{G: 2, Kind: KindSendEnd, Obj: 1, Msg: 1},
		Event{G: 3, Kind: KindRecvBegin, Obj: 1},
		Event{G: 3, Kind: KindRecvEnd, Obj: 1, Msg: 1, Value: "7"},
		Event{G: 2, Kind: KindLockBegin, Obj: 2},
		Event{G: 2, Kind: KindLockEnd, Obj: 2},
		Event{G: 3, Kind: KindLockBegin, Obj: 2},
		Event{G: 2, Kind: KindAtomic, Obj: 3, Op: "add", Value: "10", Old: 5, New: 15},
		Event{G: 2, Kind: KindUnlock, Obj: 2},
		Event{G: 3, Kind: KindLockEnd, Obj: 2},
		Event{G: 3, Kind: KindAtomic, Obj: 3, Op: "cas", Value: "15→1", Old: 15, New: 1},
		Event{G: 3, Kind: KindUnlock, Obj: 2},
		Event{G: 1, Kind: KindClose, Obj: 1},
		Event{G: 1, Kind: KindRecvBegin, Obj: 1},
		Event{G: 1, Kind: KindRecvEnd, Obj: 1, Value: "0", Closed: true},
		Event{G: 2, Kind: KindExit},
		Event{G: 3, Kind: KindExit},
		Event{G: 1, Kind: KindExit},
	)
	if err := Validate(good, End{Reason: ReasonDone}); err != nil {
		t.Fatalf("a good trace was refused:\n%v", err)
	}
	// A receive in progress when another finds the channel closed and empty may end after
	// it, with the value it took before the close.
	overlapping := validatorPrelude(
		Event{G: 3, Kind: KindRecvBegin, Obj: 1},
		Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 1, Value: "7"},
		Event{G: 2, Kind: KindSendEnd, Obj: 1, Msg: 1},
		Event{G: 1, Kind: KindClose, Obj: 1},
		Event{G: 2, Kind: KindRecvBegin, Obj: 1},
		Event{G: 2, Kind: KindRecvEnd, Obj: 1, Value: "0", Closed: true},
		Event{G: 3, Kind: KindRecvEnd, Obj: 1, Msg: 1, Value: "7"},
		Event{G: 2, Kind: KindExit},
		Event{G: 3, Kind: KindExit},
		Event{G: 1, Kind: KindExit},
	)
	if err := Validate(overlapping, End{Reason: ReasonDone}); err != nil {
		t.Fatalf("a receive that took its value before the close, ending after another found the channel closed, was refused:\n%v", err)
	}
}

func TestValidateCatchesEachBrokenRule(t *testing.T) {
	tests := []struct {
		name   string
		events []Event
		end    End
		want   string
	}{
		{"seq gap", func() []Event { e := validatorPrelude(); e[3].Seq = 9; return e }(), End{}, "seq is 9 at position 4"},
		{"time goes back", func() []Event { e := validatorPrelude(); e[4].T = 1; return e }(), End{}, "time goes back"},
		{"unannounced goroutine", validatorPrelude(Event{G: 9, Kind: KindPrint, Value: "hi"}), End{}, "goroutine 9 acts before it was started"},
		{"unannounced object", validatorPrelude(Event{G: 2, Kind: KindLockBegin, Obj: 8}), End{}, "object 8 was never announced"},
		{"receive before its send", validatorPrelude(
			Event{G: 3, Kind: KindRecvBegin, Obj: 1},
			Event{G: 3, Kind: KindRecvEnd, Obj: 1, Msg: 4, Value: "1"},
			Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 4, Value: "1"},
		), End{}, "receives message 4 before anyone began sending it"},
		{"message received twice", validatorPrelude(
			Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 1, Value: "1"},
			Event{G: 3, Kind: KindRecvBegin, Obj: 1},
			Event{G: 3, Kind: KindRecvEnd, Obj: 1, Msg: 1, Value: "1"},
			Event{G: 3, Kind: KindRecvBegin, Obj: 1},
			Event{G: 3, Kind: KindRecvEnd, Obj: 1, Msg: 1, Value: "1"},
		), End{}, "message 1 received twice"},
		{"value changed in flight", validatorPrelude(
			Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 1, Value: "1"},
			Event{G: 3, Kind: KindRecvBegin, Obj: 1},
			Event{G: 3, Kind: KindRecvEnd, Obj: 1, Msg: 1, Value: "2"},
		), End{}, `sent as "1" but received as "2"`},
		{"FIFO broken", validatorPrelude(
			Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 1, Value: "1"},
			Event{G: 2, Kind: KindSendEnd, Obj: 1, Msg: 1},
			Event{G: 3, Kind: KindRecvBegin, Obj: 1},
			Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 2, Value: "2"},
			Event{G: 3, Kind: KindRecvEnd, Obj: 1, Msg: 2, Value: "2"},
			Event{G: 3, Kind: KindRecvBegin, Obj: 1},
			Event{G: 3, Kind: KindRecvEnd, Obj: 1, Msg: 1, Value: "1"},
		), End{}, "message 2 overtakes"},
		{"over capacity", validatorPrelude(
			Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 1, Value: "1"},
			Event{G: 2, Kind: KindSendEnd, Obj: 1, Msg: 1},
			Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 2, Value: "2"},
			Event{G: 2, Kind: KindSendEnd, Obj: 1, Msg: 2},
		), End{}, "holds at least 2 values, more than its capacity 1"},
		{"send on closed channel goes on", validatorPrelude(
			Event{G: 1, Kind: KindClose, Obj: 1},
			Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 1, Value: "1"},
			Event{G: 2, Kind: KindSendEnd, Obj: 1, Msg: 1},
		), End{}, "sends on closed channel ch and goes on"},
		{"closed twice", validatorPrelude(
			Event{G: 1, Kind: KindClose, Obj: 1},
			Event{G: 1, Kind: KindClose, Obj: 1},
		), End{}, "closes ch twice and goes on"},
		{"closed receive before close", validatorPrelude(
			Event{G: 3, Kind: KindRecvBegin, Obj: 1},
			Event{G: 3, Kind: KindRecvEnd, Obj: 1, Value: "0", Closed: true},
		), End{}, "receive reports ch closed before it was closed"},
		{"a value after the channel was found closed and empty", validatorPrelude(
			Event{G: 2, Kind: KindSendBegin, Obj: 1, Msg: 1, Value: "7"},
			Event{G: 2, Kind: KindSendEnd, Obj: 1, Msg: 1},
			Event{G: 1, Kind: KindClose, Obj: 1},
			Event{G: 2, Kind: KindRecvBegin, Obj: 1},
			Event{G: 2, Kind: KindRecvEnd, Obj: 1, Value: "0", Closed: true},
			Event{G: 3, Kind: KindRecvBegin, Obj: 1},
			Event{G: 3, Kind: KindRecvEnd, Obj: 1, Msg: 1, Value: "7"},
		), End{}, "receives a value from ch, which a receive that ended before this one began found closed and empty"},
		{"two holders", validatorPrelude(
			Event{G: 2, Kind: KindLockBegin, Obj: 2},
			Event{G: 2, Kind: KindLockEnd, Obj: 2},
			Event{G: 3, Kind: KindLockBegin, Obj: 2},
			Event{G: 3, Kind: KindLockEnd, Obj: 2},
		), End{}, "mutex mu taken while goroutine 2 holds it"},
		{"unlock by another", validatorPrelude(
			Event{G: 2, Kind: KindLockBegin, Obj: 2},
			Event{G: 2, Kind: KindLockEnd, Obj: 2},
			Event{G: 3, Kind: KindUnlock, Obj: 2},
		), End{}, "unlocks mutex mu held by goroutine 2"},
		{"atomic chain broken", validatorPrelude(
			Event{G: 2, Kind: KindAtomic, Obj: 3, Op: "add", Value: "1", Old: 5, New: 6},
			Event{G: 3, Kind: KindAtomic, Obj: 3, Op: "add", Value: "1", Old: 5, New: 6},
		), End{}, "atomic n steps from 5, but its value was 6"},
		{"atomic op wrong", validatorPrelude(
			Event{G: 2, Kind: KindAtomic, Obj: 3, Op: "add", Value: "2", Old: 5, New: 6},
		), End{}, "atomic n add from 5 gives 6, not 7"},
		{"act while blocked", validatorPrelude(
			Event{G: 2, Kind: KindLockBegin, Obj: 2},
			Event{G: 2, Kind: KindPrint, Value: "x"},
		), End{}, "does this before the lock-end of seq 7"},
		{"end without begin", validatorPrelude(Event{G: 2, Kind: KindWorkEnd}), End{}, "an end with no begin"},
		{"runnable, then something else", validatorPrelude(
			Event{G: 2, Kind: KindRunnableBegin},
			Event{G: 2, Kind: KindPrint, Value: "x"},
		), End{}, "does this before the runnable-end of seq 7"},
		{"a processor, then no work", validatorPrelude(
			Event{G: 2, Kind: KindRunnableBegin},
			Event{G: 2, Kind: KindRunnableEnd},
			Event{G: 2, Kind: KindPrint, Value: "x"},
		), End{}, "got a processor but does not work"},
		{"act after exit", validatorPrelude(Event{G: 2, Kind: KindExit}, Event{G: 2, Kind: KindPrint}), End{}, "acts after it ended"},
		{"unreported goroutines", validatorPrelude(Event{G: 1, Kind: KindExit}), End{Reason: ReasonDone, Leftover: []string{"a (running)"}},
			"2 goroutines had not ended when main returned, but the end names 1"},
		{"event count", validatorPrelude(), End{Events: 3}, "the end counts 3 events, the trace has 6"},
		{"select case out of range", validatorPrelude(
			Event{G: 2, Kind: KindSelectBegin, Cases: []SelectCase{{Dir: "recv", Obj: 1}}},
			Event{G: 2, Kind: KindSelectEnd, Obj: 1, Case: 3},
		), End{}, "case 3 of a select with 1 cases"},
		{"select on a nil channel ran", validatorPrelude(
			Event{G: 2, Kind: KindSelectBegin, Cases: []SelectCase{{Dir: "recv"}, {Dir: "default"}}},
			Event{G: 2, Kind: KindSelectEnd, Case: 0},
		), End{}, "a case on a nil channel ran"},
		{"select receives before the send", validatorPrelude(
			Event{G: 2, Kind: KindSelectBegin, Cases: []SelectCase{{Dir: "recv", Obj: 1}}},
			Event{G: 2, Kind: KindSelectEnd, Obj: 1, Msg: 5, Value: "1", Case: 0},
			Event{G: 3, Kind: KindSendBegin, Obj: 1, Msg: 5, Value: "1"},
		), End{}, "receives message 5 before anyone began sending it"},
		{"select default while a value waits", validatorPrelude(
			Event{G: 3, Kind: KindSendBegin, Obj: 1, Msg: 1, Value: "1"},
			Event{G: 3, Kind: KindSendEnd, Obj: 1, Msg: 1},
			Event{G: 2, Kind: KindSelectBegin, Cases: []SelectCase{{Dir: "recv", Obj: 1}, {Dir: "default"}}},
			Event{G: 2, Kind: KindSelectEnd, Case: 1},
		), End{}, "took its default while ch, which it receives from, held a value"},
		{"select default on a closed channel", validatorPrelude(
			Event{G: 3, Kind: KindClose, Obj: 1},
			Event{G: 2, Kind: KindSelectBegin, Cases: []SelectCase{{Dir: "recv", Obj: 1}, {Dir: "default"}}},
			Event{G: 2, Kind: KindSelectEnd, Case: 1},
		), End{}, "took its default while ch, which it receives from, was closed"},
		{"fire by a goroutine", validatorPrelude(
			Event{T: 100, G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjTimer, Name: "tm", Cap: 1, Dur: 10},
			Event{T: 120, G: 2, Kind: KindFire, Obj: 4, Msg: 1, Value: "110ns"},
		), End{}, "a fire by goroutine 2"},
		{"fire before its time", validatorPrelude(
			Event{T: 100, G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjTimer, Name: "tm", Cap: 1, Dur: 10},
			Event{T: 105, Kind: KindFire, Obj: 4, Msg: 1, Value: "105ns"},
		), End{}, "tm fires at 105ns, before it was due at 110ns"},
		{"fire after a reset, before its time", validatorPrelude(
			Event{T: 100, G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjTimer, Name: "tm", Cap: 1, Dur: 10},
			Event{T: 108, G: 1, Kind: KindTimer, Obj: 4, Op: "reset", Value: "true", Dur: 10},
			Event{T: 112, Kind: KindFire, Obj: 4, Msg: 1, Value: "110ns"},
		), End{}, "tm fires at 112ns, before it was due at 118ns"},
		{"fire after stop", validatorPrelude(
			Event{T: 100, G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjTimer, Name: "tm", Cap: 1, Dur: 10},
			Event{T: 101, G: 1, Kind: KindTimer, Obj: 4, Op: "stop", Value: "true"},
			Event{T: 120, Kind: KindFire, Obj: 4, Msg: 1, Value: "110ns"},
		), End{}, "tm fires after it fired or was stopped"},
		{"timer fires twice", validatorPrelude(
			Event{T: 100, G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjTimer, Name: "tm", Cap: 1, Dur: 10},
			Event{T: 110, Kind: KindFire, Obj: 4, Msg: 1, Value: "110ns"},
			Event{T: 115, G: 2, Kind: KindRecvBegin, Obj: 4},
			Event{T: 115, G: 2, Kind: KindRecvEnd, Obj: 4, Msg: 1, Value: "110ns"},
			Event{T: 130, Kind: KindFire, Obj: 4, Msg: 2, Value: "110ns"},
		), End{}, "tm fires after it fired or was stopped"},
		{"ticker ticks too soon", validatorPrelude(
			Event{T: 100, G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjTicker, Name: "tk", Cap: 1, Dur: 10},
			Event{T: 110, Kind: KindFire, Obj: 4, Msg: 1, Value: "110ns"},
			Event{T: 115, Kind: KindFire, Obj: 4, Op: "dropped", Value: "115ns"},
		), End{}, "tk fires at 115ns, before it was due at 120ns"},
		{"stop says pending after the fire", validatorPrelude(
			Event{T: 100, G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjTimer, Name: "tm", Cap: 1, Dur: 10},
			Event{T: 110, Kind: KindFire, Obj: 4, Msg: 1, Value: "110ns"},
			Event{T: 111, G: 1, Kind: KindTimer, Obj: 4, Op: "stop", Value: "true"},
		), End{}, "stop of tm says pending true, but it had fired or been stopped"},
		{"stop says not pending before the fire", validatorPrelude(
			Event{T: 100, G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjTimer, Name: "tm", Cap: 1, Dur: 10},
			Event{T: 105, G: 1, Kind: KindTimer, Obj: 4, Op: "stop", Value: "false"},
		), End{}, "stop of tm says pending false, but it had neither fired nor been stopped"},
		{"context cancelled twice", validatorPrelude(
			Event{G: 1, Kind: KindNew, Obj: 5, ObjKind: ObjContext, Name: "ctx", Cap: 0},
			Event{G: 1, Kind: KindCancel, Obj: 5, Value: "context canceled"},
			Event{G: 1, Kind: KindCancel, Obj: 5, Value: "context canceled"},
		), End{}, "context ctx cancelled twice"},
		{"child not cancelled", validatorPrelude(
			Event{G: 1, Kind: KindNew, Obj: 5, ObjKind: ObjContext, Name: "ctx"},
			Event{G: 1, Kind: KindNew, Obj: 6, ObjKind: ObjContext, Name: "child", Parent: 5},
			Event{G: 1, Kind: KindCancel, Obj: 5, Value: "context canceled"},
		), End{}, "child"},
	}
	// also is how many more problems a broken rule brings with it: most bring none.
	also := map[string]int{"time goes back": 1} // globally and on its goroutine
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.events, tt.end)
			if err == nil {
				t.Fatalf("broken trace accepted; want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got\n%v\nwant it to say %q", err, tt.want)
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != 1+also[tt.name] {
				t.Errorf("%d problems, want %d, those of the one broken rule:\n%v", n, 1+also[tt.name], err)
			}
		})
	}
}

func TestValidateReportsEveryProblemUpToACap(t *testing.T) {
	var more []Event
	for range 30 {
		more = append(more, Event{G: 2, Kind: KindWorkEnd})
	}
	err := Validate(validatorPrelude(more...), End{})
	if err == nil || !strings.Contains(err.Error(), "and 10 more") {
		t.Fatalf("got %v", err)
	}
}

// TestLiveTracesPassTheValidator runs stage programs that stress every rule, many times.
func TestLiveTracesPassTheValidator(t *testing.T) {
	programs := map[string]func(g *G){
		"many senders, buffered": func(g *G) {
			ch := NewChan[int](g, "ch", 2)
			done := NewChan[bool](g, "done", 0)
			for i := range 4 {
				g.Go("sender", func(g *G) {
					for j := range 20 {
						ch.Send(g, i*100+j)
					}
					done.Send(g, true)
				})
			}
			for range 2 {
				g.Go("receiver", func(g *G) {
					for {
						if _, ok := ch.Recv(g); !ok {
							done.Send(g, true)
							return
						}
					}
				})
			}
			for range 4 {
				done.Recv(g)
			}
			ch.Close(g)
			for range 2 {
				done.Recv(g)
			}
		},
		"mutex and atomics": func(g *G) {
			mu := NewMutex(g, "mu")
			n := NewAtomicInt(g, "n", 0)
			done := NewChan[bool](g, "done", 4)
			for range 4 {
				g.Go("worker", func(g *G) {
					for range 25 {
						mu.Lock(g)
						n.Store(g, n.Load(g)+1)
						mu.Unlock(g)
						n.CompareAndSwap(g, 3, 4)
						n.Add(g, -1)
						n.Swap(g, n.Load(g)+1)
					}
					done.Send(g, true)
				})
			}
			for range 4 {
				done.Recv(g)
			}
		},
	}
	for name, program := range programs {
		t.Run(name, func(t *testing.T) {
			for range 30 {
				events, end := Record(context.Background(), Config{}, program)
				if end.Reason != ReasonDone {
					t.Fatalf("ended %s: %s", end.Reason, end.Message)
				}
				if err := Validate(events, end); err != nil {
					t.Fatalf("live trace broke the rules:\n%v", err)
				}
			}
		})
	}
}
