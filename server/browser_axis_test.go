package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// TestBrowserEventOrderAxis lays a seeded dining-philosophers deadlock out by event order:
// the philosophers all reach for their forks at one virtual instant, which the time axis
// cannot pull apart. By event order each event has its own place, so ← steps back exactly one
// event at a time (the log loses one line per press), the log keeps the events' real times,
// and the time axis comes back with the playhead on the same event.
func TestBrowserEventOrderAxis(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/deadlock?philosophers=5&meals=3&think=100&eat=100&fix=no&mode=seeded&seed=40&processors=4&view=time")
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-deadlock") {
		t.Fatalf("the run ended with %q %s, want the deadlock this seed finds", reason, failure)
	}
	events, err := strconv.Atoi(regexp.MustCompile(`(\d+) events in`).FindStringSubmatch(eval[string](t, ctx, `document.getElementById('status').textContent`) + " 0 events in")[1])
	if err != nil || events == 0 || events > 500 {
		t.Fatalf("the status does not count the run's events, or they are more than the log shows (%d)", events)
	}
	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	pressKeys(t, ctx, kb.End)
	waitPage(t, ctx, `document.getElementById('timeline').dataset.playing === 'false' && document.querySelectorAll('#log li').length === `+strconv.Itoa(events),
		"End did not show the whole run in the log")
	logLines := func() []string {
		t.Helper()
		return eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#log li')).map((li) => li.textContent)`)
	}
	logLen := `document.querySelectorAll('#log li').length`
	atEnd := logLines()
	// By time, the last events share one instant: ← jumps over all of them at once.
	pressKeys(t, ctx, kb.ArrowLeft)
	waitPage(t, ctx, logLen+` < `+strconv.Itoa(len(atEnd)), "← did not step back")
	if n := len(logLines()); n >= len(atEnd)-1 {
		t.Fatalf("by time, ← went back %d events; this test needs events sharing an instant", len(atEnd)-n)
	}
	pressKeys(t, ctx, kb.End)
	waitPage(t, ctx, logLen+` === `+strconv.Itoa(len(atEnd)), "End did not go back to the end")

	click(t, ctx, "#axis")
	waitPage(t, ctx, `document.getElementById('timeline').dataset.axis === 'steps'`, "a click on Event order did not lay the run out by event order")
	if p := eval[string](t, ctx, `document.getElementById('axis').getAttribute('aria-pressed')`); p != "true" {
		t.Errorf("the Event order button is not pressed (%s)", p)
	}
	if got := logLines(); strings.Join(got, "\n") != strings.Join(atEnd, "\n") {
		t.Errorf("switching the axis changed the log (%d lines, were %d)", len(got), len(atEnd))
	}
	screenshot(t, ctx, "event-order")
	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	for i := 1; i <= 4; i++ {
		pressKeys(t, ctx, kb.ArrowLeft)
		waitPage(t, ctx, logLen+` < `+strconv.Itoa(len(atEnd)-i+1), "← did not step back")
		got := logLines()
		if len(got) != len(atEnd)-i || got[len(got)-1] != atEnd[len(atEnd)-1-i] {
			t.Fatalf("by event order, ← %d times leaves %d log lines ending %q; want %d ending %q",
				i, len(got), got[len(got)-1], len(atEnd)-i, atEnd[len(atEnd)-1-i])
		}
	}
	steppedTo := logLines()

	// The link carries the view (and, as the playhead was stepped back, where it stands):
	// opened afresh, it lays the run out by event order again.
	link := eval[string](t, ctx, `document.getElementById('share').href`)
	if !strings.Contains(eval[string](t, ctx, `location.search`)+"&", "&view=events&") || !strings.Contains(link+"&", "&view=events&") {
		t.Errorf("address %q and share link %q do not say view=events", eval[string](t, ctx, `location.search`), link)
	}
	fresh := newBrowser(t)
	openPage(t, fresh, link)
	if reason, failure := pageRunEnd(t, fresh); !strings.Contains(reason, "reason-deadlock") {
		t.Fatalf("the shared link's run ended with %q %s", reason, failure)
	}
	waitPage(t, fresh, `document.getElementById('timeline').dataset.axis === 'steps'`, "the shared link did not lay its run out by event order")

	// o switches back: by time, on the same event, the log unchanged.
	pressKeys(t, ctx, "o")
	waitPage(t, ctx, `document.getElementById('timeline').dataset.axis === 'time'`, "o did not bring the time axis back")
	// A person's choice of time is named in the address, though time is the default: this
	// crowded run would otherwise open by event order for whoever gets the link.
	if q := eval[string](t, ctx, `location.search`); !strings.Contains(q+"&", "&view=time&") {
		t.Errorf("back on the time axis the address says %q, not view=time", q)
	}
	if got := logLines(); len(got) < len(steppedTo) || got[len(steppedTo)-1] != steppedTo[len(steppedTo)-1] {
		t.Errorf("back on the time axis the log ends %q, not at the event the playhead was on (%q)", got[len(got)-1], steppedTo[len(steppedTo)-1])
	}
}
