package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// catchDownloads makes the page keep what it would download in window.saved as {file,
// text}, instead of saving it: dom.js's download clicks a hidden link to an object URL (which
// the page's CSP does not let it fetch back, so the blob is kept when the URL is made).
const catchDownloads = `(() => {
	window.saved = [];
	const blobs = new Map(), create = URL.createObjectURL;
	URL.createObjectURL = (blob) => { const url = create(blob); blobs.set(url, blob); return url; };
	HTMLAnchorElement.prototype.click = function () {
		const file = this.download;
		blobs.get(this.href).text().then((text) => window.saved.push({ file, text }));
	};
	return true;
})()`

// TestBrowserExportsOfALiveRun exports a live run, which the server cannot run again: its
// JSON and its Chrome trace are made in the page from the events it received, under the
// names the page gives them, and the Chrome trace's counters are numbers.
func TestBrowserExportsOfALiveRun(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/atomic-counter?goroutines=2&adds=2&work=0&gap=0&method=atomic")
	click(t, ctx, "#run")
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-done") {
		t.Fatalf("the live run ended with %q %s", reason, failure)
	}
	waitPage(t, ctx, `document.getElementById('export-chrome').hasAttribute('href')`, "the Chrome trace of a live run is not offered")
	screenshot(t, ctx, "exports")
	eval[bool](t, ctx, catchDownloads)
	click(t, ctx, "#export-json")
	click(t, ctx, "#export-chrome")
	waitPage(t, ctx, `window.saved.length === 2`, "the exports were not saved")
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const [json, chrome] = [...window.saved].sort((a, b) => a.file.length - b.file.length);
		if (json.file !== 'atomic-counter-live.json' || chrome.file !== 'atomic-counter-live.chrome.json') return 'saved as ' + json.file + ' and ' + chrome.file;
		const events = JSON.parse(json.text).events;
		const n = document.getElementById('log').children.length;
		if (events.length !== n) return 'the JSON holds ' + events.length + ' events, the log lists ' + n;
		const tr = JSON.parse(chrome.text).traceEvents;
		const threads = tr.filter((e) => e.name === 'thread_name').map((e) => e.args.name).sort();
		if (threads.join() !== 'adder 0,adder 1,main') return 'threads ' + threads;
		const counter = tr.filter((e) => e.ph === 'C' && e.name === 'counter').map((e) => e.args.value);
		// from its new (5) through fetch_add(10) and four adds of one, at every operation
		if (counter[0] !== 5 || counter[1] !== 15 || counter.at(-1) !== 19 || !counter.every((v) => typeof v === 'number')) return 'counter ' + JSON.stringify(counter);
		return 'ok';
	})()`))
	if err != nil || res != "ok" {
		t.Errorf("the live run's exports: %s %v", res, err)
	}
}

// TestBrowserChromeTraceIsTheServers holds the page's converter (web/trace/chrome.js) to the
// server's (stage.ChromeTrace): for runs of every scenario, the page converts the seeded
// trace the API gives and gets the Chrome trace the API gives, entry for entry.
func TestBrowserChromeTraceIsTheServers(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) { cfg.limits.apiRate, cfg.limits.apiBurst = 1e9, 1e9 })
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/channels")
	queries := []string{
		"channels?buffer=2&seed=1", "channels?seed=2", "worker-pool?seed=1", "producer-consumer?seed=1",
		"cell?share=yes&seed=1", "refcell?conflict=yes&share=yes&seed=1",
		"atomic-counter?method=load-store&seed=1", "atomic-counter?method=mutex&seed=3",
		"deadlock?seed=40",                                           // ends deadlocked: stretches still open at the end
		"select-fairness?seed=1", "timeout?seed=1", "timeout?seed=2", // selects, timers firing, a leak
		"pipeline?seed=1", "cancel?seed=1", "cancel?check=no&seed=1", // a deadline cancelling a tree, workers left behind
		"ticker?seed=1", "ticker?gap=150&seed=1", // a ticker's fires, ticks lost to a full bucket, its stop
		"semaphore?seed=1", "semaphore?big=5&patience=100&seed=2", // weight in use; Acquires given up
		"errgroup?seed=1", "errgroup?failing=0&limit=0&seed=1", // a first error; a Wait that cancels
		"readers-writers?seed=1", "readers-writers?twice=yes&readers=1&seed=1", // read holds, waiting writers, a deadlock in RLock
		"bounded-queue?seed=1", "bounded-queue?wake=broadcast&check=if&seed=1", // waits, wakes, lost signals, a panic
		"once?seed=1", "once?jitter=0&seed=2", // the first Do's function, the others waiting for it
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async (queries) => {
		const { chromeTrace } = await import('/web/trace/chrome.js');
		// canonical is JSON with keys in order, so that two objects compare as text
		const canonical = (v) => JSON.stringify(v, (k, x) => x && typeof x === 'object' && !Array.isArray(x)
			? Object.fromEntries(Object.keys(x).sort().map((key) => [key, x[key]])) : x);
		const problems = [], counters = new Set();
		for (const q of queries) {
			const [id, query] = q.split('?');
			const api = '/api/scenarios/' + id + '/trace?' + query;
			const trace = await (await fetch(api)).json();
			const want = (await (await fetch(api + '&format=chrome')).json()).traceEvents;
			const got = chromeTrace(trace.events).traceEvents;
			if (got.length !== want.length) problems.push(q + ': ' + got.length + ' entries, the server made ' + want.length);
			const i = got.findIndex((e, i) => canonical(e) !== canonical(want[i]));
			if (i >= 0) problems.push(q + ': entry ' + i + ' is ' + canonical(got[i]) + ', the server made ' + canonical(want[i]));
			for (const e of want) if (e.ph === 'C') counters.add(e.name);
		}
		for (const c of ['counter', 'data', 'data borrows', 'ch buffered', 'sem in use', 'fetches active']) {
			if (!counters.has(c)) problems.push('no counter ' + c + ' to compare, only ' + [...counters]);
		}
		return problems;
	})(`+jsStrings(queries)+`)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res {
		t.Error(p)
	}
}

// TestBrowserSeededDownloadsHaveThePagesNames checks that a seeded run's exports, links to the
// trace API, are saved under the names the page gives them: the server's
// Content-Disposition, which wins over the link's own name, says the same.
func TestBrowserSeededDownloadsHaveThePagesNames(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/deadlock?philosophers=5&meals=3&think=100&eat=100&fix=no&mode=seeded&seed=40&processors=4")
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-deadlock") {
		t.Fatalf("the run ended with %q %s, want the deadlock this seed finds", reason, failure)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
		const names = [];
		for (const id of ['export-json', 'export-chrome']) {
			const a = document.getElementById(id);
			const disposition = (await fetch(a.href)).headers.get('Content-Disposition') || '';
			names.push(a.download, (disposition.match(/filename="([^"]*)"/) || [])[1] || disposition);
		}
		return names;
	})()`, chromedp.EvalAwaitPromise))
	want := []string{"deadlock-seed-40-4-processors.json", "deadlock-seed-40-4-processors.json", "deadlock-seed-40-4-processors.chrome.json", "deadlock-seed-40-4-processors.chrome.json"}
	if err != nil || strings.Join(res, " ") != strings.Join(want, " ") {
		t.Errorf("the page names and the server's names: %q %v; want %q (page, server; JSON, then Chrome trace)", res, err, want)
	}
}

// jsStrings writes ss as a JavaScript array of strings.
func jsStrings(ss []string) string {
	quoted := make([]string, len(ss))
	for i, s := range ss {
		quoted[i] = "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
