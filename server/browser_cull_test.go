package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"interleave/scenarios"
)

// Culling: a zoomed view draws what it shows, not everything from its start to the playhead.
// A finished run of a few thousand sends, seen whole, sums its arrows up in a notice; zoomed
// in far at its start, with the playhead left at its end, the few sends in view are drawn as
// arrows, including those that leave the view on the right, and no goroutine lane draws
// anything beyond the view's right edge.

// cullLink is the benchmark's crowd scenario at a tenth of its size: 3,000 sends, each an
// arrow.
const cullLink = "/play/crowd?workers=4&tasks=3000&task=100&jitter=100&mode=seeded&seed=1&processors=2&view=time"

// cullProbe is put into the page before its own script. It wraps the timeline's draw and
// counts, for the last frame drawn, the paths the arrows' painter starts (a line and a head
// for each arrow when there are few), whether it wrote the "zoom in" notice instead, and the
// rects the goroutine lanes' painter fills entirely right of the canvas.
const cullProbe = `(() => {
  const c = window.__cull = { tl: null, moves: 0, notice: false, beyond: 0 };
  Promise.all(['timeline', 'draw', 'lanes/goroutine'].map((m) => import('/web/timeline/' + m + '.js'))).then(([{ Timeline }, { arrows }, { goroutine }]) => {
    const P = Timeline.prototype;
    const draw = P.draw, paintArrows = arrows.paint, paintLane = goroutine.paint;
    P.draw = function () {
      c.tl = this;
      c.moves = 0;
      c.notice = false;
      c.beyond = 0;
      return draw.call(this);
    };
    arrows.paint = function (tl, ...args) {
      const ctx = tl.ctx;
      const moveTo = ctx.moveTo, fillText = ctx.fillText;
      ctx.moveTo = function (...a) { c.moves++; return moveTo.apply(this, a); };
      ctx.fillText = function (text, ...a) {
        if (String(text).includes('zoom in to see')) c.notice = true;
        return fillText.call(this, text, ...a);
      };
      try { return paintArrows.call(this, tl, ...args); } finally { delete ctx.moveTo; delete ctx.fillText; }
    };
    goroutine.paint = function (tl, ...args) {
      const ctx = tl.ctx, w = tl.cssW;
      const fillRect = ctx.fillRect;
      ctx.fillRect = function (x, ...a) {
        if (x > w) c.beyond++;
        return fillRect.call(this, x, ...a);
      };
      try { return paintLane.call(this, tl, ...args); } finally { delete ctx.fillRect; }
    };
  });
})()`

func TestBrowserZoomedViewCulls(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) {
		cfg.catalog = scenarios.NewCatalog(append(scenarios.New().All(), crowdScenario())...)
	})
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cullProbe}); err != nil {
		t.Fatal(err)
	}
	openPage(t, ctx, ts.srv.URL+cullLink)
	tl := `document.getElementById('timeline').dataset`
	// The link runs by itself and replays once it is in; under the race detector computing it
	// takes a while.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](tl+`.playing === 'false' && document.getElementById('play-pause').textContent === 'Replay' && !!(window.__cull && window.__cull.tl)`,
		chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		t.Fatalf("the seeded run was not shown to its end: %v", err)
	}
	type frame struct {
		Moves, Beyond, Arrows, InView int
		Notice                        bool
		View                          string
	}
	// drawn is what the last frame drew, and how many arrows (send to receive) the trace has,
	// and how many of them cross the view up to the playhead.
	drawn := func() frame {
		t.Helper()
		settle(t, ctx)
		raw := eval[string](t, ctx, `(() => { const c = window.__cull, tl = c.tl;
			const [t0, t1] = tl.range(), ph = tl.playhead;
			const inView = tl.trace.arrows.filter((a) => a.t1 <= ph && a.t1 >= t0 && a.t0 <= t1).length;
			return JSON.stringify({Moves: c.moves, Beyond: c.beyond, Notice: c.notice, Arrows: tl.trace.arrows.length,
				InView: inView, View: tl.canvas.dataset.view}) })()`)
		var f frame
		if err := json.Unmarshal([]byte(raw), &f); err != nil {
			t.Fatalf("what was drawn, %s: %v", raw, err)
		}
		return f
	}

	whole := drawn()
	if whole.Arrows < 3000 || whole.View != "all" {
		t.Fatalf("the run shows %d arrows in view %q, want 3,000 or more, the whole run", whole.Arrows, whole.View)
	}
	if !whole.Notice {
		t.Errorf("with %d sends in view the timeline drew %d paths and no notice to zoom in", whole.InView, whole.Moves)
	}

	// Ctrl+wheel at the lanes' left edge: four turns, each a quarter, leave 1/256 of the run
	// in view at its start and the playhead at its end.
	box := timelineBox(t, ctx)
	x := box.X + eval[float64](t, ctx, `window.__cull.tl.labelW`) + 2
	y := box.Y + box.H*0.5
	for range 4 {
		mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseWheel, X: x, Y: y, DeltaX: 0.1, DeltaY: -555, Modifiers: 2})
	}
	zoomed := drawn()
	if zoomed.View == "all" {
		t.Fatal("Ctrl+wheel did not zoom")
	}
	ph := atoi(t, eval[string](t, ctx, tl+`.playhead`))
	if _, end, _ := strings.Cut(zoomed.View, "-"); atoi(t, end)*50 > ph {
		t.Fatalf("Ctrl+wheel at the start zoomed to %s, not a small part at the start of the run up to %d", zoomed.View, ph)
	}
	screenshot(t, ctx, "zoomed-start")
	checkZoomed := func(when string, f frame) {
		t.Helper()
		if f.InView == 0 || f.InView > 80 {
			t.Fatalf("%s: %d arrows cross the view %s, want a few", when, f.InView, f.View)
		}
		if f.Notice {
			t.Errorf("%s: with %d sends in view the timeline asks to zoom in", when, f.InView)
		}
		// few arrows: each is a line and a head
		if f.Moves != 2*f.InView {
			t.Errorf("%s: %d arrows cross the view, the timeline drew %d paths, want %d", when, f.InView, f.Moves, 2*f.InView)
		}
		if f.Beyond > 0 {
			t.Errorf("%s: the goroutine lanes filled %d rects right of the canvas", when, f.Beyond)
		}
	}
	checkZoomed("zoomed in at the start", zoomed)

	// Panned on a little, sends leave the view on the right too: they are drawn as well.
	eval[bool](t, ctx, `(() => { const tl = window.__cull.tl; const [t0, t1] = tl.range(); tl.pan((t1 - t0) * 0.37); return true })()`)
	panned := drawn()
	if panned.View == zoomed.View {
		t.Fatalf("panning left the view at %s", panned.View)
	}
	crossing := eval[int](t, ctx, fmt.Sprintf(`(() => { const tl = window.__cull.tl; const [t0, t1] = tl.range();
		return tl.trace.arrows.filter((a) => a.t0 <= t1 && a.t1 > t1 && a.t1 <= %d).length })()`, ph))
	t.Logf("zoomed to %s: %d arrows in view; panned to %s: %d, %d of them leaving on the right", zoomed.View, zoomed.InView, panned.View, panned.InView, crossing)
	if crossing == 0 {
		t.Errorf("no arrow leaves the view %s on the right: the pan does not show them drawn", panned.View)
	}
	checkZoomed("panned", panned)
}
