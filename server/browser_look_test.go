package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// A seeded run's link keeps where the page stands: once a person steps the playhead back and
// zooms in, the address says so (at=, zoom=), and the link opened in a fresh browser stands
// there, paused, with that part of the run in view. A run a person asks for plays from its
// start again, and the link forgets.
func TestBrowserLinkKeepsPlayheadAndZoom(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	const link = "/play/channels?producers=4&messages=3&buffer=0&work=200&jitter=200&handle=60&mode=seeded&seed=7&processors=2&view=time"
	openPage(t, ctx, ts.srv.URL+link)
	if reason, failure := pageRunEnd(t, ctx); failure != "" || !strings.Contains(reason, "reason-done") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
	// The run plays from its start, to its end: the link says nothing of where it stands.
	waitPage(t, ctx, `document.getElementById('timeline').dataset.playing === 'false'`, "the run's playback did not end")
	if loc := eval[string](t, ctx, `location.pathname + location.search`); loc != link {
		t.Errorf("after the playback the address reads %s, want %s", loc, link)
	}

	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	pressKeys(t, ctx, kb.ArrowLeft)
	pressKeys(t, ctx, "+")
	waitPage(t, ctx, `location.search.includes('&at=') && location.search.includes('&zoom=')`, "the address did not take the playhead and zoom")
	stood := eval[string](t, ctx, `(() => { const d = document.getElementById('timeline').dataset; return d.playhead + ' ' + d.view })()`)
	kept := eval[string](t, ctx, `location.pathname + location.search`)
	q, err := url.ParseQuery(strings.SplitN(kept, "?", 2)[1])
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Get("at") + " " + q.Get("zoom"); got != stood {
		t.Errorf("the link keeps %q (at, zoom), the timeline stands at %q (playhead, view)", got, stood)
	}
	if share := eval[string](t, ctx, `document.getElementById('share').getAttribute('href')`); share != kept {
		t.Errorf("the share link reads %s, the address %s", share, kept)
	}

	// The link in a fresh browser context stands there, paused, and says so still.
	fresh, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	openPage(t, fresh, ts.srv.URL+kept)
	if reason, failure := pageRunEnd(t, fresh); failure != "" || !strings.Contains(reason, "reason-done") {
		t.Fatalf("the kept link's run ended with %q %s", reason, failure)
	}
	waitPage(t, fresh, `(() => { const d = document.getElementById('timeline').dataset; return d.playhead + ' ' + d.view === '`+stood+`' })()`,
		"the kept link does not stand where it was kept ("+stood+")")
	screenshot(t, fresh, "kept")
	if playing := eval[string](t, fresh, `document.getElementById('timeline').dataset.playing`); playing != "false" {
		t.Errorf("the kept link plays (%s); it should stand paused", playing)
	}
	if loc := eval[string](t, fresh, `location.pathname + location.search`); loc != kept {
		t.Errorf("the kept link reads %s once open, want %s", loc, kept)
	}

	// Run again: it plays from the start, all of it in view, and the link forgets the look.
	if reason, failure := rerun(t, fresh); failure != "" || !strings.Contains(reason, "reason-done") {
		t.Fatalf("the run again ended with %q %s", reason, failure)
	}
	if loc := eval[string](t, fresh, `location.pathname + location.search`); loc != link {
		t.Errorf("run again, the address reads %s, want %s", loc, link)
	}
	if view := eval[string](t, fresh, `document.getElementById('timeline').dataset.view`); view != "all" {
		t.Errorf("run again, the view is %s, want all of the run", view)
	}
}
