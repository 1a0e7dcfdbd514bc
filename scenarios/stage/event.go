package stage

import (
	"strconv"
	"unicode/utf8"
)

// SchemaVersion is the version of the event schema and of the socket protocol built on it.
// Bump it whenever a field changes meaning or a kind is renamed; the browser decoder
// refuses messages of another version rather than drawing nonsense.
const SchemaVersion = 1

// Kind names what an event records. The set is closed: the browser decoder knows every kind.
type Kind string

// Event kinds. A kind ending in -begin marks the start of something that can block or take
// time; its -end marks when it finished. A -begin with no -end is a goroutine that was still
// blocked (or working, or sleeping) when the run ended.
const (
	KindGo        Kind = "go"         // g started goroutine Child named Name (main's own is g 0)
	KindExit      Kind = "exit"       // g returned from its function
	KindNew       Kind = "new"        // g created object Obj: ObjKind, Name, Cap (channels), Value (initial atomic)
	KindSendBegin Kind = "send-begin" // g starts sending Value as message Msg on channel Obj
	KindSendEnd   Kind = "send-end"   // the send of Msg completed
	KindRecvBegin Kind = "recv-begin" // g starts receiving from channel Obj
	KindRecvEnd   Kind = "recv-end"   // g received message Msg (Value); Closed when the channel was closed and drained
	KindClose     Kind = "close"      // g closed channel Obj
	KindLockBegin Kind = "lock-begin" // g asks for mutex Obj
	KindLockEnd   Kind = "lock-end"   // g holds mutex Obj
	KindUnlock    Kind = "unlock"     // g releases mutex Obj (recorded before the release)
	KindAtomic    Kind = "atomic"     // g did Op on atomic Obj, taking it from Old to New; Value is the argument
	KindWorkBegin Kind = "work-begin" // g computes for Dur
	KindWorkEnd   Kind = "work-end"
	KindSleepBeg  Kind = "sleep-begin" // g sleeps for Dur
	KindSleepEnd  Kind = "sleep-end"
	// Seeded runs: g is about to Work, but every one of the run's processors is busy (a
	// seeded run lets at most Config.Processors goroutines work at once, like GOMAXPROCS), so
	// it is runnable, not running, until runnable-end; its work-begin follows at once.
	KindRunnableBegin Kind = "runnable-begin"
	KindRunnableEnd   Kind = "runnable-end"
	// A select: its begin lists every case (Cases: the channel, the direction, the line, and
	// for a send the message and value it offers); its end says which ran (Case, an index
	// into Cases), on which channel (Obj), with the message it sent or received (Msg), the
	// value received (Value) or that the channel was closed (Closed), at the case's Line.
	KindSelectBegin Kind = "select-begin"
	KindSelectEnd   Kind = "select-end"
	KindPrint       Kind = "print" // g printed Value
	KindPanic       Kind = "panic" // g panicked with Value; the run ends
	// KindDeadlock ends a seeded run in which every goroutine left is blocked forever: one per
	// blocked goroutine, naming with Op (send, recv, lock, wait, select, rlock, cond-wait,
	// once) and Obj what it waits on, and in Value who holds what it wants, or waits before it.
	KindDeadlock Kind = "deadlock"
)

// ObjKind says what an object is.
type ObjKind string

// Object kinds announced by KindNew events.
const (
	ObjChan   ObjKind = "chan"
	ObjMutex  ObjKind = "mutex"
	ObjAtomic ObjKind = "atomic"
)

// Event is one thing a goroutine did. Its JSON (AppendJSON) is the wire format: fields that do
// not apply to a kind are left out, so a typical event is 60–90 bytes.
//
// Seq is a total order consistent with each goroutine's program order and with causality: a
// recv-end comes after the send-begin of its message, a lock-end after the unlock that let it
// in. T is nanoseconds of scenario time since the run started (wall time × speed in live
// mode), never decreasing along Seq.
type Event struct {
	Seq     int64        `json:"seq"`
	T       int64        `json:"t"`
	G       int          `json:"g"`
	Kind    Kind         `json:"kind"`
	Obj     int          `json:"obj,omitempty"`
	Msg     int64        `json:"msg,omitempty"`
	Value   string       `json:"value,omitempty"`
	Line    int          `json:"line,omitempty"`
	Child   int          `json:"child,omitempty"`   // go: the new goroutine
	Name    string       `json:"name,omitempty"`    // go, new: the name given in the scenario
	ObjKind ObjKind      `json:"objKind,omitempty"` // new
	Cap     int          `json:"cap,omitempty"`     // new chan: buffer slots, 0 = unbuffered (always written); new semaphore: its size
	Op      string       `json:"op,omitempty"`      // atomic: add, load, store, swap, cas
	Old     int64        `json:"old,omitempty"`     // atomic: value before (always written)
	New     int64        `json:"new,omitempty"`     // atomic: value after (always written)
	Dur     int64        `json:"dur,omitempty"`     // work-begin, sleep-begin: the asked duration in ns; new timer or ticker: its duration or period; timer reset: the new one
	Closed  bool         `json:"closed,omitempty"`  // recv-end: the receive found the channel closed and empty
	Borrows int          `json:"borrows,omitempty"` // refcell events: shared borrows after, -1 mutably borrowed (always written)
	Parent  int          `json:"parent,omitempty"`  // new context: the context it was made from (0: Background); new errgroup: its context (0: none); new cond: its mutex
	Cases   []SelectCase `json:"cases,omitempty"`   // select-begin
	Case    int          `json:"case,omitempty"`    // select-end: the index in Cases of the one that ran (always written)
}

// SelectCase is one case of a select as its select-begin lists it.
type SelectCase struct {
	Dir   string `json:"dir"`             // "recv", "send" or "default"
	Obj   int    `json:"obj,omitempty"`   // the channel; 0 for default and for a nil channel, which is never ready
	Msg   int64  `json:"msg,omitempty"`   // send: the message it would send
	Value string `json:"value,omitempty"` // send: the value
	Line  int    `json:"line,omitempty"`  // the scenario line of the case
}

// AppendJSON appends the event's JSON object to buf. It is the one encoder of the wire format
// (MarshalJSON calls it) and allocates nothing beyond growing buf.
func (e *Event) AppendJSON(buf []byte) []byte {
	buf = appendInt(buf, `{"seq":`, e.Seq)
	buf = appendInt(buf, `,"t":`, e.T)
	buf = appendInt(buf, `,"g":`, int64(e.G))
	buf = appendText(buf, `,"kind":`, string(e.Kind))
	if e.Obj != 0 {
		buf = appendInt(buf, `,"obj":`, int64(e.Obj))
	}
	if e.Msg != 0 {
		buf = appendInt(buf, `,"msg":`, e.Msg)
	}
	if e.Value != "" {
		buf = appendText(buf, `,"value":`, e.Value)
	}
	if e.Line != 0 {
		buf = appendInt(buf, `,"line":`, int64(e.Line))
	}
	if e.Child != 0 {
		buf = appendInt(buf, `,"child":`, int64(e.Child))
	}
	if e.Name != "" {
		buf = appendText(buf, `,"name":`, e.Name)
	}
	if e.Parent != 0 {
		buf = appendInt(buf, `,"parent":`, int64(e.Parent))
	}
	if e.ObjKind != "" {
		buf = appendText(buf, `,"objKind":`, string(e.ObjKind))
		if e.ObjKind == ObjChan || e.ObjKind == ObjTimer || e.ObjKind == ObjTicker || e.ObjKind == ObjSemaphore {
			buf = appendInt(buf, `,"cap":`, int64(e.Cap))
		}
	}
	switch e.Kind {
	case KindAtomic, KindWGAdd:
		buf = appendText(buf, `,"op":`, e.Op)
		buf = appendInt(buf, `,"old":`, e.Old)
		buf = appendInt(buf, `,"new":`, e.New)
	case KindDeadlock:
		buf = appendText(buf, `,"op":`, e.Op)
	case KindSelectBegin:
		buf = append(buf, `,"cases":[`...)
		for i, c := range e.Cases {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendText(buf, `{"dir":`, c.Dir)
			if c.Obj != 0 {
				buf = appendInt(buf, `,"obj":`, int64(c.Obj))
			}
			if c.Msg != 0 {
				buf = appendInt(buf, `,"msg":`, c.Msg)
			}
			if c.Value != "" {
				buf = appendText(buf, `,"value":`, c.Value)
			}
			if c.Line != 0 {
				buf = appendInt(buf, `,"line":`, int64(c.Line))
			}
			buf = append(buf, '}')
		}
		buf = append(buf, ']')
	case KindSelectEnd:
		buf = appendInt(buf, `,"case":`, int64(e.Case))
	case KindFire, KindTimer, KindTryLock, KindSignal, KindBroadcast, KindAcquireBegin, KindGroupGoBegin:
		buf = appendOp(buf, e.Op)
	case KindAcquireEnd, KindSemRelease, KindGroupGoEnd, KindGroupDone:
		buf = appendOp(buf, e.Op)
		buf = appendInt(buf, `,"old":`, e.Old)
		buf = appendInt(buf, `,"new":`, e.New)
	case KindBorrow, KindBorrowMut, KindRelease, KindBorrowError:
		buf = appendOp(buf, e.Op)
		buf = appendInt(buf, `,"borrows":`, int64(e.Borrows))
	}
	if e.Dur != 0 {
		buf = appendInt(buf, `,"dur":`, e.Dur)
	}
	if e.Closed {
		buf = append(buf, `,"closed":true`...)
	}
	return append(buf, '}')
}

// appendInt appends a field of JSON, key (its comma, quotes and colon included) then v.
func appendInt(buf []byte, key string, v int64) []byte {
	return strconv.AppendInt(append(buf, key...), v, 10)
}

// appendText appends a field of JSON text, key (its comma, quotes and colon included) then v.
func appendText(buf []byte, key, v string) []byte {
	return appendString(append(buf, key...), v)
}

// appendOp appends an event's op, when it has one.
func appendOp(buf []byte, op string) []byte {
	if op == "" {
		return buf
	}
	return appendText(buf, `,"op":`, op)
}

// MarshalJSON encodes the event as AppendJSON does.
func (e Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, 96)), nil
}

// AppendEvents appends a JSON array of events to buf.
func AppendEvents(buf []byte, events []Event) []byte {
	buf = append(buf, '[')
	for i := range events {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = events[i].AppendJSON(buf)
	}
	return append(buf, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as encoding/json does,
// and <, >, & are escaped so a trace can be inlined into a page safely.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
