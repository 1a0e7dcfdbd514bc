package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The semaphore and errgroup scenarios through the real page: their lanes hold what the
// runs did, what is under the pointer on them says so, and the log says it in words.

// semaLane is what the page shows on a semaphore's or an errgroup's lane.
type semaLane struct {
	Kind    string // the label's second line
	Most    int64  // the most weight in use, or goroutines active, its steps reach
	Waited  int    // waits drawn on it: Acquires that waited, or Go calls and Waits
	Tip     string // what the lane says under the middle of its first wait
	Members int    // an errgroup's goroutines
	First   string // an errgroup's first error
}

// semaLaneJS finds the lane of the object named name and reads a semaLane from it.
const semaLaneJS = `(async (name) => {
	const { laneOf } = await import('/web/timeline/lanes.js');
	const { describe } = await import('/web/trace/describe.js');
	const tl = window.__tl, tr = tl.trace;
	const o = tr.objects.find((x) => x.name === name);
	const waits = o.kind === 'semaphore' ? o.waiters.filter((w) => !w.try && w.t1 !== w.t0) : [...o.goers, ...o.waits.filter((w) => w.t1 !== w.t0)];
	let tip = '';
	if (waits.length > 0) {
		const w = waits[0];
		const hit = laneOf(o).hit(tl, o, (w.t0 + (w.t1 ?? tl.playhead)) / 2, tl.playhead);
		tip = hit ? describe(tr, hit.e) + ' / ' + hit.span.what + ' / ' + (hit.span.note || '') : '';
	}
	return JSON.stringify({
		Kind: laneOf(o).kind(o), Most: Math.max(0, ...o.steps.map((s) => s.new)), Waited: waits.length, Tip: tip,
		Members: (o.members || []).length, First: o.first ? o.first.value : '',
	});
})`

// semaPage opens a browser on the app with the page probe, and returns it with a reader of
// an object's lane, a check that the page threw nothing, and a check of the log's sentences.
func semaPage(t *testing.T) (context.Context, string, func(name string) semaLane, func(), func(wants ...string)) {
	t.Helper()
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: selectProbe}); err != nil {
		t.Fatal(err)
	}
	lane := func(name string) semaLane {
		t.Helper()
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string]("("+semaLaneJS+")("+strconv.Quote(name)+")", chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("read the lane of %s: %v", name, err)
		}
		var l semaLane
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("the lane of %s: %s: %v", name, raw, err)
		}
		return l
	}
	noErrors := func() {
		t.Helper()
		if errs := eval[[]string](t, ctx, `window.__errors`); len(errs) > 0 {
			t.Errorf("the page threw: %q", errs)
		}
	}
	said := func(wants ...string) {
		t.Helper()
		log := pageLog(t, ctx)
		for _, want := range wants {
			if !strings.Contains(log, want) {
				t.Errorf("the log does not say %q; it reads:\n%s", want, log)
			}
		}
	}
	return ctx, ts.srv.URL, lane, noErrors, said
}

func TestBrowserSemaphore(t *testing.T) {
	ctx, url, lane, noErrors, said := semaPage(t)

	// The defaults at seed 1: the first big job waits at the front, and two light ones
	// behind it although a unit is free; the release of a light job serves it.
	openEnded(t, ctx, url+"/play/semaphore?mode=seeded&seed=1&view=time")
	waitPage(t, ctx, `!!window.__tl`, "the probe did not find the page's timeline")
	noErrors()
	said("main makes semaphore sem of size 4",
		"job 2 asks sem for 3",
		"job 1 releases 1 of sem: 2 → 1 in use of 4",
		"job 2 acquires 3 of sem: 1 → 4 in use of 4",
		"job 3 asks sem for 1")
	if l := lane("sem"); l.Kind != "semaphore, size 4" || l.Most != 4 || l.Waited != 4 ||
		!strings.Contains(l.Tip, "job 2 asks sem for 3 / job 2 waits for 3 of sem / then served") {
		t.Errorf("the semaphore's lane shows %+v; want size 4, at most 4 in use, 4 waits, job 2's first", l)
	}
	screenshot(t, ctx, "semaphore")

	// A big job larger than the semaphore never fits: it gives up when its patience ends.
	openEnded(t, ctx, url+"/play/semaphore?big=5&patience=500&mode=seeded&seed=1")
	noErrors()
	said("job 2 gives up on sem: context deadline exceeded; it takes nothing", "job 2 prints: job 2 gave up: context deadline exceeded")
}

func TestBrowserErrgroup(t *testing.T) {
	ctx, url, lane, noErrors, said := semaPage(t)

	// The errgroup's defaults at seed 1: fetch 3 fails, cancelling the others; main waited in
	// Go for a slot for fetch 4 until then.
	openEnded(t, ctx, url+"/play/errgroup?mode=seeded&seed=1")
	waitPage(t, ctx, `!!window.__tl`, "the probe did not find the page's timeline")
	noErrors()
	said("main makes errgroup fetches with its context fetches context",
		"main limits fetches to 3 goroutines at once",
		"fetch 3 returns the first error of fetches: fetch 3: not found; it cancels the group's context",
		"fetch 3 cancels fetches context: context canceled",
		"fetch 1 returns an error fetches drops, as it has one already: fetch 1: context canceled",
		"main's Wait on fetches returns the first error: fetch 3: not found")
	if l := lane("fetches"); l.Kind != "errgroup, context fetches context" || l.Most != 3 || l.Members != 5 || l.First != "fetch 3: not found" ||
		!strings.Contains(l.Tip, "main waits in Go for a slot of fetches / its limit is 3") {
		t.Errorf("the errgroup's lane shows %+v; want its context, at most 3 active, 5 members, fetch 3's error, main's wait for a slot", l)
	}
	screenshot(t, ctx, "errgroup")
}
