package main

import "interleave/scenarios/stage"

// syncRun is a seeded run of an RWMutex, a Cond and a Once for the protocol fixture: two
// readers hold the lock at once and a waiting writer keeps a TryRLock out until the reader
// leaves; a Signal no one waits for is lost, and a Broadcast wakes the waiter, who locks the
// mutex again; the waiter runs the Once's function while main's Do waits for it; then main
// read-locks again while a second writer waits, and the run ends in that deadlock.
func syncRun() []stage.Event {
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, ObjKind: stage.ObjRWMutex, Name: "table", Line: 10},
		{G: 1, Kind: stage.KindNew, Obj: 2, ObjKind: stage.ObjMutex, Name: "mu", Line: 11},
		{G: 1, Kind: stage.KindNew, Obj: 3, ObjKind: stage.ObjCond, Name: "ready", Parent: 2, Line: 12},
		{G: 1, Kind: stage.KindNew, Obj: 4, ObjKind: stage.ObjOnce, Name: "setup", Line: 13},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "reader", Line: 14},
		{G: 1, Kind: stage.KindGo, Child: 3, Name: "writer", Line: 15},
		{G: 2, Kind: stage.KindRLockBegin, Obj: 1, Line: 20},
		{G: 2, Kind: stage.KindRLockEnd, Obj: 1, Value: "3 rows", Line: 20},
		{G: 1, Kind: stage.KindTryLock, Obj: 1, Op: "rlock", Value: "true", Line: 16},
		{G: 1, Kind: stage.KindRUnlock, Obj: 1, Value: "3 rows", Line: 17},
		{G: 3, Kind: stage.KindLockBegin, Obj: 1, Line: 30},
		{G: 1, Kind: stage.KindTryLock, Obj: 1, Op: "rlock", Value: "false", Line: 18},
		{G: 2, Kind: stage.KindRUnlock, Obj: 1, Value: "3 rows", Line: 21},
		{G: 3, Kind: stage.KindLockEnd, Obj: 1, Value: "3 rows", Line: 30},
		{G: 3, Kind: stage.KindUnlock, Obj: 1, Value: "4 rows", Line: 31},
		{G: 3, Kind: stage.KindExit},
		{G: 1, Kind: stage.KindSignal, Obj: 3, Op: "lost", Value: "0", Line: 19},
		{G: 2, Kind: stage.KindLockBegin, Obj: 2, Line: 22},
		{G: 2, Kind: stage.KindLockEnd, Obj: 2, Line: 22},
		{G: 2, Kind: stage.KindUnlock, Obj: 2, Line: 23},
		{G: 2, Kind: stage.KindCondWaitBegin, Obj: 3, Line: 23},
		{G: 1, Kind: stage.KindLockBegin, Obj: 2, Line: 24},
		{G: 1, Kind: stage.KindLockEnd, Obj: 2, Line: 24},
		{G: 1, Kind: stage.KindBroadcast, Obj: 3, Msg: 1, Value: "1", Line: 25},
		{G: 1, Kind: stage.KindUnlock, Obj: 2, Line: 26},
		{G: 2, Kind: stage.KindCondWaitEnd, Obj: 3, Msg: 1, Line: 23},
		{G: 2, Kind: stage.KindLockBegin, Obj: 2, Line: 23},
		{G: 2, Kind: stage.KindLockEnd, Obj: 2, Line: 23},
		{G: 2, Kind: stage.KindUnlock, Obj: 2, Line: 24},
		{G: 2, Kind: stage.KindOnceRun, Obj: 4, Line: 25},
		{G: 1, Kind: stage.KindOnceWaitBegin, Obj: 4, Line: 27},
		{G: 2, Kind: stage.KindOnceDone, Obj: 4, Line: 25},
		{G: 1, Kind: stage.KindOnceWaitEnd, Obj: 4, Line: 27},
		{G: 2, Kind: stage.KindExit},
		{G: 1, Kind: stage.KindRLockBegin, Obj: 1, Line: 28},
		{G: 1, Kind: stage.KindRLockEnd, Obj: 1, Value: "4 rows", Line: 28},
		{G: 1, Kind: stage.KindGo, Child: 4, Name: "writer 2", Line: 29},
		{G: 4, Kind: stage.KindLockBegin, Obj: 1, Line: 30},
		{G: 1, Kind: stage.KindRLockBegin, Obj: 1, Line: 32},
		{G: 1, Kind: stage.KindDeadlock, Op: "rlock", Obj: 1, Value: "blocked in RLock on table (writer 2 waiting in Lock)"},
		{G: 4, Kind: stage.KindDeadlock, Op: "lock", Obj: 1, Value: "blocked in Lock on table (read-locked by main)"},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
		ev[i].T = int64(i) * 100_000
	}
	return ev
}

// syncEnd is syncRun's end.
func syncEnd(ev []stage.Event) stage.End {
	return stage.End{Reason: stage.ReasonDeadlock,
		Message:  "all goroutines are asleep - deadlock! main: blocked in RLock on table (writer 2 waiting in Lock); writer 2: blocked in Lock on table (read-locked by main)",
		Duration: ev[len(ev)-1].T, Events: len(ev), Goroutines: 4, Objects: 4}
}
