package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The timeout scenario through the real page: with its defaults the timer fires first, the
// select takes it, and the worker, done too late, is left blocked sending on result. The
// result card says it leaked, its lane ends in the leak mark the legend explains, the timer
// has a lane whose fire the arrow to main leaves from, and the log says it in words. With a
// buffer of 1 the late send does not block: no leak.

// timeoutLanes is what the page shows of a timeout run: the timer's lane and the arrow from
// its fire, and the worker's lane near its end.
type timeoutLanes struct {
	Fires     int     // fires on the timer's lane
	ArrowFrom string  // the lane the arrow of the timer's tick leaves from
	ArrowTo   string  // and the goroutine it lands on
	LeakMark  bool    // the worker's lane ends in a leak mark
	X, Y      float64 // where the worker's lane is, just before its end
	Visible   bool
}

func TestBrowserTimeoutLeaksTheWorker(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: selectProbe}); err != nil {
		t.Fatal(err)
	}
	shown := func(id string) bool {
		return eval[bool](t, ctx, `(() => { const li = document.getElementById('`+id+`');
			return !!li && !li.hidden && li.getBoundingClientRect().width > 0 })()`)
	}
	noErrors := func() {
		t.Helper()
		if errs := eval[[]string](t, ctx, `window.__errors`); len(errs) > 0 {
			t.Errorf("the page threw: %q", errs)
		}
		if status := eval[string](t, ctx, `document.getElementById('status').className`); status == "error" {
			t.Errorf("the page reports an error: %s", eval[string](t, ctx, `document.getElementById('status').textContent`))
		}
	}

	openEnded(t, ctx, ts.srv.URL+"/play/timeout?mode=seeded&seed=1")
	waitPage(t, ctx, `!!window.__tl`, "the probe did not find the page's timeline")
	noErrors()
	if got := eval[string](t, ctx, `(document.querySelector('#summary .leak') || {}).textContent || ''`); got != "1 goroutine leaked: worker, blocked sending on result" {
		t.Errorf("the result card says %q of the leak, want %q", got, "1 goroutine leaked: worker, blocked sending on result")
	}
	if left := eval[string](t, ctx, `(document.querySelector('#summary .leftover') || {}).textContent || ''`); left != "" {
		t.Errorf("the result card lists the leaked worker again, as still alive: %q", left)
	}
	for id, want := range map[string]bool{"legend-leak": true, "legend-timer": true, "legend-select": true, "legend-cancel": false} {
		if got := shown(id); got != want {
			t.Errorf("the legend item %s is shown: %v, want %v", id, got, want)
		}
	}
	log := pageLog(t, ctx)
	for _, want := range []string{
		"main makes timer timeout, to fire in 500 ms",
		"main waits in a select: receiving from result, receiving from timer timeout",
		"the timer timeout fires (due at 500 ms)",
		"main's select took timeout after 500 ms",
		"main prints: timed out",
		`worker sends "done" on result`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q; it reads:\n%s", want, log)
		}
	}

	raw := eval[string](t, ctx, `(() => {
		const tl = window.__tl, tr = tl.trace, c = tl.canvas;
		const timer = tr.objects.find((o) => o.name === 'timeout');
		const worker = tr.goroutines.find((g) => g.name === 'worker');
		const a = tr.arrows.find((x) => x.obj === timer.id);
		const m = worker.marks[worker.marks.length - 1];
		const row = tl.rows[tl.gRow[worker.lane]];
		const [t0, t1] = tl.range();
		const k = (tl.cssW - 14 - tl.labelW) / (t1 - t0);
		c.scrollIntoView({ block: 'center' });
		const r = c.getBoundingClientRect();
		const X = r.left + tl.labelW + (m.t - 40e6 - t0) * k;
		const Y = r.top + row.top + row.h / 2 - tl.scrollTop();
		return JSON.stringify({
			Fires: timer.fires.length,
			ArrowFrom: a ? (a.fromObj ? tr.oName(a.fromObj) : tr.gName(a.from)) : '',
			ArrowTo: a ? tr.gName(a.to) : '',
			LeakMark: !!m && m.kind === 'leak',
			X, Y, Visible: Y > r.top && Y < Math.min(r.bottom, innerHeight) && X < r.right,
		});
	})()`)
	var lanes timeoutLanes
	if err := json.Unmarshal([]byte(raw), &lanes); err != nil {
		t.Fatalf("the lanes %s: %v", raw, err)
	}
	if lanes.Fires != 1 || lanes.ArrowFrom != "timeout" || lanes.ArrowTo != "main" {
		t.Errorf("the timer's lane shows %d fires and its tick's arrow runs from %q to %q; want one fire, from timeout to main", lanes.Fires, lanes.ArrowFrom, lanes.ArrowTo)
	}
	if !lanes.LeakMark {
		t.Error("the worker's lane does not end in a leak mark")
	}
	if !lanes.Visible {
		t.Fatalf("the worker's lane at %.0f,%.0f is not on screen", lanes.X, lanes.Y)
	}
	// Hovering the end of the worker's blocked send says it leaked.
	mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: lanes.X, Y: lanes.Y})
	waitPage(t, ctx, `!document.querySelector('.tl-tip').hidden`, "hovering the worker's lane shows no tooltip")
	tip := eval[string](t, ctx, `[...document.querySelector('.tl-tip').children].map((s) => s.textContent).join('\n')`)
	for _, want := range []string{`worker sends "done" on result`, "leaked: blocked sending on result when main returned"} {
		if !strings.Contains(tip, want) {
			t.Errorf("hovering the end of the worker's lane shows %q, want %q in it", tip, want)
		}
	}
	mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: 2, Y: 2})
	screenshot(t, ctx, "leak")

	// A buffer of 1 takes the late value: the worker returns, and nothing leaks.
	openEnded(t, ctx, ts.srv.URL+"/play/timeout?buffer=1&mode=seeded&seed=1")
	noErrors()
	if got := eval[string](t, ctx, `(document.querySelector('#summary .leak') || {}).textContent || ''`); got != "" {
		t.Errorf("with buffer=1 the result card says %q, want no leak", got)
	}
	if shown("legend-leak") {
		t.Error("with buffer=1 the legend shows the leak item")
	}
	log = pageLog(t, ctx)
	for _, want := range []string{"main's select took timeout after 500 ms", "worker finished sending on result", "worker returns"} {
		if !strings.Contains(log, want) {
			t.Errorf("with buffer=1 the log does not say %q; it reads:\n%s", want, log)
		}
	}
	screenshot(t, ctx, "buffered")
}
