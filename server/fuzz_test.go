package main

import (
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// The fuzz targets feed the server's three decoders what a stranger might send: a socket
// message, a page link's query, and a whole share link. Their seed corpora are in
// testdata/fuzz/<name>/ (plain go test runs every seed). Fuzz one with, e.g.,
//
//	go test ./server -run '^$' -fuzz '^FuzzClientMessage$' -fuzztime 60s

// fuzzApp is an app for calling handlers directly, without a listener or a rate limit.
func fuzzApp() *app {
	lim := defaultLimits()
	lim.apiRate, lim.apiBurst = 1e9, 1e9
	return newApp(appConfig{catalog: scenarios.New(), log: slog.New(slog.NewTextHandler(io.Discard, nil)), limits: lim})
}

// checkValues fails unless vals has exactly s's params, each in its range.
func checkValues(t *testing.T, s *scenarios.Scenario, vals scenarios.Values) {
	t.Helper()
	if len(vals) != len(s.Params) {
		t.Fatalf("%s: %d values for %d params: %v", s.ID, len(vals), len(s.Params), vals)
	}
	for _, p := range s.Params {
		v, ok := vals[p.Name]
		if !ok || v < p.Min || v > p.Max {
			t.Fatalf("%s: %s = %d (given: %v), outside %d–%d", s.ID, p.Name, v, ok, p.Min, p.Max)
		}
	}
}

// checkCanonical fails unless s's share link for vals reads back as exactly vals, with no
// notices: the link a page shows must open the same page.
func checkCanonical(t *testing.T, cat *scenarios.Catalog, s *scenarios.Scenario, vals scenarios.Values) {
	t.Helper()
	again, err := parseShareLink(cat, shareLink(s, vals))
	if err != nil {
		t.Fatalf("canonical link %q: %v", shareLink(s, vals), err)
	}
	if again.scenario != s || len(again.notices) > 0 || !equalValues(again.values, vals) {
		t.Fatalf("canonical link %q reads back as %s %v with notices %q, want %v",
			shareLink(s, vals), again.scenario.ID, again.values, again.notices, vals)
	}
}

func equalValues(a, b scenarios.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func FuzzClientMessage(f *testing.F) {
	cat := scenarios.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > readLimit {
			return // the socket's read limit closes the connection before decoding
		}
		msg, err := decodeClientMessage(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error message")
			}
			return
		}
		if msg.Type != typeRun && msg.Type != typeStop {
			t.Fatalf("decoded a message of type %q", msg.Type)
		}
		if msg.Type != typeRun {
			return
		}
		req, err := checkRun(cat, msg)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error message")
			}
			return
		}
		if s, ok := cat.Lookup(msg.Scenario); !ok || s != req.scenario {
			t.Fatalf("checked run of %q names scenario %v", msg.Scenario, req.scenario)
		}
		checkValues(t, req.scenario, req.values)
		if req.speed < minSpeed || req.speed > maxSpeed || req.settings.mode != stage.Live && req.settings.mode != stage.Seeded {
			t.Fatalf("checked run has speed %g, mode %q", req.speed, req.settings.mode)
		}
		if req.settings.mode == stage.Seeded && (req.settings.seed > maxSeed || req.settings.processors < 1 || req.settings.processors > maxProcessors) {
			t.Fatalf("checked seeded run has seed %d, processors %d", req.settings.seed, req.settings.processors)
		}
		// What the meta message reports (Named) sent back as a run is the same run.
		again, err := json.Marshal(map[string]any{"type": "run", "scenario": req.scenario.ID,
			"params": req.scenario.Named(req.values), "speed": req.speed})
		if err != nil {
			t.Fatal(err)
		}
		msg2, err := decodeClientMessage(again)
		if err != nil {
			t.Fatalf("re-sent run %s: %v", again, err)
		}
		req2, err := checkRun(cat, msg2)
		if err != nil {
			t.Fatalf("re-sent run %s: %v", again, err)
		}
		if req2.scenario != req.scenario || req2.speed != req.speed || !equalValues(req2.values, req.values) {
			t.Fatalf("re-sent run %s checks as %v, first %v", again, req2.values, req.values)
		}
	})
}

func FuzzPageQuery(f *testing.F) {
	a := fuzzApp()
	all := a.catalog.All()
	f.Fuzz(func(t *testing.T, id uint8, query string) {
		s := all[int(id)%len(all)]
		q, _ := url.ParseQuery(query) // as the page's c.QueryParams does, ignoring bad pairs
		l, ok := resolveLink(a.catalog, s.ID, q)
		if !ok || l.scenario != s {
			t.Fatalf("scenario %s not resolved", s.ID)
		}
		checkValues(t, s, l.values)
		checkCanonical(t, a.catalog, s, l.values)
		raw := paramsFromQuery(q)
		for _, p := range s.Params {
			text, given := raw[p.Name]
			if !given && l.values[p.Name] != p.Default {
				t.Fatalf("%s not given, but %d is used, not the default %d", p.Name, l.values[p.Name], p.Default)
			}
			if given && !hasNotice(l.notices, p.Name) && !means(p, text, l.values[p.Name]) {
				t.Fatalf("%s=%q became %d without a notice (notices %q)", p.Name, text, l.values[p.Name], l.notices)
			}
		}
		// The API takes the same query strictly: fine exactly when the page had nothing to say.
		vals, err := s.Strict(raw)
		if (err == nil) != (len(l.notices) == 0) {
			t.Fatalf("query %q: strict check says %v, the page noted %q", query, err, l.notices)
		}
		if err == nil && !equalValues(vals, l.values) {
			t.Fatalf("query %q: strict %v, page %v", query, vals, l.values)
		}
		// And the page itself renders them, never failing.
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/play/"+s.ID, nil)
		req.URL.RawQuery = query
		a.echo.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("page for query %q: status %d", query, rec.Code)
		}
		if want := html.EscapeString(shareLink(s, l.values)); !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("page for query %q lacks its link %s", query, want)
		}
	})
}

// means reports whether text, as a link gives it, says v for p (spaces and a leading + or
// zeros aside).
func means(p scenarios.Param, text string, v int) bool {
	text = strings.TrimSpace(text)
	if len(p.Choices) > 0 {
		return p.ValueText(v) == text
	}
	n, err := strconv.Atoi(text)
	return err == nil && n == v
}

func hasNotice(notices []string, param string) bool {
	for _, n := range notices {
		if strings.HasPrefix(n, param+" ") {
			return true
		}
	}
	return false
}

func FuzzShareLink(f *testing.F) {
	a := fuzzApp()
	f.Fuzz(func(t *testing.T, raw string) {
		l, err := parseShareLink(a.catalog, raw)
		if err == nil {
			checkValues(t, l.scenario, l.values)
			checkCanonical(t, a.catalog, l.scenario, l.values)
		}
		// Served as a request target, the page agrees with the parser.
		u, perr := url.ParseRequestURI(raw)
		if perr != nil || u.Host != "" || u.Scheme != "" || strings.ContainsAny(raw, " \t\r\n#") {
			return
		}
		rec := httptest.NewRecorder()
		req := &http.Request{Method: http.MethodGet, URL: u, RequestURI: raw, Host: "example.test",
			Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: http.NoBody}
		a.echo.ServeHTTP(rec, req)
		isPage := strings.HasPrefix(u.Path, "/play/")
		switch {
		case rec.Code >= 500:
			t.Fatalf("%q: status %d", raw, rec.Code)
		case isPage && err == nil && rec.Code != http.StatusOK:
			t.Fatalf("%q parses as %s, but its page answers %d", raw, l.scenario.ID, rec.Code)
		case isPage && err != nil && rec.Code != http.StatusNotFound:
			t.Fatalf("%q does not parse (%v), but its page answers %d", raw, err, rec.Code)
		case isPage && err == nil && !strings.Contains(rec.Body.String(), html.EscapeString(shareLink(l.scenario, l.values))):
			t.Fatalf("%q: the page lacks the link %s", raw, shareLink(l.scenario, l.values))
		}
	})
}
