package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// A link that carries a schedule brings back the interleaving that schedule made, whatever
// seed it names: here seed 5's schedule, opened with seed 6, shows seed 5's run. Changing a
// setting drops the schedule from the link; a schedule that does not fit the run ends it
// with a sentence saying where.
func TestBrowserScheduleLinkReplaysItsInterleaving(t *testing.T) {
	ts := newTestServer(t)
	const params = "goroutines=2&adds=2&work=50&gap=20&method=load-store"
	first, _ := getTrace(t, ts, "/api/scenarios/atomic-counter/trace?"+params+"&mode=seeded&processors=2&seed=5")
	if first.End.Schedule == "" {
		t.Fatal("seed 5's run made no choice")
	}
	ctx := newBrowser(t)
	want := openLogOf(t, ts, ctx, "/play/atomic-counter?"+params+"&mode=seeded&seed=5&processors=2")

	link := "/play/atomic-counter?" + params + "&mode=seeded&seed=6&processors=2&schedule=" + url.QueryEscape(first.End.Schedule)
	got := openLogOf(t, ts, ctx, link)
	screenshot(t, ctx, "schedule")
	if got != want {
		t.Errorf("seed 5's schedule under seed 6 showed another run than seed 5: %s", firstLineDiff(want, got))
	}
	if loc := eval[string](t, ctx, `location.pathname + location.search`); loc != link {
		t.Errorf("the address reads %s after the run, want the link as opened", loc)
	}
	if note := eval[string](t, ctx, `document.querySelector('#p-schedule') ? document.querySelector('#p-schedule').textContent : ''`); !strings.Contains(note, "This link replays") {
		t.Errorf("the page does not say the link replays a schedule: %q", note)
	}

	// A new seed is another run: the schedule goes from the page and its link.
	click(t, ctx, "#new-seed")
	if loc := eval[string](t, ctx, `location.search`); strings.Contains(loc, "schedule=") || eval[bool](t, ctx, `!!document.querySelector('#p-schedule')`) {
		t.Errorf("after New seed the page still carries the schedule: %s", loc)
	}

	// A schedule whose first choice is goroutine 5 ("K": position 4 of 1, 2, 3…), which a run
	// of main and two adders does not have: the run ends there, saying so.
	openPage(t, ctx, ts.srv.URL+"/play/atomic-counter?"+params+"&mode=seeded&seed=6&processors=2&schedule=K")
	reason, failure := pageRunEnd(t, ctx)
	summary := eval[string](t, ctx, `document.getElementById('summary').textContent`)
	if !strings.Contains(reason, "reason-schedule") || !strings.Contains(summary, "the schedule does not fit this run: step") {
		t.Errorf("a schedule that does not fit: reason %q %s, summary %q", reason, failure, summary)
	}
	screenshot(t, ctx, "schedule-misfit")
}

// openLogOf opens a seeded link, which runs by itself, and returns its log once it is done.
func openLogOf(t *testing.T, ts *testServer, ctx context.Context, path string) string {
	t.Helper()
	openPage(t, ctx, ts.srv.URL+path)
	if reason, failure := pageRunEnd(t, ctx); failure != "" || !strings.Contains(reason, "reason-done") {
		t.Fatalf("%s ended %q %s", path, reason, failure)
	}
	return pageLog(t, ctx)
}
