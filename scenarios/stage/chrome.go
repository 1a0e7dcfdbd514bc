package stage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
)

// ChromeTrace converts a trace to the Chrome Trace Event Format, which Perfetto and
// chrome://tracing open: one thread track per goroutine (named with metadata events),
// blocked, working and sleeping stretches (selects among them) as complete ("X") slices,
// each message as a flow arrow from its send (a send-begin, a select's send case, a timer's
// fire on the runtime's track, tid 0) to its receive, each Cond wake as one from the Signal
// or Broadcast to every goroutine it woke, and counter ("C") tracks, whose values are numbers
// (Perfetto drops any other): atomics' values, channels' occupancy, cells' values when they
// are numbers, refcells' borrows (shared borrows out, -1 while mutably borrowed), a
// semaphore's weight in use and an errgroup's goroutines active. Times are microseconds.
func ChromeTrace(events []Event) ([]byte, error) {
	var buf bytes.Buffer
	cw := NewChromeWriter(&buf)
	if err := cw.Write(events); err != nil {
		return nil, err
	}
	if err := cw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ChromeWriter writes what ChromeTrace makes, byte for byte, as the trace's events come in
// chunks: a long trace costs the memory of one chunk's entries and of what is still open (a
// goroutine's stretch, a message not yet received), not of the whole.
type ChromeWriter struct {
	w       io.Writer
	c       chromeConverter
	buf     []byte
	written bool  // an entry is out: the next follows a comma
	last    int64 // the time of the last event, where stretches still open end
	seen    bool  // an event has come
	err     error
}

// NewChromeWriter starts a trace on w; Write gives it events in order, Close ends it.
func NewChromeWriter(w io.Writer) *ChromeWriter {
	cw := &ChromeWriter{w: w, c: chromeConverter{
		objects: map[int]Event{},
		open:    map[int]Event{},
		sends:   map[int64]Event{},
		wakes:   map[int64]Event{},
		fill:    map[int]int{},
	}}
	cw.buf = append(cw.buf, `{"traceEvents":[`...)
	cw.c.out = append(cw.c.out, chromeEvent{Name: "process_name", Ph: "M", Pid: 1, Args: map[string]any{"name": "interleave run"}})
	return cw
}

// Write converts events, the next of the trace, and writes their entries.
func (cw *ChromeWriter) Write(events []Event) error {
	for _, e := range events {
		cw.c.event(e)
	}
	if len(events) > 0 {
		cw.last, cw.seen = events[len(events)-1].T, true
	}
	return cw.flush()
}

// Close ends the stretches still open at the last event's time and the document.
func (cw *ChromeWriter) Close() error {
	if cw.seen {
		cw.c.closeOpen(cw.last)
	}
	if err := cw.flush(); err != nil {
		return err
	}
	cw.buf = append(cw.buf[:0], `],"displayTimeUnit":"ns"}`...)
	_, cw.err = cw.w.Write(cw.buf)
	return cw.err
}

// flush writes the entries converted since the last flush, as json.Marshal writes a slice
// of them.
func (cw *ChromeWriter) flush() error {
	if cw.err != nil {
		return cw.err
	}
	for _, ce := range cw.c.out {
		data, err := json.Marshal(ce)
		if err != nil {
			cw.err = fmt.Errorf("chrome trace entry %q: %w", ce.Name, err)
			return cw.err
		}
		if cw.written {
			cw.buf = append(cw.buf, ',')
		}
		cw.buf, cw.written = append(cw.buf, data...), true
	}
	clear(cw.c.out)
	cw.c.out = cw.c.out[:0]
	_, cw.err = cw.w.Write(cw.buf)
	cw.buf = cw.buf[:0]
	return cw.err
}

type chromeFile struct {
	TraceEvents     []chromeEvent `json:"traceEvents"`
	DisplayTimeUnit string        `json:"displayTimeUnit"`
}

// chromeEvent is one entry of the format; fields a phase does not use are left out.
type chromeEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"`
	Dur  *float64       `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid,omitempty"`
	ID   int64          `json:"id,omitempty"`
	Bp   string         `json:"bp,omitempty"`
	S    string         `json:"s,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

type chromeConverter struct {
	out     []chromeEvent
	objects map[int]Event   // new events, by object
	open    map[int]Event   // the -begin each goroutine is in
	sends   map[int64]Event // send-begin by message
	wakes   map[int64]Event // a Cond's signal or broadcast by its wake
	fill    map[int]int     // values in each buffered channel, as far as the trace shows
	runtime bool            // whether the runtime's track (timers firing) has its name
}

// wakeFlowBase is added to a cond-wait-end's seq to make its wake arrow's id, apart from the
// messages' (a run's message ids stay below 1<<32).
const wakeFlowBase = 1 << 32

// runtimeTrack is the name of tid 0, where timers fire: no goroutine of the scenario does.
const runtimeTrack = "runtime (timers)"

func micros(ns int64) float64 { return float64(ns) / 1000 }

func (c *chromeConverter) objName(obj int) string {
	if o, ok := c.objects[obj]; ok {
		return o.Name
	}
	return fmt.Sprintf("object %d", obj)
}

func (c *chromeConverter) event(e Event) {
	switch e.Kind {
	case KindGo:
		c.out = append(c.out, chromeEvent{Name: "thread_name", Ph: "M", Pid: 1, Tid: e.Child, Args: map[string]any{"name": e.Name}},
			chromeEvent{Name: "thread_sort_index", Ph: "M", Pid: 1, Tid: e.Child, Args: map[string]any{"sort_index": e.Child}})
	case KindNew:
		c.objects[e.Obj] = e
		switch e.ObjKind {
		case ObjAtomic, ObjCell:
			c.numberCounter(e.T, e.Name, e.Value)
		case ObjRefCell:
			c.counter(e.T, e.Name+" borrows", 0)
		case ObjSemaphore:
			c.counter(e.T, e.Name+" in use", 0)
		case ObjErrGroup:
			c.counter(e.T, e.Name+" active", 0)
		}
	case KindCellSet:
		c.numberCounter(e.T, c.objName(e.Obj), e.Value)
	case KindBorrow, KindBorrowMut, KindRelease:
		c.counter(e.T, c.objName(e.Obj)+" borrows", e.Borrows)
	case KindSendBegin, KindRecvBegin, KindLockBegin, KindWorkBegin, KindSleepBeg, KindWaitBegin, KindRunnableBegin, KindSelectBegin,
		KindAcquireBegin, KindGroupGoBegin, KindGroupWaitBegin,
		KindRLockBegin, KindCondWaitBegin, KindOnceWaitBegin:
		c.open[e.G] = e
		if e.Kind == KindSendBegin {
			c.sends[e.Msg] = e
		}
		for _, cs := range e.Cases {
			if cs.Dir == "send" && cs.Msg != 0 {
				c.sends[cs.Msg] = e
			}
		}
	case KindFire:
		if !c.runtime {
			c.runtime = true
			c.out = append(c.out, chromeEvent{Name: "thread_name", Ph: "M", Pid: 1, Tid: e.G, Args: map[string]any{"name": runtimeTrack}})
		}
		if e.Msg != 0 {
			c.sends[e.Msg] = e
		}
		c.instant(e, "fire "+c.objName(e.Obj)+": "+e.Value)
	case KindTimer:
		c.instant(e, e.Op+" "+c.objName(e.Obj))
	case KindCancel:
		c.instant(e, "cancel "+c.objName(e.Obj)+": "+e.Value)
	case KindSignal, KindBroadcast:
		if e.Msg != 0 {
			c.wakes[e.Msg] = e
		}
		name := string(e.Kind) + " " + c.objName(e.Obj)
		if e.Op == "lost" {
			name += ": lost"
		}
		c.instant(e, name)
	case KindTryLock:
		try := "TryLock"
		if e.Op == "rlock" {
			try = "TryRLock"
		}
		c.instant(e, try+" "+c.objName(e.Obj)+": "+e.Value)
	case KindOnceRun:
		c.instant(e, "once "+c.objName(e.Obj)+": runs its function")
	case KindOnceDone:
		c.instant(e, "once "+c.objName(e.Obj)+": done")
	case KindSendEnd, KindRecvEnd, KindLockEnd, KindWorkEnd, KindSleepEnd, KindWaitEnd, KindRunnableEnd, KindSelectEnd,
		KindAcquireEnd, KindGroupGoEnd, KindGroupWaitEnd, KindRLockEnd, KindCondWaitEnd, KindOnceWaitEnd:
		begin, ok := c.open[e.G]
		if !ok {
			return
		}
		delete(c.open, e.G)
		c.slice(begin, e.T)
		c.ended(begin, e)
	case KindAtomic:
		c.counter(e.T, c.objName(e.Obj), e.New)
		c.instant(e, fmt.Sprintf("%s %s: %d → %d", e.Op, c.objName(e.Obj), e.Old, e.New))
	case KindSemRelease:
		c.counter(e.T, c.objName(e.Obj)+" in use", e.New)
		c.instant(e, "release "+e.Value+" of "+c.objName(e.Obj))
	case KindGroupLimit:
		c.instant(e, "limit "+c.objName(e.Obj)+": "+e.Value)
	case KindGroupDone:
		c.counter(e.T, c.objName(e.Obj)+" active", e.New)
		if e.Op != "" {
			c.instant(e, e.Op+" error in "+c.objName(e.Obj)+": "+e.Value)
		}
	case KindClose:
		c.instant(e, "close "+c.objName(e.Obj))
	case KindPrint:
		c.instant(e, "print: "+e.Value)
	case KindPanic, KindBorrowError, KindNotSync, KindDeadlock:
		c.instant(e, string(e.Kind)+": "+e.Value)
	}
}

// ended adds what a finished operation implies: the arrow of a received message, the buffer
// of a channel.
func (c *chromeConverter) ended(begin, e Event) {
	o := c.objects[e.Obj]
	kind := e.Kind
	if kind == KindSelectEnd && e.Obj != 0 && e.Case < len(begin.Cases) {
		// A select's case ran: its send or receive ends as a plain one does.
		kind = KindRecvEnd
		if begin.Cases[e.Case].Dir == "send" {
			kind = KindSendEnd
		}
	}
	switch kind {
	case KindAcquireEnd:
		c.counter(e.T, o.Name+" in use", e.New)
	case KindGroupGoEnd:
		c.counter(e.T, o.Name+" active", e.New)
	case KindCondWaitEnd:
		// The wake's arrow, one per goroutine woken: a broadcast's share its start, so each
		// has an id of its own, past every message's.
		if w, ok := c.wakes[e.Msg]; ok {
			id := wakeFlowBase + e.Seq
			c.out = append(c.out,
				chromeEvent{Name: "wake", Cat: "wake", Ph: "s", ID: id, Ts: micros(w.T), Pid: 1, Tid: w.G},
				chromeEvent{Name: "wake", Cat: "wake", Ph: "f", Bp: "e", ID: id, Ts: micros(e.T), Pid: 1, Tid: e.G})
		}
	case KindSendEnd:
		if o.Cap > 0 {
			c.fill[e.Obj] = min(c.fill[e.Obj]+1, o.Cap)
			c.counter(e.T, o.Name+" buffered", c.fill[e.Obj])
		}
	case KindRecvEnd:
		if e.Closed {
			return
		}
		if o.Cap > 0 {
			c.fill[e.Obj] = max(c.fill[e.Obj]-1, 0)
			c.counter(e.T, o.Name+" buffered", c.fill[e.Obj])
		}
		if send, ok := c.sends[e.Msg]; ok {
			delete(c.sends, e.Msg) // a message is received once
			c.out = append(c.out,
				chromeEvent{Name: "message", Cat: "message", Ph: "s", ID: e.Msg, Ts: micros(send.T), Pid: 1, Tid: send.G},
				chromeEvent{Name: "message", Cat: "message", Ph: "f", Bp: "e", ID: e.Msg, Ts: micros(e.T), Pid: 1, Tid: e.G})
		}
	}
}

// slice records the span from begin to end (ns) on begin's goroutine.
func (c *chromeConverter) slice(begin Event, end int64) {
	name, cat := "", "blocked"
	switch begin.Kind {
	case KindSendBegin:
		name = fmt.Sprintf("send %s on %s", begin.Value, c.objName(begin.Obj))
	case KindRecvBegin:
		name = "receive from " + c.objName(begin.Obj)
	case KindLockBegin:
		name = "lock " + c.objName(begin.Obj)
	case KindWaitBegin:
		name = "wait for " + c.objName(begin.Obj)
	case KindRLockBegin:
		name = "read-lock " + c.objName(begin.Obj)
	case KindCondWaitBegin:
		name = "wait on " + c.objName(begin.Obj)
	case KindOnceWaitBegin:
		name = "Do on " + c.objName(begin.Obj)
	case KindWorkBegin:
		name, cat = "work", "working"
	case KindSleepBeg:
		name, cat = "sleep", "sleeping"
	case KindRunnableBegin:
		name, cat = "waiting for a processor", "runnable"
	case KindSelectBegin:
		name = "select"
	case KindAcquireBegin:
		name = "acquire " + begin.Value + " of " + c.objName(begin.Obj)
		if begin.Op == "try" {
			name = "try to " + name
		}
	case KindGroupGoBegin:
		name = "go in " + c.objName(begin.Obj)
	case KindGroupWaitBegin:
		name = "wait for " + c.objName(begin.Obj)
	}
	// Flow ends bind to the slice around them: a slice ends a nanosecond after its end event
	// so an arrow landing on the end is inside it.
	dur := micros(end-begin.T) + 0.001
	c.out = append(c.out, chromeEvent{Name: name, Cat: cat, Ph: "X", Ts: micros(begin.T), Dur: &dur, Pid: 1, Tid: begin.G,
		Args: map[string]any{"line": begin.Line}})
}

func (c *chromeConverter) counter(ns int64, name string, value any) {
	c.out = append(c.out, chromeEvent{Name: name, Ph: "C", Ts: micros(ns), Pid: 1, Args: map[string]any{"value": value}})
}

// decimal is a number as Go prints one: what a counter given as text must look like.
var decimal = regexp.MustCompile(`^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$`)

// numberCounter adds a counter value given as text (an atomic's or a cell's, as events carry
// it), when it is a finite decimal number: a cell may hold anything.
func (c *chromeConverter) numberCounter(ns int64, name, text string) {
	if !decimal.MatchString(text) {
		return
	}
	if v, err := strconv.ParseFloat(text, 64); err == nil {
		c.counter(ns, name, v)
	}
}

func (c *chromeConverter) instant(e Event, name string) {
	c.out = append(c.out, chromeEvent{Name: name, Ph: "i", S: "t", Ts: micros(e.T), Pid: 1, Tid: e.G,
		Args: map[string]any{"line": e.Line}})
}

// closeOpen ends the stretches still open when the run ended (goroutines blocked at the end)
// at last, the last event's time, in the order of their goroutines.
func (c *chromeConverter) closeOpen(last int64) {
	for _, g := range slices.Sorted(maps.Keys(c.open)) {
		c.slice(c.open[g], last)
		delete(c.open, g)
	}
}
