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

// Browser tests of steering: a person picks who goes next, goes back, shares the link, and a
// fresh browser finds the very same step; a challenge solved by keyboard alone.

// steerLink is a steered run of two adders that load and store, small enough to steer by hand.
const steerLink = "/play/atomic-counter?goroutines=2&adds=1&work=0&gap=0&method=load-store&mode=steer&seed=5&processors=2"

// waitStep waits until the page shows the choice of step n, ready for a pick.
func waitStep(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const box = document.getElementById('steer');
		return !!box && !box.hidden && document.getElementById('steer-h').textContent.startsWith('Step `+strconv.Itoa(n)+`:')
			&& !!box.querySelector('.steer-option:enabled');
	})()`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the page does not show step %d: %v (status: %s)", n, err, eval[string](t, ctx, `document.getElementById('status').textContent`))
	}
}

// stepShown is what the page shows of the choice it waits on: its heading, its options and
// the event log up to it.
func stepShown(t *testing.T, ctx context.Context) string {
	t.Helper()
	// The log follows the playhead at the next animation frames: read it after two.
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(
		[document.getElementById('steer-h').textContent,
			...[...document.querySelectorAll('#steer .steer-option')].map((b) => b.textContent),
			'---', ...[...document.getElementById('log').children].map((li) => li.textContent)].join('\n')))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read the step shown: %v", err)
	}
	return shown
}

func TestBrowserSteerGoBackAndShare(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+steerLink)
	waitStep(t, ctx, 1)
	if got := eval[string](t, ctx, `document.querySelector('input[name="mode"]:checked').value`); got != "steer" {
		t.Fatalf("the steered link shows mode %q", got)
	}
	for step := 1; step <= 3; step++ {
		waitStep(t, ctx, step)
		if step == 2 {
			click(t, ctx, ".tl-option") // its mark on the lane, at the playhead
			continue
		}
		click(t, ctx, "#steer .steer-option") // the first who can go
	}
	waitStep(t, ctx, 4)
	four := stepShown(t, ctx)
	click(t, ctx, "#steer .steer-buttons button") // Back
	waitStep(t, ctx, 3)
	three := stepShown(t, ctx)
	screenshot(t, ctx, "back-at-step-3")
	if three == four || strings.Count(three, "\n") < 4 {
		t.Fatalf("back at step 3 the page shows:\n%s", three)
	}
	link := eval[string](t, ctx, `document.getElementById('share').getAttribute('href')`)
	if !strings.Contains(link, "mode=steer") || !strings.Contains(link, "&schedule=") {
		t.Fatalf("the share link %s does not carry the steered schedule", link)
	}
	if loc := eval[string](t, ctx, `location.pathname + location.search`); loc != link {
		t.Errorf("the address reads %s, the share link %s", loc, link)
	}

	// In a fresh browser context the link stops at the same step, with the same options and
	// the same events before it, and can be steered on.
	fresh, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	openPage(t, fresh, ts.srv.URL+link)
	waitStep(t, fresh, 3)
	if again := stepShown(t, fresh); again != three {
		t.Errorf("the shared link shows another step 3: %s", firstLineDiff(three, again))
	}
	screenshot(t, fresh, "fresh-at-step-3")
	click(t, fresh, "#steer .steer-option")
	waitStep(t, fresh, 4)
	if again := stepShown(t, fresh); again != four {
		t.Errorf("steered on from the shared link, step 4 differs: %s", firstLineDiff(four, again))
	}
}

func TestBrowserSolveAChallengeByKeyboard(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+steerLink+"&challenge=lose-update")
	waitPage(t, ctx, `!document.getElementById('challenge').hidden && document.getElementById('challenge-h').textContent === 'Challenge: Lose an update'`,
		"the challenge card does not pose Lose an update")
	// A person reads the options and presses the number of the one to run: both adders start
	// and load before either stores.
	for step := 1; ; step++ {
		if step > 40 {
			t.Fatal("the run did not end in 40 steps")
		}
		waitPage(t, ctx, `(() => { const s = document.getElementById('steer');
			return (!!s && !s.hidden && !!s.querySelector('.steer-option:enabled')) || !!document.querySelector('#summary .reason'); })()`,
			"neither a choice nor an end")
		if eval[bool](t, ctx, `!!document.querySelector('#summary .reason')`) {
			break
		}
		key := eval[string](t, ctx, `(() => {
			const opts = [...document.querySelectorAll('#steer .steer-option')].map((b) => b.querySelector('.steer-text').textContent);
			for (const want of ['Add to adders', 'start a goroutine', 'start', 'load counter']) {
				const i = opts.indexOf(want);
				if (i >= 0) return String(i + 1);
			}
			return '1';
		})()`)
		pressKeys(t, ctx, key)
		waitPage(t, ctx, `!document.getElementById('steer-h').textContent.startsWith('Step `+strconv.Itoa(step)+`:') || !!document.querySelector('#summary .reason')`,
			"the pick was not taken")
	}
	waitPage(t, ctx, `document.getElementById('challenge').dataset.solved === 'true'`, "the challenge card does not say it is solved")
	progress := eval[string](t, ctx, `document.querySelector('#challenge .challenge-progress').textContent`)
	if !strings.HasPrefix(progress, "Solved in ") || !strings.Contains(progress, "lost updates 1") {
		t.Errorf("the card says %q", progress)
	}
	share := eval[string](t, ctx, `document.querySelector('#challenge .challenge-progress a').getAttribute('href')`)
	if !strings.Contains(share, "challenge=lose-update") || !strings.Contains(share, "schedule=") {
		t.Errorf("the solution's link %s does not carry the challenge and the schedule", share)
	}
	screenshot(t, ctx, "solved")
	// Backspace on a finished run does nothing: there is no choice to go back from.
	pressKeys(t, ctx, kb.Backspace)
}

func TestBrowserSteerASeededRunFromItsPlayhead(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	seeded := strings.Replace(steerLink, "mode=steer", "mode=seeded", 1)
	openPage(t, ctx, ts.srv.URL+seeded)
	if reason, failure := pageRunEnd(t, ctx); failure != "" || !strings.Contains(reason, "reason-done") {
		t.Fatalf("the seeded run ended %q %s", reason, failure)
	}
	whole := pageLog(t, ctx)
	// The playhead to the run's 9th event, by keyboard in event order (its virtual time stands
	// still), then take the run over there.
	click(t, ctx, "#timeline")
	if eval[string](t, ctx, `document.getElementById('axis').getAttribute('aria-pressed')`) != "true" {
		pressKeys(t, ctx, "o")
	}
	pressKeys(t, ctx, kb.Home)
	for range 9 {
		pressKeys(t, ctx, kb.ArrowRight)
	}
	waitPage(t, ctx, `!document.getElementById('steer-here').hidden`, "Steer from here is not offered")
	click(t, ctx, "#steer-here")
	waitPage(t, ctx, `(() => { const s = document.getElementById('steer'); return !!s && !s.hidden && !!s.querySelector('.steer-option:enabled'); })()`,
		"the run taken over does not wait for a pick")
	if got := eval[string](t, ctx, `document.querySelector('input[name="mode"]:checked').value`); got != "steer" {
		t.Errorf("taken over, the mode reads %q", got)
	}
	log, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(
		[...document.getElementById('log').children].map((li) => li.textContent).join('\n')))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log, "\n") + 1; n < 9 || !strings.HasPrefix(whole, log) {
		t.Errorf("taken over at the 9th event, the run so far (%d events) is not the seeded run's start: %s", n, firstLineDiff(whole, log))
	}
	screenshot(t, ctx, "taken-over")
}

func TestBrowserSteerASelectsCase(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/select-fairness?messages=1&buffer=1&mode=steer&seed=1")
	sawCase := false
	for step := 1; step <= 40; step++ {
		waitPage(t, ctx, `(() => { const s = document.getElementById('steer');
			return (!!s && !s.hidden && !!s.querySelector('.steer-option:enabled')) || !!document.querySelector('#summary .reason'); })()`,
			"neither a choice nor an end")
		if eval[bool](t, ctx, `!!document.querySelector('#summary .reason')`) {
			break
		}
		// Producers first; at the select, the second case, b.
		key := eval[string](t, ctx, `(() => {
			const h = document.getElementById('steer-h').textContent;
			const opts = [...document.querySelectorAll('#steer .steer-option')];
			if (h.includes('which case')) return 'case:' + (opts.findIndex((b) => b.querySelector('.steer-text').textContent === 'receive from b') + 1);
			const i = opts.findIndex((b) => !['main', 'consumer'].includes(b.querySelector('.steer-name').textContent));
			return String(i < 0 ? 1 : i + 1);
		})()`)
		if k, ok := strings.CutPrefix(key, "case:"); ok {
			sawCase = true
			key = k
		}
		pressKeys(t, ctx, key)
		waitPage(t, ctx, `!document.getElementById('steer-h').textContent.startsWith('Step `+strconv.Itoa(step)+`:') || !!document.querySelector('#summary .reason')`,
			"the pick was not taken")
	}
	order := eval[string](t, ctx, `[...document.querySelectorAll('#summary dt')].map((dt) => dt.textContent + '=' + dt.nextElementSibling.textContent).join(' ')`)
	if !sawCase || !strings.Contains(order, "order=ba") {
		t.Errorf("case picked %v; the summary reads %s, want order ba", sawCase, order)
	}
}
