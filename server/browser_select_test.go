package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// A select through the real page: the log says what each select waits on and which case it
// took, each channel lane shows the wait, its tooltip says it, and the legend names it.

// selectScenario has main select five ways: waiting on a worker's result and a timer (the
// result comes first), with a default it takes, with a send case that fills a buffer a
// plain receive empties, on a closed channel, and waiting for the timer alone.
func selectScenario() *scenarios.Scenario {
	return scenarios.NewScenario(scenarios.Scenario{
		ID:      "select",
		Title:   "Select",
		Summary: "Main selects on a result and a timer, with a default, with a send case and on a closed channel.",
	}, func(g *stage.G, v scenarios.Values) []scenarios.Stat {
		results := stage.NewChan[int](g, "results", 0)
		timer := stage.NewChan[int](g, "timer", 0)
		jobs := stage.NewChan[string](g, "jobs", 1)
		out := stage.NewChan[int](g, "out", 1)
		var never *stage.Chan[int]
		g.Go("clock", func(g *stage.G) {
			g.Sleep(500 * time.Millisecond)
			timer.Send(g, 1)
		})
		g.Go("worker", func(g *stage.G) {
			g.Work(300 * time.Millisecond)
			results.Send(g, 42)
			g.Sleep(100 * time.Millisecond)
			out.Recv(g)
		})
		var r int
		g.Select(results.RecvCase(&r), timer.RecvCase(nil))
		g.Select(jobs.RecvCase(nil), stage.Default())
		g.Select(out.SendCase(7), never.RecvCase(nil))
		jobs.Close(g)
		g.Select(jobs.RecvCase(nil), never.RecvCase(nil))
		g.Select(timer.RecvCase(nil))
		return nil
	})
}

// selectProbe is put into the page before its own script: it keeps the page's timeline and
// every error the page throws.
const selectProbe = `window.__errors = [];
addEventListener('error', (e) => window.__errors.push(String(e.message)));
addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));
import('/web/timeline/timeline.js').then(({ Timeline }) => {
  const draw = Timeline.prototype.draw;
  Timeline.prototype.draw = function () {
    window.__tl = this;
    return draw.call(this);
  };
})`

// selectWait is main's wait on the timer channel in its first select, and where the page
// draws its middle.
type selectWait struct {
	T0, T1  int64
	X, Y    float64
	Visible bool
}

func TestBrowserSelect(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) {
		cfg.catalog = scenarios.NewCatalog(append(scenarios.New().All(), selectScenario())...)
	})
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: selectProbe}); err != nil {
		t.Fatal(err)
	}
	openEnded(t, ctx, ts.srv.URL+"/play/select?mode=seeded&seed=1&processors=2&view=time")
	waitPage(t, ctx, `!!window.__tl`, "the probe did not find the page's timeline")

	log := pageLog(t, ctx)
	for _, want := range []string{
		"main waits in a select: receiving from results, receiving from timer",
		"main's select took results after 300 ms: 42",
		"main selects without waiting: receiving from jobs, or the default",
		"main's select took the default",
		"main waits in a select: sending 7 on out, receiving from a nil channel (never ready)",
		"main's select sent 7 on out",
		"worker got 7 from out",
		"main's select found jobs closed",
		"main waits in a select: receiving from timer",
		"main's select took timer after 200 ms: 1",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q; it reads:\n%s", want, log)
		}
	}
	if errs := eval[[]string](t, ctx, `window.__errors`); len(errs) > 0 {
		t.Errorf("the page threw: %q", errs)
	}
	if status := eval[string](t, ctx, `document.getElementById('status').className`); status == "error" {
		t.Errorf("the page reports an error: %s", eval[string](t, ctx, `document.getElementById('status').textContent`))
	}

	// The legend names the new mark.
	if !eval[bool](t, ctx, `(() => { const li = document.getElementById('legend-select');
		return !!li && !li.hidden && li.getBoundingClientRect().width > 0 })()`) {
		t.Error("the legend does not show the select item after a run with selects")
	}

	// Main's first select waits on timer from its begin until results wins; hovering the middle
	// of that wait on the timer lane says so.
	raw := eval[string](t, ctx, `(() => {
		const tl = window.__tl, tr = tl.trace, c = tl.canvas;
		const timer = tr.objects.find((o) => o.name === 'timer');
		const ws = timer.waits.get(1) || [];
		const w = ws[0];
		if (!w) return '';
		const row = tl.rows.find((r) => r.kind === 'o' && r.o === timer);
		const [t0, t1] = tl.range();
		const k = (tl.cssW - 14 - tl.labelW) / (t1 - t0);
		c.scrollIntoView({ block: 'center' });
		const r = c.getBoundingClientRect();
		const X = r.left + tl.labelW + ((w.t0 + w.t1) / 2 - t0) * k;
		const Y = r.top + row.top + row.h / 2 - tl.scrollTop();
		return JSON.stringify({ T0: w.t0, T1: w.t1, X, Y, Visible: Y > r.top && Y < Math.min(r.bottom, innerHeight) && X < r.right });
	})()`)
	if raw == "" {
		t.Fatal("the timer's lane holds no wait of main's")
	}
	var w selectWait
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		t.Fatalf("the wait %s: %v", raw, err)
	}
	if w.T1-w.T0 != 300_000_000 {
		t.Errorf("main waits on timer from %d to %d ns, want the 300 ms until the result came", w.T0, w.T1)
	}
	if !w.Visible {
		t.Fatalf("the timer's lane at %.0f,%.0f is not on screen", w.X, w.Y)
	}
	mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: w.X, Y: w.Y})
	waitPage(t, ctx, `!document.querySelector('.tl-tip').hidden`, "hovering main's wait on the timer lane shows no tooltip")
	tip := eval[string](t, ctx, `[...document.querySelector('.tl-tip').children].map((s) => s.textContent).join('\n')`)
	for _, want := range []string{
		"main waits in a select: receiving from results, receiving from timer",
		"main waiting in a select to receive from timer for 300 ms",
		"then another case ran",
	} {
		if !strings.Contains(tip, want) {
			t.Errorf("hovering main's wait on timer shows %q, want %q in it", tip, want)
		}
	}
	screenshot(t, ctx, "ended")
}
