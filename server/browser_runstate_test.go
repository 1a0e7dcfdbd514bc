package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// The run state's transitions, as the page's module runs them: in particular, the end of
// the run shown that comes while a newer run is asked for is held back, and shown after all
// when the server refuses the newer run, so that the page does not stay "running".
func TestBrowserRunStateTransitions(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/channels")
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const { RunState } = await import('/web/page/run.js');
		const meta = (run) => ({ run, scenario: 'channels', params: {}, mode: 'live' });
		const end = (run) => ({ run, reason: 'stopped', message: 'stopped before the end' });
		const problems = [];
		const expect = (what, ok) => { if (!ok) problems.push(what); };

		let s = new RunState('channels');
		s.ask();
		expect('the first meta is shown', s.meta(meta(1)) && s.running && s.busy);
		expect('its events are taken', s.takes({ run: 1 }) && !s.takes({ run: 2 }));
		s.ask(); // Run again while it runs
		expect('its end is held back while a newer run is asked for', !s.end(end(1)) && s.running);
		const held = s.refused(); // the server refuses the newer run
		expect('the refusal gives back the end held back', held && held.run === 1);
		expect('the run shown has ended, nothing is busy', s.phase === 'ended' && !s.busy && s.shown.end === held);

		s = new RunState('channels');
		s.ask();
		s.meta(meta(1));
		s.ask();
		s.end(end(1));
		expect('a newer run that starts replaces the one held back', s.meta(meta(2)) && s.run === 2 && s.held === null);
		expect('its own end ends it', s.end(end(2)) && s.phase === 'ended' && s.shown.end.run === 2);
		expect('a refusal with nothing held gives nothing', s.refused() === null && s.phase === 'ended');

		s = new RunState('channels');
		s.ask();
		s.meta(meta(1));
		expect('a lost connection cuts the run', s.lost() && s.phase === 'cut' && !s.busy);
		return problems.join('; ') || 'ok';
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || got != "ok" {
		t.Errorf("run state: %s %v", got, err)
	}
}
