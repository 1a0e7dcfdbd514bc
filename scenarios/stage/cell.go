package stage

import (
	"fmt"
)

// Cell and RefCell kinds: Rust's interior mutability, which Go has no twin for.
const (
	KindCellGet     Kind = "cell-get"     // g read Value from cell Obj
	KindCellSet     Kind = "cell-set"     // g wrote Value into cell Obj
	KindBorrow      Kind = "borrow"       // g took a shared borrow of refcell Obj; Borrows after
	KindBorrowMut   Kind = "borrow-mut"   // g took the mutable borrow; Borrows is -1
	KindRelease     Kind = "release"      // g dropped its borrow (Op shared or mut); Value the contents
	KindBorrowError Kind = "borrow-error" // g asked for a borrow the rules forbid; Value is Rust's error
	KindNotSync     Kind = "not-sync"     // a second goroutine touched Obj, which Rust keeps to one thread
)

// Object kinds of this file.
const (
	ObjCell    ObjKind = "cell"
	ObjRefCell ObjKind = "refcell"
)

// threadBound is what Cell and RefCell share: Rust lets only one thread use them (they are
// not Sync), so the stage notes the first time a second goroutine touches one.
type threadBound struct {
	id, owner int
	kind      string
	warned    bool
}

// touchLocked records a not-sync event the first time g is not the owner. Callers hold r.mu.
func (t *threadBound) touchLocked(g *G, pc uintptr) bool {
	if g.id == t.owner || t.warned {
		return true
	}
	t.warned = true
	return g.recordLocked(&entry{kind: kindNotSync, obj: int32(t.id),
		text: g.run.texts.addString(fmt.Sprintf("%s is not Sync: Rust rejects sharing it between threads at compile time", t.kind))}, pc)
}

// Cell is Rust's Cell<T>: a value replaced or copied out whole, never borrowed. Make one with
// NewCell.
type Cell[T any] struct {
	threadBound
	name  string
	value T // guarded by the run's recorder lock
}

// NewCell makes a cell named name holding v, as Cell::new(v).
//
//go:noinline
func NewCell[T any](g *G, name string, v T) *Cell[T] {
	pc := callerPC()
	c := &Cell[T]{name: name, value: v}
	c.owner, c.kind = g.id, "Cell"
	c.id = g.newObject(Event{ObjKind: ObjCell, Name: name}, format(v), nil, pc)
	return c
}

// Get copies the value out, as Cell::get.
//
//go:noinline
func (c *Cell[T]) Get(g *G) T {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindCellGet, obj: int32(c.id), pc: pc})
	v := c.value
	r.leave(c.touchLocked(g, pc) && g.recordLocked(&entry{kind: kindCellGet, obj: int32(c.id), text: r.texts.add(show(v))}, pc))
	return v
}

// Set replaces the value, as Cell::set.
//
//go:noinline
func (c *Cell[T]) Set(g *G, v T) {
	pc := callerPC()
	r := g.enterAs(pending{kind: kindCellSet, obj: int32(c.id), pc: pc})
	ok := c.touchLocked(g, pc) && g.recordLocked(&entry{kind: kindCellSet, obj: int32(c.id), text: r.texts.add(show(v))}, pc)
	if ok {
		c.value = v
	}
	r.leave(ok)
}

// BorrowError is the panic value of a borrow the rules forbid, carrying Rust's message.
type BorrowError struct{ Message string }

// What Rust's borrow_mut and borrow panic with when the rules forbid the borrow (as of Rust
// 1.95: the Display of BorrowMutError and BorrowError, which try_borrow_mut and try_borrow
// return instead of panicking).
const (
	AlreadyBorrowed        = "RefCell already borrowed"
	AlreadyMutablyBorrowed = "RefCell already mutably borrowed"
)

func (e BorrowError) Error() string { return e.Message }

// RefCell is Rust's RefCell<T>: borrows checked at run time. Any number of shared borrows, or
// one mutable borrow; asking for a borrow that breaks this panics, as in Rust.
type RefCell[T any] struct {
	threadBound
	name string
	// Guarded by the run's recorder lock: the contents, and shared borrows outstanding
	// (-1 while mutably borrowed).
	value   T
	borrows int
}

// NewRefCell makes a refcell named name holding v, as RefCell::new(v).
//
//go:noinline
func NewRefCell[T any](g *G, name string, v T) *RefCell[T] {
	pc := callerPC()
	c := &RefCell[T]{name: name, value: v}
	c.owner, c.kind = g.id, "RefCell"
	c.id = g.newObject(Event{ObjKind: ObjRefCell, Name: name}, format(v), nil, pc)
	return c
}

// Ref is a shared borrow: read with Get, end with Release (Rust drops it at scope end). It is
// a value, as Rust's is, so that a borrow allocates nothing; a copy released as well as its
// original is caught by the cell's count.
type Ref[T any] struct {
	cell *RefCell[T]
	done bool
}

// RefMut is the mutable borrow: read with Get, write with Set, end with Release. It is a
// value, as Ref is.
type RefMut[T any] struct {
	cell *RefCell[T]
	done bool
}

// Borrow takes a shared borrow, as RefCell::borrow; it panics with a BorrowError while the
// cell is mutably borrowed.
//
//go:noinline
func (c *RefCell[T]) Borrow(g *G) Ref[T] {
	c.borrow(g, callerPC(), false)
	return Ref[T]{cell: c}
}

// BorrowMut takes the mutable borrow, as RefCell::borrow_mut; it panics with a BorrowError
// while any borrow is outstanding.
//
//go:noinline
func (c *RefCell[T]) BorrowMut(g *G) RefMut[T] {
	c.borrow(g, callerPC(), true)
	return RefMut[T]{cell: c}
}

func (c *RefCell[T]) borrow(g *G, pc uintptr, mut bool) {
	next := pending{kind: kindBorrow, obj: int32(c.id), pc: pc}
	if mut {
		next.kind = kindBorrowMut
	}
	r := g.enterAs(next)
	ok := c.touchLocked(g, pc)
	var failure string
	switch {
	case !ok:
	case mut && c.borrows != 0:
		failure = AlreadyBorrowed
	case !mut && c.borrows < 0:
		failure = AlreadyMutablyBorrowed
	case mut:
		c.borrows = -1
		ok = g.recordLocked(&entry{kind: kindBorrowMut, obj: int32(c.id), text: r.texts.add(show(c.value)), aux: borrowsAux(-1)}, pc)
	default:
		c.borrows++
		ok = g.recordLocked(&entry{kind: kindBorrow, obj: int32(c.id), text: r.texts.add(show(c.value)), aux: borrowsAux(c.borrows)}, pc)
	}
	if failure != "" {
		ok = g.recordLocked(&entry{kind: kindBorrowError, obj: int32(c.id), text: r.texts.addString(failure), aux: borrowsAux(c.borrows)}, pc)
	}
	r.leave(ok)
	if failure != "" {
		panic(BorrowError{Message: failure})
	}
}

func (c *RefCell[T]) release(g *G, pc uintptr, mut bool) {
	r := g.enterAs(pending{kind: kindRelease, obj: int32(c.id), pc: pc})
	if mut && c.borrows != -1 || !mut && c.borrows <= 0 {
		// A copy of a borrow released besides the borrow: checked before anything is recorded.
		r.mu.Unlock()
		panic("RefCell borrow released twice")
	}
	o := opShared
	if mut {
		o = opMut
		c.borrows = 0
	} else {
		c.borrows--
	}
	r.leave(c.touchLocked(g, pc) && g.recordLocked(&entry{kind: kindRelease, obj: int32(c.id), op: o, text: r.texts.add(show(c.value)), aux: borrowsAux(c.borrows)}, pc))
}

// borrowsAux is a refcell event's borrows as its entry holds them (auxBorrows).
func borrowsAux(borrows int) uint32 { return uint32(int32(borrows)) }

// Get reads the borrowed value.
func (b *Ref[T]) Get() T { return b.cell.value }

// Release ends the borrow; releasing twice panics.
//
//go:noinline
func (b *Ref[T]) Release(g *G) {
	if b.done {
		panic("RefCell borrow released twice")
	}
	b.done = true
	b.cell.release(g, callerPC(), false)
}

// Get reads the borrowed value.
func (b *RefMut[T]) Get() T { return b.cell.value }

// Set replaces the borrowed value.
func (b *RefMut[T]) Set(v T) { b.cell.value = v }

// Release ends the borrow; releasing twice panics.
//
//go:noinline
func (b *RefMut[T]) Release(g *G) {
	if b.done {
		panic("RefCell borrow released twice")
	}
	b.done = true
	b.cell.release(g, callerPC(), true)
}
