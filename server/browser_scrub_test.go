package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Scrubbing with the mouse: after a run has ended, dragging over the timeline moves the
// playhead to the time under the pointer, earlier to the left and later to the right, and
// the event log follows it; then → and ← step from wherever the drag left it to the next and
// the previous event. (TestBrowserKeyboardShortcuts covers the other keys.)

func TestBrowserDragScrub(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	// A seeded link: it runs by itself, and the trace API gives the very events it showed.
	// Laid out by time, which the drag reads.
	openSeededLink(t, ctx, ts.srv.URL+seededLink+"&view=time")
	var times []int64 // every event's time, in order
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const tr = await (await fetch(document.getElementById('export-json').href)).json();
		return JSON.stringify(tr.events.map((e) => e.t)) })()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("the trace: %v", err)
	}
	if err := json.Unmarshal([]byte(raw), &times); err != nil || len(times) < 50 {
		t.Fatalf("the trace's event times: %d, %v", len(times), err)
	}
	end := times[len(times)-1]

	tl := `document.getElementById('timeline').dataset`
	playhead := func() int64 {
		t.Helper()
		settle(t, ctx) // the timeline states its playhead when it draws
		return atoi(t, eval[string](t, ctx, tl+`.playhead`))
	}
	// shown is what the log says about the playhead: how many events it reaches and the
	// time of the last of them.
	shown := func() (count int, last string) {
		t.Helper()
		waitPage(t, ctx, tl+`.playing === 'false'`, "the timeline is still playing")
		s := eval[string](t, ctx, `(() => { const li = document.getElementById('log').lastElementChild;
			return li ? li.value + ' ' + li.querySelector('time').textContent : '0 -' })()`)
		var seq int
		if _, err := fmt.Sscan(s, &seq); err != nil {
			t.Fatalf("the log's last entry: %q", s)
		}
		return seq, s[len(strconv.Itoa(seq))+1:]
	}
	// reached is how many events are at or before t, and the log's time of the last.
	reached := func(t0 int64) (int, string) {
		n := sort.Search(len(times), func(i int) bool { return times[i] > t0 })
		if n == 0 {
			return 0, "-"
		}
		return n, strconv.FormatFloat(float64(times[n-1])/1e6, 'f', 3, 64) + " ms"
	}
	checkLog := func(when string, at int64) {
		t.Helper()
		n, last := shown()
		wantN, wantLast := reached(at)
		if n != wantN || last != wantLast {
			t.Errorf("%s (playhead at %d ns) the log ends at event %d at %s, want event %d at %s", when, at, n, last, wantN, wantLast)
		}
	}

	if p := playhead(); p < end {
		t.Fatalf("after the run the playhead is at %d, before its last event, at %d", p, end)
	}
	box := timelineBox(t, ctx)
	y := box.Y + box.H*0.5
	at := func(f float64) float64 { return box.X + box.W*f }
	// drag presses at from, moves in steps to to (fractions of the canvas's width) and
	// releases, and returns the playhead after each step.
	drag := func(from, to float64) []int64 {
		t.Helper()
		mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMousePressed, X: at(from), Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1})
		var seen []int64
		const steps = 8
		for i := 1; i <= steps; i++ {
			f := from + (to-from)*float64(i)/steps
			mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: at(f), Y: y, Button: input.MouseButtonLeft, Buttons: 1})
			seen = append(seen, playhead())
		}
		mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseReleased, X: at(to), Y: y, Button: input.MouseButtonLeft, ClickCount: 1})
		if p := playhead(); p != seen[len(seen)-1] {
			t.Errorf("releasing the mouse moved the playhead from %d to %d", seen[len(seen)-1], p)
		}
		return seen
	}

	// Left: from near the end back to the middle of the lanes. (The label column is at most
	// 30% of the width; the drag stays right of it.)
	left := drag(0.9, 0.45)
	for i := 1; i < len(left); i++ {
		if left[i] >= left[i-1] {
			t.Errorf("dragging left, the playhead went from %d to %d", left[i-1], left[i])
		}
	}
	mid := left[len(left)-1]
	if mid <= 0 || mid >= end {
		t.Fatalf("dragging left to the middle left the playhead at %d of %d", mid, end)
	}
	if eval[string](t, ctx, tl+`.playing`) != "false" {
		t.Error("the timeline plays after a drag")
	}
	checkLog("after dragging left", mid)
	screenshot(t, ctx, "dragged-left")

	// Right: from there a little further on.
	right := drag(0.45, 0.7)
	for i := 1; i < len(right); i++ {
		if right[i] <= right[i-1] {
			t.Errorf("dragging right, the playhead went from %d to %d", right[i-1], right[i])
		}
	}
	p := right[len(right)-1]
	if p <= mid || p >= end {
		t.Fatalf("dragging right from %d left the playhead at %d (the run ends at %d)", mid, p, end)
	}
	checkLog("after dragging right", p)

	// Stepping from where the drag left the playhead: → goes to the next event's time, ←
	// to the previous one's.
	next := func(t0 int64) int64 { return times[sort.Search(len(times), func(i int) bool { return times[i] > t0 })] }
	prev := func(t0 int64) int64 {
		return times[sort.Search(len(times), func(i int) bool { return times[i] >= t0 })-1]
	}
	if i := sort.Search(len(times), func(i int) bool { return times[i] > p }); i >= len(times)-2 || i < 2 {
		t.Fatalf("the drag left the playhead at %d, too near an end of the run to step both ways", p)
	}
	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	want := next(p)
	pressKeys(t, ctx, kb.ArrowRight)
	if got := playhead(); got != want {
		t.Errorf("→ from %d went to %d, want the next event's time, %d", p, got, want)
	}
	checkLog("after →", want)
	want2 := next(want)
	pressKeys(t, ctx, kb.ArrowRight)
	if got := playhead(); got != want2 {
		t.Errorf("a second → went to %d, want %d", got, want2)
	}
	pressKeys(t, ctx, kb.ArrowLeft)
	if got := playhead(); got != prev(want2) {
		t.Errorf("← from %d went to %d, want the previous event's time, %d", want2, got, prev(want2))
	}
	pressKeys(t, ctx, kb.ArrowLeft)
	if got := playhead(); got != prev(prev(want2)) {
		t.Errorf("a second ← went to %d, want %d", got, prev(prev(want2)))
	}
	checkLog("after ←", prev(prev(want2)))
	screenshot(t, ctx, "stepped")
}
