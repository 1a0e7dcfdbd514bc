package stage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// semaPrelude is validatorPrelude with a semaphore of size 4 (object 4), a context (5) and an
// errgroup with that context and a limit of 2 (6).
func semaPrelude(more ...Event) []Event {
	return validatorPrelude(append([]Event{
		{G: 1, Kind: KindNew, Obj: 4, ObjKind: ObjSemaphore, Name: "sem", Cap: 4},
		{G: 1, Kind: KindNew, Obj: 5, ObjKind: ObjContext, Name: "group context"},
		{G: 1, Kind: KindNew, Obj: 6, ObjKind: ObjErrGroup, Name: "group", Parent: 5},
		{G: 1, Kind: KindGroupLimit, Obj: 6, Value: "2"},
	}, more...)...)
}

// acquired is g taking n of the semaphore at once, from old in use.
func acquired(g int, n, old int64) []Event {
	return []Event{
		{G: g, Kind: KindAcquireBegin, Obj: 4, Value: fmt.Sprint(n)},
		{G: g, Kind: KindAcquireEnd, Obj: 4, Old: old, New: old + n},
	}
}

// grouped is main's Go on the group, from old active, starting goroutine child.
func grouped(child int, old int64) []Event {
	return []Event{
		{G: 1, Kind: KindGroupGoBegin, Obj: 6},
		{G: 1, Kind: KindGroupGoEnd, Obj: 6, Old: old, New: old + 1},
		{G: 1, Kind: KindGo, Child: child, Name: fmt.Sprint("fetch ", child)},
	}
}

func join(parts ...[]Event) []Event {
	var out []Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// goodSemaBody is a story with every rule kept, told after semaPrelude: main holds 3, a
// waits for 2 and b, behind it, for 1; main's release serves both in order; a group's first
// error cancels its context, and Wait returns it. The numbers are the events' indexes, which
// the table below edits.
func goodSemaBody() []Event {
	return join(
		acquired(1, 3, 0), // 0, 1
		[]Event{
			{G: 2, Kind: KindAcquireBegin, Obj: 4, Value: "2"},                  // 2
			{G: 3, Kind: KindAcquireBegin, Obj: 4, Value: "1"},                  // 3
			{G: 1, Kind: KindAcquireBegin, Obj: 4, Op: "try", Value: "1"},       // 4
			{G: 1, Kind: KindAcquireEnd, Obj: 4, Op: "refused", Old: 3, New: 3}, // 5
			{G: 1, Kind: KindSemRelease, Obj: 4, Value: "3", Old: 3, New: 0},    // 6
			{G: 2, Kind: KindAcquireEnd, Obj: 4, Old: 0, New: 2},                // 7
			{G: 3, Kind: KindAcquireEnd, Obj: 4, Old: 2, New: 3},                // 8
		},
		grouped(4, 0), // 9, 10, 11
		grouped(5, 1), // 12, 13, 14
		[]Event{
			{G: 1, Kind: KindGroupGoBegin, Obj: 6, Op: "try"},                               // 15
			{G: 1, Kind: KindGroupGoEnd, Obj: 6, Op: "refused", Old: 2, New: 2},             // 16
			{G: 1, Kind: KindGroupWaitBegin, Obj: 6},                                        // 17
			{G: 4, Kind: KindGroupDone, Obj: 6, Op: "first", Value: "boom", Old: 2, New: 1}, // 18
			{G: 4, Kind: KindCancel, Obj: 5, Value: context.Canceled.Error()},               // 19
			{G: 4, Kind: KindExit}, // 20
			{G: 5, Kind: KindGroupDone, Obj: 6, Op: "later", Value: "context canceled", Old: 1, New: 0}, // 21
			{G: 1, Kind: KindGroupWaitEnd, Obj: 6, Value: "boom"},                                       // 22
			{G: 5, Kind: KindExit}, // 23
			{G: 2, Kind: KindExit}, // 24
			{G: 3, Kind: KindExit}, // 25
			{G: 1, Kind: KindExit}, // 26
		},
	)
}

func TestValidateAcceptsAGoodSemaphoreAndGroup(t *testing.T) {
	if err := Validate(semaPrelude(goodSemaBody()...), End{Reason: ReasonDone}); err != nil {
		t.Fatalf("a good trace was refused:\n%v", err)
	}
}

// Each broken rule of the semaphore and the errgroup is one problem.
func TestValidateCatchesEachBrokenSemaphoreAndGroupRule(t *testing.T) {
	// edited is the good story changed by change, numbered afresh.
	edited := func(change func(ev []Event) []Event) []Event { return semaPrelude(change(goodSemaBody())...) }
	set := func(i int, e Event) []Event {
		return edited(func(ev []Event) []Event { ev[i] = e; return ev })
	}
	without := func(drop ...int) []Event {
		return edited(func(ev []Event) []Event {
			var out []Event
			for i, e := range ev {
				if !slices.Contains(drop, i) {
					out = append(out, e)
				}
			}
			return out
		})
	}
	insert := func(at int, e Event) []Event {
		return edited(func(ev []Event) []Event { return slices.Insert(ev, at, e) })
	}
	tests := []struct {
		name   string
		events []Event
		end    End
		want   string
	}{
		{"weight does not chain", semaPrelude(join(acquired(1, 1, 0), acquired(2, 1, 2))...), End{},
			"Acquire on sem steps from 2 in use, but 1 was"},
		{"weight beyond the size", semaPrelude(join(acquired(1, 3, 0), acquired(2, 2, 3))...), End{},
			"Acquire(2) on sem puts 5 in use, more than its size 4"},
		{"served out of order", edited(func(ev []Event) []Event {
			ev[7], ev[8] = Event{G: 3, Kind: KindAcquireEnd, Obj: 4, Old: 0, New: 1}, Event{G: 2, Kind: KindAcquireEnd, Obj: 4, Old: 1, New: 3}
			return ev
		}), End{}, "Acquire(1) on sem is served while goroutine 2, which began waiting before it (seq 13), still waits (FIFO)"},
		{"try barges in", semaPrelude(join(acquired(1, 3, 0), []Event{
			{G: 2, Kind: KindAcquireBegin, Obj: 4, Value: "2"},
			{G: 3, Kind: KindAcquireBegin, Obj: 4, Op: "try", Value: "1"},
			{G: 3, Kind: KindAcquireEnd, Obj: 4, Old: 3, New: 4},
		})...), End{}, "TryAcquire(1) on sem succeeds while goroutine 2 waits"},
		{"try refused though it fits", semaPrelude(
			Event{G: 1, Kind: KindAcquireBegin, Obj: 4, Op: "try", Value: "1"},
			Event{G: 1, Kind: KindAcquireEnd, Obj: 4, Op: "refused"},
		), End{}, "TryAcquire(1) on sem is refused, but a TryAcquire of it would fit"},
		{"fails with no context's error", semaPrelude(
			Event{G: 1, Kind: KindAcquireBegin, Obj: 4, Value: "1"},
			Event{G: 1, Kind: KindAcquireEnd, Obj: 4, Op: "canceled", Value: "timeout"},
		), End{}, `Acquire(1) on sem fails with "timeout", not a context's error`},
		{"released more than held", semaPrelude(join(acquired(1, 1, 0), []Event{
			{G: 1, Kind: KindSemRelease, Obj: 4, Value: "2", Old: 1, New: -1},
		})...), End{}, "Release(2) on sem leaves -1 in use"},
		{"a waiter that fits left waiting", without(8, 25), End{Reason: ReasonDone, Leftover: []string{"b"}},
			"goroutine 3 still waits in Acquire(1) on sem with 2 of 4 in use: it fits, and is first"},
		{"group beyond its limit", semaPrelude(join(grouped(4, 0), grouped(5, 1), grouped(6, 2))...), End{},
			"Go on group takes a slot while 2 of limit 2 are active"},
		{"Go starts nothing", semaPrelude(join(grouped(4, 0)[:2], []Event{{G: 1, Kind: KindPrint, Value: "hi"}})...), End{},
			"Go on group was given its slot, but goroutine 1 starts no goroutine next"},
		{"two first errors", set(21, Event{G: 5, Kind: KindGroupDone, Obj: 6, Op: "first", Value: "context canceled", Old: 1, New: 0}), End{},
			"group has a second first error (the first at seq 29)"},
		{"Wait returns early", edited(func(ev []Event) []Event { ev[21], ev[22] = ev[22], ev[21]; return ev }), End{},
			"Wait on group returns while 1 of its goroutines are active"},
		{"Wait returns another error", set(22, Event{G: 1, Kind: KindGroupWaitEnd, Obj: 6, Value: "context canceled"}), End{},
			`Wait on group returns "context canceled", but the first error was "boom"`},
		{"first error cancels nothing", without(19), End{Reason: ReasonDone},
			"group's first error (seq 29) did not cancel its context group context"},
		{"cancelled before any error", edited(func(ev []Event) []Event {
			c := ev[19]
			c.G = 1
			return slices.Insert(slices.Delete(ev, 19, 20), 15, c)
		}), End{}, "the context of group is cancelled before any error and before Wait returned"},
		{"SetLimit while active", insert(12, Event{G: 1, Kind: KindGroupLimit, Obj: 6, Value: "2"}), End{},
			"SetLimit on group while 1 goroutines are active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.events, tt.end)
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
