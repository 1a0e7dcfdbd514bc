package stage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The binary batch: a compact form of an events message, for a socket client that asks for
// it. It carries exactly what the JSON of the same events carries (decoded, each event's
// AppendJSON is the same bytes), in about a tenth of the bytes, and the browser reads it
// without JSON.parse. The README's protocol section describes it field by field.
//
// A batch is
//
//	magic 0xEB, version BatchVersion,
//	uvarint run, uvarint seq of the first event, then events to the end of the message.
//
// The events of a run are consecutive: seq is implied. Strings (kinds and ops in one table,
// values in another) are sent once per run and then referred to by their place; the tables
// live as long as the run, across its batches, so a decoder must see every batch of a run, in
// order. An event is
//
//	uvarint kind: 0 the event as JSON follows (uvarint length, AppendJSON's bytes);
//	              1 a new name follows (a string), which is the kind; k ≥ 2 the name k−2
//	uvarint fields: the bits of the optional fields it has (batchObj…)
//	varint  t − the t of the event before in the batch (0 before the first)
//	uvarint g
//	then, as its bits say, in this order: uvarint obj, varint msg − the msg before in the
//	batch, value (a value reference), uvarint line, op (a name reference), varint old,
//	varint new − old, varint borrows, uvarint case, cases, varint dur
//
// A select-begin's cases are a uvarint count, then each case: its dir (a name reference),
// uvarint bits of its fields (batchObj, batchMsg, batchValue, batchLine), and those fields as
// an event's (a case's msg, too, is a difference from the msg before).
//
// A reference is a uvarint: 0 a new string follows, k ≥ 1 the string k−1 of its table. A
// string is a uvarint length and that many bytes of UTF-8. Varints are zigzag (as
// encoding/binary's PutVarint). Events with a name, a child, an object kind or a parent (go
// and new: a handful a run) go as JSON, where their rare fields cost nothing to describe.

// BatchVersion is the version of the binary batch format, its second byte. Bump it when the
// layout changes; a decoder refuses a batch of another version.
const BatchVersion = 1

// batchMagic is a binary batch's first byte; a JSON message starts with '{'.
const batchMagic = 0xEB

// The bits of an event's optional fields, most common first so that most events' bits fit
// one byte.
const (
	batchObj     = 1 << iota
	batchMsg     // a message id
	batchValue   // a value
	batchLine    // a line
	batchOp      // an op (written even when empty where the JSON writes it)
	batchOldNew  // old and new
	batchDur     // a duration
	batchClosed  // closed: true (no payload)
	batchBorrows // borrows
	batchCase    // case
	batchCases   // a select-begin's cases
	batchFields  = batchCases<<1 - 1
)

// IsBatch reports whether msg is a binary batch rather than a JSON message.
func IsBatch(msg []byte) bool { return len(msg) > 0 && msg[0] == batchMagic }

// BatchEncoder encodes one run's events as binary batches. It keeps the run's string
// tables, so a run needs one of its own, used for all its batches in order.
type BatchEncoder struct {
	names  stringTable // kinds and ops
	values stringTable
}

// NewBatchEncoder is an encoder for a new run.
func NewBatchEncoder() *BatchEncoder { return &BatchEncoder{} }

// AppendBatch appends to buf a batch of run holding the first of events: as many as come
// with consecutive seqs, no more once the batch reaches maxBytes (it holds at least one).
// It returns the batch and how many events it holds. The events must follow those of the
// batches before.
func (enc *BatchEncoder) AppendBatch(buf []byte, run int, events []Event, maxBytes int) ([]byte, int) {
	start := len(buf)
	buf = append(buf, batchMagic, BatchVersion)
	buf = binary.AppendUvarint(buf, uint64(run))
	buf = binary.AppendUvarint(buf, uint64(events[0].Seq))
	var t, msg int64
	n := 0
	for n < len(events) && (n == 0 || len(buf)-start < maxBytes) {
		e := &events[n]
		if n > 0 && e.Seq != events[n-1].Seq+1 {
			break
		}
		buf = enc.appendEvent(buf, e, &t, &msg)
		n++
	}
	return buf, n
}

// appendEvent appends one event; t and msg are those of the event before in the batch.
func (enc *BatchEncoder) appendEvent(buf []byte, e *Event, t, msg *int64) []byte {
	if e.Child != 0 || e.Name != "" || e.ObjKind != "" || e.Parent != 0 || e.Kind == KindGo || e.Kind == KindNew {
		buf = append(buf, 0)
		lenAt := len(buf)
		buf = append(buf, make([]byte, binary.MaxVarintLen32)...)
		buf = e.AppendJSON(buf)
		n := uint64(len(buf) - lenAt - binary.MaxVarintLen32)
		// the length is written in the room kept for it, then the JSON moved up to it
		l := binary.PutUvarint(buf[lenAt:], n)
		copy(buf[lenAt+l:], buf[lenAt+binary.MaxVarintLen32:])
		buf = buf[:len(buf)-(binary.MaxVarintLen32-l)]
		*t = e.T
		return buf
	}
	if i, ok := enc.names.index(string(e.Kind)); ok {
		buf = binary.AppendUvarint(buf, i+2)
	} else {
		buf = append(buf, 1)
		buf = define(buf, &enc.names, string(e.Kind))
	}
	fields := wireFields(e)
	buf = binary.AppendUvarint(buf, uint64(fields))
	buf = binary.AppendVarint(buf, e.T-*t)
	*t = e.T
	buf = binary.AppendUvarint(buf, uint64(e.G))
	if fields&batchObj != 0 {
		buf = binary.AppendUvarint(buf, uint64(e.Obj))
	}
	if fields&batchMsg != 0 {
		buf = binary.AppendVarint(buf, e.Msg-*msg)
		*msg = e.Msg
	}
	if fields&batchValue != 0 {
		buf = appendRef(buf, &enc.values, e.Value)
	}
	if fields&batchLine != 0 {
		buf = binary.AppendUvarint(buf, uint64(e.Line))
	}
	if fields&batchOp != 0 {
		buf = appendRef(buf, &enc.names, e.Op)
	}
	if fields&batchOldNew != 0 {
		buf = binary.AppendVarint(buf, e.Old)
		buf = binary.AppendVarint(buf, e.New-e.Old)
	}
	if fields&batchBorrows != 0 {
		buf = binary.AppendVarint(buf, int64(e.Borrows))
	}
	if fields&batchCase != 0 {
		buf = binary.AppendUvarint(buf, uint64(e.Case))
	}
	if fields&batchCases != 0 {
		buf = enc.appendCases(buf, e.Cases, msg)
	}
	if fields&batchDur != 0 {
		buf = binary.AppendVarint(buf, e.Dur)
	}
	return buf
}

// appendCases appends a select-begin's cases; msg is that of the event before.
func (enc *BatchEncoder) appendCases(buf []byte, cases []SelectCase, msg *int64) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(cases)))
	for i := range cases {
		c := &cases[i]
		buf = appendRef(buf, &enc.names, c.Dir)
		f := 0
		if c.Obj != 0 {
			f |= batchObj
		}
		if c.Msg != 0 {
			f |= batchMsg
		}
		if c.Value != "" {
			f |= batchValue
		}
		if c.Line != 0 {
			f |= batchLine
		}
		buf = append(buf, byte(f))
		if f&batchObj != 0 {
			buf = binary.AppendUvarint(buf, uint64(c.Obj))
		}
		if f&batchMsg != 0 {
			buf = binary.AppendVarint(buf, c.Msg-*msg)
			*msg = c.Msg
		}
		if f&batchValue != 0 {
			buf = appendRef(buf, &enc.values, c.Value)
		}
		if f&batchLine != 0 {
			buf = binary.AppendUvarint(buf, uint64(c.Line))
		}
	}
	return buf
}

// wireFields are the optional fields e's JSON carries (AppendJSON's rules), as batch bits.
func wireFields(e *Event) int {
	f := 0
	if e.Obj != 0 {
		f |= batchObj
	}
	if e.Msg != 0 {
		f |= batchMsg
	}
	if e.Value != "" {
		f |= batchValue
	}
	if e.Line != 0 {
		f |= batchLine
	}
	switch e.Kind {
	case KindAtomic, KindWGAdd:
		f |= batchOp | batchOldNew
	case KindDeadlock:
		f |= batchOp
	case KindSelectBegin:
		f |= batchCases
	case KindSelectEnd:
		f |= batchCase
	case KindFire, KindTimer, KindTryLock, KindSignal, KindBroadcast, KindAcquireBegin, KindGroupGoBegin:
		f |= opIfAny(e.Op)
	case KindAcquireEnd, KindSemRelease, KindGroupGoEnd, KindGroupDone:
		f |= opIfAny(e.Op) | batchOldNew
	case KindBorrow, KindBorrowMut, KindRelease, KindBorrowError:
		f |= opIfAny(e.Op) | batchBorrows
	}
	if e.Dur != 0 {
		f |= batchDur
	}
	if e.Closed {
		f |= batchClosed
	}
	return f
}

func opIfAny(op string) int {
	if op == "" {
		return 0
	}
	return batchOp
}

// appendRef appends a reference to s in table, defining it there if it is new.
func appendRef(buf []byte, table *stringTable, s string) []byte {
	if i, ok := table.index(s); ok {
		return binary.AppendUvarint(buf, i+1)
	}
	return define(append(buf, 0), table, s)
}

// define appends s as a new string of table and gives it the table's next place. Text that
// is not UTF-8 is sent as the JSON sends it, each bad byte a U+FFFD.
func define(buf []byte, table *stringTable, s string) []byte {
	table.add(s)
	if !utf8.ValidString(s) {
		s = validText(s)
	}
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// validText is s with each byte that is not part of UTF-8 replaced by U+FFFD, as
// appendString writes it.
func validText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// BatchDecoder decodes the binary batches of a connection, run after run. The server's
// decoder is the browser's (web/trace/batch.js); this one is for tests.
type BatchDecoder struct {
	run     int
	nextSeq int64
	names   []string
	values  []string
}

// ErrBatch is what every error of BatchDecoder wraps.
var ErrBatch = errors.New("bad binary batch")

// Decode decodes one batch: its run and its events. A batch of another run than the one
// before starts that run's tables afresh.
func (d *BatchDecoder) Decode(msg []byte) (run int, events []Event, err error) {
	r := batchReader{data: msg}
	if len(msg) < 2 || msg[0] != batchMagic {
		return 0, nil, fmt.Errorf("%w: it does not start with the byte 0x%X", ErrBatch, batchMagic)
	}
	if msg[1] != BatchVersion {
		return 0, nil, fmt.Errorf("%w: version %d, this decoder reads %d", ErrBatch, msg[1], BatchVersion)
	}
	r.at = 2
	run = int(r.uint(1 << 31))
	first := int64(r.uint(1 << 53))
	if r.err != nil {
		return 0, nil, r.err
	}
	if run == 0 || first == 0 || r.at == len(msg) {
		return 0, nil, fmt.Errorf("%w: run %d, first seq %d, %d bytes of events", ErrBatch, run, first, len(msg)-r.at)
	}
	if run != d.run {
		*d = BatchDecoder{run: run, nextSeq: first}
	}
	if first != d.nextSeq {
		return 0, nil, fmt.Errorf("%w: run %d goes on at event %d, but the batch begins at %d", ErrBatch, run, d.nextSeq, first)
	}
	var t, m int64
	for r.at < len(msg) {
		e := Event{Seq: first + int64(len(events))}
		d.event(&r, &e, &t, &m)
		if r.err != nil {
			return 0, nil, fmt.Errorf("event %d: %w", e.Seq, r.err)
		}
		events = append(events, e)
	}
	d.nextSeq = first + int64(len(events))
	return run, events, nil
}

func (d *BatchDecoder) event(r *batchReader, e *Event, t, msg *int64) {
	kind := r.uint(uint64(len(d.names)) + 1)
	switch kind {
	case 0:
		text := r.bytes()
		if r.err != nil {
			return
		}
		seq := e.Seq
		if err := json.Unmarshal(text, e); err != nil {
			r.fail("its JSON: %v", err)
			return
		}
		if e.Seq != seq || e.T < 0 || !isKindName(string(e.Kind)) {
			r.fail("its JSON has seq %d, time %d, kind %q", e.Seq, e.T, e.Kind)
		}
		*t = e.T
		return
	case 1:
		e.Kind = Kind(d.define(r, &d.names))
	default:
		e.Kind = Kind(d.names[kind-2])
	}
	fields := r.uint(batchFields)
	e.T = *t + r.int()
	*t = e.T
	e.G = int(r.uint(1 << 31))
	if fields&batchObj != 0 {
		e.Obj = int(r.uint(1 << 31))
	}
	if fields&batchMsg != 0 {
		e.Msg = *msg + r.int()
		*msg = e.Msg
	}
	if fields&batchValue != 0 {
		e.Value = d.ref(r, &d.values)
	}
	if fields&batchLine != 0 {
		e.Line = int(r.uint(1 << 31))
	}
	if fields&batchOp != 0 {
		e.Op = d.ref(r, &d.names)
	}
	if fields&batchOldNew != 0 {
		e.Old = r.int()
		e.New = e.Old + r.int()
	}
	if fields&batchBorrows != 0 {
		e.Borrows = int(r.int())
	}
	if fields&batchCase != 0 {
		e.Case = int(r.uint(1 << 31))
	}
	if fields&batchCases != 0 {
		e.Cases = d.cases(r, msg)
	}
	if fields&batchDur != 0 {
		e.Dur = r.int()
	}
	e.Closed = fields&batchClosed != 0
	if r.err == nil && (e.T < 0 || !isKindName(string(e.Kind))) {
		r.fail("time %d, kind %q", e.T, e.Kind)
	}
}

// isKindName says whether name can be a kind: a lower-case letter, then lower-case letters,
// digits and dashes.
func isKindName(name string) bool {
	for i, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || i > 0 && ('0' <= c && c <= '9' || c == '-')) {
			return false
		}
	}
	return name != ""
}

// cases reads a select-begin's cases; msg is that of the event before.
func (d *BatchDecoder) cases(r *batchReader, msg *int64) []SelectCase {
	n := int(r.uint(uint64(len(r.data) - r.at)))
	cases := make([]SelectCase, 0, n)
	for range n {
		c := SelectCase{Dir: d.ref(r, &d.names)}
		f := r.uint(batchObj | batchMsg | batchValue | batchLine)
		if f&batchObj != 0 {
			c.Obj = int(r.uint(1 << 31))
		}
		if f&batchMsg != 0 {
			c.Msg = *msg + r.int()
			*msg = c.Msg
		}
		if f&batchValue != 0 {
			c.Value = d.ref(r, &d.values)
		}
		if f&batchLine != 0 {
			c.Line = int(r.uint(1 << 31))
		}
		if r.err != nil {
			return nil
		}
		cases = append(cases, c)
	}
	return cases
}

// ref reads a reference to a string of table, or a new one.
func (d *BatchDecoder) ref(r *batchReader, table *[]string) string {
	i := r.uint(uint64(len(*table)))
	if i == 0 {
		return d.define(r, table)
	}
	return (*table)[i-1]
}

func (d *BatchDecoder) define(r *batchReader, table *[]string) string {
	b := r.bytes()
	if r.err != nil {
		return ""
	}
	if !utf8.Valid(b) {
		r.fail("a string that is not UTF-8")
		return ""
	}
	s := string(b)
	*table = append(*table, s)
	return s
}

// batchReader reads a batch's varints, remembering the first error.
type batchReader struct {
	data []byte
	at   int
	err  error
}

func (r *batchReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w at byte %d: %s", ErrBatch, r.at, fmt.Sprintf(format, args...))
	}
}

// uint reads a uvarint of at most limit.
func (r *batchReader) uint(limit uint64) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.data[r.at:])
	if n <= 0 {
		r.fail("a number cut short")
		return 0
	}
	if v > limit {
		r.fail("%d, above %d", v, limit)
		return 0
	}
	r.at += n
	return v
}

// int reads a zigzag varint that JavaScript holds exactly.
func (r *batchReader) int() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.data[r.at:])
	if n <= 0 {
		r.fail("a number cut short")
		return 0
	}
	if v > 1<<53 || v < -(1<<53) {
		r.fail("%d, beyond ±2^53", v)
		return 0
	}
	r.at += n
	return v
}

func (r *batchReader) bytes() []byte {
	n := int(r.uint(uint64(len(r.data))))
	if r.err != nil {
		return nil
	}
	if n > len(r.data)-r.at {
		r.fail("%d bytes promised, %d left", n, len(r.data)-r.at)
		return nil
	}
	b := r.data[r.at : r.at+n]
	r.at += n
	return b
}
