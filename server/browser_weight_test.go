package main

import (
	"strings"
	"testing"
)

// firstPageBudget is what the first page may cost on the wire, headers and all: the page,
// its style sheets, the modules the first screen loads and the icon, compressed.
const firstPageBudget = 70_000

// TestBrowserFirstPageWeight loads a scenario page afresh and adds up what the browser
// transferred for it (resource timing's transferSize: headers and compressed bodies) until
// the page is ready to run. What it does not need until later — a run's result, the exports,
// a search — loads when it is first needed and is not counted.
func TestBrowserFirstPageWeight(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	openPage(t, ctx, ts.srv.URL+"/play/channels")
	waitPage(t, ctx, `document.readyState === 'complete'`, "the page did not finish loading")
	// the parts loaded later are asked for once the page has loaded
	waitPage(t, ctx, `performance.getEntriesByType('resource').some((e) => e.name.endsWith('/web/page/summary.js') && e.responseEnd > 0)`,
		"the result's module was not loaded after the page")
	type entry struct {
		Name     string
		Later    bool
		Transfer float64
		Body     float64
		Decoded  float64
	}
	entries := eval[[]entry](t, ctx, `(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		return [nav, ...performance.getEntriesByType('resource')].map((e) => ({Name: e.name,
			Later: e.startTime >= nav.loadEventStart && e !== nav,
			Transfer: e.transferSize, Body: e.encodedBodySize, Decoded: e.decodedBodySize}));
	})()`)
	var first, later struct {
		n                       int
		transfer, body, decoded float64
	}
	for _, e := range entries {
		sum := &first
		if e.Later {
			sum = &later
		}
		sum.n++
		sum.transfer += e.Transfer
		sum.body += e.Body
		sum.decoded += e.Decoded
		if e.Transfer == 0 {
			t.Errorf("%s: transferred nothing (from a cache?): the count would be wrong", e.Name)
		}
		if strings.HasSuffix(e.Name, "/web/page/summary.js") && !e.Later {
			t.Errorf("the result's module was loaded with the first screen")
		}
	}
	t.Logf("first page: %d requests, %.0f bytes transferred (%.0f of compressed bodies, %.0f unpacked)", first.n, first.transfer, first.body, first.decoded)
	t.Logf("loaded after it: %d requests, %.0f bytes transferred (%.0f unpacked)", later.n, later.transfer, later.decoded)
	if first.transfer > firstPageBudget {
		t.Errorf("the first page transferred %.0f bytes in %d requests, over the budget of %d", first.transfer, first.n, firstPageBudget)
	}
}
