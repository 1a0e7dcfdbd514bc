package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// A seeded run lets at most its processors' worth of goroutines work at once; the others wait,
// runnable. The page shows that wait as its own state wherever it shows states: in the
// summary's time bars, in the legend, on a worker's lane and its tooltip, and in a folded
// group's tooltip. A live run has no such waits, and the page says nothing of them.

// runnablePool has six workers on two processors, every task as long as the next: at every
// turn four workers wait for a processor.
const runnablePool = "workers=6&tasks=12&queue=2&task=150&jitter=0"

// runnableProbe is put into the page before its own script: it keeps the page's timeline, so
// the test can find where a lane and a time are drawn.
const runnableProbe = `import('/web/timeline/timeline.js').then(({ Timeline }) => {
  const draw = Timeline.prototype.draw;
  Timeline.prototype.draw = function () {
    window.__tl = this;
    return draw.call(this);
  };
})`

// runnableWait is one wait for a processor, as the trace API tells it, and where the page
// draws its middle.
type runnableWait struct {
	Name    string  // the goroutine's name
	T0, T1  int64   // ns
	Dur     string  // T1 − T0, as the page formats durations
	Waited  string  // the goroutine's total wait, so formatted
	X, Y    float64 // the middle of the wait on the goroutine's lane, in the viewport
	Visible bool    // that point is on screen
}

func TestBrowserRunnableWaits(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: runnableProbe}); err != nil {
		t.Fatal(err)
	}
	openEnded(t, ctx, ts.srv.URL+"/play/worker-pool?"+runnablePool+"&mode=seeded&seed=1&processors=2&view=time")
	waitPage(t, ctx, `!!window.__tl`, "the probe did not find the page's timeline")

	// The legend names the state, and the time bars give it a part: the workers that waited.
	if !eval[bool](t, ctx, `(() => { const li = document.getElementById('legend-runnable');
		return !!li && !li.hidden && li.getBoundingClientRect().width > 0 })()`) {
		t.Error("the legend does not show the runnable item after a seeded run with waits for a processor")
	}
	if !eval[bool](t, ctx, `!!document.querySelector('#summary .ts-key .sw-runnable')`) {
		t.Error("the time bars' key has no runnable entry")
	}
	waiters := eval[[]string](t, ctx, `[...document.querySelectorAll('#summary .ts-bar')].filter((b) => b.querySelector('.ts-runnable'))
		.map((b) => b.getAttribute('aria-label'))`)
	if len(waiters) == 0 {
		t.Fatal("no goroutine's time bar has a runnable part")
	}
	for _, w := range waiters {
		if !strings.HasPrefix(w, "worker ") || !strings.Contains(w, "% runnable") {
			t.Errorf("a time bar with a runnable part reads %q, want a worker's, saying its share runnable", w)
		}
	}

	// A wait the server recorded, found in the trace API's events, and where the page draws it.
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const tr = await (await fetch('/api/scenarios/worker-pool/trace?`+runnablePool+`&seed=1&processors=2')).json();
		const P = await import('/web/trace/describe.js');
		const names = new Map(tr.events.filter((e) => e.kind === 'go').map((e) => [e.child, e.name]));
		const begins = new Map();
		let wait = null;
		const waited = new Map();
		for (const e of tr.events) {
			if (e.kind === 'runnable-begin') begins.set(e.g, e.t);
			if (e.kind !== 'runnable-end') continue;
			const t0 = begins.get(e.g);
			waited.set(e.g, (waited.get(e.g) || 0) + e.t - t0);
			if (!wait && e.t - t0 >= 100e6) wait = { g: e.g, T0: t0, T1: e.t };
		}
		if (!wait) return '';
		const tl = window.__tl, c = tl.canvas;
		const lane = tl.trace.goroutine(wait.g).lane;
		const [t0, t1] = tl.range();
		const k = (tl.cssW - 14 - tl.labelW) / (t1 - t0); // 14: the plot's right padding, as hitAt takes it
		c.scrollIntoView({ block: 'center' });
		const r = c.getBoundingClientRect();
		const X = r.left + tl.labelW + ((wait.T0 + wait.T1) / 2 - t0) * k;
		const Y = r.top + tl.gY[lane] - tl.scrollTop();
		return JSON.stringify({ Name: names.get(wait.g), T0: wait.T0, T1: wait.T1, Dur: P.formatDuration(wait.T1 - wait.T0), Waited: P.formatDuration(waited.get(wait.g)),
			X, Y, Visible: Y > r.top && Y < Math.min(r.bottom, innerHeight) && X < r.right });
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("find a wait for a processor: %v", err)
	}
	if raw == "" {
		t.Fatal("the trace API's run has no wait for a processor of 100 ms or more")
	}
	var w runnableWait
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		t.Fatalf("the wait %s: %v", raw, err)
	}
	if !w.Visible {
		t.Fatalf("%s's lane at %.0f,%.0f is not on screen", w.Name, w.X, w.Y)
	}
	bar := eval[string](t, ctx, `(() => { const b = [...document.querySelectorAll('#summary .ts-bar')]
		.find((b) => b.getAttribute('aria-label').startsWith(`+jsString(w.Name+":")+`)); return b ? b.title : '' })()`)
	if !strings.Contains(bar, "runnable "+w.Waited) {
		t.Errorf("%s's time bar says %q, want it runnable for %s, as the trace's waits add up", w.Name, bar, w.Waited)
	}

	// Hovering the middle of the wait on the worker's lane tells what it is.
	mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: w.X, Y: w.Y})
	waitPage(t, ctx, `!document.querySelector('.tl-tip').hidden`, "hovering a wait for a processor shows no tooltip")
	tip := eval[string](t, ctx, `[...document.querySelector('.tl-tip').children].map((s) => s.textContent).join('\n')`)
	for _, want := range []string{w.Name + " waits for a processor", w.Name + " runnable: waiting for a processor for " + w.Dur} {
		if !strings.Contains(tip, want) {
			t.Errorf("hovering %s's wait from %d to %d ns shows %q, want %q in it", w.Name, w.T0, w.T1, tip, want)
		}
	}
	screenshot(t, ctx, "lane")

	// Folded, the workers' lane counts the waiting ones among the group's states (and, with the
	// playhead moved just past there by a click on the axis, its label does too).
	if err := chromedp.Do(ctx, chromedp.Click(`.tl-fold[data-group="worker"]`)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, `document.querySelector('.tl-fold[data-group="worker"]').getAttribute('aria-expanded') === 'false'`, "a click on the workers' heading did not fold them")
	box := timelineBox(t, ctx)
	for _, p := range []input.DispatchMouseEventParams{
		{Type: input.DispatchMouseEventTypeMousePressed, X: w.X + 20, Y: box.Y + 10, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1},
		{Type: input.DispatchMouseEventTypeMouseReleased, X: w.X + 20, Y: box.Y + 10, Button: input.MouseButtonLeft, ClickCount: 1},
	} {
		mouse(t, ctx, p)
	}
	fy := eval[float64](t, ctx, `(() => { const b = document.querySelector('.tl-fold[data-group="worker"]').getBoundingClientRect(); return b.top + b.height / 2 })()`)
	mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: w.X, Y: fy})
	waitPage(t, ctx, `/worker ×6: /.test(document.querySelector('.tl-tip').textContent)`, "hovering the folded workers shows no group tooltip")
	if tip := eval[string](t, ctx, `document.querySelector('.tl-tip').textContent`); !strings.Contains(tip, "4 runnable") {
		t.Errorf("hovering the folded workers in the middle of a turn shows %q, want 4 of the 6 runnable (2 processors)", tip)
	}
	screenshot(t, ctx, "folded")

	// A live run of the same pool never waits for a processor: no runnable item, no part.
	if err := chromedp.Do(ctx, chromedp.Click(`label[for="mode-live"]`)); err != nil {
		t.Fatal(err)
	}
	if reason, failure := rerun(t, ctx); !strings.Contains(reason, "reason-done") {
		t.Fatalf("the live run ended with %q %s", reason, failure)
	}
	if mode := eval[string](t, ctx, `document.querySelector('#summary .run-info').dataset.mode`); mode != "live" {
		t.Fatalf("the run shown is %s, want live", mode)
	}
	if eval[bool](t, ctx, `(() => { const li = document.getElementById('legend-runnable'); return !li.hidden || li.getBoundingClientRect().width > 0 })()`) {
		t.Error("the legend shows the runnable item after a live run")
	}
	if eval[bool](t, ctx, `!!document.querySelector('#summary .sw-runnable, #summary .ts-runnable')`) {
		t.Error("a live run's time bars show a runnable part or key")
	}
	screenshot(t, ctx, "live")
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
