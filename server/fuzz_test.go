package main

import (
	"encoding/json"
	"errors"
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
	if again.scenario != s || len(again.problems) > 0 || !equalValues(again.values, vals) {
		t.Fatalf("canonical link %q reads back as %s %v with notices %q, want %v",
			shareLink(s, vals), again.scenario.ID, again.values, again.notices(), vals)
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
	for _, seed := range []string{
		`{"type":"pick","run":1,"g":2}`, `{"type":"pick","run":1,"case":0}`, `{"type":"pick","run":1}`,
		`{"type":"pick","run":1,"g":2,"case":1}`, `{"type":"finish"}`,
		`{"type":"run","scenario":"atomic-counter","mode":"steer","seed":5,"schedule":"SpJqko","from":12}`,
		`{"type":"run","scenario":"worker-pool","mode":"seeded","seed":1,"events":"binary"}`,
		`{"type":"run","scenario":"channels","events":"json"}`, `{"type":"run","scenario":"channels","events":"msgpack"}`,
	} {
		f.Add([]byte(seed))
	}
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
		switch msg.Type {
		case typeRun:
			// the events come as JSON or as binary batches, and as nothing else
			if msg.Events != "" && msg.Events != eventsJSON && msg.Events != eventsBinary {
				t.Fatalf("decoded a run whose events come as %q: %s", msg.Events, data)
			}
		case typePick:
			// a pick names its run and one of a goroutine and a select's case
			if msg.Run == nil || (msg.G == nil) == (msg.Case == nil) {
				t.Fatalf("decoded a pick without its run or with both or neither of g and case: %s", data)
			}
			return
		case typeStop, typeFinish:
			return
		default:
			t.Fatalf("decoded a message of type %q", msg.Type)
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
		set := req.settings
		if set.Speed < 0.1 || set.Speed > 10 || set.Mode != stage.Live && set.Mode != stage.Seeded && set.Mode != scenarios.Steered {
			t.Fatalf("checked run has speed %g, mode %q", set.Speed, set.Mode)
		}
		if set.Seeded() && (set.Seed > scenarios.MaxSeed || set.Processors < 1 || set.Processors > 8) {
			t.Fatalf("checked seeded run has seed %d, processors %d", set.Seed, set.Processors)
		}
		// What the meta message reports sent back as a run is the same run.
		meta := newMetaMessage(1, req)
		resend := map[string]any{"type": "run", "scenario": meta.Scenario,
			"params": meta.Params, "mode": meta.Mode, "speed": meta.Speed, "seed": meta.Seed, "processors": meta.Processors}
		if meta.Schedule != "" {
			resend["schedule"] = meta.Schedule
		}
		again, err := json.Marshal(resend)
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
		// The meta does not carry from, which only cuts the schedule a steered run follows.
		want := req.settings
		want.From = 0
		if req2.scenario != req.scenario || req2.settings != want || !equalValues(req2.values, req.values) {
			t.Fatalf("re-sent run %s checks as %v %+v, first %v %+v", again, req2.values, req2.settings, req.values, req.settings)
		}
	})
}

func FuzzPageQuery(f *testing.F) {
	a := fuzzApp()
	all := a.catalog.All()
	f.Fuzz(func(t *testing.T, id uint8, query string) {
		s := all[int(id)%len(all)]
		q, err := parseQuery(query)
		if err != nil {
			// A query that cannot be read whole: the page and the API say so.
			for _, path := range []string{"/play/" + s.ID, "/api/scenarios/" + s.ID} {
				// (the page's sentence begins with a capital)
				if code, body := serve(a, path, query); code != http.StatusBadRequest || !strings.Contains(strings.ToLower(body), "the query") {
					t.Fatalf("%s?%s cannot be read (%v), but answers %d %.200s", path, query, err, code, body)
				}
			}
			return
		}
		l, ok := resolveLink(a.catalog, s.ID, q)
		if !ok || l.scenario != s {
			t.Fatalf("scenario %s not resolved", s.ID)
		}
		checkValues(t, s, l.values)
		checkCanonical(t, a.catalog, s, l.values)
		notices := l.notices()
		raw, settings := scenarios.SplitQuery(q)
		for _, p := range s.Params {
			text, given := raw[p.Name]
			if !given && l.values[p.Name] != p.Default {
				t.Fatalf("%s not given, but %d is used, not the default %d", p.Name, l.values[p.Name], p.Default)
			}
			if given && !hasNotice(notices, p.Name) && !means(p, text, l.values[p.Name]) {
				t.Fatalf("%s=%q became %d without a notice (notices %q)", p.Name, text, l.values[p.Name], notices)
			}
		}
		set := l.settings
		if set.Mode != stage.Live && set.Mode != stage.Seeded || set.View != scenarios.ByTime && set.View != scenarios.ByEvents ||
			set.Seeded() && (set.Processors < 1 || set.Processors > 8 || set.Seed > scenarios.MaxSeed) {
			t.Fatalf("query %q: unusable settings %+v", query, set)
		}
		// The API reads the same query strictly: fine exactly when the page had nothing to
		// say, and otherwise a 400 that says every problem the page noted — a setting's as
		// much as a param's. A trace refuses the same.
		for _, api := range []string{"/api/scenarios/" + s.ID, "/api/scenarios/" + s.ID + "/trace"} {
			if api != "/api/scenarios/"+s.ID && len(l.problems) == 0 {
				continue // a trace of a fine query runs the scenario: the socket's tests do that
			}
			code, body := serve(a, api, query)
			var answer struct {
				Error    string         `json:"error"`
				Values   map[string]any `json:"values"`
				Settings map[string]any `json:"settings"`
				Link     string         `json:"link"`
			}
			if err := json.Unmarshal([]byte(body), &answer); err != nil {
				t.Fatalf("%s?%s: %d %q is not JSON: %v", api, query, code, body, err)
			}
			if len(l.problems) > 0 {
				if code != http.StatusBadRequest {
					t.Fatalf("%s?%s answers %d %s, but the page noted %q", api, query, code, body, notices)
				}
				for _, p := range l.problems {
					if !strings.Contains(answer.Error, p.Message) {
						t.Fatalf("%s?%s refuses with %q, which does not say what the page noted: %q", api, query, answer.Error, p.Message)
					}
				}
				continue
			}
			if code != http.StatusOK {
				t.Fatalf("%s?%s answers %d %s, but the page opened it without a notice", api, query, code, body)
			}
			want := l.settings.Named()
			if strings.TrimSpace(settings["seed"]) == "" {
				delete(want, "seed") // fresh on each side
				delete(answer.Settings, "seed")
			}
			if !sameJSON(answer.Values, s.Named(l.values)) || !sameJSON(answer.Settings, want) {
				t.Fatalf("%s?%s answers %v %v, the page shows %v %v", api, query, answer.Values, answer.Settings, s.Named(l.values), want)
			}
			if strings.TrimSpace(settings["seed"]) != "" || !set.Seeded() {
				if page := playLink(s, l.values, l.settings); answer.Link != page {
					t.Fatalf("%s?%s links to %s, the page to %s", api, query, answer.Link, page)
				}
			}
		}
		// And the page itself renders them, never failing.
		code, body := serve(a, "/play/"+s.ID, query)
		if code != http.StatusOK {
			t.Fatalf("page for query %q: status %d", query, code)
		}
		if want := html.EscapeString(shareLink(s, l.values)); !strings.Contains(body, want) {
			t.Fatalf("page for query %q lacks its link %s", query, want)
		}
	})
}

// serve answers a GET of path?query from a's routes.
func serve(a *app, path, query string) (int, string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = "localhost" // a name the server answers to
	req.URL.RawQuery = query
	a.echo.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// sameJSON reports whether a and b encode alike: a decoded answer and the value it encodes.
func sameJSON(a, b any) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && string(ja) == string(jb)
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
		req := &http.Request{Method: http.MethodGet, URL: u, RequestURI: raw, Host: "localhost",
			Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: http.NoBody}
		a.echo.ServeHTTP(rec, req)
		isPage := strings.HasPrefix(u.Path, "/play/")
		switch {
		case rec.Code >= 500:
			t.Fatalf("%q: status %d", raw, rec.Code)
		case isPage && err == nil && rec.Code != http.StatusOK:
			t.Fatalf("%q parses as %s, but its page answers %d", raw, l.scenario.ID, rec.Code)
		case isPage && errors.As(err, new(badQuery)) && rec.Code != http.StatusBadRequest:
			t.Fatalf("%q has a query that cannot be read (%v), but its page answers %d", raw, err, rec.Code)
		case isPage && err != nil && !errors.As(err, new(badQuery)) && rec.Code != http.StatusNotFound:
			t.Fatalf("%q does not parse (%v), but its page answers %d", raw, err, rec.Code)
		case isPage && err == nil && !strings.Contains(rec.Body.String(), html.EscapeString(shareLink(l.scenario, l.values))):
			t.Fatalf("%q: the page lacks the link %s", raw, shareLink(l.scenario, l.values))
		}
	})
}
