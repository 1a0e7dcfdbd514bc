package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// TestBrowserKeyboardAndScreenReader checks what axe cannot see: the skip link takes the
// keyboard to the timeline, whose focus ring shows around it; the checked mode's ring is
// seen on its fill; a live run never shows a disabled Pause; the announcer (role="log") is
// silent while a run plays and speaks on a pause and on each step, saying the event at the
// playhead; r runs and s stops; and single-key shortcuts, turned off, act only on the
// timeline.
func TestBrowserKeyboardAndScreenReader(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/channels?producers=2&messages=3&buffer=0&work=300&jitter=0&handle=10")

	// Tab reaches the skip link first; Enter on it puts the focus on the timeline.
	pressKeys(t, ctx, kb.Tab)
	if got := eval[string](t, ctx, `document.activeElement.className + ' ' + document.activeElement.textContent`); got != "skip Skip to the timeline" {
		t.Fatalf("the first Tab reaches %q, not the skip link", got)
	}
	pressKeys(t, ctx, kb.Enter)
	waitPage(t, ctx, `document.activeElement && document.activeElement.id === 'timeline'`, "the skip link did not take the focus to the timeline")
	if ring := eval[string](t, ctx, `(() => { const s = getComputedStyle(document.getElementById('timeline-wrap')); return s.outlineStyle + ' ' + s.outlineWidth })()`); ring != "solid 2px" {
		t.Errorf("the focused timeline's wrapper has outline %q, want a 2px ring that nothing clips", ring)
	}

	// The checked mode, reached by keyboard: its ring is not the colour it is filled with.
	eval[bool](t, ctx, `document.getElementById('mode-live').focus(), true`)
	pressKeys(t, ctx, kb.ArrowRight) // to seeded, as a radio group moves
	waitPage(t, ctx, `document.activeElement.id === 'mode-seeded' && document.activeElement.checked`, "→ did not move to the seeded mode")
	colors := eval[[]string](t, ctx, `(() => { const s = getComputedStyle(document.querySelector('#mode-seeded + span'));
		return [s.outlineStyle, s.outlineColor, s.backgroundColor] })()`)
	if colors[0] != "solid" || colors[1] == colors[2] {
		t.Errorf("the checked, focused mode has outline %s %s on a fill of %s: not a ring one sees", colors[0], colors[1], colors[2])
	}
	pressKeys(t, ctx, kb.ArrowLeft) // back to live
	waitPage(t, ctx, `document.getElementById('mode-live').checked`, "← did not move back to live")

	// r runs (focus on the page, not in a field). A live run's Pause is never disabled.
	eval[bool](t, ctx, `(() => {
		document.activeElement.blur();
		const b = document.getElementById('play-pause');
		window.__disabledPause = false;
		new MutationObserver(() => { if (b.disabled && b.textContent === 'Pause') window.__disabledPause = true; })
			.observe(b, {attributes: true, childList: true, characterData: true, subtree: true});
		return true })()`)
	say := func() []string {
		t.Helper()
		return eval[[]string](t, ctx, `[...document.getElementById('log-say').children].map((p) => p.textContent)`)
	}
	pressKeys(t, ctx, "r")
	waitPage(t, ctx, `document.getElementById('log').children.length > 3`, "r did not start a run")
	if said := say(); len(said) != 0 {
		t.Errorf("while the run plays the announcer said %q; it should be silent", said)
	}
	if eval[string](t, ctx, `document.getElementById('log-say').getAttribute('role')`) != "log" || eval[string](t, ctx, `document.getElementById('log').getAttribute('aria-live') || ''`) != "" {
		t.Error("the announcer is not role=log, or the event list itself is live")
	}
	// Space pauses: said once, with the event at the playhead.
	pressKeys(t, ctx, " ")
	waitPage(t, ctx, `document.getElementById('timeline').dataset.playing === 'false'`, "Space did not pause the live run")
	waitPage(t, ctx, `document.getElementById('log-say').children.length === 1`, "the pause was not said")
	if said := say(); !strings.HasPrefix(said[0], "Paused at ") {
		t.Errorf("the pause was said as %q", said[0])
	}
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-done") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
	if eval[bool](t, ctx, `window.__disabledPause`) {
		t.Error("the live run showed a disabled Pause")
	}

	// ← steps back and says the event it went to: the last line of the log at that point.
	pressKeys(t, ctx, kb.End)
	before := len(say())
	pressKeys(t, ctx, kb.ArrowLeft)
	waitPage(t, ctx, `document.getElementById('log-say').children.length > `+strconv.Itoa(before), "← was not said")
	said := say()
	// the log follows the playhead at the next frame
	if m := regexp.MustCompile(`event (\d+) of`).FindStringSubmatch(said[len(said)-1]); m != nil {
		waitPage(t, ctx, `document.getElementById('log').children.length === `+m[1], "the log did not follow the step")
	}
	last := eval[string](t, ctx, `(() => { const li = document.getElementById('log').lastElementChild; return li.textContent.replace(li.querySelector('time').textContent, '').trim() })()`)
	if got := said[len(said)-1]; !strings.HasPrefix(got, "At ") || !strings.Contains(got, last) {
		t.Errorf("← was said as %q; want the event at the playhead, %q", got, last)
	}

	// The ? list names Run and Stop's keys. Turned off there, single keys act only on the
	// timeline: o on the page does nothing, o on the timeline switches the axis.
	pressKeys(t, ctx, "?")
	waitPage(t, ctx, `document.getElementById('help').open`, "? did not open the shortcuts")
	keys := eval[string](t, ctx, `document.querySelector('#help .keys').textContent`)
	for _, want := range []string{"rrun the scenario", "sstop the run"} {
		if !strings.Contains(keys, want) {
			t.Errorf("the shortcuts list %q lacks %q", keys, want)
		}
	}
	click(t, ctx, "#single-keys")
	pressKeys(t, ctx, kb.Escape)
	waitPage(t, ctx, `!document.getElementById('help').open`, "Esc did not close the shortcuts")
	eval[bool](t, ctx, `document.activeElement.blur(), true`)
	pressKeys(t, ctx, "o")
	if axis := eval[string](t, ctx, `document.getElementById('axis').getAttribute('aria-pressed')`); axis != "false" {
		t.Error("with single keys off, o on the page switched the axis")
	}
	eval[bool](t, ctx, `document.getElementById('timeline').focus(), true`)
	pressKeys(t, ctx, "o")
	waitPage(t, ctx, `document.getElementById('axis').getAttribute('aria-pressed') === 'true'`, "with single keys off, o on the timeline did not switch the axis")
	// s stops a run.
	eval[bool](t, ctx, `document.getElementById('single-keys').click(), true`)
	eval[bool](t, ctx, `document.activeElement.blur(), true`)
	pressKeys(t, ctx, "r")
	waitPage(t, ctx, `!document.getElementById('stop').disabled`, "r did not start a second run")
	pressKeys(t, ctx, "s")
	waitPage(t, ctx, `document.getElementById('stop').disabled`, "s did not stop the run")
}
