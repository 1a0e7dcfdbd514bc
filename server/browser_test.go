package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser tests drive Debian's Chromium against the real server on a loopback port. They skip
// when no Chromium is installed, unless INTERLEAVE_REQUIRE_BROWSER=1 (as in CI), where a
// missing browser fails them; and under -short, the quick loop of everything else.

func chromiumPath() string {
	if p := os.Getenv("INTERLEAVE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless Chromium for one test and returns a tab's context, which
// ends after 90 s: a guard against a hang, never the thing a test asserts.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserWithin(t, 90*time.Second)
}

// newBrowserWithin is newBrowser for a test that does more than most, whose guard is limit.
func newBrowserWithin(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping browser test")
	}
	path := chromiumPath()
	if path == "" {
		if os.Getenv("INTERLEAVE_REQUIRE_BROWSER") == "1" {
			t.Fatal("INTERLEAVE_REQUIRE_BROWSER=1 but no Chromium found: install Debian's chromium or set INTERLEAVE_CHROMIUM")
		}
		t.Skip("no Chromium found (install Debian's chromium or set INTERLEAVE_CHROMIUM); skipping browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// openPage loads url in ctx's tab and waits until its script has started (Run is enabled).
func openPage(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#run:enabled")); err != nil {
		t.Fatal(err)
	}
}

// click clicks the element sel selects, as a person would.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(sel)); err != nil {
		t.Fatal(err)
	}
}

// screenshot saves the page for a person to look at and logs where.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := os.Getenv("INTERLEAVE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "interleave-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot dir: %v", err)
		return
	}
	file := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Errorf("save screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", file)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// setSlider moves a slider as a person dragging it would: the value changes and an input
// event fires.
func setSlider(t *testing.T, ctx context.Context, name string, value string) {
	t.Helper()
	eval[bool](t, ctx, `(() => { const el = document.getElementById('p-`+name+`');
		el.value = '`+value+`'; el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
}

func TestBrowserPickRunAndShare(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/")
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/play/channels" {
		t.Fatalf("landed on %s, want /play/channels", loc)
	}

	setSlider(t, ctx, "producers", "8")
	setSlider(t, ctx, "work", "100")
	loc := eval[string](t, ctx, `location.pathname + location.search`)
	if loc != "/play/channels?producers=8&messages=3&buffer=0&work=100&jitter=200&handle=60" {
		t.Errorf("address bar reads %s after moving the sliders", loc)
	}
	if out := eval[string](t, ctx, `document.getElementById('o-producers').textContent`); !strings.Contains(out, "8") {
		t.Errorf("producers output shows %q", out)
	}

	if err := chromedp.Do(ctx, chromedp.Click("#run")); err != nil {
		t.Fatal(err)
	}
	// While it runs, the playhead moves and events arrive.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('log').children.length > 10`)); err != nil {
		t.Fatalf("no events showed up in the log: %v", err)
	}
	screenshot(t, ctx, "running")
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector('#summary .reason')`)); err != nil {
		t.Fatalf("the run did not end: %v", err)
	}
	if reason := eval[string](t, ctx, `document.querySelector('#summary .reason').className`); !strings.Contains(reason, "reason-done") {
		t.Errorf("run ended with %q, want done", reason)
	}
	logged := eval[int](t, ctx, `document.getElementById('log').children.length`)
	stats := eval[string](t, ctx, `document.querySelector('#summary .stats').textContent`)
	if !strings.Contains(stats, "events"+strconv.Itoa(logged)) {
		t.Errorf("the log lists %d events, the summary says %q", logged, stats)
	}
	producers := eval[int](t, ctx, `[...document.getElementById('log').children].filter(li => /starts producer|go .*producer/.test(li.textContent)).length`)
	if producers != 8 {
		t.Errorf("the log shows %d producers starting, want 8", producers)
	}
	screenshot(t, ctx, "ended")

	// The link restores the settings in a fresh tab.
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	openPage(t, tab, ts.srv.URL+loc)
	for name, want := range map[string]string{"producers": "8", "work": "100", "messages": "3"} {
		if got := eval[string](t, tab, `document.getElementById('p-`+name+`').value`); got != want {
			t.Errorf("shared link restored %s=%s, want %s", name, got, want)
		}
	}
}
