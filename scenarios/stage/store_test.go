package stage

import (
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
	for i, x := range all {
		if got := a.string(x.ref); got != x.want {
			t.Fatalf("text %d reads %.40q, want %.40q", i, got, x.want)
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
