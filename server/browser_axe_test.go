package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The accessibility check runs axe-core, installed from the npm registry into a folder of
// the tests' own (testdata/axe: its package.json and lock, node_modules ignored by git and
// never served), in the browser tests' Chromium.

// unavailable skips a test that needs a tool this machine lacks, or fails it when the
// browser tests are required (INTERLEAVE_REQUIRE_BROWSER=1, as in CI).
func unavailable(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("INTERLEAVE_REQUIRE_BROWSER") == "1" {
		t.Fatalf("INTERLEAVE_REQUIRE_BROWSER=1 but %s", why)
	}
	t.Skipf("%s; skipping", why)
}

// npmPackage returns the path of file in the npm package installed in testdata/dir,
// installing the folder's locked packages first (npm ci) when it is not there.
func npmPackage(t *testing.T, dir, file string) string {
	t.Helper()
	dir = filepath.Join("testdata", dir)
	path := filepath.Join(dir, "node_modules", file)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		unavailable(t, "npm is not installed (it installs "+file+" from the npm registry)")
	}
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		unavailable(t, fmt.Sprintf("npm ci in %s failed (%v): %s", dir, err, out))
	}
	if _, err := os.Stat(path); err != nil {
		unavailable(t, fmt.Sprintf("npm ci in %s did not install %s", dir, file))
	}
	return path
}

// axeViolation is one rule axe found broken, with where.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string // each node's selector and what failed
}

// runAxe runs axe-core (its source, script) on the page in ctx and returns its serious and
// critical violations.
func runAxe(t *testing.T, ctx context.Context, script string) []axeViolation {
	t.Helper()
	if !eval[bool](t, ctx, `typeof window.axe === 'object'`) {
		// Evaluated through the DevTools protocol, which the page's CSP does not bind.
		eval[bool](t, ctx, script+"\n;true")
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then((r) =>
		r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({
			ID: v.id, Impact: v.impact, Help: v.help,
			Nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ') + ': ' + n.failureSummary.replace(/\s+/g, ' ')),
		})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return v
}

// colorScheme makes the page in ctx prefer a light or a dark scheme.
func colorScheme(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
		t.Fatal(err)
	}
	// and the colours it moves to are reached: no transition still under way
	waitPage(t, ctx, `matchMedia('(prefers-color-scheme: `+scheme+`)').matches && document.getAnimations().length === 0`, "the color scheme did not change")
}

// TestBrowserAxe: every scenario page has no serious or critical axe-core violation, before
// and after a run, light and dark, 1280 and 390 px wide.
func TestBrowserAxe(t *testing.T) {
	ts := newTestServer(t)
	// About a hundred and twenty axe runs, each a second or more on a busy 2-core machine.
	ctx := newBrowserWithin(t, 6*time.Minute)
	script, err := os.ReadFile(npmPackage(t, "axe", filepath.Join("axe-core", "axe.min.js")))
	if err != nil {
		t.Fatal(err)
	}
	states := 0
	for _, width := range []int64{1280, 390} {
		viewport(t, ctx, width, map[int64]int64{1280: 800, 390: 844}[width], width < 600)
		for _, s := range ts.app.catalog.All() {
			openPage(t, ctx, ts.srv.URL+"/play/"+s.ID)
			check := func(when string) {
				t.Helper()
				for _, scheme := range []string{"light", "dark"} {
					colorScheme(t, ctx, scheme)
					states++
					for _, v := range runAxe(t, ctx, string(script)) {
						t.Errorf("%s at %d px, %s, %s: %s (%s): %s\n\t%s", s.ID, width, scheme, when, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
					}
				}
			}
			check("before a run")
			click(t, ctx, "#run")
			if reason, failure := pageRunEnd(t, ctx); reason == "" {
				t.Fatalf("%s: the run did not end: %s", s.ID, failure)
			}
			check("after a run")
		}
	}
	t.Logf("axe-core checked %d states", states)
}
