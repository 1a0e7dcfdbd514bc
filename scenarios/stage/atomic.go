package stage

import (
	"fmt"
	"strconv"
	"sync/atomic"
)

// AtomicInt is an int64 changed only by atomic operations, like sync/atomic.Int64. It is the
// same in both schedulers: a real atomic, changed under the recorder lock so that the
// recorded order of atomic events is the order they took effect.
type AtomicInt struct {
	id   int
	name string
	v    atomic.Int64
}

// NewAtomicInt makes an atomic integer named name holding initial.
//
//go:noinline
func NewAtomicInt(g *G, name string, initial int64) *AtomicInt {
	pc := callerPC()
	a := &AtomicInt{name: name}
	a.v.Store(initial)
	a.id = g.newObject(Event{ObjKind: ObjAtomic, Name: name}, strconv.FormatInt(initial, 10), nil, pc)
	return a
}

// atomically does o on the value and records it. Its value — none for a load, cas's old and
// new (arg, arg2) as "old→new", and the number for the rest — is what the event's old and new
// say (numbersValue), so it is not stored, but for a compare-and-swap that failed, whose old
// and new are the value it found: an atomic event allocates nothing.
func (a *AtomicInt) atomically(g *G, pc uintptr, o op, arg, arg2 int64, do func() (old, new int64)) {
	r := g.enterAs(pending{kind: kindAtomic, op: o, obj: int32(a.id), pc: pc})
	old, new := do()
	e := entry{kind: kindAtomic, obj: int32(a.id), op: o}
	if o == opCAS && (old != arg || new != arg2) {
		e.text = r.texts.addPair(arg, arg2)
	}
	r.leave(g.recordWideLocked(&e, old, new, pc))
}

// Add adds delta and returns the new value, as atomic.Int64.Add.
//
//go:noinline
func (a *AtomicInt) Add(g *G, delta int64) (new int64) {
	a.atomically(g, callerPC(), opAdd, delta, 0, func() (int64, int64) {
		new = a.v.Add(delta)
		return new - delta, new
	})
	return new
}

// Load returns the value, as atomic.Int64.Load.
//
//go:noinline
func (a *AtomicInt) Load(g *G) (v int64) {
	a.atomically(g, callerPC(), opLoad, 0, 0, func() (int64, int64) {
		v = a.v.Load()
		return v, v
	})
	return v
}

// Store sets the value, as atomic.Int64.Store.
//
//go:noinline
func (a *AtomicInt) Store(g *G, v int64) {
	a.atomically(g, callerPC(), opStore, v, 0, func() (int64, int64) {
		return a.v.Swap(v), v
	})
}

// Swap sets the value and returns the old one, as atomic.Int64.Swap.
//
//go:noinline
func (a *AtomicInt) Swap(g *G, v int64) (old int64) {
	a.atomically(g, callerPC(), opSwap, v, 0, func() (int64, int64) {
		old = a.v.Swap(v)
		return old, v
	})
	return old
}

// CompareAndSwap sets the value to new if it is old, and reports whether it did, as
// atomic.Int64.CompareAndSwap.
//
//go:noinline
func (a *AtomicInt) CompareAndSwap(g *G, old, new int64) (swapped bool) {
	a.atomically(g, callerPC(), opCAS, old, new, func() (int64, int64) {
		before := a.v.Load()
		swapped = a.v.CompareAndSwap(old, new)
		if swapped {
			return before, new
		}
		return before, before
	})
	return swapped
}

// Name is the name the atomic was made with.
func (a *AtomicInt) Name() string { return a.name }

// format renders a value for the trace; small integers, the common case, skip fmt.
func format[T any](v T) string {
	switch x := any(v).(type) {
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return strconv.Quote(x)
	case struct{}:
		return "struct{}{}"
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
