package stage

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

// TestKindNames checks that every stored kind stands for its own Kind, so a kind added to the
// schema without its stored form (or the other way round) fails here.
func TestKindNames(t *testing.T) {
	seen := map[Kind]kind{}
	for k, name := range kindNames {
		if name == "" {
			t.Errorf("stored kind %d has no name", k)
			continue
		}
		if other, dup := seen[name]; dup {
			t.Errorf("stored kinds %d and %d both stand for %q", other, k, name)
		}
		seen[name] = kind(k)
	}
}

// TestTextArena checks that texts keep their bytes as the arena grows, across chunks, and
// that a text longer than a chunk holds is cut, whole runes only, with a mark.
func TestTextArena(t *testing.T) {
	var a textArena
	long := strings.Repeat("é", textChunk/2+1)
	cutLong := cut(long)
	if len(cutLong) > maxText || !utf8.ValidString(cutLong) || !strings.HasSuffix(cutLong, "…") ||
		!strings.HasPrefix(long, strings.TrimSuffix(cutLong, "…")) {
		t.Fatalf("cut(%d bytes) = %d bytes ending %q: want at most %d bytes of whole runes, a prefix, marked",
			len(long), len(cutLong), cutLong[len(cutLong)-8:], maxText)
	}
	type added struct {
		ref  textRef
		want string
	}
	var all []added
	for i := range 20000 {
		var v shown
		var want string
		switch i % 3 {
		case 0:
			v, want = shown{n: int64(-i * 7919), isInt: true}, format(-i*7919)
		case 1:
			v, want = shown{s: format("text")}, `"text"`
		default:
			v, want = shown{s: long}, cutLong
			if i%1000 != 2 {
				v, want = shown{}, ""
			}
		}
		all = append(all, added{a.add(v), want})
	}
	// Integers on either side of the 48 bits a reference holds itself, and the extremes.
	for _, n := range []int64{0, -1, 99, 100, 1<<47 - 1, -1 << 47, 1 << 47, -1<<47 - 1, math.MaxInt64, math.MinInt64} {
		all = append(all, added{a.add(shown{n: n, isInt: true}), strconv.FormatInt(n, 10)})
	}
	for i, x := range all {
		if got := a.string(x.ref); got != x.want {
			t.Fatalf("text %d reads %.40q, want %.40q", i, got, x.want)
		}
	}
	// A text that comes again, as an error each goroutine of a group returns, is written once.
	chunks, used := len(a.chunks), a.used
	for range 1000 {
		a.addString("worker")
		a.addString("context canceled")
	}
	if grew := (len(a.chunks)-chunks)*textChunk + a.used - used; grew > len("worker")+len("context canceled") {
		t.Errorf("two texts added 1,000 times each took %d bytes", grew)
	}
}

// TestPackedNumbers checks that an event's two numbers read back as recorded whether its
// entry holds them (their difference within an int32) or the side store does, and that the
// value they say is the one the kind's events show.
func TestPackedNumbers(t *testing.T) {
	r := &Run{cfg: Config{MaxEvents: 100}, clock: newLiveClock(), speed: 1, notify: make(chan struct{}, 1)}
	g := &G{run: r, id: 1}
	cases := []struct {
		kind   kind
		op     op
		a, b   int64
		packed bool
		value  string
	}{
		{kindAtomic, opAdd, 10, 15, true, "5"},
		{kindAtomic, opAdd, math.MaxInt64, math.MinInt64, false, "1"}, // wrapped around
		{kindAtomic, opStore, -3, 1 << 40, false, "1099511627776"},
		{kindAtomic, opSwap, 1 << 40, 1<<40 + math.MaxInt32, true, strconv.FormatInt(1<<40+math.MaxInt32, 10)},
		{kindAtomic, opCAS, 42, 42 + math.MinInt32, true, "42→" + strconv.FormatInt(42+math.MinInt32, 10)},
		{kindAtomic, opCAS, 42, 43 + math.MaxInt32, false, "42→" + strconv.FormatInt(43+math.MaxInt32, 10)},
		{kindAtomic, opLoad, math.MinInt64, math.MinInt64, true, ""},
		{kindWGAdd, opDone, 1, 0, true, "-1"},
		{kindSemRelease, opNone, 7, 4, true, "3"},
		{kindWorkBegin, opNone, int64(3 * time.Second), 0, false, ""},
		{kindSleepBeg, opNone, int64(time.Second), 0, true, ""},
		{kindGroupDone, opFirst, 3, 2, true, "failed"},
		{kindGroupDone, opNone, 1 << 40, 1<<40 - 1, false, ""},
		{kindGroupGoEnd, opNone, 0, 1, true, ""},
		{kindGroupGoEnd, opRefused, 4, 4, true, ""},
		{kindAcquireEnd, opCanceled, 5, 5, true, "context canceled"},
		{kindAcquireEnd, opNone, 5, 8, true, ""},
	}
	for _, c := range cases {
		e := entry{kind: c.kind, op: c.op}
		if c.value != "" && numbersValue(c.kind, c.op, c.a, c.b) == "" {
			e.text = r.texts.addString(c.value) // a value of its own, as an error's
		}
		if !g.recordWideLocked(&e, c.a, c.b, 0) {
			t.Fatalf("recording %v failed", c)
		}
		if e.packed != c.packed {
			t.Errorf("%v: packed %v, want %v", c, e.packed, c.packed)
		}
	}
	for i, c := range cases {
		ev := r.eventLocked(i)
		a, b := ev.Old, ev.New
		if c.kind == kindWorkBegin || c.kind == kindSleepBeg {
			a, b = ev.Dur, 0
		}
		if a != c.a || b != c.b || ev.Value != c.value {
			t.Errorf("%v reads back as %d, %d, %q", c, a, b, ev.Value)
		}
	}
}

// TestEntryCopy checks that recording stores every field of an entry as given (appendAtLocked
// copies an entry a field at a time), so a field added to entry that the copy leaves out
// fails here.
func TestEntryCopy(t *testing.T) {
	var e entry
	bytes := unsafe.Slice((*byte)(unsafe.Pointer(&e)), unsafe.Sizeof(e))
	for i := range bytes {
		bytes[i] = byte(i + 1)
	}
	e.closed = true
	r := &Run{cfg: Config{MaxEvents: 1}, lastT: e.t}
	// Again, and without a pc: the time is the last event's and the line is e's own.
	if !r.appendAtLocked(&e, nil, 0, true) {
		t.Fatal("recording refused")
	}
	if got := r.chunks[0][0]; got != e {
		t.Errorf("stored %+v, want %+v", got, e)
	}
}

// TestLiveClock checks the live clock against the OS clock it stands in for, over a few
// milliseconds: long enough to calibrate a time-stamp counter and extrapolate from it.
func TestLiveClock(t *testing.T) {
	const tolerance = 10 * time.Microsecond
	c := newLiveClock()
	deadline := time.Now().Add(5 * time.Millisecond)
	for reads := 0; time.Now().Before(deadline) || reads < 1000; reads++ {
		before := time.Since(c.start)
		got := time.Duration(c.elapsed())
		after := time.Since(c.start)
		if got < before-tolerance || got > after+tolerance {
			t.Fatalf("read %d: elapsed %v, outside the OS clock's %v to %v (±%v)", reads, got, before, after, tolerance)
		}
	}
	t.Logf("counter in use: %v, ns per tick: %v", c.counter, c.nsPerTick)
}
