package stage

import (
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// How a run stores its trace. An Event is 192 bytes with five strings; stored as it is, a long
// trace is tens of megabytes the garbage collector scans on every cycle, and appending one is
// a copy with write barriers. The run keeps a pointer-free entry instead — the kind as a byte,
// the value's text in an append-only arena (an integer, the commonest value, in the reference
// itself), an op as a byte, and in aux what the kind needs more: a message id, a refcell's
// borrow count, or the two numbers of an atomic's or a waitgroup's old and new, a span's
// duration (packed into the entry when they fit, else in a pointer-free side store, wides),
// a go event's child — and Events builds Events from it. So most events cost their 32 bytes
// and nothing else. Only the kinds a run records a handful of times (new, deadlock) keep
// their other fields as whole Events aside, in extras.

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
	kindRunnableBegin
	kindRunnableEnd
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
	kindSelectBegin
	kindSelectEnd
	kindFire
	kindTimer
	kindCancel
	kindAcquireBegin
	kindAcquireEnd
	kindSemRelease
	kindGroupLimit
	kindGroupGoBegin
	kindGroupGoEnd
	kindGroupDone
	kindGroupWaitBegin
	kindGroupWaitEnd
	kindRLockBegin
	kindRLockEnd
	kindRUnlock
	kindTryLock
	kindCondWaitBegin
	kindCondWaitEnd
	kindSignal
	kindBroadcast
	kindOnceRun
	kindOnceDone
	kindOnceWaitBegin
	kindOnceWaitEnd
	numKinds
)

// kindNames maps each stored kind to the Kind it stands for. It is never written.
var kindNames = [numKinds]Kind{
	kindGo:             KindGo,
	kindExit:           KindExit,
	kindNew:            KindNew,
	kindSendBegin:      KindSendBegin,
	kindSendEnd:        KindSendEnd,
	kindRecvBegin:      KindRecvBegin,
	kindRecvEnd:        KindRecvEnd,
	kindClose:          KindClose,
	kindLockBegin:      KindLockBegin,
	kindLockEnd:        KindLockEnd,
	kindUnlock:         KindUnlock,
	kindAtomic:         KindAtomic,
	kindWorkBegin:      KindWorkBegin,
	kindWorkEnd:        KindWorkEnd,
	kindSleepBeg:       KindSleepBeg,
	kindSleepEnd:       KindSleepEnd,
	kindRunnableBegin:  KindRunnableBegin,
	kindRunnableEnd:    KindRunnableEnd,
	kindPrint:          KindPrint,
	kindPanic:          KindPanic,
	kindWGAdd:          KindWGAdd,
	kindWaitBegin:      KindWaitBegin,
	kindWaitEnd:        KindWaitEnd,
	kindCellGet:        KindCellGet,
	kindCellSet:        KindCellSet,
	kindBorrow:         KindBorrow,
	kindBorrowMut:      KindBorrowMut,
	kindRelease:        KindRelease,
	kindBorrowError:    KindBorrowError,
	kindNotSync:        KindNotSync,
	kindDeadlock:       KindDeadlock,
	kindSelectBegin:    KindSelectBegin,
	kindSelectEnd:      KindSelectEnd,
	kindFire:           KindFire,
	kindTimer:          KindTimer,
	kindCancel:         KindCancel,
	kindAcquireBegin:   KindAcquireBegin,
	kindAcquireEnd:     KindAcquireEnd,
	kindSemRelease:     KindSemRelease,
	kindGroupLimit:     KindGroupLimit,
	kindGroupGoBegin:   KindGroupGoBegin,
	kindGroupGoEnd:     KindGroupGoEnd,
	kindGroupDone:      KindGroupDone,
	kindGroupWaitBegin: KindGroupWaitBegin,
	kindGroupWaitEnd:   KindGroupWaitEnd,
	kindRLockBegin:     KindRLockBegin,
	kindRLockEnd:       KindRLockEnd,
	kindRUnlock:        KindRUnlock,
	kindTryLock:        KindTryLock,
	kindCondWaitBegin:  KindCondWaitBegin,
	kindCondWaitEnd:    KindCondWaitEnd,
	kindSignal:         KindSignal,
	kindBroadcast:      KindBroadcast,
	kindOnceRun:        KindOnceRun,
	kindOnceDone:       KindOnceDone,
	kindOnceWaitBegin:  KindOnceWaitBegin,
	kindOnceWaitEnd:    KindOnceWaitEnd,
}

// entry is an event as a run stores it, in 32 bytes. Seq is its position; T and Line are
// filled by appendLocked.
type entry struct {
	t    int64
	text textRef // Value
	// aux is what the kind holds beyond the common fields (see auxOf): the message id of a
	// channel event, the borrows of a refcell event as an int32, 1 + the index of a wide for
	// the kinds with two numbers (or, packed, the second less the first), a go event's
	// child (its name is the text), 1 + the index in Run.extras of a new or deadlock event's
	// other fields; 0 for none.
	aux    uint32
	obj    int32
	g      uint16 // Start caps MaxGoroutines at MaxGoroutinesCap
	line   uint16 // 0 past maxLine
	kind   kind
	closed bool
	op     op // atomic, wg-add, release, trylock, signal and broadcast events
	// packed says that an entry of a kind with two numbers (auxWide) holds them itself. Where
	// the kind and op fix the second's difference from the first (numbersStep), the first is
	// aux, an int32, and the text is the value. Otherwise the first is the 8 bytes of text
	// (see wholeInt), the second's difference from it is aux, an int32, and the value is the
	// one the numbers say (numbersValue). It takes the byte the struct pads to 32 anyway.
	packed bool
}

// numbersStep is how much the second of an event's two numbers differs from the first when
// its kind and op fix it: a goroutine of a group done takes one from those active; a Go that
// starts one adds one; a refused Go, or an acquire that failed, changes nothing.
func numbersStep(k kind, o op) (int64, bool) {
	switch {
	case k == kindGroupDone:
		return -1, true
	case k == kindGroupGoEnd && o == opNone:
		return 1, true
	case k == kindGroupGoEnd, k == kindAcquireEnd && o != opNone:
		return 0, true
	}
	return 0, false
}

// wholeInt is v as the 8 bytes of a packed entry's text.
func wholeInt(v int64) textRef {
	return textRef{chunk: uint32(v), off: uint16(v >> 32), n: uint16(v >> 48)}
}

// wholeInt is the int64 a packed entry keeps in its text's 8 bytes.
func (t textRef) wholeInt() int64 {
	return int64(uint64(t.chunk) | uint64(t.off)<<32 | uint64(t.n)<<48)
}

// numbersValue is the value of an event whose text its two numbers say, which is then not
// stored: an atomic's argument (an add's delta, a store's or a swap's new value, a successful
// compare-and-swap's "old→new"), a waitgroup's delta, a release's weight. Kinds whose value is
// something else — an error, a timer's "was it running" — store it, and are never packed.
func numbersValue(k kind, o op, a, b int64) string {
	switch k {
	case kindAtomic:
		switch o {
		case opAdd:
			return strconv.FormatInt(b-a, 10)
		case opStore, opSwap:
			return strconv.FormatInt(b, 10)
		case opCAS:
			return strconv.FormatInt(a, 10) + "→" + strconv.FormatInt(b, 10)
		}
	case kindWGAdd:
		return strconv.FormatInt(b-a, 10)
	case kindSemRelease:
		return strconv.FormatInt(a-b, 10)
	}
	return ""
}

// auxUse is what an entry's aux holds for a kind.
type auxUse uint8

const (
	auxNone    auxUse = iota
	auxMsg            // channel events: the message id
	auxBorrows        // refcell events: shared borrows after it, as an int32
	auxWide           // atomic, wg-add: old and new; work-begin, sleep-begin: the duration
	auxExtra          // new, deadlock: their Event in extras
	auxChild          // go: the goroutine it starts, whose name is the text
	auxCases          // select-begin: 1 + the index of its first case in the run's case store
)

// auxOf says what aux holds for entries of kind k.
func (k kind) auxOf() auxUse {
	switch k {
	case kindSendBegin, kindSendEnd, kindRecvBegin, kindRecvEnd, kindSelectEnd, kindFire:
		return auxMsg
	case kindCondWaitEnd, kindSignal, kindBroadcast:
		return auxMsg // the wake
	case kindSelectBegin:
		return auxCases
	case kindBorrow, kindBorrowMut, kindRelease, kindBorrowError:
		return auxBorrows
	case kindAtomic, kindWGAdd, kindWorkBegin, kindSleepBeg, kindTimer:
		return auxWide
	case kindAcquireEnd, kindSemRelease, kindGroupGoEnd, kindGroupDone:
		return auxWide // the weight in use, or the goroutines active, before and after
	case kindGo:
		return auxChild
	case kindNew, kindDeadlock:
		return auxExtra
	}
	return auxNone
}

// op is an event's Op as the run stores it: its index in opNames.
type op uint8

// The ops entries hold.
const (
	opNone op = iota
	opAdd
	opLoad
	opStore
	opSwap
	opCAS
	opDone
	opShared
	opMut
	opStop
	opReset
	opDropped
	opTry
	opRefused
	opCanceled
	opFirst
	opLater
	opLock
	opRLock
	opLost
	numOps
)

// opNames maps each stored op to the Op it stands for. It is never written.
var opNames = [numOps]string{"", "add", "load", "store", "swap", "cas", "done", "shared", "mut", "stop", "reset", "dropped",
	"try", "refused", "canceled", "first", "later", "lock", "rlock", "lost"}

// caseRec is a select case as the run stores it, in the case store: a select-begin entry
// holds the index of its first case in aux and how many it has in obj.
type caseRec struct {
	text textRef // send: the value
	msg  uint32  // send: the message
	obj  int32   // the channel; 0: default, or a nil channel
	line uint16
	dir  caseDir
}

// caseChunk is how many case records a chunk of the case store holds.
const caseChunk = 512

// wide is the two numbers an entry's aux may point to, in the run's wides: pointer-free, in
// chunks that never move.
type wide struct{ a, b int64 }

// wideChunk is how many wides a chunk holds.
const wideChunk = 512

// maxLine is the highest line an entry holds; a higher one is stored as 0, unknown. (A run's
// message ids stay below 1<<32 as they count its events, and long before that many events it
// has used up its memory.)
const maxLine = 1<<16 - 1

// entryChunk is how many entries a storage chunk holds. Chunks never move once allocated, so
// recording costs no copying as a trace grows, and one allocation serves many events.
const entryChunk = 1024

// textRef locates a value's text in a run's text arena: n bytes at off in chunk. An integer
// of 48 bits holds itself instead, its n inlineInt and its bits in chunk and off: a counter's
// values would otherwise be most of the arena.
type textRef struct {
	chunk  uint32
	off, n uint16
}

// textChunk is the size of a text arena chunk, and maxText the longest text one holds: a
// longer value is cut there (see cut), which no one reading a timeline misses. inlineInt,
// above maxText, is the n of a textRef that holds its integer.
const (
	textChunk = 1 << 16
	maxText   = textChunk - 2
	inlineInt = textChunk - 1
)

// inlineRef is the textRef holding v, if v fits in 48 bits.
func inlineRef(v int64) (textRef, bool) {
	if v < -1<<47 || v >= 1<<47 {
		return textRef{}, false
	}
	u := uint64(v)
	return textRef{chunk: uint32(u), off: uint16(u >> 32), n: inlineInt}, true
}

// inline is the integer t holds, if it holds one.
func (t textRef) inline() (int64, bool) {
	if t.n != inlineInt {
		return 0, false
	}
	return int64(uint64(t.chunk)|uint64(t.off)<<32) << 16 >> 16, true
}

// textArena holds the values' text, appended and never changed: a chunk is never reallocated
// and its written bytes are never written again, so the strings Events hands out can point
// into it rather than each being a copy. Chunks are full-length slices and used counts the
// bytes written to the last one, so that appending writes no slice header (no pointer, no
// write barrier). They start small and grow (see firstTextChunk).
type textArena struct {
	chunks [][]byte
	used   int
	// recent are texts added lately, by a hash of their length and first byte: a run's texts
	// repeat (the name of goroutines started in a loop, an error, a value shown again), and
	// one added lately is not written again.
	recent [4]textRef
}

// firstTextChunk is the size of a run's first text chunk. Each chunk after it is twice the
// last, up to textChunk: most runs write a few short texts, a name or two and some values
// that are not integers, and should not pay a whole chunk for them.
const firstTextChunk = 1 << 10

// reserve returns the chunk to append n ≤ textChunk bytes to, making room if needed.
func (a *textArena) reserve(n int) uint32 {
	if last := len(a.chunks) - 1; last < 0 || len(a.chunks[last])-a.used < n {
		size := firstTextChunk
		if last >= 0 {
			size = min(2*len(a.chunks[last]), textChunk)
		}
		for size < n {
			size *= 2
		}
		a.chunks = append(a.chunks, make([]byte, size))
		a.used = 0
	}
	return uint32(len(a.chunks) - 1)
}

// add appends v's text and returns where it is.
func (a *textArena) add(v shown) textRef {
	if v.isInt {
		if ref, ok := inlineRef(v.n); ok {
			return ref
		}
		// Straight into the arena: no string is made for a number.
		c := a.reserve(20) // the longest int64 in decimal, with its sign
		off := a.used
		n := len(strconv.AppendInt(a.chunks[c][off:off], v.n, 10))
		a.used += n
		return textRef{chunk: c, off: uint16(off), n: uint16(n)}
	}
	return a.addString(v.s)
}

// addPair appends "a→b", as a compare-and-swap's argument reads, and returns where it is.
func (a *textArena) addPair(x, y int64) textRef {
	c := a.reserve(2*20 + len("→"))
	off := a.used
	b := strconv.AppendInt(a.chunks[c][off:off], x, 10)
	b = append(b, "→"...)
	b = strconv.AppendInt(b, y, 10)
	a.used += len(b)
	return textRef{chunk: c, off: uint16(off), n: uint16(len(b))}
}

// addString appends s, cut to maxText bytes, and returns where it is.
func (a *textArena) addString(s string) textRef {
	if s == "" {
		return textRef{}
	}
	s = cut(s)
	seen := &a.recent[(len(s)+int(s[0]))%len(a.recent)]
	if seen.n != 0 && a.string(*seen) == s {
		return *seen
	}
	c := a.reserve(len(s))
	off := a.used
	a.used += copy(a.chunks[c][off:], s)
	*seen = textRef{chunk: c, off: uint16(off), n: uint16(len(s))}
	return *seen
}

// cut shortens a text longer than maxText bytes at a rune boundary and marks the cut.
func cut(s string) string {
	if len(s) <= maxText {
		return s
	}
	const mark = "…"
	end := maxText - len(mark)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + mark
}

// string is the text at ref. It shares the arena's memory, which is never written again; an
// integer the ref holds is formatted (without allocating below 100).
func (a *textArena) string(ref textRef) string {
	if ref.n == 0 {
		return ""
	}
	if v, ok := ref.inline(); ok {
		return strconv.FormatInt(v, 10)
	}
	return unsafe.String(&a.chunks[ref.chunk][ref.off], int(ref.n))
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
