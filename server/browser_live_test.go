package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
)

// TestBrowserLiveRunStreamsWhileScrubbedBack moves the playhead back to the start while a
// live run is going: the run goes on streaming in, the playhead stays where it was put rather
// than being pulled back to the live edge, and End catches up with the run again.
func TestBrowserLiveRunStreamsWhileScrubbedBack(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	// Four producers sending ten messages 300 ms apart: a run of about three seconds.
	openPage(t, ctx, ts.srv.URL+"/play/channels?producers=4&messages=10&buffer=0&work=300&jitter=0&handle=10")
	click(t, ctx, "#run")
	received := regexp.MustCompile(`^Running… (\d+) events`)
	streamed := func() int {
		t.Helper()
		m := received.FindStringSubmatch(eval[string](t, ctx, `document.getElementById('status').textContent`))
		if m == nil {
			return -1 // not running any more
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	playhead := func() int64 {
		t.Helper()
		n, _ := strconv.ParseInt(eval[string](t, ctx, `document.getElementById('timeline').dataset.playhead || '0'`), 10, 64)
		return n
	}
	waitPage(t, ctx, `document.getElementById('timeline').dataset.playhead > 600e6`, "the live run did not get going")

	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	pressKeys(t, ctx, kb.Home)
	// The canvas states its playhead when it draws, at the next frame.
	waitPage(t, ctx, `document.getElementById('timeline').dataset.playhead === '0'`, "Home did not put the playhead at the start")
	before := streamed()
	if before <= 0 {
		t.Fatalf("the run is not streaming (status %q)", eval[string](t, ctx, `document.getElementById('status').textContent`))
	}
	// Events go on arriving while the person looks at the start.
	deadline := time.Now().Add(10 * time.Second)
	for streamed() <= before+10 {
		if time.Now().After(deadline) {
			t.Fatalf("no more events streamed in after scrubbing back (%d before, status %q)", before,
				eval[string](t, ctx, `document.getElementById('status').textContent`))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p, playing := playhead(), eval[string](t, ctx, `document.getElementById('timeline').dataset.playing`); p != 0 || playing != "false" {
		t.Errorf("while the run streamed on, the playhead moved to %d ns (playing %s); want it left at 0", p, playing)
	}
	screenshot(t, ctx, "scrubbed-back")

	// End catches up with what has arrived; the run then ends whole.
	pressKeys(t, ctx, kb.End)
	waitPage(t, ctx, `document.getElementById('timeline').dataset.playhead > 600e6`, "End did not catch up with the live edge")
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-done") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
}
