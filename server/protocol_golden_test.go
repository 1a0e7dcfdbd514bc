package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

var update = flag.Bool("update", false, "rewrite golden files from what the code produces")

// goldenRun is a hand-made run that touches every kind of the protocol, with times and
// values that keep every rule of stage.Validate.
func goldenRun() []stage.Event {
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjChan, Name: "ch", Cap: 1, Line: 10},
		{G: 1, Kind: stage.KindNew, Obj: 2, ObjKind: stage.ObjMutex, Name: "mu", Line: 11},
		{G: 1, Kind: stage.KindNew, Obj: 3, ObjKind: stage.ObjAtomic, Name: "n", Value: "5", Line: 12},
		{G: 1, Kind: stage.KindNew, Obj: 4, ObjKind: stage.ObjWaitGroup, Name: "wg", Line: 13},
		{G: 1, Kind: stage.KindNew, Obj: 5, ObjKind: stage.ObjCell, Name: "c", Value: "10", Line: 14},
		{G: 1, Kind: stage.KindNew, Obj: 6, ObjKind: stage.ObjRefCell, Name: "r", Value: "[1 2 3]", Line: 15},
		{G: 1, Kind: stage.KindWGAdd, Obj: 4, Op: "add", Value: "1", Old: 0, New: 1, Line: 16},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "producer \"A\" <1>", Line: 17},
		{G: 2, Kind: stage.KindWorkBegin, Dur: 2_000_000, Line: 18},
		{G: 1, Kind: stage.KindRecvBegin, Obj: 1, Line: 30},
		{G: 2, Kind: stage.KindWorkEnd, Line: 18},
		{G: 2, Kind: stage.KindSendBegin, Obj: 1, Msg: 1, Value: "7", Line: 19},
		{G: 2, Kind: stage.KindSendEnd, Obj: 1, Msg: 1, Line: 19},
		{G: 1, Kind: stage.KindRecvEnd, Obj: 1, Msg: 1, Value: "7", Line: 30},
		{G: 2, Kind: stage.KindLockBegin, Obj: 2, Line: 20},
		{G: 2, Kind: stage.KindLockEnd, Obj: 2, Value: "[]", Line: 20},
		{G: 1, Kind: stage.KindLockBegin, Obj: 2, Line: 31},
		{G: 2, Kind: stage.KindAtomic, Obj: 3, Op: "add", Value: "10", Old: 5, New: 15, Line: 21},
		{G: 2, Kind: stage.KindUnlock, Obj: 2, Value: "[7]", Line: 22},
		{G: 1, Kind: stage.KindLockEnd, Obj: 2, Value: "[7]", Line: 31},
		{G: 1, Kind: stage.KindUnlock, Obj: 2, Value: "[7]", Line: 32},
		{G: 1, Kind: stage.KindAtomic, Obj: 3, Op: "load", Old: 15, New: 15, Line: 33},
		{G: 1, Kind: stage.KindAtomic, Obj: 3, Op: "store", Value: "16", Old: 15, New: 16, Line: 34},
		{G: 1, Kind: stage.KindAtomic, Obj: 3, Op: "swap", Value: "20", Old: 16, New: 20, Line: 35},
		{G: 1, Kind: stage.KindAtomic, Obj: 3, Op: "cas", Value: "20→21", Old: 20, New: 21, Line: 36},
		{G: 1, Kind: stage.KindAtomic, Obj: 3, Op: "cas", Value: "5→6", Old: 21, New: 21, Line: 36},
		{G: 2, Kind: stage.KindSleepBeg, Dur: 1_000_000, Line: 23},
		{G: 1, Kind: stage.KindCellSet, Obj: 5, Value: "20", Line: 37},
		{G: 1, Kind: stage.KindCellGet, Obj: 5, Value: "20", Line: 38},
		{G: 1, Kind: stage.KindBorrowMut, Obj: 6, Borrows: -1, Value: "[1 2 3]", Line: 39},
		{G: 1, Kind: stage.KindRelease, Obj: 6, Op: "mut", Borrows: 0, Value: "[1 2 3 4]", Line: 40},
		{G: 1, Kind: stage.KindBorrow, Obj: 6, Borrows: 1, Value: "[1 2 3 4]", Line: 41},
		{G: 1, Kind: stage.KindBorrow, Obj: 6, Borrows: 2, Value: "[1 2 3 4]", Line: 41},
		{G: 1, Kind: stage.KindBorrowError, Obj: 6, Borrows: 2, Value: "RefCell already borrowed", Line: 42},
		{G: 1, Kind: stage.KindPrint, Value: "recovered from panic: RefCell already borrowed", Line: 43},
		{G: 1, Kind: stage.KindRelease, Obj: 6, Op: "shared", Borrows: 1, Value: "[1 2 3 4]", Line: 44},
		{G: 1, Kind: stage.KindRelease, Obj: 6, Op: "shared", Borrows: 0, Value: "[1 2 3 4]", Line: 44},
		{G: 2, Kind: stage.KindSleepEnd, Line: 23},
		{G: 2, Kind: stage.KindNotSync, Obj: 5, Value: "Cell is not Sync: Rust rejects sharing it between threads at compile time", Line: 24},
		{G: 2, Kind: stage.KindCellGet, Obj: 5, Value: "20", Line: 24},
		{G: 2, Kind: stage.KindWGAdd, Obj: 4, Op: "done", Value: "-1", Old: 1, New: 0, Line: 25},
		{G: 2, Kind: stage.KindExit},
		{G: 1, Kind: stage.KindWaitBegin, Obj: 4, Line: 45},
		{G: 1, Kind: stage.KindWaitEnd, Obj: 4, Line: 45},
		{G: 1, Kind: stage.KindClose, Obj: 1, Line: 46},
		{G: 1, Kind: stage.KindRecvBegin, Obj: 1, Line: 47},
		{G: 1, Kind: stage.KindRecvEnd, Obj: 1, Value: "0", Closed: true, Line: 47},
		{G: 1, Kind: stage.KindPrint, Value: "done\n<ok> & \"quoted\"", Line: 48},
		{G: 1, Kind: stage.KindExit},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
		ev[i].T = int64(i) * 100_000
	}
	return ev
}

// panicRun is a run that ends in a panic, with a goroutine left blocked.
func panicRun() []stage.Event {
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjChan, Name: "ch", Cap: 0, Line: 10},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "waiter", Line: 11},
		{G: 2, Kind: stage.KindRecvBegin, Obj: 1, Line: 12},
		{G: 1, Kind: stage.KindClose, Obj: 1, Line: 13},
		{G: 1, Kind: stage.KindPanic, Value: "close of closed channel ch"},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
		ev[i].T = int64(i) * 50_000
	}
	return ev
}

// seededRun is a seeded run on one processor: two workers want to work at once, and the
// second is runnable, waiting for the processor, until the first is done. Only seeded runs
// have runnable events.
func seededRun() []stage.Event {
	const ms = 1_000_000
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjWaitGroup, Name: "wg", Line: 10},
		{G: 1, Kind: stage.KindWGAdd, Obj: 1, Op: "add", Value: "2", Old: 0, New: 2, Line: 11},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "worker 1", Line: 12},
		{G: 1, Kind: stage.KindGo, Child: 3, Name: "worker 2", Line: 12},
		{G: 1, Kind: stage.KindWaitBegin, Obj: 1, Line: 16},
		{G: 2, Kind: stage.KindWorkBegin, Dur: 100 * ms, Line: 13},
		{G: 3, Kind: stage.KindRunnableBegin, Line: 13},
		{T: 100 * ms, G: 2, Kind: stage.KindWorkEnd, Line: 13},
		{T: 100 * ms, G: 3, Kind: stage.KindRunnableEnd, Line: 13},
		{T: 100 * ms, G: 3, Kind: stage.KindWorkBegin, Dur: 100 * ms, Line: 13},
		{T: 100 * ms, G: 2, Kind: stage.KindWGAdd, Obj: 1, Op: "done", Value: "-1", Old: 2, New: 1, Line: 14},
		{T: 100 * ms, G: 2, Kind: stage.KindExit},
		{T: 200 * ms, G: 3, Kind: stage.KindWorkEnd, Line: 13},
		{T: 200 * ms, G: 3, Kind: stage.KindWGAdd, Obj: 1, Op: "done", Value: "-1", Old: 1, New: 0, Line: 14},
		{T: 200 * ms, G: 3, Kind: stage.KindExit},
		{T: 200 * ms, G: 1, Kind: stage.KindWaitEnd, Obj: 1, Line: 16},
		{T: 200 * ms, G: 1, Kind: stage.KindExit},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
	}
	return ev
}

// selectRun is a live run of selects: one that waits until a send wakes it (beside a case
// on a nil channel), one that takes its default, a send case that fills a buffer and is
// received by a plain receive, a receive case that finds its channel closed, and a select's
// send case received by another select.
func selectRun() []stage.Event {
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjChan, Name: "results", Line: 10},
		{G: 1, Kind: stage.KindNew, Obj: 2, ObjKind: stage.ObjChan, Name: "jobs", Cap: 1, Line: 11},
		{G: 1, Kind: stage.KindNew, Obj: 3, ObjKind: stage.ObjChan, Name: "out", Cap: 1, Line: 12},
		{G: 1, Kind: stage.KindNew, Obj: 4, ObjKind: stage.ObjChan, Name: "quit", Line: 13},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "worker", Line: 14},
		{G: 1, Kind: stage.KindSelectBegin, Line: 20, Cases: []stage.SelectCase{
			{Dir: "recv", Obj: 1, Line: 21}, {Dir: "recv", Line: 22}, {Dir: "recv", Obj: 4, Line: 23}}},
		{G: 2, Kind: stage.KindWorkBegin, Dur: 200_000, Line: 15},
		{G: 2, Kind: stage.KindWorkEnd, Line: 15},
		{G: 2, Kind: stage.KindSendBegin, Obj: 1, Msg: 1, Value: "42", Line: 16},
		{G: 2, Kind: stage.KindSendEnd, Obj: 1, Msg: 1, Line: 16},
		{G: 1, Kind: stage.KindSelectEnd, Obj: 1, Msg: 1, Value: "42", Line: 21, Case: 0},
		{G: 1, Kind: stage.KindSelectBegin, Line: 25, Cases: []stage.SelectCase{
			{Dir: "recv", Obj: 2, Line: 26}, {Dir: "default", Line: 27}}},
		{G: 1, Kind: stage.KindSelectEnd, Line: 27, Case: 1},
		{G: 1, Kind: stage.KindSelectBegin, Line: 30, Cases: []stage.SelectCase{
			{Dir: "send", Obj: 3, Msg: 2, Value: "7", Line: 31}, {Dir: "send", Obj: 4, Msg: 3, Value: "0", Line: 32}}},
		{G: 1, Kind: stage.KindSelectEnd, Obj: 3, Msg: 2, Value: "7", Line: 31, Case: 0},
		{G: 1, Kind: stage.KindClose, Obj: 2, Line: 34},
		{G: 1, Kind: stage.KindSelectBegin, Line: 35, Cases: []stage.SelectCase{
			{Dir: "recv", Obj: 2, Line: 36}, {Dir: "recv", Obj: 4, Line: 37}}},
		{G: 1, Kind: stage.KindSelectEnd, Obj: 2, Value: "0", Closed: true, Line: 36, Case: 0},
		{G: 2, Kind: stage.KindRecvBegin, Obj: 3, Line: 17},
		{G: 2, Kind: stage.KindRecvEnd, Obj: 3, Msg: 2, Value: "7", Line: 17},
		{G: 2, Kind: stage.KindSelectBegin, Line: 40, Cases: []stage.SelectCase{
			{Dir: "send", Obj: 1, Msg: 4, Value: "43", Line: 41}, {Dir: "recv", Obj: 4, Line: 42}}},
		{G: 1, Kind: stage.KindSelectBegin, Line: 45, Cases: []stage.SelectCase{
			{Dir: "recv", Obj: 1, Line: 46}, {Dir: "send", Obj: 4, Msg: 5, Value: "1", Line: 47}}},
		{G: 2, Kind: stage.KindSelectEnd, Obj: 1, Msg: 4, Value: "43", Line: 41, Case: 0},
		{G: 1, Kind: stage.KindSelectEnd, Obj: 1, Msg: 4, Value: "43", Line: 46, Case: 0},
		{G: 2, Kind: stage.KindExit},
		{G: 1, Kind: stage.KindExit},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
		ev[i].T = int64(i) * 100_000
	}
	return ev
}

// selectDeadlockRun is a seeded run that ends in deadlock with main in a select, waiting
// on two channels nobody will use, and a worker blocked receiving from a third.
func selectDeadlockRun() []stage.Event {
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjChan, Name: "results", Line: 10},
		{G: 1, Kind: stage.KindNew, Obj: 2, ObjKind: stage.ObjChan, Name: "timer", Line: 11},
		{G: 1, Kind: stage.KindNew, Obj: 3, ObjKind: stage.ObjChan, Name: "never", Line: 12},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "worker", Line: 13},
		{G: 2, Kind: stage.KindRecvBegin, Obj: 3, Line: 14},
		{G: 1, Kind: stage.KindSelectBegin, Line: 20, Cases: []stage.SelectCase{
			{Dir: "recv", Obj: 1, Line: 21}, {Dir: "recv", Obj: 2, Line: 22}}},
		{G: 1, Kind: stage.KindDeadlock, Op: "select", Value: "blocked in select: receiving from results, receiving from timer"},
		{G: 2, Kind: stage.KindDeadlock, Op: "recv", Obj: 3, Value: "blocked receiving from never"},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
	}
	return ev
}

// timeoutRun is a seeded run of the timeout scenario's shape: main selects on a worker's
// result and a timer, the timer fires first (the runtime, g 0, delivers its tick, which the
// select takes), and the worker, done too late, is left blocked sending: leaked.
func timeoutRun() []stage.Event {
	const ms = 1_000_000
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjChan, Name: "result", Line: 10},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "worker", Line: 11},
		{G: 1, Kind: stage.KindNew, Obj: 2, ObjKind: stage.ObjTimer, Name: "timeout", Cap: 1, Dur: 500 * ms, Line: 16},
		{G: 1, Kind: stage.KindSelectBegin, Line: 15, Cases: []stage.SelectCase{
			{Dir: "recv", Obj: 1, Line: 15}, {Dir: "recv", Obj: 2, Line: 16}}},
		{G: 2, Kind: stage.KindWorkBegin, Dur: 800 * ms, Line: 12},
		{T: 500 * ms, G: 0, Kind: stage.KindFire, Obj: 2, Msg: 1, Value: "500ms"},
		{T: 500 * ms, G: 1, Kind: stage.KindSelectEnd, Obj: 2, Msg: 1, Value: "500ms", Line: 16, Case: 1},
		{T: 500 * ms, G: 1, Kind: stage.KindPrint, Value: "timed out", Line: 20},
		{T: 500 * ms, G: 1, Kind: stage.KindWorkBegin, Dur: 1000 * ms, Line: 22},
		{T: 800 * ms, G: 2, Kind: stage.KindWorkEnd, Line: 12},
		{T: 800 * ms, G: 2, Kind: stage.KindSendBegin, Obj: 1, Msg: 2, Value: `"done"`, Line: 13},
		{T: 1500 * ms, G: 1, Kind: stage.KindWorkEnd, Line: 22},
		{T: 1500 * ms, G: 1, Kind: stage.KindExit},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
	}
	return ev
}

// timersRun is a seeded run of a ticker and timers: main takes a tick, sleeps while the
// next waits in the channel and two more are dropped, takes the waiting one and stops the
// ticker; it lets a timer fire unreceived and resets it, which takes that tick out of the
// channel, receives the fire after the reset, and stops a timer before it fires, and again.
func timersRun() []stage.Event {
	const ms = 1_000_000
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjTicker, Name: "tick", Cap: 1, Dur: 100 * ms, Line: 10},
		{G: 1, Kind: stage.KindRecvBegin, Obj: 1, Line: 11},
		{T: 100 * ms, G: 0, Kind: stage.KindFire, Obj: 1, Msg: 1, Value: "100ms"},
		{T: 100 * ms, G: 1, Kind: stage.KindRecvEnd, Obj: 1, Msg: 1, Value: "100ms", Line: 11},
		{T: 100 * ms, G: 1, Kind: stage.KindSleepBeg, Dur: 350 * ms, Line: 12},
		{T: 200 * ms, G: 0, Kind: stage.KindFire, Obj: 1, Msg: 2, Value: "200ms"},
		{T: 300 * ms, G: 0, Kind: stage.KindFire, Obj: 1, Op: "dropped", Value: "300ms"},
		{T: 400 * ms, G: 0, Kind: stage.KindFire, Obj: 1, Op: "dropped", Value: "400ms"},
		{T: 450 * ms, G: 1, Kind: stage.KindSleepEnd, Line: 12},
		{T: 450 * ms, G: 1, Kind: stage.KindRecvBegin, Obj: 1, Line: 13},
		{T: 450 * ms, G: 1, Kind: stage.KindRecvEnd, Obj: 1, Msg: 2, Value: "200ms", Line: 13},
		{T: 450 * ms, G: 1, Kind: stage.KindTimer, Obj: 1, Op: "stop", Value: "true", Line: 14},
		{T: 450 * ms, G: 1, Kind: stage.KindNew, Obj: 2, ObjKind: stage.ObjTimer, Name: "t", Cap: 1, Dur: 10 * ms, Line: 15},
		{T: 450 * ms, G: 1, Kind: stage.KindSleepBeg, Dur: 20 * ms, Line: 16},
		{T: 460 * ms, G: 0, Kind: stage.KindFire, Obj: 2, Msg: 3, Value: "460ms"},
		{T: 470 * ms, G: 1, Kind: stage.KindSleepEnd, Line: 16},
		{T: 470 * ms, G: 1, Kind: stage.KindTimer, Obj: 2, Op: "reset", Value: "false", Dur: 30 * ms, Msg: 3, Line: 17},
		{T: 470 * ms, G: 1, Kind: stage.KindRecvBegin, Obj: 2, Line: 18},
		{T: 500 * ms, G: 0, Kind: stage.KindFire, Obj: 2, Msg: 4, Value: "500ms"},
		{T: 500 * ms, G: 1, Kind: stage.KindRecvEnd, Obj: 2, Msg: 4, Value: "500ms", Line: 18},
		{T: 500 * ms, G: 1, Kind: stage.KindNew, Obj: 3, ObjKind: stage.ObjTimer, Name: "later", Cap: 1, Dur: 1000 * ms, Line: 19},
		{T: 500 * ms, G: 1, Kind: stage.KindTimer, Obj: 3, Op: "stop", Value: "true", Line: 20},
		{T: 500 * ms, G: 1, Kind: stage.KindTimer, Obj: 3, Op: "stop", Value: "false", Line: 21},
		{T: 500 * ms, G: 1, Kind: stage.KindExit},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
	}
	return ev
}

// contextRun is a seeded run of two context trees: main cancels request, and with it call,
// made from it with a timeout, whose Done a worker waits on in a select; then deadline's
// time passes (the runtime, g 0, cancels it), and with it sub, whose Done main receives from.
func contextRun() []stage.Event {
	const ms = 1_000_000
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjContext, Name: "request", Line: 10},
		{G: 1, Kind: stage.KindNew, Obj: 2, ObjKind: stage.ObjContext, Name: "call", Parent: 1, Dur: 1000 * ms, Line: 11},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "worker", Line: 12},
		{G: 1, Kind: stage.KindSleepBeg, Dur: 10 * ms, Line: 15},
		{G: 2, Kind: stage.KindSelectBegin, Line: 13, Cases: []stage.SelectCase{{Dir: "recv", Obj: 2, Line: 13}}},
		{T: 10 * ms, G: 1, Kind: stage.KindSleepEnd, Line: 15},
		{T: 10 * ms, G: 1, Kind: stage.KindCancel, Obj: 1, Value: "context canceled", Line: 16},
		{T: 10 * ms, G: 1, Kind: stage.KindCancel, Obj: 2, Value: "context canceled", Line: 16},
		{T: 10 * ms, G: 2, Kind: stage.KindSelectEnd, Obj: 2, Value: "struct{}{}", Closed: true, Line: 13, Case: 0},
		{T: 10 * ms, G: 2, Kind: stage.KindExit},
		{T: 10 * ms, G: 1, Kind: stage.KindNew, Obj: 3, ObjKind: stage.ObjContext, Name: "deadline", Dur: 50 * ms, Line: 17},
		{T: 10 * ms, G: 1, Kind: stage.KindNew, Obj: 4, ObjKind: stage.ObjContext, Name: "sub", Parent: 3, Line: 18},
		{T: 10 * ms, G: 1, Kind: stage.KindRecvBegin, Obj: 4, Line: 19},
		{T: 60 * ms, G: 0, Kind: stage.KindCancel, Obj: 3, Value: "context deadline exceeded"},
		{T: 60 * ms, G: 0, Kind: stage.KindCancel, Obj: 4, Value: "context deadline exceeded"},
		{T: 60 * ms, G: 1, Kind: stage.KindRecvEnd, Obj: 4, Value: "struct{}{}", Closed: true, Line: 19},
		{T: 60 * ms, G: 1, Kind: stage.KindExit},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
	}
	return ev
}

// semaphoreRun is a seeded run of a weighted semaphore of size 4: main holds 3; big asks for
// 2 and waits, and small, behind it, for 1, which would fit; main's TryAcquire is refused
// (someone waits), and its Acquire of 4 with a deadline gives up when the deadline passes;
// then main releases its 3, which serves big and small in the order they came.
func semaphoreRun() []stage.Event {
	const ms = 1_000_000
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjSemaphore, Name: "sem", Cap: 4, Line: 10},
		{G: 1, Kind: stage.KindNew, Obj: 2, ObjKind: stage.ObjContext, Name: "patience", Dur: 30 * ms, Line: 11},
		{G: 1, Kind: stage.KindAcquireBegin, Obj: 1, Value: "3", Line: 12},
		{G: 1, Kind: stage.KindAcquireEnd, Obj: 1, Old: 0, New: 3, Line: 12},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "big", Line: 13},
		{G: 1, Kind: stage.KindGo, Child: 3, Name: "small", Line: 14},
		{G: 2, Kind: stage.KindAcquireBegin, Obj: 1, Value: "2", Line: 15},
		{G: 3, Kind: stage.KindAcquireBegin, Obj: 1, Value: "1", Line: 16},
		{G: 1, Kind: stage.KindAcquireBegin, Obj: 1, Op: "try", Value: "1", Line: 17},
		{G: 1, Kind: stage.KindAcquireEnd, Obj: 1, Op: "refused", Old: 3, New: 3, Line: 17},
		{G: 1, Kind: stage.KindAcquireBegin, Obj: 1, Value: "4", Line: 18},
		{T: 30 * ms, G: 0, Kind: stage.KindCancel, Obj: 2, Value: "context deadline exceeded"},
		{T: 30 * ms, G: 1, Kind: stage.KindAcquireEnd, Obj: 1, Op: "canceled", Value: "context deadline exceeded", Old: 3, New: 3, Line: 18},
		{T: 30 * ms, G: 1, Kind: stage.KindSemRelease, Obj: 1, Value: "3", Old: 3, New: 0, Line: 19},
		{T: 30 * ms, G: 2, Kind: stage.KindAcquireEnd, Obj: 1, Old: 0, New: 2, Line: 15},
		{T: 30 * ms, G: 3, Kind: stage.KindAcquireEnd, Obj: 1, Old: 2, New: 3, Line: 16},
		{T: 30 * ms, G: 2, Kind: stage.KindExit},
		{T: 30 * ms, G: 3, Kind: stage.KindExit},
		{T: 30 * ms, G: 1, Kind: stage.KindExit},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
	}
	return ev
}

// errgroupRun is a seeded run of an errgroup with a context and a limit of 2: main starts two
// fetches and waits in Go for a slot for the third; fetch 0 fails, which cancels the group's
// context and gives main its slot; the others see the context done and return its error,
// dropped; main's TryGo is refused, and its Wait returns the first error.
func errgroupRun() []stage.Event {
	const ms = 1_000_000
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjContext, Name: "fetches context", Line: 10},
		{G: 1, Kind: stage.KindNew, Obj: 2, ObjKind: stage.ObjErrGroup, Name: "fetches", Parent: 1, Line: 10},
		{G: 1, Kind: stage.KindGroupLimit, Obj: 2, Value: "2", Line: 11},
		{G: 1, Kind: stage.KindGroupGoBegin, Obj: 2, Line: 12},
		{G: 1, Kind: stage.KindGroupGoEnd, Obj: 2, Old: 0, New: 1, Line: 12},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "fetch 0", Line: 12},
		{G: 1, Kind: stage.KindGroupGoBegin, Obj: 2, Line: 12},
		{G: 1, Kind: stage.KindGroupGoEnd, Obj: 2, Old: 1, New: 2, Line: 12},
		{G: 1, Kind: stage.KindGo, Child: 3, Name: "fetch 1", Line: 12},
		{G: 1, Kind: stage.KindGroupGoBegin, Obj: 2, Line: 12},
		{G: 2, Kind: stage.KindSleepBeg, Dur: 10 * ms, Line: 13},
		{G: 3, Kind: stage.KindRecvBegin, Obj: 1, Line: 14},
		{T: 10 * ms, G: 2, Kind: stage.KindSleepEnd, Line: 13},
		{T: 10 * ms, G: 2, Kind: stage.KindGroupDone, Obj: 2, Op: "first", Value: "fetch 0: not found", Old: 2, New: 1, Line: 12},
		{T: 10 * ms, G: 2, Kind: stage.KindCancel, Obj: 1, Value: "context canceled", Line: 12},
		{T: 10 * ms, G: 1, Kind: stage.KindGroupGoEnd, Obj: 2, Old: 1, New: 2, Line: 12},
		{T: 10 * ms, G: 2, Kind: stage.KindExit},
		{T: 10 * ms, G: 3, Kind: stage.KindRecvEnd, Obj: 1, Value: "struct{}{}", Closed: true, Line: 14},
		{T: 10 * ms, G: 1, Kind: stage.KindGo, Child: 4, Name: "fetch 2", Line: 12},
		{T: 10 * ms, G: 1, Kind: stage.KindGroupGoBegin, Obj: 2, Op: "try", Line: 15},
		{T: 10 * ms, G: 1, Kind: stage.KindGroupGoEnd, Obj: 2, Op: "refused", Old: 2, New: 2, Line: 15},
		{T: 10 * ms, G: 1, Kind: stage.KindGroupWaitBegin, Obj: 2, Line: 16},
		{T: 10 * ms, G: 4, Kind: stage.KindRecvBegin, Obj: 1, Line: 14},
		{T: 10 * ms, G: 4, Kind: stage.KindRecvEnd, Obj: 1, Value: "struct{}{}", Closed: true, Line: 14},
		{T: 10 * ms, G: 3, Kind: stage.KindGroupDone, Obj: 2, Op: "later", Value: "fetch 1: context canceled", Old: 2, New: 1, Line: 12},
		{T: 10 * ms, G: 3, Kind: stage.KindExit},
		{T: 10 * ms, G: 4, Kind: stage.KindGroupDone, Obj: 2, Op: "later", Value: "fetch 2: context canceled", Old: 1, New: 0, Line: 12},
		{T: 10 * ms, G: 1, Kind: stage.KindGroupWaitEnd, Obj: 2, Value: "fetch 0: not found", Line: 16},
		{T: 10 * ms, G: 4, Kind: stage.KindExit},
		{T: 10 * ms, G: 1, Kind: stage.KindPrint, Value: "fetch 0: not found", Line: 17},
		{T: 10 * ms, G: 1, Kind: stage.KindExit},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
	}
	return ev
}

// protocolMessages are the fixture's lines: runs as the socket sends them (meta, event
// batches, end), an error, and lines the decoder must refuse.
func protocolMessages(t *testing.T) [][]byte {
	t.Helper()
	mustJSON := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var lines [][]byte
	// seed is nil for a live run; schedule is what a seeded run follows, if anything.
	addRun := func(id int, scenario string, params map[string]any, seed *uint64, schedule string, events []stage.Event, end stage.End, summary []scenarios.Stat) {
		if err := stage.Validate(events, end); err != nil {
			t.Fatalf("fixture run %d breaks the stage's rules: %v", id, err)
		}
		meta := metaMessage{V: stage.SchemaVersion, Type: typeMeta, Run: id, Scenario: scenario, Params: params, Mode: stage.Live, Speed: 1}
		if seed != nil {
			meta.Mode, meta.Seed, meta.Processors, meta.Schedule = stage.Seeded, seed, 1, schedule
		}
		lines = append(lines, mustJSON(meta))
		for start := 0; start < len(events); start += 20 {
			batch := events[start:min(start+20, len(events))]
			msg, n := appendEventsMessage(nil, id, batch, 1<<20)
			if n != len(batch) {
				t.Fatalf("batch of %d events encoded only %d", len(batch), n)
			}
			lines = append(lines, msg)
		}
		lines = append(lines, mustJSON(newEndMessage(id, end, summary)))
	}
	good := goldenRun()
	addRun(1, "channels", map[string]any{"producers": 1, "messages": 1, "buffer": 1, "work": 2}, nil, "",
		good, stage.End{Reason: stage.ReasonDone, Message: "main returned", Duration: good[len(good)-1].T,
			Events: len(good), Goroutines: 2, Objects: 6},
		[]scenarios.Stat{{Label: "messages received", Value: "1"}})
	bad := panicRun()
	addRun(2, "atomic-counter", map[string]any{"method": "load-store"}, nil, "",
		bad, stage.End{Reason: stage.ReasonPanic, Message: "main panicked: close of closed channel ch", Duration: bad[len(bad)-1].T,
			Events: len(bad), Goroutines: 2, Objects: 1, Leftover: nil}, nil)
	seed := uint64(7)
	pool := map[string]any{"workers": 2, "tasks": 2, "queue": 0, "task": 100, "jitter": 0}
	seeded := seededRun()
	// Its end carries its schedule: who ran where two goroutines could (worker 1, then 2).
	taken, err := stage.ParseSchedule("SQ")
	if err != nil {
		t.Fatal(err)
	}
	addRun(3, "worker-pool", pool, &seed, "",
		seeded, stage.End{Reason: stage.ReasonDone, Message: "main returned", Duration: seeded[len(seeded)-1].T,
			Events: len(seeded), Goroutines: 3, Objects: 1, Schedule: taken}, nil)
	// Stopped while worker 2 waits for the processor: its runnable span stays open.
	waiting := seededRun()[:8]
	addRun(4, "worker-pool", pool, &seed, "",
		waiting, stage.End{Reason: stage.ReasonStopped, Message: "stopped", Duration: 50_000_000,
			Events: len(waiting), Goroutines: 3, Objects: 1}, nil)
	// A run told to follow a schedule that does not fit it: the events up to the step that
	// went wrong, then an end saying where.
	diverged := seededRun()[:4]
	addRun(5, "worker-pool", pool, &seed, "K",
		diverged, stage.End{Reason: stage.ReasonSchedule, Message: "the schedule does not fit this run: step 1 picks goroutine 5, but only 1 and 2 can run there",
			Events: len(diverged), Goroutines: 3, Objects: 1}, nil)
	sel := selectRun()
	addRun(6, "select", map[string]any{}, nil, "",
		sel, stage.End{Reason: stage.ReasonDone, Message: "main returned", Duration: sel[len(sel)-1].T,
			Events: len(sel), Goroutines: 2, Objects: 4}, nil)
	stuck := selectDeadlockRun()
	addRun(7, "select", map[string]any{}, &seed, "",
		stuck, stage.End{Reason: stage.ReasonDeadlock, Message: "all goroutines are asleep - deadlock! main: blocked in select: receiving from results, receiving from timer; worker: blocked receiving from never",
			Events: len(stuck), Goroutines: 2, Objects: 3}, nil)
	late := timeoutRun()
	addRun(8, "timeout", map[string]any{"work": 800, "timeout": 500, "buffer": 0}, &seed, "",
		late, stage.End{Reason: stage.ReasonDone, Message: "main returned", Duration: late[len(late)-1].T,
			Events: len(late), Goroutines: 2, Objects: 2, Leftover: []string{"worker (blocked sending on result)"}},
		[]scenarios.Stat{{Label: "outcome", Value: "timed out"}})
	timers := timersRun()
	addRun(9, "timers", map[string]any{}, &seed, "",
		timers, stage.End{Reason: stage.ReasonDone, Message: "main returned", Duration: timers[len(timers)-1].T,
			Events: len(timers), Goroutines: 1, Objects: 3}, nil)
	ctxs := contextRun()
	addRun(10, "contexts", map[string]any{}, &seed, "",
		ctxs, stage.End{Reason: stage.ReasonDone, Message: "main returned", Duration: ctxs[len(ctxs)-1].T,
			Events: len(ctxs), Goroutines: 2, Objects: 4}, nil)
	sem := semaphoreRun()
	addRun(11, "semaphore", map[string]any{}, &seed, "",
		sem, stage.End{Reason: stage.ReasonDone, Message: "main returned", Duration: sem[len(sem)-1].T,
			Events: len(sem), Goroutines: 3, Objects: 2}, nil)
	grp := errgroupRun()
	addRun(12, "errgroup", map[string]any{}, &seed, "",
		grp, stage.End{Reason: stage.ReasonDone, Message: "main returned", Duration: grp[len(grp)-1].T,
			Events: len(grp), Goroutines: 4, Objects: 2}, nil)
	syncs := syncRun()
	addRun(13, "readers-writers", map[string]any{}, &seed, "", syncs, syncEnd(syncs), nil)
	// A steered run: the events up to its first choice, the choice, a pick refused, then
	// stopped while it waits.
	steered := seededRun()[:5]
	lines = append(lines,
		mustJSON(metaMessage{V: stage.SchemaVersion, Type: typeMeta, Run: 14, Scenario: "worker-pool", Params: pool,
			Mode: scenarios.Steered, Speed: 1, Seed: &seed, Processors: 1}))
	msg, _ := appendEventsMessage(nil, 14, steered, 1<<20)
	lines = append(lines, msg,
		mustJSON(newChoiceMessage(14, stage.Choice{Step: 1, Events: len(steered), Options: []stage.Option{
			{G: 1, Name: "main", Op: string(stage.KindWaitBegin), Obj: 1, Line: 16, Text: "wait for wg"},
			{G: 2, Name: "worker 1", Op: "start", Text: "start"},
			{G: 3, Name: "worker 2", Op: "start", Text: "start"},
		}})),
		mustJSON(errorMessage{V: stage.SchemaVersion, Type: typeError, Run: 14, Message: "goroutine 7 cannot run here; only 1 (main), 2 (worker 1) and 3 (worker 2) can; the run waits for one of them"}),
		// the shape of a choice at a select with two cases ready, and where Back goes
		mustJSON(newChoiceMessage(14, stage.Choice{Step: 2, Schedule: mustSchedule("g"), Back: mustSchedule(""), HasBack: true,
			Select: &stage.Option{G: 1, Name: "main", Op: string(stage.KindSelectBegin), Line: 20, Text: "select"},
			Cases:  []stage.CaseOption{{Case: 0, Dir: "recv", Obj: 2, Line: 21, Text: "receive from a"}, {Case: 1, Dir: "send", Obj: 3, Line: 22, Text: "send on b"}}})),
		mustJSON(newEndMessage(14, stage.End{Reason: stage.ReasonStopped, Message: "stopped after waiting 10m0s for a pick, the longest a steered run waits; its schedule brings it back to this step",
			Events: len(steered), Goroutines: 3, Objects: 1}, nil)))
	lines = append(lines,
		[]byte(`{"v":1,"type":"choice","run":14,"step":1,"schedule":"","options":[],"_malformed":true}`),
		[]byte(`{"v":1,"type":"choice","run":14,"step":0,"schedule":"","options":[{"g":1,"name":"main","op":"start","text":"start"}],"_malformed":true}`),
		[]byte(`{"v":1,"type":"choice","run":14,"step":1,"schedule":"","options":[{"g":1,"name":"main","op":"start"}],"_malformed":true}`),
		[]byte(`{"v":1,"type":"choice","run":14,"step":2,"schedule":"g","select":{"g":1,"name":"main","op":"select-begin","text":"select"},"cases":[{"case":1,"dir":"recv","text":"receive from a"},{"case":0,"dir":"recv","text":"receive from b"}],"_malformed":true}`),
		mustJSON(errorMessage{V: stage.SchemaVersion, Type: typeError, Message: "producers must be 1–16, got 500"}),
		[]byte(`{"v":1,"type":"events","run":1,"events":[{"seq":"one","t":0,"g":1,"kind":"print"}],"_malformed":true}`),
		[]byte(`{"v":2,"type":"meta","run":3,"scenario":"channels","params":{},"mode":"live","speed":1,"_malformed":true}`),
		[]byte(`{"v":1,"type":"teleport","_malformed":true}`),
		// fields of the wrong type, each checked by the event's own keys
		[]byte(`{"v":1,"type":"events","run":1,"events":[{"seq":900,"t":0,"g":1,"kind":"close","obj":"1"}],"_malformed":true}`),
		[]byte(`{"v":1,"type":"events","run":1,"events":[{"seq":900,"t":0,"g":1,"kind":"recv-end","obj":1,"closed":"yes"}],"_malformed":true}`),
		[]byte(`{"v":1,"type":"events","run":1,"events":[{"seq":900,"t":0,"g":1,"kind":"print","value":5}],"_malformed":true}`),
		[]byte(`{"v":1,"type":"events","run":1,"events":[{"seq":900,"t":0,"g":1,"kind":"print","line":null}],"_malformed":true}`),
	)
	return lines
}

// TestProtocolGolden keeps testdata/protocol.golden.jsonl equal to what the Go side sends.
// The browser test of the decoder reads the same file. Run with -update after a deliberate
// protocol change, and bump stage.SchemaVersion if old clients would misread it.
func TestProtocolGolden(t *testing.T) {
	got := bytes.Join(protocolMessages(t), []byte("\n"))
	got = append(got, '\n')
	path := filepath.Join("testdata", protocolFixture)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./server -run ProtocolGolden -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the protocol changed: %s differs from what the server sends; if that is intended, run with -update", path)
	}
}

// mustSchedule is the schedule of a fixture's text, which is one.
func mustSchedule(text string) stage.Schedule {
	s, err := stage.ParseSchedule(text)
	if err != nil {
		panic(err)
	}
	return s
}
