package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserCodeTabs checks the code panel: on a laptop-wide window the Go and the Rust
// original are tabs, switched by click and by the arrow keys (which then do not step the
// timeline); on a window wide enough for both, both show, side by side, without tabs.
func TestBrowserCodeTabs(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/channels")
	shows := func(goWant, rustWant bool) {
		t.Helper()
		if g, r := visible(t, ctx, "#go-source"), visible(t, ctx, "#rust-source"); g != goWant || r != rustWant {
			t.Errorf("Go shown %v, Rust shown %v; want %v, %v", g, r, goWant, rustWant)
		}
	}
	selected := func() string {
		t.Helper()
		return eval[string](t, ctx, `document.querySelector('#code [aria-selected="true"]').id`)
	}

	if !visible(t, ctx, "#tab-go") || !visible(t, ctx, "#tab-rust") {
		t.Fatal("no code tabs at 1280 px")
	}
	shows(true, false)
	click(t, ctx, "#tab-rust")
	shows(false, true)
	if s := selected(); s != "tab-rust" {
		t.Errorf("after a click on Rust, %s is selected", s)
	}
	screenshot(t, ctx, "rust")

	playhead := eval[string](t, ctx, `document.getElementById('timeline').dataset.playhead || ''`)
	pressKeys(t, ctx, kb.ArrowLeft)
	shows(true, false)
	if s, f := selected(), eval[string](t, ctx, `document.activeElement.id`); s != "tab-go" || f != "tab-go" {
		t.Errorf("after ← on the Rust tab, %s is selected and %s focused; want the Go tab, both", s, f)
	}
	if p := eval[string](t, ctx, `document.getElementById('timeline').dataset.playhead || ''`); p != playhead {
		t.Errorf("← on a tab also moved the playhead (%s → %s)", playhead, p)
	}

	// Wide enough for both: no tabs, both shown, whichever tab was chosen.
	if err := chromedp.Do(ctx, chromedp.Click("#tab-rust"), chromedp.EmulateViewport(1500, 900)); err != nil {
		t.Fatal(err)
	}
	if visible(t, ctx, "#tab-go") {
		t.Error("code tabs shown at 1500 px, where both fit side by side")
	}
	shows(true, true)
	screenshot(t, ctx, "wide")
}
