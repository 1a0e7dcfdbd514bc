package main

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Browser tests of the timeline as people use it: goroutines that share a name fold into one
// lane when there are too many to show, a click or a key unfolds them, and two fingers zoom.

// crowdedPool is a seeded worker pool with the most workers the catalog allows: too many lanes
// for the window, so the workers fold.
const crowdedPool = "/play/worker-pool?workers=16&tasks=40&queue=2&task=150&jitter=150&mode=seeded&seed=3&processors=4"

// openEnded opens link (a seeded one: it runs at once), waits for the run to end and stops the
// replay at the run's end, where the whole run is drawn.
func openEnded(t *testing.T, ctx context.Context, link string) {
	t.Helper()
	openPage(t, ctx, link)
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-done") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	pressKeys(t, ctx, kb.End)
	waitPage(t, ctx, `document.getElementById('timeline').dataset.playing === 'false'`, "End did not stop the replay")
}

// timelineRows is how many lanes the timeline stands one above the other.
func timelineRows(t *testing.T, ctx context.Context) int {
	t.Helper()
	return eval[int](t, ctx, `Number(document.getElementById('timeline').dataset.rows)`)
}

// foldState is the worker group's heading button's aria-expanded, or "none" without one.
func foldState(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `(() => { const b = document.querySelector('.tl-fold[data-group="worker"]');
		return b ? b.getAttribute('aria-expanded') : 'none' })()`)
}

func TestBrowserTimelineFoldsGroups(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)

	// A few workers fit: they keep a lane each, under an unfolded heading.
	openEnded(t, ctx, ts.srv.URL+"/play/worker-pool?workers=3&tasks=6&queue=2&task=150&jitter=150&mode=seeded&seed=3&processors=4")
	if s := foldState(t, ctx); s != "true" {
		t.Errorf("3 workers: the worker heading's aria-expanded is %q, want true (unfolded)", s)
	}
	screenshot(t, ctx, "few")

	// Sixteen do not: they fold into one lane by themselves.
	openEnded(t, ctx, ts.srv.URL+crowdedPool)
	if s := foldState(t, ctx); s != "false" {
		t.Fatalf("16 workers: the worker heading's aria-expanded is %q, want false (folded)", s)
	}
	folded := timelineRows(t, ctx)
	// main, the worker group, feeder, closer and three objects
	if folded != 7 {
		t.Errorf("folded, the timeline has %d lanes, want 7", folded)
	}
	label := eval[string](t, ctx, `document.querySelector('.tl-fold[data-group="worker"]').textContent`)
	if label != "worker ×16" {
		t.Errorf("the heading reads %q, want %q", label, "worker ×16")
	}

	// Hovering the folded lane tells what the group does there (with the playhead moved there
	// by a click on the axis, the label says it too).
	box := eval[[]float64](t, ctx, `(() => { const b = document.querySelector('.tl-fold[data-group="worker"]').getBoundingClientRect();
		const c = document.getElementById('timeline').getBoundingClientRect();
		return [b.right, b.top + b.height / 2, c.right, c.top] })()`)
	x := box[0] + (box[2]-box[0])*0.4
	for _, p := range []input.DispatchMouseEventParams{
		{Type: input.DispatchMouseEventTypeMousePressed, X: x, Y: box[3] + 10, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1},
		{Type: input.DispatchMouseEventTypeMouseReleased, X: x, Y: box[3] + 10, Button: input.MouseButtonLeft, ClickCount: 1},
		{Type: input.DispatchMouseEventTypeMouseMoved, X: x, Y: box[1]},
	} {
		if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, p); err != nil {
			t.Fatal(err)
		}
	}
	waitPage(t, ctx, `!document.querySelector('.tl-tip').hidden`, "hovering the folded lane shows no tooltip")
	tip := eval[string](t, ctx, `document.querySelector('.tl-tip').textContent`)
	if !strings.Contains(tip, "worker ×16: ") || !strings.Contains(tip, "working") {
		t.Errorf("the folded lane's tooltip reads %q, want the group's state, such as \"worker ×16: 12 working, …\"", tip)
	}
	screenshot(t, ctx, "folded")

	// A click on the heading unfolds the group: a lane for each worker under it.
	if err := chromedp.Do(ctx, chromedp.Click(`.tl-fold[data-group="worker"]`)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, fmt.Sprintf(`document.getElementById('timeline').dataset.rows === '%d'`, folded+16), "a click on the heading did not unfold the workers")
	if s := foldState(t, ctx); s != "true" {
		t.Errorf("after the click the heading's aria-expanded is %q, want true", s)
	}
	screenshot(t, ctx, "unfolded")

	// The keyboard reaches the heading: Enter folds it again, Space unfolds it, and neither
	// plays the run.
	if err := chromedp.Do(ctx, chromedp.Focus(`.tl-fold[data-group="worker"]`)); err != nil {
		t.Fatal(err)
	}
	pressKeys(t, ctx, kb.Enter)
	waitPage(t, ctx, fmt.Sprintf(`document.getElementById('timeline').dataset.rows === '%d'`, folded), "Enter on the heading did not fold the workers")
	pressKeys(t, ctx, " ")
	waitPage(t, ctx, fmt.Sprintf(`document.getElementById('timeline').dataset.rows === '%d'`, folded+16), "Space on the heading did not unfold the workers")
	if p := eval[string](t, ctx, `document.getElementById('timeline').dataset.playing`); p != "false" {
		t.Errorf("Space on the heading also started the replay (playing=%s)", p)
	}
	if s := foldState(t, ctx); s != "true" {
		t.Errorf("after Enter and Space the heading's aria-expanded is %q, want true", s)
	}
	screenshot(t, ctx, "keyboard")

	// A person's choice holds: the next run of sixteen keeps the workers unfolded.
	if reason, failure := rerun(t, ctx); !strings.Contains(reason, "reason-done") {
		t.Fatalf("the second run ended with %q %s", reason, failure)
	}
	if s := foldState(t, ctx); s != "true" {
		t.Errorf("the next run folded the workers the person unfolded (aria-expanded %q)", s)
	}
}

// timelineView is the time range the timeline shows, [t0, t1] ns.
func timelineView(t *testing.T, ctx context.Context) (float64, float64) {
	t.Helper()
	v := eval[string](t, ctx, `document.getElementById('timeline').dataset.view`)
	var t0, t1 float64
	if _, err := fmt.Sscanf(v, "%f-%f", &t0, &t1); err != nil {
		t.Fatalf("the timeline's view is %q, want t0-t1", v)
	}
	return t0, t1
}

// fingers moves two touch points from (a0, b0) to (a1, b1) at height y in steps, as two
// fingers would, without lifting them.
func fingers(t *testing.T, ctx context.Context, y, a0, b0, a1, b1 float64) {
	t.Helper()
	const steps = 6
	for i := 1; i <= steps; i++ {
		f := float64(i) / steps
		a := a0 + (a1-a0)*f
		b := b0 + (b1-b0)*f
		if _, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{
			Type:        input.DispatchTouchEventTypeTouchMove,
			TouchPoints: []*input.TouchPoint{{X: a, Y: y, ID: touchID(1)}, {X: b, Y: y, ID: touchID(2)}},
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func touchID(n float64) *float64 { return &n }

func touchDown(t *testing.T, ctx context.Context, y, a, b float64) {
	t.Helper()
	if _, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{
		Type:        input.DispatchTouchEventTypeTouchStart,
		TouchPoints: []*input.TouchPoint{{X: a, Y: y, ID: touchID(1)}, {X: b, Y: y, ID: touchID(2)}},
	}); err != nil {
		t.Fatal(err)
	}
}

func touchUp(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{
		Type:        input.DispatchTouchEventTypeTouchEnd,
		TouchPoints: []*input.TouchPoint{},
	}); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserTimelinePinch(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openEnded(t, ctx, ts.srv.URL+seededLink)
	if ta := eval[string](t, ctx, `getComputedStyle(document.getElementById('timeline')).touchAction`); ta != "pan-y" {
		t.Errorf("the canvas's touch-action is %q, want pan-y: two fingers would zoom the page", ta)
	}
	if v := eval[string](t, ctx, `document.getElementById('timeline').dataset.view`); v != "all" {
		t.Fatalf("before the pinch the view is %q, want all", v)
	}
	c := eval[[]float64](t, ctx, `(() => { const r = document.getElementById('timeline').getBoundingClientRect();
		return [r.left, r.top, r.width] })()`)
	y := c[1] + 60
	mid := c[0] + c[2]*0.6
	playhead := eval[string](t, ctx, `document.getElementById('timeline').dataset.playhead`)

	// Spreading two fingers zooms in.
	touchDown(t, ctx, y, mid-40, mid+40)
	fingers(t, ctx, y, mid-40, mid+40, mid-160, mid+160)
	touchUp(t, ctx)
	waitPage(t, ctx, `document.getElementById('timeline').dataset.view !== 'all'`, "spreading two fingers did not zoom in")
	a0, a1 := timelineView(t, ctx)
	screenshot(t, ctx, "pinched")

	// Closing them halfway zooms out by two, around their midpoint: the time under it stays.
	touchDown(t, ctx, y, mid-160, mid+160)
	fingers(t, ctx, y, mid-160, mid+160, mid-80, mid+80)
	touchUp(t, ctx)
	waitPage(t, ctx, fmt.Sprintf(`document.getElementById('timeline').dataset.view !== '%.0f-%.0f'`, a0, a1), "closing two fingers did not zoom out")
	b0, b1 := timelineView(t, ctx)
	if r := (b1 - b0) / (a1 - a0); math.Abs(r-2) > 0.02 {
		t.Errorf("closing the fingers to half their spread zoomed out %.3f times, want 2 (view %.0f-%.0f, then %.0f-%.0f)", r, a0, a1, b0, b1)
	}
	// The midpoint stands at the same fraction f of the plot in both views, over the same
	// time; the plot starts after the label column, as wide as the group headings' buttons.
	labelW := eval[float64](t, ctx, `document.querySelector('.tl-fold').getBoundingClientRect().width`) + 4
	plotW := c[2] - labelW - 14
	f := (mid - c[0] - labelW) / plotW
	if at, bt := a0+f*(a1-a0), b0+f*(b1-b0); math.Abs(at-bt) > 0.01*(b1-b0) {
		t.Errorf("the time under the fingers' midpoint moved from %.0f to %.0f ns as they closed", at, bt)
	}

	// Moving both fingers left, apart as they were, pans to later times at the same zoom.
	touchDown(t, ctx, y, mid-80, mid+80)
	fingers(t, ctx, y, mid-80, mid+80, mid-180, mid-20)
	touchUp(t, ctx)
	waitPage(t, ctx, fmt.Sprintf(`document.getElementById('timeline').dataset.view !== '%.0f-%.0f'`, b0, b1), "moving two fingers sideways did not pan")
	p0, p1 := timelineView(t, ctx)
	if want := b0 + 100/plotW*(b1-b0); math.Abs(p0-want) > 0.01*(b1-b0) || math.Abs((p1-p0)-(b1-b0)) > 2 {
		t.Errorf("a two-finger pan of 100 px to the left showed %.0f-%.0f after %.0f-%.0f, want it to start at %.0f at the same zoom", p0, p1, b0, b1, want)
	}
	// Fingers neither scrub nor pick: the playhead stays where it was.
	if p := eval[string](t, ctx, `document.getElementById('timeline').dataset.playhead`); p != playhead {
		t.Errorf("the pinch moved the playhead from %s to %s", playhead, p)
	}
	if s := eval[float64](t, ctx, `window.visualViewport ? window.visualViewport.scale : 1`); s != 1 {
		t.Errorf("the page zoomed to %.2f under the pinch", s)
	}
	screenshot(t, ctx, "panned")
}
