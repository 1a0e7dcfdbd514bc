package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"interleave/static"
	"interleave/web"
)

func get(t *testing.T, ts *testServer, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host // the client sends req.Host, not the header
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestPages(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name       string
		path       string
		status     int
		contains   []string
		notContain []string
	}{
		{
			name: "a link's values show in the sliders", path: "/play/channels?producers=8&buffer=2",
			status:     http.StatusOK,
			contains:   []string{`id="p-producers"`, `value="8"`, `value="2"`, `id="go-source"`, `id="rust-source"`, "thread::spawn", `href="/play/atomic-counter"`, `/play/channels?producers=8&amp;messages=3&amp;buffer=2&amp;work=200&amp;jitter=200&amp;handle=60`},
			notContain: []string{`id="notices"`},
		},
		{
			name: "out-of-range values are clamped with a notice", path: "/play/channels?producers=500&work=abc&colour=red",
			status: http.StatusOK,
			contains: []string{`id="notices"`, "producers must be 1–16, got 500; using 16.", `value="16"`,
				`work must be a whole number 0–1000, got &#34;abc&#34;; using 200.`, `channels has no parameter &#34;colour&#34;`},
		},
		{
			name: "a link laying the run out by event order keeps it", path: "/play/deadlock?mode=seeded&seed=40&view=events",
			status: http.StatusOK,
			contains: []string{`<input type="hidden" id="view" name="view" value="events" data-chosen="true">`, `id="axis" aria-pressed="true"`,
				`&amp;mode=seeded&amp;seed=40&amp;processors=4&amp;view=events`},
			notContain: []string{`id="notices"`},
		},
		{
			name: "a bad view is by time, with a notice", path: "/play/channels?view=sideways&producers=2",
			status: http.StatusOK,
			contains: []string{`id="notices"`, `view must be time or events, got &#34;sideways&#34;; using time.`,
				`value="time" data-chosen="false">`, `id="axis" aria-pressed="false"`},
			notContain: []string{`view=`},
		},
		{
			// Found by the page-query fuzz target: the page noted it, the API ignored it.
			name: "a mode that is no mode is live, with a notice", path: "/play/cell?mode=0&seed=3",
			status:   http.StatusOK,
			contains: []string{`id="notices"`, `mode must be live, seeded or steer, got &#34;0&#34;; using live.`, `id="mode-live" checked`},
		},
		{
			name: "a choice given by its index is that choice, with a notice naming it", path: "/play/cell?share=1",
			status:     http.StatusOK,
			contains:   []string{`id="notices"`, `share must be no or yes, got &#34;1&#34;; using yes.`, `value="yes" id="p-share-yes" checked`},
			notContain: []string{"using 1.", "using 0."},
		},
		{
			name: "a seeded link's schedule rides in the form and its link", path: "/play/cell?mode=seeded&seed=3&schedule=SQ",
			status: http.StatusOK,
			contains: []string{`<input type="hidden" name="schedule" value="SQ">`, "This link replays 3 choices of who runs next",
				`mode=seeded&amp;seed=3&amp;processors=4&amp;schedule=SQ`},
			notContain: []string{`id="notices"`},
		},
		{
			name: "a schedule that is none is dropped, with a notice", path: "/play/cell?mode=seeded&seed=3&schedule=S!Q",
			status:     http.StatusOK,
			contains:   []string{`id="notices"`, `schedule must be the text of a run&#39;s schedule, but character 2 is &#39;!&#39;, not a letter, digit, - or _; ignored it.`},
			notContain: []string{`name="schedule"`},
		},
		{
			name: "a live link ignores a schedule", path: "/play/cell?schedule=SQ",
			status:     http.StatusOK,
			notContain: []string{`id="notices"`, `name="schedule"`},
		},
		{
			name: "a live link ignores the seed and processors a form sends anyway", path: "/play/cell?mode=live&seed=abc&processors=99",
			status:     http.StatusOK,
			notContain: []string{`id="notices"`},
		},
		{
			name: "unknown scenario lists the scenarios", path: "/play/nope",
			status:   http.StatusNotFound,
			contains: []string{"/play/nope", `href="/play/channels"`, `href="/play/atomic-counter"`},
		},
		{
			// Found by the share-link fuzz target: the router matches the raw path, so the
			// page saw "chan%6Eels" while the link names channels.
			name: "an escaped scenario id opens its page", path: "/play/chan%6Eels?producers=2",
			status:   http.StatusOK,
			contains: []string{`/play/channels?producers=2&amp;`},
		},
		{
			name: "an escaped id in the API", path: "/api/scenarios/chan%6Eels",
			status:   http.StatusOK,
			contains: []string{`"id":"channels"`},
		},
		{
			name: "unknown path is the same 404 page", path: "/nothing/here",
			status:   http.StatusNotFound,
			contains: []string{`href="/play/channels"`},
		},
		{
			name: "API refuses bad params with a sentence", path: "/api/scenarios/channels?producers=500",
			status:   http.StatusBadRequest,
			contains: []string{`{"error":"producers must be 1–16, got 500"}`},
		},
		{
			// What the page opens with a notice, the API refuses, naming the setting.
			name: "API refuses a bad mode", path: "/api/scenarios/cell?mode=0",
			status:   http.StatusBadRequest,
			contains: []string{`{"error":"mode must be live, seeded or steer, got \"0\""}`},
		},
		{
			name: "API refuses a bad view", path: "/api/scenarios/cell?view=zzz",
			status:   http.StatusBadRequest,
			contains: []string{`{"error":"view must be time or events, got \"zzz\""}`},
		},
		{
			name: "API refuses a choice by its index", path: "/api/scenarios/cell?share=1",
			status:   http.StatusBadRequest,
			contains: []string{`{"error":"share must be no or yes, got \"1\""}`},
		},
		{
			name: "API answers a seeded link's settings", path: "/api/scenarios/deadlock?philosophers=3&mode=seeded&seed=40&view=events",
			status: http.StatusOK,
			contains: []string{`"settings":{"mode":"seeded","processors":4,"seed":40,"view":"events"}`,
				`"link":"/play/deadlock?philosophers=3\u0026meals=3\u0026think=100\u0026eat=100\u0026fix=no\u0026mode=seeded\u0026seed=40\u0026processors=4\u0026view=events"`},
		},
		{
			name: "API takes a live link as the page does", path: "/api/scenarios/cell?mode=live&seed=abc",
			status:   http.StatusOK,
			contains: []string{`"settings":{"mode":"live","view":"time"}`},
		},
		{
			name: "API unknown scenario", path: "/api/scenarios/nope",
			status:   http.StatusNotFound,
			contains: []string{`"error":"unknown scenario \"nope\"`},
		},
		{
			name: "API checks good params", path: "/api/scenarios/channels?producers=5",
			status:   http.StatusOK,
			contains: []string{`"values":{"buffer":0,"handle":60,"jitter":200,"messages":3,"producers":5,"work":200}`, `"link":"/play/channels?producers=5\u0026messages=3\u0026buffer=0\u0026work=200\u0026jitter=200\u0026handle=60"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, ts, tt.path)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range tt.notContain {
				if strings.Contains(body, s) {
					t.Errorf("body has %q", s)
				}
			}
		})
	}
}

func TestHomeRedirectsToTheFirstScenario(t *testing.T) {
	ts := newTestServer(t)
	resp, _ := get(t, ts, "/")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/play/channels" {
		t.Errorf("got %d to %q, want 302 to /play/channels", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestCatalogAPI(t *testing.T) {
	ts := newTestServer(t)
	resp, body := get(t, ts, "/api/scenarios")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var list []struct {
		ID     string `json:"id"`
		Params []struct {
			Name     string `json:"name"`
			Min, Max int
		} `json:"params"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) < 2 || list[0].ID != "channels" || len(list[0].Params) == 0 {
		t.Errorf("catalog = %+v", list)
	}
}

func TestAssetsAreServedWithValidators(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/web/app.js", "/web/trace/model.js", "/static/style.css"} {
		resp, body := get(t, ts, path)
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Fatalf("%s: status %d, %d bytes", path, resp.StatusCode, len(body))
		}
		etag := resp.Header.Get("ETag")
		if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: ETag %q, Cache-Control %q", path, etag, resp.Header.Get("Cache-Control"))
		}
		if resp, _ := get(t, ts, path, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: revalidation got %d, want 304", path, resp.StatusCode)
		}
	}
	// modules in the app's folders are served as scripts too
	for _, path := range []string{"/web/app.js", "/web/trace/model.js"} {
		if resp, _ := get(t, ts, path); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("%s served as %q", path, resp.Header.Get("Content-Type"))
		}
	}
	if resp, _ := get(t, ts, "/web/nope.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing asset got %d", resp.StatusCode)
	}
}

// Modules and style sheets are served minified, each naming its source map, which holds the
// file as written: what a visitor downloads is small, what developer tools show is the source.
func TestModulesAndStylesAreMinifiedWithSourceMaps(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		path   string
		source fs.FS
		file   string
		names  string
	}{
		{"/web/app.js", web.Files, "app.js", "//# sourceMappingURL=app.js.map"},
		{"/web/trace/model.js", web.Files, "trace/model.js", "//# sourceMappingURL=model.js.map"},
		{"/static/style.css", static.Files, "style.css", "/*# sourceMappingURL=style.css.map */"},
	} {
		src, err := fs.ReadFile(tc.source, tc.file)
		if err != nil {
			t.Fatal(err)
		}
		_, body := get(t, ts, tc.path)
		if len(body) >= len(src)*3/4 || !strings.HasSuffix(body, tc.names+"\n") {
			t.Errorf("%s: %d bytes served of %d written, ending %q", tc.path, len(body), len(src), body[max(0, len(body)-60):])
		}
		resp, mapBody := get(t, ts, tc.path+".map")
		var m struct {
			Sources        []string `json:"sources"`
			SourcesContent []string `json:"sourcesContent"`
		}
		if err := json.Unmarshal([]byte(mapBody), &m); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s.map: status %d: %v", tc.path, resp.StatusCode, err)
		}
		if len(m.SourcesContent) != 1 || m.SourcesContent[0] != string(src) {
			t.Errorf("%s.map does not hold the file as written (sources %q)", tc.path, m.Sources)
		}
	}
}

func TestPagesCarrySecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	resp, _ := get(t, ts, "/play/channels")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff header")
	}
}

// do sends a request with method to the test server and returns the answer and its body.
func do(t *testing.T, ts *testServer, method, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// manyParams is a query of n params named p0, p1… that no scenario takes.
func manyParams(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('&')
		}
		fmt.Fprintf(&b, "p%d=1", i)
	}
	return b.String()
}

// Unknown names are listed a few at a time, and the rest counted: a query of 10,000 of them
// (79 KB) is answered in a few hundred bytes, as a page with one notice more.
func TestUnknownParamsAreNamedAFewAndCounted(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.apiRate, c.limits.apiBurst = 1e6, 1e6 })
	query := manyParams(10_000)
	resp, body := get(t, ts, "/api/scenarios/cell?"+query)
	if resp.StatusCode != http.StatusBadRequest || len(body) > 1000 ||
		!strings.Contains(body, `cell has no parameter \"p0\" (it takes`) || !strings.Contains(body, `\"p10\"`) ||
		strings.Contains(body, `\"p100\"`) || !strings.Contains(body, "; and 9,997 more names that are not parameters of cell") {
		t.Errorf("API: %d, %d bytes: %.600s", resp.StatusCode, len(body), body)
	}
	_, plain := get(t, ts, "/play/cell")
	resp, page := get(t, ts, "/play/cell?"+query)
	if resp.StatusCode != http.StatusOK || len(page) > len(plain)+2000 || !strings.Contains(page, "and 9,997 more names that are not parameters of cell; ignored them.") {
		t.Errorf("page: %d, %d bytes (%d without the query)", resp.StatusCode, len(page), len(plain))
	}
	// Known names keep their own sentences, whatever comes with them.
	if _, body := get(t, ts, "/api/scenarios/cell?initial=999&"+manyParams(5)); !strings.Contains(body, "initial must be") || !strings.Contains(body, "and 2 more names") {
		t.Errorf("API with a bad value and unknown names: %s", body)
	}

	conn := ts.dial(t)
	var params strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&params, `"p%d":1,`, i)
	}
	send(t, conn, `{"type":"run","scenario":"cell","params":{`+params.String()+`"initial":1}}`)
	m := read(t, conn)
	if m.Type != typeError || len(m.Message) > 1000 || !strings.Contains(m.Message, "and 1,997 more names that are not parameters of cell") {
		t.Errorf("socket: %s, %d bytes: %.600s", m.Type, len(m.Message), m.Message)
	}
}

// A query that cannot be read whole is a 400 that says so, from the API and from pages: past
// 10,000 params Go's parser reads none, and a page or an API answer with the defaults would
// pretend the link said nothing.
func TestAQueryThatCannotBeReadIsA400(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.apiRate, c.limits.apiBurst = 1e6, 1e6 })
	for _, tt := range []struct{ query, want string }{
		{"initial=999&" + manyParams(10_000), "the query has 10,001 parameters, more than the 10,000 the server reads"},
		{"initial=%zz", `the query cannot be read (invalid URL escape "%zz")`},
		{"initial=1;share=yes", "the query cannot be read (invalid semicolon separator in query)"},
	} {
		for _, path := range []string{"/api/scenarios/cell", "/api/scenarios/cell/trace", "/play/cell"} {
			resp, body := get(t, ts, path+"?"+tt.query)
			want := tt.want
			if strings.HasPrefix(path, "/api/") {
				want = strings.ReplaceAll(want, `"`, `\"`)
			} else {
				// A page: an HTML page that says why and leads to the page without the query.
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("%s?%.40s…: a %s page, want HTML", path, tt.query, ct)
				}
				if !strings.Contains(body, `<a href="/play/cell"><code>/play/cell</code></a>`) {
					t.Errorf("%s?%.40s…: no link to the page without its query in %.600s", path, tt.query, body)
				}
				body, want = html.UnescapeString(body), sentence(want)
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Errorf("%s?%.40s…: %d %.300s, want 400 saying %s", path, tt.query, resp.StatusCode, body, want)
			}
		}
	}
	if _, err := parseShareLink(ts.app.catalog, "/play/cell?initial=%zz"); !errors.As(err, new(badQuery)) {
		t.Errorf("a share link with a query that cannot be read: %v", err)
	}
}

func TestHEADAnswersAsGETWithoutTheBody(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/", "/play/channels?producers=3", "/play/nope", "/api/scenarios", "/api/scenarios/channels", "/api/scenarios/nope",
		"/api/scenarios/deadlock/trace?seed=1", "/static/style.css", "/web/app.js"} {
		got, _ := get(t, ts, path)
		head, body := do(t, ts, http.MethodHead, path)
		if head.StatusCode != got.StatusCode || head.Header.Get("Content-Type") != got.Header.Get("Content-Type") || body != "" {
			t.Errorf("HEAD %s: %d %q with %d bytes; GET: %d %q", path, head.StatusCode, head.Header.Get("Content-Type"), len(body), got.StatusCode, got.Header.Get("Content-Type"))
		}
	}
}

func TestAMethodARouteDoesNotTakeIs405WithAllow(t *testing.T) {
	ts := newTestServer(t)
	for _, tt := range []struct{ method, path, allow string }{
		{http.MethodPost, "/play/channels", "GET, HEAD"},
		{http.MethodPost, "/api/scenarios", "GET, HEAD"},
		{http.MethodDelete, "/api/scenarios/channels/trace", "GET, HEAD"},
		{http.MethodPut, "/static/style.css", "GET, HEAD"},
		{http.MethodHead, "/ws", "GET"},
	} {
		resp, body := do(t, ts, tt.method, tt.path)
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), tt.allow) {
			t.Errorf("%s %s: %d, Allow %q; want 405 allowing %s", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), tt.allow)
		}
		if tt.method != http.MethodHead && !strings.Contains(body, tt.method+" is not a method this address takes") {
			t.Errorf("%s %s says %q", tt.method, tt.path, body)
		}
	}
	if resp, body := do(t, ts, http.MethodPost, "/api/scenarios"); !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `{"error":"POST is not a method`) {
		t.Errorf("the API's 405 is %q: %s", resp.Header.Get("Content-Type"), body)
	}
}
