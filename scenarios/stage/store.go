package stage

import (
	"strconv"
	"unsafe"
)

// How a run stores its trace. An Event is 192 bytes with five strings; stored as it is, a long
// trace is tens of megabytes the garbage collector scans on every cycle, and appending one is
// a copy with write barriers. The run keeps a pointer-free entry instead — the kind as a byte,
// the value's text in an append-only arena, the fields only a few kinds use (go, new, atomic,
// waitgroup, refcell, work, sleep, deadlock) aside in extras — and Events builds Events from it.

// kind is the stored form of a Kind: its index in kindNames.
type kind uint8

// The stored kinds, one for each Kind.
const (
	kindGo kind = iota
	kindExit
	kindNew
	kindSendBegin
	kindSendEnd
	kindRecvBegin
	kindRecvEnd
	kindClose
	kindLockBegin
	kindLockEnd
	kindUnlock
	kindAtomic
	kindWorkBegin
	kindWorkEnd
	kindSleepBeg
	kindSleepEnd
	kindPrint
	kindPanic
	kindWGAdd
	kindWaitBegin
	kindWaitEnd
	kindCellGet
	kindCellSet
	kindBorrow
	kindBorrowMut
	kindRelease
	kindBorrowError
	kindNotSync
	kindDeadlock
	numKinds
)

// kindNames maps each stored kind to the Kind it stands for. It is never written.
var kindNames = [numKinds]Kind{
	kindGo:          KindGo,
	kindExit:        KindExit,
	kindNew:         KindNew,
	kindSendBegin:   KindSendBegin,
	kindSendEnd:     KindSendEnd,
	kindRecvBegin:   KindRecvBegin,
	kindRecvEnd:     KindRecvEnd,
	kindClose:       KindClose,
	kindLockBegin:   KindLockBegin,
	kindLockEnd:     KindLockEnd,
	kindUnlock:      KindUnlock,
	kindAtomic:      KindAtomic,
	kindWorkBegin:   KindWorkBegin,
	kindWorkEnd:     KindWorkEnd,
	kindSleepBeg:    KindSleepBeg,
	kindSleepEnd:    KindSleepEnd,
	kindPrint:       KindPrint,
	kindPanic:       KindPanic,
	kindWGAdd:       KindWGAdd,
	kindWaitBegin:   KindWaitBegin,
	kindWaitEnd:     KindWaitEnd,
	kindCellGet:     KindCellGet,
	kindCellSet:     KindCellSet,
	kindBorrow:      KindBorrow,
	kindBorrowMut:   KindBorrowMut,
	kindRelease:     KindRelease,
	kindBorrowError: KindBorrowError,
	kindNotSync:     KindNotSync,
	kindDeadlock:    KindDeadlock,
}

// entry is an event as a run stores it. Seq is its position; T and Line are filled by
// appendLocked.
type entry struct {
	t      int64
	msg    int64
	g      int32
	obj    int32
	line   int32
	text   textRef // Value
	kind   kind
	closed bool
	// extra is 1 + the index in Run.extras of the event holding this one's other fields
	// (Child, Name, ObjKind, Cap, Op, Old, New, Dur, Borrows), or 0 when it has none.
	extra int32
}

// entryChunk is how many entries a storage chunk holds. Chunks never move once allocated, so
// recording costs no copying as a trace grows, and one allocation serves many events.
const entryChunk = 1024

// textRef locates a value's text in a run's text arena: n bytes at off in chunk.
type textRef struct {
	chunk, off, n uint32
}

// textChunk is the size of a text arena chunk; a longer text gets a chunk of its own.
const textChunk = 64 << 10

// textArena holds the values' text, appended and never changed: a chunk is never reallocated
// and its written bytes are never written again, so the strings Events hands out can point
// into it rather than each being a copy.
type textArena struct {
	chunks [][]byte
}

// reserve returns the chunk index to append n bytes to, making room if needed.
func (a *textArena) reserve(n int) uint32 {
	last := len(a.chunks) - 1
	if last < 0 || cap(a.chunks[last])-len(a.chunks[last]) < n {
		a.chunks = append(a.chunks, make([]byte, 0, max(textChunk, n)))
		last++
	}
	return uint32(last)
}

// add appends v's text and returns where it is.
func (a *textArena) add(v shown) textRef {
	if v.isInt {
		// Straight into the arena: no string is made for a number.
		c := a.reserve(20) // the longest int64 in decimal, with its sign
		buf := a.chunks[c]
		off := len(buf)
		buf = strconv.AppendInt(buf, v.n, 10)
		a.chunks[c] = buf
		return textRef{chunk: c, off: uint32(off), n: uint32(len(buf) - off)}
	}
	return a.addString(v.s)
}

// addString appends s and returns where it is.
func (a *textArena) addString(s string) textRef {
	if s == "" {
		return textRef{}
	}
	c := a.reserve(len(s))
	off := len(a.chunks[c])
	a.chunks[c] = append(a.chunks[c], s...)
	return textRef{chunk: c, off: uint32(off), n: uint32(len(s))}
}

// string is the text at ref. It shares the arena's memory, which is never written again.
func (a *textArena) string(ref textRef) string {
	if ref.n == 0 {
		return ""
	}
	return unsafe.String(&a.chunks[ref.chunk][ref.off], ref.n)
}

// shown is a value ready to be recorded. Integers, by far the commonest values, keep their
// number and are written straight into the text arena under the recorder lock; anything else
// is formatted when shown is made, before the lock, because fmt may call the value's own
// methods.
type shown struct {
	s     string
	n     int64
	isInt bool
}

// show prepares v for the trace; its text is what format(v) returns.
func show[T any](v T) shown {
	switch x := any(v).(type) {
	case int:
		return shown{n: int64(x), isInt: true}
	case int64:
		return shown{n: x, isInt: true}
	}
	return shown{s: format(v)}
}
