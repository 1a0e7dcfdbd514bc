package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Browser tests of seeded mode and of the page's keyboard: a seeded link brings back the same
// event log in a fresh browser, Find loads a deadlocking seed, shortcuts move the playhead.

// seededLink is a seeded run of the channels scenario, small enough for its whole log to show.
const seededLink = "/play/channels?producers=4&messages=3&buffer=1&work=100&jitter=200&handle=30&mode=seeded&seed=7&processors=2"

// pageRunEnd waits until the run shown has ended (the summary states a reason) or the page
// reports an error instead, and returns the reason's class ("reason reason-done") or "" and
// the error.
//
// An end already on the page when it is called counts, unless it is marked data-seen (see
// rerun): a page shows the last run's end until the next run starts.
func pageRunEnd(t *testing.T, ctx context.Context) (reason, failure string) {
	t.Helper()
	// One expression, so that what is found and what is read are the same moment's.
	end, err := chromedp.Run(ctx, chromedp.Poll[[]string](`(() => {
		const r = document.querySelector('#summary .reason:not([data-seen])');
		if (r) return [r.className, ''];
		const s = document.getElementById('status');
		return s.className === 'error' ? ['', s.textContent] : null;
	})()`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("the run did not end: %v (status: %s)", err, eval[string](t, ctx, `document.getElementById('status').textContent`))
	}
	return end[0], end[1]
}

// rerun presses Run on a page that shows a finished run and waits for the new run's end:
// the old end is marked so that pageRunEnd does not take it for the new one.
func rerun(t *testing.T, ctx context.Context) (reason, failure string) {
	t.Helper()
	eval[bool](t, ctx, `document.querySelectorAll('#summary .reason').forEach((r) => { r.dataset.seen = '1' }), true`)
	click(t, ctx, "#run")
	return pageRunEnd(t, ctx)
}

// pressKeys sends keys to the page as a person typing them would.
func pressKeys(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("press %q: %v", keys, err)
	}
}

// waitPage polls a JavaScript condition, failing with what as the reason.
func waitPage(t *testing.T, ctx context.Context, cond, what string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// pageLog moves the playhead to the end of the run (the log follows the playhead) and returns
// the event log's text, one entry a line.
func pageLog(t *testing.T, ctx context.Context) string {
	t.Helper()
	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	pressKeys(t, ctx, kb.End)
	stats := eval[string](t, ctx, `document.querySelector('#summary .stats').textContent`)
	i := strings.Index(stats, "events")
	if i < 0 {
		t.Fatalf("the summary states no event count: %q", stats)
	}
	n := 0
	for _, c := range stats[i+len("events"):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	waitPage(t, ctx, `document.getElementById('log').children.length === Math.min(500, `+strconv.Itoa(n)+`)`,
		"the log does not list the run's "+strconv.Itoa(n)+" events at its end")
	return eval[string](t, ctx, `[...document.getElementById('log').children].map((li) => li.textContent).join('\n')`)
}

// openSeededLink opens a seeded link, which runs by itself, and returns the whole log. It
// skips the test when the server does not serve seeded mode yet (its page shows the link as
// live, it refuses the mode, or its meta names no seed).
func openSeededLink(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	openPage(t, ctx, url)
	got := eval[string](t, ctx, `document.querySelector('input[name="mode"]:checked').value + ' ' + document.getElementById('seed').value + ' ' + document.getElementById('processors').value`)
	if strings.HasPrefix(got, "live ") {
		t.Skip("the server does not serve seeded links yet: its page shows the link in live mode")
	}
	if got != "seeded 7 2" {
		t.Errorf("the seeded link shows mode, seed and processors %q, want \"seeded 7 2\"", got)
	}
	reason, failure := pageRunEnd(t, ctx)
	if failure != "" {
		if strings.Contains(failure, "mode") {
			t.Skipf("the server does not run seeded mode yet: %s", failure)
		}
		t.Fatalf("the seeded link's run failed: %s", failure)
	}
	seed := eval[string](t, ctx, `document.querySelector('#summary .run-info').dataset.seed || ''`)
	if seed == "" {
		t.Skip("the server does not run seeded mode yet: the run's meta has no seed")
	}
	if seed != "7" || eval[string](t, ctx, `document.querySelector('#summary .run-info').dataset.processors`) != "2" {
		t.Errorf("the run shown is seed %s with %s processors, want seed 7 with 2", seed,
			eval[string](t, ctx, `document.querySelector('#summary .run-info').dataset.processors`))
	}
	if !strings.Contains(reason, "reason-done") {
		t.Errorf("the seeded run ended with %q, want done", reason)
	}
	return pageLog(t, ctx)
}

func firstLineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ": " + strconv.Quote(al[i]) + " vs " + strconv.Quote(bl[i])
		}
	}
	return strconv.Itoa(len(al)) + " lines vs " + strconv.Itoa(len(bl))
}

func TestBrowserSeededLinkReplays(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	first := openSeededLink(t, ctx, ts.srv.URL+seededLink)
	screenshot(t, ctx, "first")
	if strings.Count(first, "\n") < 50 {
		t.Fatalf("the seeded run logged only %d events", strings.Count(first, "\n")+1)
	}
	if loc := eval[string](t, ctx, `location.pathname + location.search`); loc != seededLink {
		t.Errorf("the address reads %s after the run, want the link as opened, %s", loc, seededLink)
	}

	// Run again in the same tab: the same log.
	if reason, failure := rerun(t, ctx); failure != "" || !strings.Contains(reason, "reason-done") {
		t.Fatalf("the second run ended with %q %s", reason, failure)
	}
	if again := pageLog(t, ctx); again != first {
		t.Errorf("running the seed again gave another log: %s", firstLineDiff(first, again))
	}

	// The exports of a seeded run are the trace API's: the same events the socket sent.
	if res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const a = document.getElementById('export-json'), c = document.getElementById('export-chrome');
		if (c.hidden) return 'the Chrome trace link is hidden';
		const tr = await (await fetch(a.href)).json();
		const n = document.getElementById('log').children.length;
		if (tr.seed !== 7 || tr.processors !== 2 || tr.mode !== 'seeded') return 'the trace link gives ' + JSON.stringify({seed: tr.seed, processors: tr.processors, mode: tr.mode});
		if (!Array.isArray(tr.events) || tr.events.length !== n) return 'the trace link gives ' + (tr.events || []).length + ' events, the log lists ' + n;
		const ch = await (await fetch(c.href)).json();
		const evs = Array.isArray(ch) ? ch : ch.traceEvents;
		if (!Array.isArray(evs) || evs.length === 0) return 'the Chrome trace link gives no trace events';
		return 'ok';
	})()`, chromedp.EvalAwaitPromise)); err != nil || res != "ok" {
		t.Errorf("exports: %s %v", res, err)
	}

	// The link in a fresh browser context (no cache, storage or cookies shared): the same log.
	fresh, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	second := openSeededLink(t, fresh, ts.srv.URL+seededLink)
	screenshot(t, fresh, "fresh")
	if second != first {
		t.Errorf("the seeded link showed another log in a fresh browser: %s", firstLineDiff(first, second))
	}
}

func TestBrowserFindDeadlock(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.srv.URL+"/play/deadlock"), chromedp.WaitReady("main")); err != nil {
		t.Fatal(err)
	}
	if eval[bool](t, ctx, `!!document.getElementById('not-found')`) {
		t.Skip("the server has no deadlock scenario yet")
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#run:enabled")); err != nil {
		t.Fatal(err)
	}
	if !eval[bool](t, ctx, `!!document.getElementById('find-deadlock')`) {
		t.Fatal(`the deadlock page offers no "Find a deadlock" button (its PageData has no Searches)`)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#find-deadlock:enabled"), chromedp.Click("#find-deadlock")); err != nil {
		t.Fatal(err)
	}
	reason, failure := pageRunEnd(t, ctx)
	result := eval[string](t, ctx, `document.getElementById('find-result').textContent`)
	if failure != "" {
		t.Fatalf("Find a deadlock: %s (find says: %s)", failure, result)
	}
	if !strings.Contains(reason, "reason-deadlock") {
		t.Fatalf("the found seed's run ended with %q, want deadlock (find says: %s)", reason, result)
	}
	seed := eval[string](t, ctx, `document.getElementById('seed').value`)
	if !strings.HasPrefix(result, "Found a deadlock at seed "+seed) {
		t.Errorf("find says %q, seed field holds %s", result, seed)
	}
	if loc := eval[string](t, ctx, `location.search`); !strings.Contains(loc, "mode=seeded&seed="+seed+"&processors=") {
		t.Errorf("the address does not name the found seed: %s", loc)
	}
	if s := eval[string](t, ctx, `document.querySelector('#summary .run-info').dataset.seed`); s != seed {
		t.Errorf("the run shown is seed %s, the field holds %s", s, seed)
	}
	stuck := eval[int](t, ctx, `document.querySelectorAll('#summary .deadlocks li').length`)
	if stuck < 2 {
		t.Errorf("the summary lists %d deadlocked goroutines, want at least 2", stuck)
	}
	log := pageLog(t, ctx)
	if n := strings.Count(log, " is deadlocked: "); n != stuck {
		t.Errorf("the log says %d goroutines are deadlocked, the summary lists %d", n, stuck)
	}
	screenshot(t, ctx, "deadlock")

	// The found link brings the deadlock back in a fresh browser context.
	link := eval[string](t, ctx, `location.pathname + location.search`)
	fresh, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	openPage(t, fresh, ts.srv.URL+link)
	if reason, failure := pageRunEnd(t, fresh); !strings.Contains(reason, "reason-deadlock") {
		t.Errorf("the found link ended with %q %s in a fresh browser, want deadlock", reason, failure)
	}
	if again := pageLog(t, fresh); again != log {
		t.Errorf("the found link showed another log in a fresh browser: %s", firstLineDiff(log, again))
	}
}

func TestBrowserKeyboardShortcuts(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	// A live run: the shortcuts work on any trace.
	openPage(t, ctx, ts.srv.URL+"/play/channels?producers=3&messages=2&buffer=0&work=50&jitter=50&handle=20")
	click(t, ctx, "#run")
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-done") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
	state := func() (playhead int64, view, playing string) {
		s := eval[string](t, ctx, `(() => { const d = document.getElementById('timeline').dataset; return d.playhead + ' ' + d.view + ' ' + d.playing })()`)
		f := strings.Fields(s)
		if len(f) != 3 {
			t.Fatalf("the timeline states %q", s)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			t.Fatalf("the timeline's playhead is %q", f[0])
		}
		return n, f[1], f[2]
	}
	tl := `document.getElementById('timeline').dataset`

	// Run keeps the focus after the click; space then plays and pauses, and does not run again.
	waitPage(t, ctx, `document.activeElement === document.getElementById('run')`, "Run does not have the focus after its click")
	pressKeys(t, ctx, " ")
	waitPage(t, ctx, tl+`.playing === 'true'`, "space did not start the replay")
	pressKeys(t, ctx, " ")
	waitPage(t, ctx, tl+`.playing === 'false'`, "space did not pause")
	if !eval[bool](t, ctx, `!!document.querySelector('#summary .reason')`) {
		t.Fatal("space on the focused Run button started another run")
	}

	pressKeys(t, ctx, kb.Home)
	waitPage(t, ctx, tl+`.playhead === '0'`, "Home did not take the playhead to 0")
	pressKeys(t, ctx, kb.ArrowRight)
	waitPage(t, ctx, tl+`.playhead !== '0'`, "→ did not step")
	p1, _, _ := state()
	pressKeys(t, ctx, kb.ArrowRight)
	waitPage(t, ctx, tl+`.playhead !== '`+strconv.FormatInt(p1, 10)+`'`, "a second → did not step")
	p2, _, _ := state()
	if p2 <= p1 {
		t.Errorf("→ went from %d to %d", p1, p2)
	}
	pressKeys(t, ctx, kb.ArrowLeft)
	waitPage(t, ctx, tl+`.playhead === '`+strconv.FormatInt(p1, 10)+`'`, "← did not step back to the event before")

	pressKeys(t, ctx, "+")
	waitPage(t, ctx, tl+`.view !== 'all'`, "+ did not zoom in")
	_, v1, _ := state()
	pressKeys(t, ctx, "+")
	waitPage(t, ctx, tl+`.view !== '`+v1+`'`, "a second + did not zoom further")
	pressKeys(t, ctx, "-")
	waitPage(t, ctx, tl+`.view === '`+v1+`'`, "- did not zoom back out")
	pressKeys(t, ctx, "0")
	waitPage(t, ctx, tl+`.view === 'all'`, "0 did not show the whole run")
	screenshot(t, ctx, "stepped")

	pressKeys(t, ctx, "?")
	waitPage(t, ctx, `document.getElementById('help').open`, "? did not open the help")
	if n := eval[int](t, ctx, `document.querySelectorAll('#help kbd').length`); n < 8 {
		t.Errorf("the help lists %d keys", n)
	}
	screenshot(t, ctx, "help")
	pressKeys(t, ctx, kb.Escape)
	waitPage(t, ctx, `!document.getElementById('help').open`, "Esc did not close the help")

	// Keys typed into a field stay there: → moves a focused slider, not the playhead.
	before, _, _ := state()
	slider := eval[string](t, ctx, `(() => { const s = document.getElementById('p-producers'); s.focus(); return s.value })()`)
	pressKeys(t, ctx, kb.ArrowRight)
	waitPage(t, ctx, `document.getElementById('p-producers').value !== '`+slider+`'`, "→ did not reach the focused slider")
	if after, _, _ := state(); after != before {
		t.Errorf("→ in a slider moved the playhead from %d to %d", before, after)
	}
	pressKeys(t, ctx, "?")
	if eval[bool](t, ctx, `document.getElementById('help').open`) {
		t.Error("? typed in a slider opened the help")
	}
}
