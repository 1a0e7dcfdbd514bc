package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// The readers-writers scenario through the real page, at a seed where a reader that
// read-locks twice deadlocks behind a waiting writer: the log says who waits on whom, the
// table's lane shows the read holds and the writer waiting, and nothing throws.
func TestBrowserReadLockTwiceDeadlock(t *testing.T) {
	const query = "readers=2&writers=1&twice=yes&mode=seeded"
	s, _ := scenarios.New().Lookup("readers-writers")
	vals := s.Defaults()
	vals["readers"], vals["twice"] = 2, 1
	seed := uint64(0)
	for try := uint64(1); try <= 100 && seed == 0; try++ {
		r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: try}, vals)
		if <-r.Done(); r.End().Reason == stage.ReasonDeadlock {
			seed = try
		}
	}
	if seed == 0 {
		t.Fatal("no seed of 100 deadlocks")
	}
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: selectProbe}); err != nil {
		t.Fatal(err)
	}
	openPage(t, ctx, fmt.Sprintf("%s/play/readers-writers?%s&seed=%d", ts.srv.URL, query, seed))
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-deadlock") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
	waitPage(t, ctx, `!!window.__tl`, "the probe did not find the page's timeline")
	if errs := eval[[]string](t, ctx, `window.__errors`); len(errs) > 0 {
		t.Errorf("the page threw: %q", errs)
	}
	log := pageLog(t, ctx)
	if !strings.Contains(log, "is deadlocked in RLock on table (writer 0 waiting in Lock)") ||
		!strings.Contains(log, "writer 0 is deadlocked: blocked in Lock on table (read-locked by") {
		t.Errorf("the log does not say who waits on whom; it reads:\n%s", log)
	}
	type tableLane struct {
		Kind               string
		Reads, WriterWaits int
	}
	lane := eval[tableLane](t, ctx, `(() => {
		const o = window.__tl.trace.objects.find((x) => x.name === 'table');
		return { Kind: o.kind, Reads: o.reads.length, WriterWaits: o.writerWaits.length };
	})()`)
	if lane.Kind != "rwmutex" || lane.Reads == 0 || lane.WriterWaits == 0 {
		t.Errorf("the table's lane is %+v, want an RWMutex with read holds and a writer waiting", lane)
	}
	// Its tooltip in the writer's wait: the reader holding it, and the writer waiting.
	if tips := laneTips(t, ctx, "table", "writerWaits"); !strings.HasPrefix(tips[0], "table read by reader") || !strings.HasSuffix(tips[0], " · writer 0 waits to write table") {
		t.Errorf("the table's lane tells %q in the writer's wait", tips)
	}
	screenshot(t, ctx, "readers-writers-deadlock")
}

// The bounded queue through the real page: each goroutine a Signal woke has an arrow from
// the signaller, the log says who woke whom and which signals were lost, and the conditions
// have lanes of their own.
func TestBrowserBoundedQueueWakes(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: selectProbe}); err != nil {
		t.Fatal(err)
	}
	openEnded(t, ctx, ts.srv.URL+"/play/bounded-queue?mode=seeded&seed=1")
	waitPage(t, ctx, `!!window.__tl`, "the probe did not find the page's timeline")
	if errs := eval[[]string](t, ctx, `window.__errors`); len(errs) > 0 {
		t.Errorf("the page threw: %q", errs)
	}
	type conds struct {
		Lanes, Waits, WaitEnds, Arrows, Lost int
	}
	got := eval[conds](t, ctx, `(() => {
		const tr = window.__tl.trace;
		const cs = tr.objects.filter((o) => o.kind === 'cond');
		return {
			Lanes: cs.length,
			Waits: cs.reduce((n, o) => n + o.waiters.length, 0),
			WaitEnds: tr.events.filter((e) => e.kind === 'cond-wait-end').length,
			Arrows: tr.arrows.filter((a) => a.wake).length,
			Lost: cs.reduce((n, o) => n + o.wakes.filter((w) => w.lost).length, 0),
		};
	})()`)
	if got.Lanes != 2 || got.Waits == 0 || got.Arrows != got.WaitEnds || got.Lost == 0 {
		t.Errorf("the conditions show %+v, want two lanes, waits, an arrow for every wake and lost signals", got)
	}
	// The legend says what the wake arrows and the lost signals' marks are.
	if !eval[bool](t, ctx, `(() => { const li = document.getElementById('legend-wake');
		return !!li && !li.hidden && li.getBoundingClientRect().width > 0 })()`) {
		t.Error("the legend does not explain the wakes")
	}
	log := pageLog(t, ctx)
	for _, want := range []string{"signals notEmpty, but no one waits: the signal is lost", "is woken on notEmpty by producer", "; it locks mu again"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q; it reads:\n%s", want, log)
		}
	}
	if tips := laneTips(t, ctx, "notEmpty", "waiters"); !strings.HasSuffix(tips[0], "waits on notEmpty") {
		t.Errorf("notEmpty's lane tells %q of a wait", tips)
	}
	screenshot(t, ctx, "bounded-queue")
}

// Once through the real page: the once's lane shows the load and the Dos that waited for it,
// and the log says who ran it and who waited.
func TestBrowserOnceLoadsOnce(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: selectProbe}); err != nil {
		t.Fatal(err)
	}
	openEnded(t, ctx, ts.srv.URL+"/play/once?jitter=100&mode=seeded&seed=1")
	waitPage(t, ctx, `!!window.__tl`, "the probe did not find the page's timeline")
	if errs := eval[[]string](t, ctx, `window.__errors`); len(errs) > 0 {
		t.Errorf("the page threw: %q", errs)
	}
	type onceLane struct {
		Ran             bool
		Waiters, Waited int
	}
	got := eval[onceLane](t, ctx, `(() => {
		const o = window.__tl.trace.objects.find((x) => x.kind === 'once');
		return { Ran: !!o.run && o.run.t1 !== null, Waiters: o.waiters.length, Waited: o.waiters.filter((w) => w.t1 > w.t0).length };
	})()`)
	if !got.Ran || got.Waiters != 3 || got.Waited == 0 {
		t.Errorf("the once's lane shows %+v, want the load and 3 other Dos, some waiting for it", got)
	}
	log := pageLog(t, ctx)
	for _, want := range []string{"is the first to call config.Do: it runs the function", "'s function returns: config is done", ".Do returns without running its function"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q; it reads:\n%s", want, log)
		}
	}
	if tips := laneTips(t, ctx, "config", "waiters"); !strings.HasPrefix(tips[0], "handler") || !strings.Contains(tips[0], " runs config's function · ") || !strings.HasSuffix(tips[0], "waiting for it") {
		t.Errorf("the once's lane tells %q while the function runs", tips)
	}
	screenshot(t, ctx, "once")
}

// laneTips is what object name's lane tells, through its painter's hit, at the middle of the
// first stretch of each of its lists named (the longest one, if it has none that ended: its
// middle up to the end of the run).
func laneTips(t *testing.T, ctx context.Context, name string, lists ...string) []string {
	t.Helper()
	arg, _ := json.Marshal(lists)
	tips, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async (lists) => {
		const { laneOf } = await import('/web/timeline/lanes.js');
		const tl = window.__tl;
		const o = tl.trace.objects.find((x) => x.name === '`+name+`');
		return lists.map((l) => {
			const s = o[l].find((x) => x.t1 !== null && x.t1 > x.t0) || o[l][0];
			if (!s) return 'no ' + l;
			const h = laneOf(o).hit(tl, o, (s.t0 + (s.t1 ?? tl.trace.lastT)) / 2, tl.playhead);
			return h && h.span ? h.span.what + (h.span.note ? ' · ' + h.span.note : '') : 'no hit';
		});
	})(`+string(arg)+`)`, chromedp.EvalAwaitPromise))
	if err != nil || len(tips) != len(lists) {
		t.Fatalf("the tooltips of %s's lane: %v (%q)", name, err, tips)
	}
	return tips
}
