package main

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// box is an element's place in the viewport, in CSS px, as getBoundingClientRect says.
type box struct {
	Top, Bottom, Left, Right, Height float64
}

// boxOf is where the element sel selects stands in the viewport.
func boxOf(t *testing.T, ctx context.Context, sel string) box {
	t.Helper()
	return eval[box](t, ctx, `(() => { const r = document.querySelector('`+sel+`').getBoundingClientRect();
		return {Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right, Height: r.height} })()`)
}

// viewport makes ctx's tab a screen of w×h CSS px (a phone's when mobile).
func viewport(t *testing.T, ctx context.Context, w, h int64, mobile bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: w, Height: h, DeviceScaleFactor: 1, Mobile: mobile}); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserFirstScreenDesktop: at 1280×800 a learner sees Run and the timeline together,
// the run bar right above the timeline and the settings beside; after a run the timeline is
// as tall as its lanes and on screen; reading the code further down, the run bar stays in view.
func TestBrowserFirstScreenDesktop(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 1280, 800, false)
	openPage(t, ctx, ts.srv.URL+"/play/channels")
	const screenH = 800

	bar, run, tl, settings := boxOf(t, ctx, "#controls"), boxOf(t, ctx, "#run"), boxOf(t, ctx, "#timeline-wrap"), boxOf(t, ctx, "#settings")
	if run.Top < 0 || run.Bottom > screenH || tl.Top < 0 || tl.Bottom > screenH {
		t.Errorf("Run (%v–%v) and the timeline (%v–%v) are not both on the first screen", run.Top, run.Bottom, tl.Top, tl.Bottom)
	}
	if gap := tl.Top - bar.Bottom; gap < 0 || gap > 24 {
		t.Errorf("the run bar ends at %v and the timeline starts at %v: not directly above it", bar.Bottom, tl.Top)
	}
	for _, sel := range []string{"#stop", "#play-pause", "#speed", "#p-mode", "#axis"} {
		if b := boxOf(t, ctx, sel); b.Top < bar.Top || b.Bottom > bar.Bottom {
			t.Errorf("%s (%v–%v) is not in the run bar (%v–%v)", sel, b.Top, b.Bottom, bar.Top, bar.Bottom)
		}
	}
	if settings.Right > bar.Left || settings.Top > bar.Top+8 || settings.Bottom < tl.Bottom {
		t.Errorf("the settings (%+v) do not stand beside the run bar and the timeline (%+v, %+v)", settings, bar, tl)
	}

	click(t, ctx, "#run")
	if reason, failure := pageRunEnd(t, ctx); reason == "" {
		t.Fatalf("the run did not end: %s", failure)
	}
	tl = boxOf(t, ctx, "#timeline-wrap")
	if tl.Top < boxOf(t, ctx, "#controls").Bottom || tl.Bottom > screenH {
		t.Errorf("after the run the timeline stands at %v–%v, not on screen under the run bar", tl.Top, tl.Bottom)
	}
	lanes := eval[[]float64](t, ctx, `(() => { const w = document.getElementById('timeline-wrap'); return [w.scrollHeight, w.clientHeight] })()`)
	if lanes[0] > lanes[1]+1 || lanes[1] < 200 {
		t.Errorf("the timeline is %v px tall for %v px of lanes: not the height its lanes need", lanes[1], lanes[0])
	}
	screenshot(t, ctx, "after-run")

	// Scrolled down to the code, the run bar is still at the top of the screen.
	eval[bool](t, ctx, `window.scrollTo(0, document.getElementById('code').getBoundingClientRect().top + scrollY), true`)
	waitPage(t, ctx, `scrollY > 300`, "the page did not scroll to the code")
	if bar, run := boxOf(t, ctx, "#controls"), boxOf(t, ctx, "#run"); bar.Top < -1 || bar.Top > 1 || run.Bottom > screenH {
		t.Errorf("scrolled to the code, the run bar stands at %v and Run at %v: not in view", bar.Top, run.Top)
	}
	screenshot(t, ctx, "scrolled")
}

// TestBrowserFirstScreenPhone: at 390×844, after Run the timeline is on screen under the run
// bar with every lane's name whole, the page never scrolls sideways, and the code scrolls in
// its own box.
func TestBrowserFirstScreenPhone(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	viewport(t, ctx, 390, 844, true)
	openPage(t, ctx, ts.srv.URL+"/play/channels")
	const screenH, screenW = 844, 390
	if run := boxOf(t, ctx, "#run"); run.Top < 0 || run.Bottom > screenH {
		t.Errorf("Run stands at %v–%v, not on the first screen", run.Top, run.Bottom)
	}

	// Read the settings first, as a person would, then press Run.
	eval[bool](t, ctx, `document.getElementById('settings').scrollIntoView(), true`)
	click(t, ctx, "#run")
	if reason, failure := pageRunEnd(t, ctx); reason == "" {
		t.Fatalf("the run did not end: %s", failure)
	}
	bar, tl := boxOf(t, ctx, "#controls"), boxOf(t, ctx, "#timeline-wrap")
	if tl.Top < bar.Bottom || tl.Bottom > screenH {
		t.Errorf("after Run the timeline stands at %v–%v, not on screen under the run bar (%v–%v)", tl.Top, tl.Bottom, bar.Top, bar.Bottom)
	}
	if n := eval[string](t, ctx, `document.getElementById('timeline').dataset.elided`); n != "0" {
		t.Errorf("%s lane names are shortened at 390 px", n)
	}
	if w := eval[float64](t, ctx, `document.documentElement.scrollWidth`); w > screenW {
		t.Errorf("the page is %v px wide on a %v px screen", w, screenW)
	}
	src := eval[[]float64](t, ctx, `(() => { const p = document.getElementById('go-source'); return [p.scrollHeight, p.clientHeight, p.scrollWidth, p.clientWidth] })()`)
	if src[0] <= src[1] || src[1] > screenH*0.75 {
		t.Errorf("the Go source is %v px tall in a box of %v px: it does not scroll in a box of its own", src[0], src[1])
	}
	if src[2] > src[3] && eval[string](t, ctx, `getComputedStyle(document.getElementById('go-source')).overflowX`) != "auto" {
		t.Errorf("the Go source's long lines are clipped, not scrolled")
	}
	screenshot(t, ctx, "after-run")
}
