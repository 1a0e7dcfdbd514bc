package main

import (
	"strconv"
	"strings"
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

// TestBrowserRustLineLightsWithItsGo steps a seeded atomic-counter run event by event: where
// the lit Go line has a Rust counterpart (the catalog's Counterparts), the Rust line lights
// too; where it has none, no Rust line is lit.
func TestBrowserRustLineLightsWithItsGo(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1500, 900)); err != nil {
		t.Fatal(err)
	}
	openPage(t, ctx, ts.srv.URL+"/play/atomic-counter?goroutines=2&adds=1&work=50&gap=20&method=atomic&mode=seeded&seed=1&processors=4&view=events")
	if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-done") {
		t.Fatalf("the run ended with %q %s", reason, failure)
	}
	lit := func() (goLine, rustLine string) {
		t.Helper()
		got := eval[[]string](t, ctx, `['#go-source', '#rust-source'].map((s) => {
			const l = document.querySelector(s + ' .line.lit'); return l ? l.textContent.trim() : '' })`)
		return got[0], got[1]
	}
	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	logLen := `document.querySelectorAll('#log li').length`
	pressKeys(t, ctx, kb.Home)
	waitPage(t, ctx, logLen+` === 0`, "Home did not take the playhead to the start")
	// Step until the Go line lit is want; then the Rust line lit must be rust. The log
	// lists the events up to the playhead: a step has been drawn when it has one more.
	step := 0
	stepTo := func(want, rust string) {
		t.Helper()
		for range 40 {
			pressKeys(t, ctx, kb.ArrowRight)
			step++
			waitPage(t, ctx, logLen+` === `+strconv.Itoa(step), "→ did not step one event on")
			goLine, rustLine := lit()
			if !strings.Contains(goLine, want) {
				continue
			}
			if rust == "" && rustLine != "" || !strings.Contains(rustLine, rust) {
				t.Errorf("with the Go line %q lit, the Rust line lit is %q, want one with %q", goLine, rustLine, rust)
			}
			return
		}
		t.Fatalf("stepping through the run never lit a Go line with %q", want)
	}
	stepTo("counter.Add(g, 10)", "atomic.fetch_add(10, Ordering::SeqCst);")
	screenshot(t, ctx, "fetch-add")
	stepTo(`g.Println("AtomicInt value:"`, `println!("AtomicUsize value: {}"`)
	stepTo("wg.Add(g, 1)", "") // the Rust has no waitgroup
	if n := eval[int](t, ctx, `document.querySelectorAll('#rust-source .line.lit').length`); n != 0 {
		t.Errorf("%d Rust lines lit for a Go line without a counterpart", n)
	}
}
