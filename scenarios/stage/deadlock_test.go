package stage

import (
	"context"
	"sync"
	"testing"
	"time"
)

// A starved machine: the runtime has handed main the value it waits for, but main is slow to
// run again and still counts as blocked receiving, while the sender, its send done, waits on
// a waitgroup main is to release. Every goroutine looks blocked, for as long as the machine
// likes; only what was recorded of the channel (a value sent, none received) shows that main
// can go on. The watch must keep waiting, and the run end done. The hooks stand for the slow
// machine, so nothing here depends on timing.
func TestALiveRunSlowToTakeAHandoffIsNotDeadlocked(t *testing.T) {
	mainWaits := make(chan struct{})
	release := make(chan struct{})
	var releaseOnce sync.Once
	checks, stuck := 0, 0
	h := &hooks{
		watchEvery: time.Millisecond,
		receiving:  func() { close(mainWaits) },
		received:   func() { <-release },
		watched: func(s bool) {
			if s {
				stuck++
			}
			// Main runs again after 50 checks, or once the watch has got it wrong, so that
			// a wrong verdict fails the test rather than hanging it.
			if checks++; checks == 50 || s {
				releaseOnce.Do(func() { close(release) })
			}
		},
	}
	events, end := Record(context.Background(), Config{hooks: h}, func(g *G) {
		ch := NewChan[int](g, "ch", 0)
		wg := NewWaitGroup(g, "wg")
		wg.Add(g, 1)
		g.Go("sender", func(g *G) {
			<-mainWaits // send once main is blocked receiving: it takes the value in the runtime
			ch.Send(g, 1)
			wg.Wait(g)
		})
		ch.Recv(g)
		wg.Done(g)
	})
	if end.Reason != ReasonDone {
		t.Fatalf("ended %s: %s", end.Reason, end.Message)
	}
	if checks < 50 || stuck > 0 {
		t.Errorf("the watch checked %d times and found the run stuck %d times, want at least 50 and none", checks, stuck)
	}
	if err := Validate(events, end); err != nil {
		t.Error(err)
	}
}

// Each live object tells a goroutine that is stuck from one the runtime has let go but that
// has not recorded it yet.
func TestLiveObjectsTellStuckFromSlow(t *testing.T) {
	full := make(chan item[int], 1)
	full <- item[int]{}
	for _, tc := range []struct {
		name  string
		obj   liveObject
		w     waits
		stuck bool
	}{
		{"a receiver, nothing sent", &liveChan[int]{c: &Chan[int]{}, ch: make(chan item[int])}, waits{receivers: 1}, true},
		{"a receiver handed a value it has not recorded", &liveChan[int]{c: &Chan[int]{}, ch: make(chan item[int]), sends: 3, receipt: 2}, waits{receivers: 1}, false},
		{"a receiver, a value buffered", &liveChan[int]{c: &Chan[int]{cap: 1}, ch: full, sends: 1}, waits{receivers: 1}, false},
		{"a receiver on a closed channel", &liveChan[int]{c: &Chan[int]{closed: true}, ch: make(chan item[int])}, waits{receivers: 1}, false},
		{"a sender and a receiver", &liveChan[int]{c: &Chan[int]{}, ch: make(chan item[int])}, waits{senders: 1, receivers: 1}, false},
		{"a sender, no receiver", &liveChan[int]{c: &Chan[int]{}, ch: make(chan item[int]), sends: 2, receipt: 2}, waits{senders: 1}, true},
		{"a sender whose value was taken, unrecorded", &liveChan[int]{c: &Chan[int]{}, ch: make(chan item[int]), sends: 2, receipt: 3}, waits{senders: 1}, false},
		{"a sender, the buffer full", &liveChan[int]{c: &Chan[int]{cap: 1}, ch: full, sends: 1}, waits{senders: 1}, true},
		{"a sender, the buffer with room", &liveChan[int]{c: &Chan[int]{cap: 2}, ch: make(chan item[int], 2), sends: 1, receipt: 1}, waits{senders: 1}, false},
		{"a locker, the mutex held", &liveMutex{held: true, waiting: 1}, waits{lockers: 1}, true},
		{"a locker handed the mutex, unrecorded", &liveMutex{held: true, waiting: 0}, waits{lockers: 1}, false},
		{"a waiter, the counter above zero", &liveWaitGroup{w: &WaitGroup{n: 1}, waiting: 1}, waits{waiters: 1}, true},
		{"a waiter woken, unrecorded", &liveWaitGroup{w: &WaitGroup{n: 0}}, waits{waiters: 1}, false},
	} {
		if got := tc.obj.stuckLocked(tc.w); got != tc.stuck {
			t.Errorf("%s: stuck %v, want %v", tc.name, got, tc.stuck)
		}
	}
}
