package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A param that has no effect under the choice picked is disabled and dimmed, and comes back
// when the choice changes: atomic-counter's gap (the time between a load and its store) does
// nothing with method atomic. Its value stays in the link either way.
func TestBrowserParamOnlyWhen(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/atomic-counter?goroutines=4&adds=5&work=50&gap=35&method=atomic")
	// state is the gap slider's: "disabled" or "enabled", whether its row is dimmed, and
	// whether its help, which says when it applies, is shown.
	state := func() string {
		t.Helper()
		return eval[string](t, ctx, `(() => { const el = document.getElementById('p-gap'), row = el.closest('.param');
			const help = document.getElementById('h-gap');
			return (el.disabled ? 'disabled' : 'enabled') + (row.classList.contains('off') ? ' dimmed' : '') +
				(help.offsetHeight > 0 && getComputedStyle(help).opacity === '1' ? ' help' : '') })()`)
	}
	link := func() string {
		t.Helper()
		return eval[string](t, ctx, `location.pathname + location.search + ' ' + document.getElementById('share').getAttribute('href')`)
	}
	const want = "/play/atomic-counter?goroutines=4&adds=5&work=50&gap=35&method="
	pick := func(method string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(`label[for="p-method-`+method+`"]`)); err != nil {
			t.Fatalf("pick %s: %v", method, err)
		}
	}

	if got := state(); got != "disabled dimmed help" {
		t.Errorf("with method atomic the gap slider is %q, want disabled, dimmed, its help shown", got)
	}
	screenshot(t, ctx, "atomic")
	pick("mutex")
	if got := state(); got != "enabled help" {
		t.Errorf("with method mutex the gap slider is %q, want enabled, not dimmed", got)
	}
	if got := link(); got != want+"mutex "+want+"mutex" {
		t.Errorf("with method mutex the address and link read %q", got)
	}
	setSlider(t, ctx, "gap", "40")
	pick("atomic")
	if got := state(); got != "disabled dimmed help" {
		t.Errorf("back to method atomic the gap slider is %q, want disabled and dimmed", got)
	}
	w := strings.Replace(want, "gap=35", "gap=40", 1) + "atomic"
	if got := link(); got != w+" "+w {
		t.Errorf("with method atomic the address and link read %q, want %q: gap still in them", got, w)
	}
	pick("load-store")
	if got := state(); got != "enabled help" {
		t.Errorf("with method load-store the gap slider is %q, want enabled", got)
	}
}
