package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The Lighthouse audit is opt-in: Lighthouse is some 190 MB of npm packages and takes about
// ten seconds a page, and its performance score is a timing, reported, not asserted.
//
//	go test ./server -run Lighthouse -lighthouse -v
var lighthouse = flag.Bool("lighthouse", false, "run TestBrowserLighthouse: Lighthouse from npm (testdata/lighthouse) against the page")

// lighthouseReport is the part of Lighthouse's JSON report the test reads.
type lighthouseReport struct {
	Categories map[string]struct {
		Score     float64 `json:"score"`
		AuditRefs []struct {
			ID     string  `json:"id"`
			Weight float64 `json:"weight"`
		} `json:"auditRefs"`
	} `json:"categories"`
	Audits map[string]struct {
		Title        string   `json:"title"`
		Score        *float64 `json:"score"`
		DisplayValue string   `json:"displayValue"`
	} `json:"audits"`
}

// TestBrowserLighthouse audits scenario pages with Lighthouse, as a phone (its default,
// throttled) and as a desktop: accessibility must score 100; the performance score and its
// metrics are logged.
func TestBrowserLighthouse(t *testing.T) {
	if !*lighthouse {
		t.Skip("opt-in: -lighthouse runs it")
	}
	ts := newTestServer(t)
	newBrowser(t) // the checks every browser test makes: Chromium present, not -short
	cli := npmPackage(t, "lighthouse", filepath.Join(".bin", "lighthouse"))
	for _, page := range []string{"/play/channels", "/play/deadlock?philosophers=5&meals=3&think=100&eat=100&fix=no&mode=seeded&seed=40&processors=4"} {
		for _, preset := range []string{"mobile", "desktop"} {
			out := filepath.Join(t.TempDir(), "report.json")
			args := []string{ts.srv.URL + page, "--quiet", "--output=json", "--output-path=" + out,
				"--only-categories=performance,accessibility",
				"--chrome-flags=--headless=new --no-sandbox --disable-gpu --user-data-dir=" + t.TempDir()}
			if preset == "desktop" {
				args = append(args, "--preset=desktop")
			}
			cmd := exec.Command(cli, args...)
			cmd.Env = append(os.Environ(), "CHROME_PATH="+chromiumPath())
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("lighthouse %s %s: %v\n%s", page, preset, err, b)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var r lighthouseReport
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("lighthouse's report: %v", err)
			}
			a11y, perf := r.Categories["accessibility"], r.Categories["performance"]
			if a11y.Score < 1 {
				for _, ref := range a11y.AuditRefs {
					if a := r.Audits[ref.ID]; ref.Weight > 0 && a.Score != nil && *a.Score < 1 {
						t.Errorf("%s, %s: accessibility audit %s failed: %s", page, preset, ref.ID, a.Title)
					}
				}
				t.Errorf("%s, %s: accessibility scores %.0f, want 100", page, preset, a11y.Score*100)
			}
			metrics := ""
			for _, id := range []string{"first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index", "total-byte-weight"} {
				metrics += fmt.Sprintf(", %s %s", id, r.Audits[id].DisplayValue)
			}
			t.Logf("%s, %s: performance %.0f, accessibility %.0f%s", page, preset, perf.Score*100, a11y.Score*100, metrics)
		}
	}
}
