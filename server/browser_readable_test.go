package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserCrowdedRunOpensByEventOrder: a seeded run whose events crowd a few virtual
// instants (the philosophers reach for their forks at once) opens by event order without
// being asked, says so, and keeps the link as it was; o lays it out by time, and that choice
// holds for the next run. A link that names its view gets it.
func TestBrowserCrowdedRunOpensByEventOrder(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	const link = "/play/deadlock?philosophers=5&meals=3&think=100&eat=100&fix=no&mode=seeded&seed=40&processors=4"
	openPage(t, ctx, ts.srv.URL+link)
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-deadlock") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
	waitPage(t, ctx, `document.getElementById('timeline').dataset.axis === 'steps'`, "the crowded run did not open by event order")
	if p := eval[string](t, ctx, `document.getElementById('axis').getAttribute('aria-pressed')`); p != "true" {
		t.Errorf("laid out by event order, the button is not pressed (%s)", p)
	}
	if n := eval[string](t, ctx, `(() => { const n = document.getElementById('axis-note'); return n.hidden ? '' : n.textContent })()`); !strings.HasPrefix(n, "By event order: 49 events at 2 instants of virtual time · o for time") {
		t.Errorf("the run bar says %q, not why the run is laid out by event order", n)
	}
	if loc := eval[string](t, ctx, `location.pathname + location.search`); loc != link {
		t.Errorf("the page's own choice changed the address to %s", loc)
	}
	screenshot(t, ctx, "by-event-order")

	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	pressKeys(t, ctx, "o")
	waitPage(t, ctx, `document.getElementById('timeline').dataset.axis === 'time' && document.getElementById('axis-note').hidden`, "o did not lay the run out by time")
	// The choice travels: the address now says time, though it is the default, so that the
	// link does not open by event order for whoever gets it.
	chosen := eval[string](t, ctx, `location.pathname + location.search`)
	if !strings.HasSuffix(chosen, "&view=time") {
		t.Errorf("after choosing time, the address is %s, without view=time", chosen)
	}
	eval[bool](t, ctx, `document.querySelectorAll('#summary .reason').forEach((r) => { r.dataset.seen = '1' }), true`)
	pressKeys(t, ctx, "r")
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-deadlock") {
		t.Fatalf("the second run ended with %q %s", reason, failure)
	}
	settle(t, ctx)
	if axis := eval[string](t, ctx, `document.getElementById('timeline').dataset.axis`); axis != "time" {
		t.Errorf("after choosing time, the next run opened by %s", axis)
	}

	fresh := newBrowser(t)
	openPage(t, fresh, ts.srv.URL+chosen)
	if reason, failure := pageRunEnd(t, fresh); !strings.Contains(reason, "reason-deadlock") {
		t.Fatalf("the view=time link's run ended with %q %s", reason, failure)
	}
	waitPage(t, fresh, `document.getElementById('timeline').dataset.axis === 'time'`, "a link asking for time did not open by time")
	if !eval[bool](t, fresh, `document.getElementById('axis-note').hidden`) {
		t.Errorf("a link asking for time shows the note %q", eval[string](t, fresh, `document.getElementById('axis-note').textContent`))
	}
}

// TestBrowserShortLiveRunOpensOnItsEvents: a live run of microseconds, most of them spent
// before its first operation, opens zoomed to its events and says so; 0 shows it all.
func TestBrowserShortLiveRunOpensOnItsEvents(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: selectProbe}); err != nil {
		t.Fatal(err)
	}
	openPage(t, ctx, ts.srv.URL+"/play/cell")
	click(t, ctx, "#run")
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-done") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
	settle(t, ctx)
	view := eval[string](t, ctx, `document.getElementById('timeline').dataset.view`)
	if view == "all" {
		// the run may have had no long start: then the whole run is the view to open on
		t.Skipf("this run's events filled it (%s): nothing to zoom to", eval[string](t, ctx, `document.getElementById('status').textContent`))
	}
	t0, t1, _ := strings.Cut(view, "-")
	a, _ := strconv.ParseInt(t0, 10, 64)
	b, _ := strconv.ParseInt(t1, 10, 64)
	if b <= a {
		t.Fatalf("the view %s is empty", view)
	}
	// the view is a small part of the run and holds most of its events: those on one side of
	// its widest gap, which is usually the start, but on a slow machine may be before the end
	end := eval[float64](t, ctx, `Number(/in ([\d.]+) µs/.exec(document.getElementById('status').textContent)?.[1] || 0) * 1e3`)
	in := eval[[]int](t, ctx, fmt.Sprintf(`(() => { const evs = window.__tl.trace.events;
		return [evs.filter((e) => e.t >= %d && e.t <= %d).length, evs.length] })()`, a, b))
	if end == 0 || float64(b-a) > end/2 || len(in) != 2 || in[1] == 0 || 2*in[0] < in[1] {
		t.Errorf("the view %s is not the events' part of the run of %.0f ns (it holds %v of the events)", view, end, in)
	}
	if n := eval[string](t, ctx, `document.getElementById('axis-note').textContent`); !strings.HasPrefix(n, "Zoomed to the events") {
		t.Errorf("zoomed, the run bar says %q", n)
	}
	screenshot(t, ctx, "zoomed")
	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	pressKeys(t, ctx, "0")
	waitPage(t, ctx, `document.getElementById('timeline').dataset.view === 'all'`, "0 did not show the whole run")
}

// Lane names the label column cannot hold are cut between words, never inside one, unless
// the first word alone is too long.
func TestBrowserLabelsAreCutBetweenWords(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/channels")
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
		const { fit } = await import('/web/timeline/paint.js');
		const ctx = document.createElement('canvas').getContext('2d');
		ctx.font = '12px sans-serif';
		const w = (s) => ctx.measureText(s).width;
		return [
			fit(ctx, 'producer 12', w('producer 12')),
			fit(ctx, 'producer 12', w('producer …')),
			fit(ctx, '2 shared borrows', w('2 shared bor…')),
			fit(ctx, 'philosopher', w('philos…')),
			fit(ctx, 'worker pool 3', w('worker poo…')),
		];
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"producer 12", "producer …", "2 shared …", "philos…", "worker …"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("fit case %d = %q, want %q", i, got[i], want[i])
		}
	}
}
