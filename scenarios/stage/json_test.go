package stage_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"interleave/scenarios/stage"
)

var update = flag.Bool("update", false, "rewrite testdata/events.golden.json from the encoder")

// goldenEvents is one event of every kind, and of every shape a kind takes, filled as the stage
// fills them.
func goldenEvents() []stage.Event {
	ev := []stage.Event{
		{G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
		{G: 1, Kind: stage.KindNew, Obj: 1, Name: "ch", ObjKind: stage.ObjChan, Line: 10},
		{G: 1, Kind: stage.KindNew, Obj: 2, Name: "jobs", ObjKind: stage.ObjChan, Cap: 4, Line: 11},
		{G: 1, Kind: stage.KindNew, Obj: 3, Name: "mu", ObjKind: stage.ObjMutex, Line: 12},
		{G: 1, Kind: stage.KindNew, Obj: 4, Name: "counter", ObjKind: stage.ObjAtomic, Value: "5", Line: 13},
		{G: 1, Kind: stage.KindNew, Obj: 5, Name: "timeout", ObjKind: stage.ObjTimer, Cap: 1, Dur: 1_000_000, Line: 14},
		{G: 1, Kind: stage.KindNew, Obj: 6, Name: "request", ObjKind: stage.ObjContext, Line: 14},
		{G: 1, Kind: stage.KindNew, Obj: 7, Name: "step", ObjKind: stage.ObjContext, Parent: 6, Dur: 5_000_000, Line: 14},
		{G: 1, Kind: stage.KindGo, Child: 2, Name: "producer 0", Line: 15},
		{G: 2, Kind: stage.KindRunnableBegin, Line: 16},
		{G: 2, Kind: stage.KindRunnableEnd, Line: 16},
		{G: 2, Kind: stage.KindWorkBegin, Dur: 300_000_000, Line: 16},
		{G: 2, Kind: stage.KindWorkEnd, Line: 16},
		{G: 2, Kind: stage.KindSendBegin, Obj: 1, Msg: 1, Value: "0", Line: 17},
		{G: 1, Kind: stage.KindRecvBegin, Obj: 1, Line: 20},
		{G: 1, Kind: stage.KindRecvEnd, Obj: 1, Msg: 1, Value: "0", Line: 20},
		{G: 2, Kind: stage.KindSendEnd, Obj: 1, Msg: 1, Line: 17},
		{G: 2, Kind: stage.KindSendBegin, Obj: 2, Msg: 2, Value: `"say \"hi\"\n"`, Line: 18},
		{G: 2, Kind: stage.KindSendEnd, Obj: 2, Msg: 2, Line: 18},
		{G: 2, Kind: stage.KindClose, Obj: 2, Line: 19},
		{G: 2, Kind: stage.KindExit},
		{G: 1, Kind: stage.KindRecvBegin, Obj: 2, Line: 21},
		{G: 1, Kind: stage.KindRecvEnd, Obj: 2, Msg: 2, Value: `"say \"hi\"\n"`, Line: 21},
		{G: 1, Kind: stage.KindRecvBegin, Obj: 2, Line: 21},
		{G: 1, Kind: stage.KindRecvEnd, Obj: 2, Value: `""`, Closed: true, Line: 21},
		{G: 1, Kind: stage.KindLockBegin, Obj: 3, Line: 22},
		{G: 1, Kind: stage.KindLockEnd, Obj: 3, Line: 22},
		{G: 1, Kind: stage.KindUnlock, Obj: 3, Line: 23},
		{G: 1, Kind: stage.KindAtomic, Obj: 4, Op: "add", Value: "1", Old: 5, New: 6, Line: 24},
		{G: 1, Kind: stage.KindAtomic, Obj: 4, Op: "load", Old: 6, New: 6, Line: 25},
		{G: 1, Kind: stage.KindAtomic, Obj: 4, Op: "store", Value: "0", Old: 6, New: 0, Line: 26},
		{G: 1, Kind: stage.KindAtomic, Obj: 4, Op: "swap", Value: "-3", Old: 0, New: -3, Line: 27},
		{G: 1, Kind: stage.KindAtomic, Obj: 4, Op: "cas", Value: "-3→9", Old: -3, New: 9, Line: 28},
		{G: 1, Kind: stage.KindAtomic, Obj: 4, Op: "cas", Value: "0→1", Old: 9, New: 9, Line: 28},
		{G: 1, Kind: stage.KindSleepBeg, Dur: 1_500_000, Line: 29},
		{G: 0, Kind: stage.KindFire, Obj: 5, Msg: 3, Value: "1ms"},
		{G: 1, Kind: stage.KindSleepEnd, Line: 29},
		{G: 1, Kind: stage.KindTimer, Obj: 5, Op: "reset", Value: "false", Msg: 3, Dur: 2_000_000, Line: 38},
		{G: 1, Kind: stage.KindCancel, Obj: 6, Value: "context canceled", Line: 39},
		{G: 1, Kind: stage.KindCancel, Obj: 7, Value: "context canceled", Line: 39},
		{G: 1, Kind: stage.KindPrint, Value: "got <b>&amp;</b>\ttab\r\nnext \u2028\u2029 é ✓ 😀 \x00\x1f \xff\xfe end", Line: 30},
		// Nothing is ready but the default; a nil channel's case never is.
		{G: 1, Kind: stage.KindSelectBegin, Cases: []stage.SelectCase{{Dir: "recv", Obj: 1, Line: 32}, {Dir: "recv", Line: 33}, {Dir: "default", Line: 34}}, Line: 31},
		{G: 1, Kind: stage.KindSelectEnd, Case: 2, Line: 34},
		// The closed channel's receive is ready; the send offered on ch never happens.
		{G: 1, Kind: stage.KindSelectBegin, Cases: []stage.SelectCase{{Dir: "send", Obj: 1, Msg: 4, Value: "7", Line: 36}, {Dir: "recv", Obj: 2, Line: 37}}, Line: 35},
		{G: 1, Kind: stage.KindSelectEnd, Obj: 2, Case: 1, Value: `""`, Closed: true, Line: 37},
		// A semaphore of size 4: an Acquire that fits, a TryAcquire that does not, an Acquire
		// whose context (request) is already done, a Release.
		{G: 1, Kind: stage.KindNew, Obj: 8, Name: "sem", ObjKind: stage.ObjSemaphore, Cap: 4, Line: 40},
		{G: 1, Kind: stage.KindAcquireBegin, Obj: 8, Value: "3", Line: 41},
		{G: 1, Kind: stage.KindAcquireEnd, Obj: 8, Old: 0, New: 3, Line: 41},
		{G: 1, Kind: stage.KindAcquireBegin, Obj: 8, Op: "try", Value: "2", Line: 42},
		{G: 1, Kind: stage.KindAcquireEnd, Obj: 8, Op: "refused", Old: 3, New: 3, Line: 42},
		{G: 1, Kind: stage.KindAcquireBegin, Obj: 8, Value: "1", Line: 43},
		{G: 1, Kind: stage.KindAcquireEnd, Obj: 8, Op: "canceled", Value: "context canceled", Old: 3, New: 3, Line: 43},
		{G: 1, Kind: stage.KindSemRelease, Obj: 8, Value: "3", Old: 3, New: 0, Line: 44},
		// An errgroup with a context and a limit of 2: two Go calls, a TryGo refused, a first
		// error that cancels the context, a later one dropped, and the Wait that returns the
		// first.
		{G: 1, Kind: stage.KindNew, Obj: 9, Name: "fetches context", ObjKind: stage.ObjContext, Line: 45},
		{G: 1, Kind: stage.KindNew, Obj: 10, Name: "fetches", ObjKind: stage.ObjErrGroup, Parent: 9, Line: 45},
		{G: 1, Kind: stage.KindGroupLimit, Obj: 10, Value: "2", Line: 46},
		{G: 1, Kind: stage.KindGroupGoBegin, Obj: 10, Line: 47},
		{G: 1, Kind: stage.KindGroupGoEnd, Obj: 10, Old: 0, New: 1, Line: 47},
		{G: 1, Kind: stage.KindGo, Child: 3, Name: "fetch 0", Line: 47},
		{G: 1, Kind: stage.KindGroupGoBegin, Obj: 10, Line: 48},
		{G: 1, Kind: stage.KindGroupGoEnd, Obj: 10, Old: 1, New: 2, Line: 48},
		{G: 1, Kind: stage.KindGo, Child: 4, Name: "fetch 1", Line: 48},
		{G: 1, Kind: stage.KindGroupGoBegin, Obj: 10, Op: "try", Line: 49},
		{G: 1, Kind: stage.KindGroupGoEnd, Obj: 10, Op: "refused", Old: 2, New: 2, Line: 49},
		{G: 1, Kind: stage.KindGroupWaitBegin, Obj: 10, Line: 50},
		{G: 3, Kind: stage.KindGroupDone, Obj: 10, Op: "first", Value: "fetch 0: not found", Old: 2, New: 1, Line: 47},
		{G: 3, Kind: stage.KindCancel, Obj: 9, Value: "context canceled", Line: 47},
		{G: 3, Kind: stage.KindExit},
		{G: 4, Kind: stage.KindGroupDone, Obj: 10, Op: "later", Value: "fetch 1: context canceled", Old: 1, New: 0, Line: 48},
		{G: 1, Kind: stage.KindGroupWaitEnd, Obj: 10, Value: "fetch 0: not found", Line: 50},
		{G: 4, Kind: stage.KindExit},
		// An RWMutex read-locked, tried both ways, then locked for writing.
		{G: 1, Kind: stage.KindNew, Obj: 11, Name: "table", ObjKind: stage.ObjRWMutex, Line: 40},
		{G: 1, Kind: stage.KindNew, Obj: 12, Name: "ready", ObjKind: stage.ObjCond, Parent: 3, Line: 41},
		{G: 1, Kind: stage.KindNew, Obj: 13, Name: "setup", ObjKind: stage.ObjOnce, Line: 42},
		{G: 1, Kind: stage.KindRLockBegin, Obj: 11, Line: 43},
		{G: 1, Kind: stage.KindRLockEnd, Obj: 11, Value: "3 rows", Line: 43},
		{G: 1, Kind: stage.KindTryLock, Obj: 11, Op: "lock", Value: "false", Line: 44},
		{G: 1, Kind: stage.KindTryLock, Obj: 11, Op: "rlock", Value: "true", Line: 45},
		{G: 1, Kind: stage.KindRUnlock, Obj: 11, Value: "3 rows", Line: 46},
		{G: 1, Kind: stage.KindRUnlock, Obj: 11, Value: "3 rows", Line: 46},
		{G: 1, Kind: stage.KindLockBegin, Obj: 11, Line: 47},
		{G: 1, Kind: stage.KindLockEnd, Obj: 11, Value: "3 rows", Line: 47},
		{G: 1, Kind: stage.KindUnlock, Obj: 11, Value: "4 rows", Line: 48},
		// A Signal no one waits for is lost; one a waiter waits for wakes it (wake 5), as a
		// Broadcast does (wake 6); each time the waiter locks the mutex again.
		{G: 1, Kind: stage.KindSignal, Obj: 12, Op: "lost", Value: "0", Line: 49},
		{G: 1, Kind: stage.KindGo, Child: 5, Name: "waiter", Line: 50},
		{G: 5, Kind: stage.KindLockBegin, Obj: 3, Line: 51},
		{G: 5, Kind: stage.KindLockEnd, Obj: 3, Line: 51},
		{G: 5, Kind: stage.KindUnlock, Obj: 3, Line: 52},
		{G: 5, Kind: stage.KindCondWaitBegin, Obj: 12, Line: 52},
		{G: 1, Kind: stage.KindLockBegin, Obj: 3, Line: 53},
		{G: 1, Kind: stage.KindLockEnd, Obj: 3, Line: 53},
		{G: 1, Kind: stage.KindSignal, Obj: 12, Msg: 5, Value: "1", Line: 54},
		{G: 1, Kind: stage.KindUnlock, Obj: 3, Line: 55},
		{G: 5, Kind: stage.KindCondWaitEnd, Obj: 12, Msg: 5, Line: 52},
		{G: 5, Kind: stage.KindLockBegin, Obj: 3, Line: 52},
		{G: 5, Kind: stage.KindLockEnd, Obj: 3, Line: 52},
		{G: 5, Kind: stage.KindUnlock, Obj: 3, Line: 52},
		{G: 5, Kind: stage.KindCondWaitBegin, Obj: 12, Line: 52},
		{G: 1, Kind: stage.KindBroadcast, Obj: 12, Msg: 6, Value: "1", Line: 56},
		{G: 5, Kind: stage.KindCondWaitEnd, Obj: 12, Msg: 6, Line: 52},
		{G: 5, Kind: stage.KindLockBegin, Obj: 3, Line: 52},
		{G: 5, Kind: stage.KindLockEnd, Obj: 3, Line: 52},
		{G: 5, Kind: stage.KindUnlock, Obj: 3, Line: 57},
		// The waiter runs the Once's function; main's Do waits for it to return.
		{G: 5, Kind: stage.KindOnceRun, Obj: 13, Line: 58},
		{G: 1, Kind: stage.KindOnceWaitBegin, Obj: 13, Line: 59},
		{G: 5, Kind: stage.KindOnceDone, Obj: 13, Line: 58},
		{G: 1, Kind: stage.KindOnceWaitEnd, Obj: 13, Line: 59},
		{G: 5, Kind: stage.KindExit},
		{G: 1, Kind: stage.KindPanic, Value: "close of closed channel jobs"},
	}
	for i := range ev {
		ev[i].Seq = int64(i + 1)
		ev[i].T = int64(i) * 250_000
	}
	return ev
}

// goldenDocument is a JSON array with one event per line, as AppendJSON writes each.
func goldenDocument(ev []stage.Event) []byte {
	buf := []byte("[\n")
	for i := range ev {
		buf = ev[i].AppendJSON(buf)
		if i < len(ev)-1 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
	}
	return append(buf, "]\n"...)
}

func TestGoldenEvents(t *testing.T) {
	ev := goldenEvents()
	for _, k := range allKinds {
		if !slices.ContainsFunc(ev, func(e stage.Event) bool { return e.Kind == k }) {
			t.Errorf("the golden trace has no %s event", k)
		}
	}
	// It tells a coherent story: a trace the stage could have recorded.
	end := stage.End{Reason: stage.ReasonPanic, Duration: ev[len(ev)-1].T, Events: len(ev), Goroutines: 5, Objects: 13}
	checkTrace(t, ev, end)
	if err := stage.Validate(ev, end); err != nil {
		t.Errorf("the golden trace breaks the stage's rules: %v", err)
	}
	got := goldenDocument(ev)
	path := filepath.Join("testdata", "events.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenEvents -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := at(gl, i), at(wl, i)
			if g != w {
				t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
			}
		}
		t.Fatalf("the encoder no longer writes %s (if the change is meant, run with -update and bump SchemaVersion if a field changed meaning)", path)
	}
	// The golden file is itself a trace encoding/json reads back event for event.
	var decoded []stage.Event
	if err := json.Unmarshal(want, &decoded); err != nil {
		t.Fatalf("%s is not a JSON array of events: %v", path, err)
	}
	for i := range ev {
		if w := canonical(ev[i]); !reflect.DeepEqual(decoded[i], w) {
			t.Errorf("event %d decodes to\n%+v\nwant\n%+v", i+1, decoded[i], w)
		}
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

// validUTF8 is s as JSON carries it: each byte that is not part of valid UTF-8 becomes U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}

// canonical is e as it comes back from its JSON.
func canonical(e stage.Event) stage.Event {
	e.Value = validUTF8(e.Value)
	e.Name = validUTF8(e.Name)
	e.Kind = stage.Kind(validUTF8(string(e.Kind)))
	e.ObjKind = stage.ObjKind(validUTF8(string(e.ObjKind)))
	e.Op = validUTF8(e.Op)
	return e
}

func TestAppendJSONRoundTrip(t *testing.T) {
	for _, e := range goldenEvents() {
		out := e.AppendJSON(nil)
		if !json.Valid(out) {
			t.Errorf("invalid JSON: %s", out)
			continue
		}
		var back stage.Event
		if err := json.Unmarshal(out, &back); err != nil {
			t.Errorf("%s: %v", out, err)
		}
		if want := canonical(e); !reflect.DeepEqual(back, want) {
			t.Errorf("%s decodes to\n%+v\nwant\n%+v", out, back, want)
		}
		// encoding/json uses MarshalJSON and keeps its bytes: one encoder for the wire.
		if m, err := json.Marshal(e); err != nil || !bytes.Equal(m, out) {
			t.Errorf("json.Marshal gives %s (%v), AppendJSON %s", m, err, out)
		}
		// AppendJSON appends.
		if got := e.AppendJSON([]byte("prefix")); !bytes.Equal(got, append([]byte("prefix"), out...)) {
			t.Errorf("AppendJSON does not append to its buffer: %s", got)
		}
	}
	ev := goldenEvents()
	var back []stage.Event
	if err := json.Unmarshal(stage.AppendEvents(nil, ev), &back); err != nil || len(back) != len(ev) {
		t.Fatalf("AppendEvents: %v, %d events back of %d", err, len(back), len(ev))
	}
	if got := stage.AppendEvents(nil, nil); string(got) != "[]" {
		t.Errorf("AppendEvents of none = %s, want []", got)
	}
}

func TestAppendJSONFields(t *testing.T) {
	// Fields a kind does not use are left out; the ones README marks "always written" are not.
	for _, tc := range []struct {
		e    stage.Event
		want string
	}{
		{stage.Event{Seq: 1, G: 0, Kind: stage.KindGo, Child: 1, Name: "main"},
			`{"seq":1,"t":0,"g":0,"kind":"go","child":1,"name":"main"}`},
		{stage.Event{Seq: 2, T: 5, G: 1, Kind: stage.KindNew, Obj: 1, Name: "ch", ObjKind: stage.ObjChan, Line: 3},
			`{"seq":2,"t":5,"g":1,"kind":"new","obj":1,"line":3,"name":"ch","objKind":"chan","cap":0}`},
		{stage.Event{Seq: 3, T: 5, G: 1, Kind: stage.KindNew, Obj: 2, Name: "mu", ObjKind: stage.ObjMutex},
			`{"seq":3,"t":5,"g":1,"kind":"new","obj":2,"name":"mu","objKind":"mutex"}`},
		{stage.Event{Seq: 4, T: 6, G: 2, Kind: stage.KindAtomic, Obj: 3, Op: "load"},
			`{"seq":4,"t":6,"g":2,"kind":"atomic","obj":3,"op":"load","old":0,"new":0}`},
		{stage.Event{Seq: 5, T: 7, G: 2, Kind: stage.KindRecvEnd, Obj: 1, Value: "0", Closed: true, Line: 9},
			`{"seq":5,"t":7,"g":2,"kind":"recv-end","obj":1,"value":"0","line":9,"closed":true}`},
		{stage.Event{Seq: 6, T: 8, G: 2, Kind: stage.KindSendEnd, Obj: 1, Msg: 7, Line: 14},
			`{"seq":6,"t":8,"g":2,"kind":"send-end","obj":1,"msg":7,"line":14}`},
		{stage.Event{Seq: 7, T: 9, G: 3, Kind: stage.KindWorkBegin, Dur: 300000000, Line: 2},
			`{"seq":7,"t":9,"g":3,"kind":"work-begin","line":2,"dur":300000000}`},
		{stage.Event{Seq: 8, T: -1, G: -2, Kind: stage.KindPrint, Value: "x", Obj: -3, Msg: -4},
			`{"seq":8,"t":-1,"g":-2,"kind":"print","obj":-3,"msg":-4,"value":"x"}`},
	} {
		if got := string(tc.e.AppendJSON(nil)); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestAppendJSONEscaping(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want: the JSON string literal
	}{
		{"plain", `"plain"`},
		{``, ``}, // empty: the field is left out
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"two\nlines\r\n\tindented", `"two\nlines\r\n\tindented"`},
		{"\x00\x01\x08\x0c\x1b\x1f", `"\u0000\u0001\u0008\u000c\u001b\u001f"`},
		{"\x7f", "\"\x7f\""},
		{"<script>alert(1)</script>", `"\u003cscript\u003ealert(1)\u003c/script\u003e"`},
		{"a && b", `"a \u0026\u0026 b"`},
		{"\xff", `"\ufffd"`},
		{"ok\xe2\x82", `"ok\ufffd\ufffd"`},       // a truncated sequence: one U+FFFD per byte
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`}, // an encoded surrogate is not UTF-8
		{"\xc0\xaf", `"\ufffd\ufffd"`},           // nor is an overlong form
		{"\ufffd", "\"\ufffd\""},                 // a real U+FFFD passes as is
		{"line\u2028para\u2029end", `"line\u2028para\u2029end"`},
		{"é ✓ 😀 世界", `"é ✓ 😀 世界"`},
		{"\u2027\u202a", "\"\u2027\u202a\""}, // the neighbours of U+2028/9 pass as is
	} {
		e := stage.Event{Seq: 1, G: 1, Kind: stage.KindPrint, Value: tc.in}
		want := `{"seq":1,"t":0,"g":1,"kind":"print"`
		if tc.want != "" {
			want += `,"value":` + tc.want
		}
		want += "}"
		out := e.AppendJSON(nil)
		if string(out) != want {
			t.Errorf("%q: got %s, want %s", tc.in, out, want)
		}
		var back stage.Event
		if err := json.Unmarshal(out, &back); err != nil || back.Value != validUTF8(tc.in) {
			t.Errorf("%q decodes to %q (%v), want %q", tc.in, back.Value, err, validUTF8(tc.in))
		}
		// Nothing a page could mistake for markup, and no raw line separators for old JS.
		if bytes.ContainsAny(out, "<>&\u2028\u2029") {
			t.Errorf("%q: unescaped <, >, & or U+2028/9 in %s", tc.in, out)
		}
	}
}

func TestAppendJSONAllocates(t *testing.T) {
	ev := goldenEvents()
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		buf = buf[:0]
		for i := range ev {
			buf = ev[i].AppendJSON(buf)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendJSON allocated %.1f times into a buffer with room", allocs)
	}
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range []struct{ value, name string }{
		{"", ""},
		{"42", "producer 1"},
		{`"quoted" \ back`, "tab\there"},
		{"<b>&</b>", "line\nbreak"},
		{"\xff\xfe", "\xe2\x82"},
		{"\u2028\u2029", "😀"},
		{"\x00\x1f\x7f", "\ufffd"},
		{"\xed\xa0\x80", "é"},
	} {
		f.Add(s.value, s.name)
	}
	f.Fuzz(func(t *testing.T, value, name string) {
		events := []stage.Event{
			{Seq: 1, G: 1, Kind: stage.KindPrint, Value: value, Line: 3},
			{Seq: 2, T: 1, G: 1, Kind: stage.KindGo, Child: 2, Name: name, Line: 4},
			{Seq: 3, T: 2, G: 1, Kind: stage.KindNew, Obj: 1, Name: name, ObjKind: stage.ObjChan, Cap: 2},
			{Seq: 4, T: 3, G: 2, Kind: stage.KindSendBegin, Obj: 1, Msg: 1, Value: value},
			{Seq: 5, T: 4, G: 2, Kind: stage.KindAtomic, Obj: 2, Op: "cas", Value: value, Old: 1, New: 2},
			{Seq: 6, T: 5, G: 2, Kind: stage.KindRecvEnd, Obj: 1, Value: value, Closed: true},
			{Seq: 7, T: 6, G: 2, Kind: stage.KindPanic, Value: value + name},
		}
		for _, e := range events {
			out := e.AppendJSON(nil)
			if !json.Valid(out) {
				t.Fatalf("invalid JSON for %q, %q: %s", value, name, out)
			}
			if bytes.ContainsAny(out, "<>&\u2028\u2029") {
				t.Fatalf("unescaped <, >, & or U+2028/9: %s", out)
			}
			var back stage.Event
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if want := canonical(e); !reflect.DeepEqual(back, want) {
				t.Fatalf("%s decodes to\n%+v\nwant\n%+v", out, back, want)
			}
		}
		all := stage.AppendEvents(nil, events)
		var back []stage.Event
		if err := json.Unmarshal(all, &back); err != nil || len(back) != len(events) {
			t.Fatalf("AppendEvents: %v", err)
		}
	})
}
