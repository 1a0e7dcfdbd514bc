package stage

import "testing"

// RWMutex, Cond and Once tell a goroutine that is stuck from one handed on but that has not
// recorded it yet: a queued waiter is stuck, one taken off the queue is not.
func TestSyncObjectsTellStuckFromSlow(t *testing.T) {
	g := &G{name: "a"}
	for _, tc := range []struct {
		name  string
		obj   liveObject
		w     waits
		stuck bool
	}{
		{"a reader queued behind a writer", &RWMutex{writer: g, rq: waitQueue{g}}, waits{rlockers: 1}, true},
		{"a reader let in, unrecorded", &RWMutex{readers: []*G{g}}, waits{rlockers: 1}, false},
		{"a writer queued behind readers", &RWMutex{readers: []*G{g}, wq: waitQueue{g}}, waits{wlockers: 1}, true},
		{"a writer handed the lock, unrecorded", &RWMutex{writer: g}, waits{wlockers: 1}, false},
		{"a reader and a writer queued", &RWMutex{readers: []*G{g}, rq: waitQueue{g}, wq: waitQueue{g}}, waits{rlockers: 1, wlockers: 1}, true},
		{"a waiter in Wait", &Cond{waiters: waitQueue{g}}, waits{condWaiters: 1}, true},
		{"a waiter signalled, unrecorded", &Cond{}, waits{condWaiters: 1}, false},
		{"a Do waiting for the function", &Once{runner: g, waiters: waitQueue{g}}, waits{onceWaiters: 1}, true},
		{"a Do woken as the function returned, unrecorded", &Once{runner: g, done: true}, waits{onceWaiters: 1}, false},
	} {
		if got := tc.obj.stuckLocked(tc.w); got != tc.stuck {
			t.Errorf("%s: stuck %v, want %v", tc.name, got, tc.stuck)
		}
	}
}
