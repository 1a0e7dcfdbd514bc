package stage

import (
	"strings"
	"testing"
)

// syncPrelude is validatorPrelude with an RWMutex (4), a Cond on the mutex (5) and a Once (6).
func syncPrelude(more ...Event) []Event {
	return validatorPrelude(append([]Event{
		{G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjRWMutex, Name: "table"},
		{G: 1, Kind: KindNew, Obj: 5, ObjKind: ObjCond, Name: "ready", Parent: 2},
		{G: 1, Kind: KindNew, Obj: 6, ObjKind: ObjOnce, Name: "setup"},
	}, more...)...)
}

// condWait is g's Wait on the cond from its start (holding the mutex) to its wait.
func condWait(g int) []Event {
	return []Event{
		{G: g, Kind: KindLockBegin, Obj: 2},
		{G: g, Kind: KindLockEnd, Obj: 2},
		{G: g, Kind: KindUnlock, Obj: 2},
		{G: g, Kind: KindCondWaitBegin, Obj: 5},
	}
}

func joined(parts ...[]Event) []Event {
	var out []Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestValidateAcceptsSyncTraces(t *testing.T) {
	good := syncPrelude(joined(
		[]Event{
			// Two readers at once, then a writer once both are out; the tries say truly.
			{G: 2, Kind: KindRLockBegin, Obj: 4},
			{G: 2, Kind: KindRLockEnd, Obj: 4},
			{G: 3, Kind: KindTryLock, Obj: 4, Op: "rlock", Value: "true"},
			{G: 1, Kind: KindTryLock, Obj: 4, Op: "lock", Value: "false"},
			{G: 1, Kind: KindLockBegin, Obj: 4},
			{G: 3, Kind: KindTryLock, Obj: 4, Op: "rlock", Value: "false"}, // a writer waits
			{G: 2, Kind: KindRUnlock, Obj: 4},
			{G: 3, Kind: KindRUnlock, Obj: 4},
			{G: 1, Kind: KindLockEnd, Obj: 4},
			{G: 1, Kind: KindUnlock, Obj: 4},
			{G: 1, Kind: KindSignal, Obj: 5, Op: "lost", Value: "0"},
		},
		condWait(2), condWait(3),
		[]Event{
			{G: 1, Kind: KindSignal, Obj: 5, Msg: 1, Value: "1"},
			{G: 2, Kind: KindCondWaitEnd, Obj: 5, Msg: 1},
			{G: 2, Kind: KindLockBegin, Obj: 2},
			{G: 2, Kind: KindLockEnd, Obj: 2},
			{G: 2, Kind: KindUnlock, Obj: 2},
			{G: 1, Kind: KindBroadcast, Obj: 5, Msg: 2, Value: "1"},
			{G: 3, Kind: KindCondWaitEnd, Obj: 5, Msg: 2},
			{G: 3, Kind: KindLockBegin, Obj: 2},
			{G: 3, Kind: KindLockEnd, Obj: 2},
			{G: 3, Kind: KindUnlock, Obj: 2},
			{G: 2, Kind: KindOnceRun, Obj: 6},
			{G: 3, Kind: KindOnceWaitBegin, Obj: 6},
			{G: 2, Kind: KindOnceDone, Obj: 6},
			{G: 3, Kind: KindOnceWaitEnd, Obj: 6},
			{G: 1, Kind: KindOnceWaitBegin, Obj: 6},
			{G: 1, Kind: KindOnceWaitEnd, Obj: 6},
			{G: 2, Kind: KindExit},
			{G: 3, Kind: KindExit},
			{G: 1, Kind: KindExit},
		})...)
	if err := Validate(good, End{Reason: ReasonDone}); err != nil {
		t.Fatalf("a good trace was refused:\n%v", err)
	}
}

func TestValidateCatchesEachBrokenSyncRule(t *testing.T) {
	tests := []struct {
		name   string
		events []Event
		want   string
	}{
		{"writer while a reader holds", syncPrelude(
			Event{G: 2, Kind: KindRLockBegin, Obj: 4},
			Event{G: 2, Kind: KindRLockEnd, Obj: 4},
			Event{G: 3, Kind: KindLockBegin, Obj: 4},
			Event{G: 3, Kind: KindLockEnd, Obj: 4},
		), "rwmutex table locked for writing while 1 readers hold it"},
		{"two writers", syncPrelude(
			Event{G: 2, Kind: KindLockBegin, Obj: 4},
			Event{G: 2, Kind: KindLockEnd, Obj: 4},
			Event{G: 3, Kind: KindTryLock, Obj: 4, Op: "lock", Value: "true"},
		), "rwmutex table taken while goroutine 2 holds it for writing"},
		{"reader while a writer holds", syncPrelude(
			Event{G: 2, Kind: KindLockBegin, Obj: 4},
			Event{G: 2, Kind: KindLockEnd, Obj: 4},
			Event{G: 3, Kind: KindRLockBegin, Obj: 4},
			Event{G: 3, Kind: KindRLockEnd, Obj: 4},
		), "rwmutex table taken while goroutine 2 holds it for writing"},
		{"read unlock with no reader", syncPrelude(
			Event{G: 2, Kind: KindRUnlock, Obj: 4},
		), "read-unlocks rwmutex table, which no reader holds"},
		{"unlock by another", syncPrelude(
			Event{G: 2, Kind: KindLockBegin, Obj: 4},
			Event{G: 2, Kind: KindLockEnd, Obj: 4},
			Event{G: 3, Kind: KindUnlock, Obj: 4},
		), "unlocks rwmutex table held for writing by goroutine 2"},
		{"a try that fails on a free lock", syncPrelude(
			Event{G: 2, Kind: KindTryLock, Obj: 4, Op: "rlock", Value: "false"},
		), "TryRLock of rwmutex table fails, but nothing kept it out"},
		{"a wait that keeps the mutex", syncPrelude(
			Event{G: 2, Kind: KindLockBegin, Obj: 2},
			Event{G: 2, Kind: KindLockEnd, Obj: 2},
			Event{G: 2, Kind: KindCondWaitBegin, Obj: 5},
		), "waits on cond ready without releasing its mutex mu just before"},
		{"Wait returns without the mutex", syncPrelude(joined(condWait(2), []Event{
			{G: 1, Kind: KindSignal, Obj: 5, Msg: 1, Value: "1"},
			{G: 2, Kind: KindCondWaitEnd, Obj: 5, Msg: 1},
			{G: 2, Kind: KindPrint, Value: "woke"},
		})...), "Wait returns without locking mutex mu again"},
		{"woken by a signal from before the wait", syncPrelude(joined([]Event{
			{G: 1, Kind: KindSignal, Obj: 5, Op: "lost", Value: "0"},
		}, condWait(2), []Event{
			{G: 2, Kind: KindCondWaitEnd, Obj: 5},
			{G: 2, Kind: KindLockBegin, Obj: 2},
		})...), "woken by wake 0, which no Signal or Broadcast on ready made for it"},
		{"a signal lost while one waits", syncPrelude(joined(condWait(2), []Event{
			{G: 1, Kind: KindSignal, Obj: 5, Op: "lost", Value: "0"},
		})...), "signal on ready wakes 0 goroutines, but 1 waited to be woken"},
		{"a broadcast that leaves one waiting", syncPrelude(joined(condWait(2), condWait(3), []Event{
			{G: 1, Kind: KindBroadcast, Obj: 5, Msg: 1, Value: "1"},
		})...), "broadcast on ready wakes 1 goroutines, but 2 waited to be woken"},
		{"a once's function runs twice", syncPrelude(
			Event{G: 2, Kind: KindOnceRun, Obj: 6},
			Event{G: 2, Kind: KindOnceDone, Obj: 6},
			Event{G: 3, Kind: KindOnceRun, Obj: 6},
		), "the function of once setup runs a second time"},
		{"Do returns before the function", syncPrelude(
			Event{G: 2, Kind: KindOnceRun, Obj: 6},
			Event{G: 3, Kind: KindOnceWaitBegin, Obj: 6},
			Event{G: 3, Kind: KindOnceWaitEnd, Obj: 6},
		), "Do on once setup returns before its function has"},
		{"done by another", syncPrelude(
			Event{G: 2, Kind: KindOnceRun, Obj: 6},
			Event{G: 3, Kind: KindOnceDone, Obj: 6},
		), "once setup is done by goroutine 3, which is not running its function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.events, End{})
			if err == nil {
				t.Fatalf("broken trace accepted; want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got\n%v\nwant it to say %q", err, tt.want)
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Errorf("%d problems, want 1, that of the one broken rule:\n%v", n, err)
			}
		})
	}
}
