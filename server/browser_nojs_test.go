package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The scenario page without JavaScript: the server renders the picker, the settings as
// sliders in a GET form with an Apply button, and the explanation; changing a slider and
// applying loads the page with the new value, as a link.

// noJSLink is the worker-pool page with its settings spelled out.
const noJSLink = "/play/worker-pool?workers=3&tasks=12&queue=2&task=150&jitter=150"

// visible tells whether the element sel selects is rendered with a size and not hidden.
func visible(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return eval[bool](t, ctx, `(() => { const el = document.querySelector('`+sel+`');
		if (!el) return false;
		const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
		return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' })()`)
}

func TestBrowserNoJavaScript(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.srv.URL+noJSLink), chromedp.WaitReady("#explain")); err != nil {
		t.Fatal(err)
	}
	// The page's module did not run: it marks the document as soon as it does.
	if eval[bool](t, ctx, `document.documentElement.classList.contains('js')`) {
		t.Fatal("the page's script ran: the test does not see the page without JavaScript")
	}

	// The picker: every scenario, the one shown marked as the current page.
	if !visible(t, ctx, "#picker") {
		t.Error("the scenario picker is not visible")
	}
	want := len(ts.app.catalog.All())
	if n := eval[int](t, ctx, `document.querySelectorAll('#picker a[href^="/play/"]').length`); n != want {
		t.Errorf("the picker links %d scenarios, want %d", n, want)
	}
	if cur := eval[string](t, ctx, `(document.querySelector('#picker a[aria-current="page"]') || {}).textContent || ''`); !strings.HasPrefix(cur, "Worker pool") {
		t.Errorf("the picker marks %q as the current page, want the worker pool", cur)
	}

	// The settings: a GET form to this page, a visible slider per param holding the link's
	// value, and Apply.
	if m := eval[string](t, ctx, `(() => { const f = document.getElementById('params'); return f.method + ' ' + new URL(f.action).pathname })()`); m != "get /play/worker-pool" {
		t.Errorf("the settings form is %q, want a GET form to /play/worker-pool", m)
	}
	wp, ok := ts.app.catalog.Lookup("worker-pool")
	if !ok {
		t.Fatal("no worker-pool scenario")
	}
	for _, p := range wp.Params {
		sel := `#params input[type="range"][name="` + p.Name + `"]`
		if p.Wide() {
			// A wide param is its number box; its slider, which only the script moves the
			// box by, is not shown.
			sel = `#params input[type="number"][name="` + p.Name + `"]`
			if visible(t, ctx, "#s-"+p.Name) {
				t.Errorf("the %s slider is shown, but works only with the script", p.Name)
			}
		}
		if !visible(t, ctx, sel) {
			t.Errorf("the %s field is not visible", p.Name)
		}
	}
	for name, v := range map[string]string{"workers": "3", "tasks": "12", "queue": "2", "task": "150", "jitter": "150"} {
		if got := eval[string](t, ctx, `document.getElementById('p-`+name+`').value`); got != v {
			t.Errorf("the %s field holds %s, the link says %s", name, got, v)
		}
	}
	if !visible(t, ctx, "#apply") {
		t.Error("the Apply button is not visible")
	}

	// The explanation, and the status saying what needs JavaScript.
	if !visible(t, ctx, "#explain") {
		t.Error("the explanation is not visible")
	}
	if text := eval[string](t, ctx, `document.getElementById('explain').innerText`); len(wp.Text) == 0 || !strings.Contains(text, firstWords(wp.Text[0], 6)) {
		t.Errorf("the explanation reads %.200q, not the scenario's text", text)
	}
	if s := eval[string](t, ctx, `document.getElementById('status').textContent`); !strings.Contains(s, "needs JavaScript") || !visible(t, ctx, "#status") {
		t.Errorf("the status reads %q (visible: %v), want it shown, saying the timeline needs JavaScript", s, visible(t, ctx, "#status"))
	}
	// Nothing that cannot work without JavaScript is shown.
	for _, sel := range []string{"#run", "#stop", "#play-pause", "#speed", "#new-seed", "#copy-link", "#timeline", ".legend", "#export-json", "#summary", "#log", "#tab-go"} {
		if visible(t, ctx, sel) {
			t.Errorf("%s is shown, but cannot work without JavaScript", sel)
		}
	}
	if !visible(t, ctx, "#go-source") || !visible(t, ctx, "#rust-source") {
		t.Error("the Go source and the Rust original are not both visible")
	}
	screenshot(t, ctx, "page")

	// Change a value as a person would: click the slider's label (which focuses the slider),
	// press → twice, then Apply.
	if err := chromedp.Do(ctx, chromedp.Click(`label[for="p-workers"]`)); err != nil {
		t.Fatal(err)
	}
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "p-workers" {
		t.Fatalf("clicking the label focused %q, not the workers slider", id)
	}
	pressKeys(t, ctx, kb.ArrowRight+kb.ArrowRight)
	if v := eval[string](t, ctx, `document.getElementById('p-workers').value`); v != "5" {
		t.Fatalf("→ twice moved the workers slider to %s, want 5", v)
	}
	// And a wide one: click its label (which focuses its number box) and type the number.
	click(t, ctx, `label[for="p-tasks"]`)
	pressKeys(t, ctx, kb.End+kb.Backspace+kb.Backspace+"40000")
	if v := eval[string](t, ctx, `document.getElementById('p-tasks').value`); v != "40000" {
		t.Fatalf("typing in the tasks box left it at %s, want 40000", v)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click("#apply"))); err != nil {
		t.Fatalf("Apply did not load a page: %v", err)
	}
	loc := eval[string](t, ctx, `location.pathname + location.search`)
	if q := eval[string](t, ctx, `new URLSearchParams(location.search).get('workers') || ''`); q != "5" {
		t.Fatalf("Apply loaded %s, with workers=%q, want 5", loc, q)
	}
	if !strings.HasPrefix(loc, "/play/worker-pool?") || !strings.Contains(loc, "&tasks=40000&queue=2&task=150&jitter=150") {
		t.Errorf("Apply loaded %s, want the worker pool with the other settings kept", loc)
	}
	if eval[bool](t, ctx, `document.documentElement.classList.contains('js')`) {
		t.Fatal("the page's script ran after Apply")
	}
	if v := eval[string](t, ctx, `document.getElementById('p-workers').value`); v != "5" {
		t.Errorf("after Apply the workers slider holds %s, want 5", v)
	}
	if out := eval[string](t, ctx, `document.getElementById('o-workers').textContent`); strings.TrimSpace(out) != "5" {
		t.Errorf("after Apply the workers value reads %q, want 5", out)
	}
	if eval[bool](t, ctx, `!!document.getElementById('notices')`) {
		t.Errorf("the applied form's link has notices: %s", eval[string](t, ctx, `document.getElementById('notices').innerText`))
	}
	if share := eval[string](t, ctx, `document.getElementById('share').getAttribute('href')`); share != "/play/worker-pool?workers=5&tasks=40000&queue=2&task=150&jitter=150" {
		t.Errorf("the page's link to these settings is %s", share)
	}
	if !visible(t, ctx, "#picker") || !visible(t, ctx, `#params input[name="workers"]`) || !visible(t, ctx, "#explain") {
		t.Error("the applied page does not show the picker, the sliders and the explanation")
	}
	screenshot(t, ctx, "applied")
}

// firstWords is the start of a paragraph as the page shows it: its first n words, with
// the backticks that mark code dropped.
func firstWords(text string, n int) string {
	f := strings.Fields(strings.ReplaceAll(text, "`", ""))
	return strings.Join(f[:min(n, len(f))], " ")
}
