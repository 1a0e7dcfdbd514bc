package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

func TestTraceAPI(t *testing.T) {
	ts := newTestServer(t)
	path := "/api/scenarios/deadlock/trace?philosophers=3&seed=5&processors=2"
	resp, body := get(t, ts, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var trace struct {
		V          int               `json:"v"`
		Mode       string            `json:"mode"`
		Seed       uint64            `json:"seed"`
		Processors int               `json:"processors"`
		Params     map[string]any    `json:"params"`
		Events     []json.RawMessage `json:"events"`
		End        endMessage        `json:"end"`
	}
	if err := json.Unmarshal([]byte(body), &trace); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if trace.V != 1 || trace.Mode != "seeded" || trace.Seed != 5 || trace.Processors != 2 || trace.Params["philosophers"] != 3.0 {
		t.Errorf("trace head %+v", trace)
	}
	if len(trace.Events) == 0 || trace.End.Stats.Events != len(trace.Events) {
		t.Errorf("%d events, the end counts %d", len(trace.Events), trace.End.Stats.Events)
	}
	if _, again := get(t, ts, path); again != body {
		t.Error("the same seeded link gave another trace")
	}
	// A page's seeded link is a trace query as it stands: its mode and view are taken too.
	if _, linked := get(t, ts, path+"&mode=seeded&view=events"); linked != body {
		t.Error("the page's link, mode and view and all, gave another trace")
	}

	resp, chrome := get(t, ts, path+"&format=chrome")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), `"deadlock-seed-5-2-processors.chrome.json"`) {
		t.Errorf("chrome trace: status %d, disposition %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	var file struct {
		TraceEvents []map[string]any `json:"traceEvents"`
	}
	if err := json.Unmarshal([]byte(chrome), &file); err != nil || len(file.TraceEvents) == 0 {
		t.Errorf("chrome trace is not a trace: %v", err)
	}
}

func TestSearchAPI(t *testing.T) {
	ts := newTestServer(t)
	var found searchResult
	_, body := get(t, ts, "/api/scenarios/deadlock/search?philosophers=3&want=deadlock")
	if err := json.Unmarshal([]byte(body), &found); err != nil || !found.Found || found.Seed == 0 {
		t.Fatalf("search for a deadlock: %s", body)
	}
	if !strings.Contains(found.Link, "mode=seeded&seed=") {
		t.Errorf("link %q does not bring the seed back", found.Link)
	}
	// The seed found deadlocks when run.
	var trace struct {
		End endMessage `json:"end"`
	}
	_, tbody := get(t, ts, strings.Replace(found.Link, "/play/deadlock?", "/api/scenarios/deadlock/trace?", 1))
	if err := json.Unmarshal([]byte(tbody), &trace); err != nil || trace.End.Reason != "deadlock" {
		t.Errorf("the found seed's run: %v %q", err, trace.End.Reason)
	}

	// A budget with nothing to find is an answer, not an error.
	resp, body := get(t, ts, "/api/scenarios/deadlock/search?fix=yes&want=deadlock&tries=30")
	var none searchResult
	if err := json.Unmarshal([]byte(body), &none); err != nil || resp.StatusCode != http.StatusOK || none.Found || none.Tries != 30 || none.Message != "no deadlock in 30 seeds" {
		t.Errorf("search with ordered locking: %d %s", resp.StatusCode, body)
	}
}

func TestSeededAPIRefusesBadInput(t *testing.T) {
	ts := newTestServer(t)
	for _, tt := range []struct{ path, want string }{
		{"/api/scenarios/deadlock/trace?seed=abc", `seed must be a whole number 0–9007199254740991, got \"abc\"`},
		{"/api/scenarios/deadlock/trace", "seed is required"},
		{"/api/scenarios/deadlock/trace?seed=1&processors=9", "processors must be 1–8, got 9"},
		{"/api/scenarios/deadlock/trace?seed=1&processors=two", `processors must be a whole number 1–8, got \"two\"`},
		{"/api/scenarios/deadlock/trace?seed=1&mode=live", `mode must be seeded or left out (a trace is of a seeded run), got \"live\"`},
		{"/api/scenarios/deadlock/trace?seed=1&mode=0", `mode must be live, seeded or steer, got \"0\"`},
		{"/api/scenarios/deadlock/trace?seed=1&view=zzz", `view must be time or events, got \"zzz\"`},
		{"/api/scenarios/deadlock/search?want=deadlock&mode=live", `mode must be seeded or left out (a search tries seeds), got \"live\"`},
		{"/api/scenarios/deadlock/search?want=deadlock&seed=x", `seed must be a whole number`},
		{"/api/scenarios/deadlock/trace?seed=1&format=xml", `format must be json or chrome, got \"xml\"`},
		{"/api/scenarios/deadlock/search?want=deadlock&tries=501", `tries must be 1–500, got \"501\"`},
		{"/api/scenarios/deadlock/search?want=happiness", `want must be deadlock or starve-them-all for deadlock, got \"happiness\"`},
		{"/api/scenarios/cell/search?want=deadlock", "cell offers no search"},
		{"/api/scenarios/deadlock/search?want=deadlock&philosophers=99", "philosophers must be 2–8, got 99"},
		// Every problem at once, the params' first.
		{"/api/scenarios/deadlock/trace?seed=1&philosophers=99&processors=0", "philosophers must be 2–8, got 99; processors must be 1–8, got 0"},
	} {
		resp, body := get(t, ts, tt.path)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want 400 saying %s", tt.path, resp.StatusCode, body, tt.want)
		}
	}
}

func TestSeededRunOverTheSocket(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	run := `{"type":"run","scenario":"atomic-counter","params":{"method":"load-store"},"mode":"seeded","seed":3,"processors":2}`
	send(t, conn, run)
	meta, _, first, end := readRun(t, conn)
	if meta.Params["method"] != "load-store" || end.Reason != "done" {
		t.Fatalf("meta %+v, end %q", meta, end.Reason)
	}
	send(t, conn, run)
	_, _, again, _ := readRun(t, conn)
	if len(first) != len(again) {
		t.Fatalf("the same seeded run gave %d and %d events", len(first), len(again))
	}
	for i := range first {
		if first[i] != again[i] {
			t.Fatalf("event %d differs: %+v vs %+v", i, first[i], again[i])
		}
	}
	for _, bad := range []struct{ msg, want string }{
		{`{"type":"run","scenario":"cell","mode":"seeded","seed":9007199254740992}`, "seed must be 0–9007199254740991"},
		{`{"type":"run","scenario":"cell","mode":"seeded","processors":12}`, "processors must be 1–8, got 12"},
		{`{"type":"run","scenario":"cell","mode":"seeded","seed":-1}`, "seed"},
	} {
		send(t, conn, bad.msg)
		if m := read(t, conn); m.Type != typeError || !strings.Contains(m.Message, bad.want) {
			t.Errorf("%s: got %s %q, want an error saying %s", bad.msg, m.Type, m.Message, bad.want)
		}
	}
}

// traceDoc is the part of a trace document the schedule tests read.
type traceDoc struct {
	Schedule string            `json:"schedule"`
	Events   []json.RawMessage `json:"events"`
	End      endMessage        `json:"end"`
}

func getTrace(t *testing.T, ts *testServer, path string) (traceDoc, string) {
	t.Helper()
	resp, body := get(t, ts, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d: %s", path, resp.StatusCode, body)
	}
	var doc traceDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("%s: not JSON: %v", path, err)
	}
	return doc, body
}

// Every scenario's seeded runs, at several seeds: the schedule a run's end carries, replayed
// through the API, gives the run again byte for byte, and the replay's own end carries the
// same schedule. The replay is asked with another seed: with jitter at 0 the seed decides
// nothing but who runs next, so only a schedule that makes every choice brings the run back.
func TestASchedulesReplayThroughTheAPIGivesTheSameTrace(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) { cfg.limits.apiRate, cfg.limits.apiBurst = 1e6, 1e6 })
	choices := 0
	for _, s := range ts.app.catalog.All() {
		vals := s.Defaults()
		if s.Param("jitter") != nil {
			vals["jitter"] = 0
		}
		query := s.Query(vals)
		for seed := 1; seed <= 4; seed++ {
			path := fmt.Sprintf("/api/scenarios/%s/trace?%s&mode=seeded&processors=2&seed=", s.ID, query)
			first, body := getTrace(t, ts, fmt.Sprint(path, seed))
			if first.Schedule != "" {
				t.Errorf("%s seed %d: the trace of a run without a schedule says it followed %q", s.ID, seed, first.Schedule)
			}
			sched, err := stage.ParseSchedule(first.End.Schedule)
			if err != nil {
				t.Fatalf("%s seed %d: the end's schedule %q: %v", s.ID, seed, first.End.Schedule, err)
			}
			choices += sched.Len()
			replay, again := getTrace(t, ts, fmt.Sprint(path, seed+1000, "&schedule=", url.QueryEscape(first.End.Schedule)))
			if replay.Schedule != first.End.Schedule || replay.End.Schedule != first.End.Schedule {
				t.Errorf("%s seed %d: replaying %q followed %q and took %q", s.ID, seed, first.End.Schedule, replay.Schedule, replay.End.Schedule)
			}
			if events(t, body) != events(t, again) {
				t.Errorf("%s seed %d: the replay's events differ from the run's", s.ID, seed)
			}
		}
	}
	if choices == 0 {
		t.Fatal("no run made a choice: the test replays nothing")
	}
}

// events is the events array of a trace document, as bytes.
func events(t *testing.T, body string) string {
	t.Helper()
	var doc struct {
		Events json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	return string(doc.Events)
}

func TestAScheduleThatDoesNotFitIsA400SayingWhere(t *testing.T) {
	ts := newTestServer(t)
	// Atomic-counter with one adder has two goroutines, main and adder 0; "K" (001010) is the
	// gamma code of position 4, 00101, and a zero of padding: goroutine 5.
	const path = "/api/scenarios/atomic-counter/trace?goroutines=1&adds=1&mode=seeded&seed=1&schedule="
	resp, body := get(t, ts, path+"K")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "step 1 picks goroutine 5, but only 1 and 2 can run there") {
		t.Errorf("status %d: %s", resp.StatusCode, body)
	}
	resp, body = get(t, ts, path+"S%25Q")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "schedule must be the text of a run's schedule, but character 2") {
		t.Errorf("a schedule that is not one: status %d: %s", resp.StatusCode, body)
	}
}

// A search that runs out of time says which limit stopped it and which seeds it tried: here
// the API's deadline, after seeds 1 and 2, while seed 3's run waits for its context.
func TestASearchStoppedByTheAPIDeadlineSaysSo(t *testing.T) {
	ts := newRobustServer(t, func(c *appConfig) { c.limits.apiTimeout = 10 * time.Millisecond })
	resp, body := get(t, ts, "/api/scenarios/slow-search/search?want=nothing&tries=50")
	var res searchResult
	if err := json.Unmarshal([]byte(body), &res); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	want := searchResult{Tries: 2, Seeds: [2]uint64{1, 2}, Stopped: "api-timeout",
		Message: "no nothing in seeds 1–2: the search stopped before its 50 tries, after 10ms, the longest an API request may take (-api-timeout)"}
	if res != want {
		t.Errorf("got  %+v\nwant %+v", res, want)
	}
	if total, _ := ts.app.runSlots.running(""); total != 0 {
		t.Errorf("%d run slots still taken", total)
	}
}

// The search finds a deadlock that only some seeds make, inside a select: the seed it gives
// brings that deadlock back, which names what the select waits on.
func TestTheSearchFindsADeadlockInASelect(t *testing.T) {
	ts := newRobustServer(t, nil)
	var found searchResult
	_, body := get(t, ts, "/api/scenarios/select-deadlock/search?want=deadlock")
	if err := json.Unmarshal([]byte(body), &found); err != nil || !found.Found {
		t.Fatalf("search for a deadlock: %s", body)
	}
	trace := func(seed uint64) endMessage {
		var tr struct {
			End endMessage `json:"end"`
		}
		_, body := get(t, ts, fmt.Sprintf("/api/scenarios/select-deadlock/trace?seed=%d", seed))
		if err := json.Unmarshal([]byte(body), &tr); err != nil {
			t.Fatalf("trace of seed %d: %v: %s", seed, err, body)
		}
		return tr.End
	}
	end := trace(found.Seed)
	if end.Reason != "deadlock" || !strings.Contains(end.Message, "main: blocked in select: receiving from a, receiving from c") {
		t.Errorf("seed %d ended %s: %q, want main's select named in a deadlock", found.Seed, end.Reason, end.Message)
	}
	// The seeds before it are runs where the worker sent on a.
	for seed := uint64(1); seed < found.Seed; seed++ {
		if end := trace(seed); end.Reason != "done" {
			t.Errorf("seed %d, before the one found, ended %s: %s", seed, end.Reason, end.Message)
		}
	}
}

// A trace whose run the API's deadline stopped is a 503 saying so, not the part recorded.
func TestATraceStoppedByTheAPIDeadlineIsA503(t *testing.T) {
	ts := newRobustServer(t, func(c *appConfig) { c.limits.apiTimeout = 10 * time.Millisecond })
	resp, body := get(t, ts, "/api/scenarios/waits/trace?seed=1")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"error":"the server took too long to answer (an API request may take 10ms, -api-timeout)`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

// A seeded trace is its link's for good: a strong ETag and caching for anyone; the same
// trace asked another way has the same ETag, another trace another; If-None-Match with it is
// a 304, answered without a run.
func TestASeededTraceIsCacheable(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) {
		c.limits.apiRate, c.limits.apiBurst = 1e6, 1e6
		c.limits.maxRunsPerClient = 1
	})
	const path = "/api/scenarios/deadlock/trace?philosophers=3&seed=5&processors=2"
	resp, body := get(t, ts, path)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(etag, `"`) || len(etag) < 20 ||
		resp.Header.Get("Cache-Control") != "public, max-age=3600, immutable" {
		t.Fatalf("%d, ETag %q, Cache-Control %q", resp.StatusCode, etag, resp.Header.Get("Cache-Control"))
	}
	tagOf := func(ts *testServer, path string) string {
		t.Helper()
		resp, _ := get(t, ts, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return resp.Header.Get("ETag")
	}
	for _, same := range []string{
		"/api/scenarios/deadlock/trace?seed=5&processors=2&philosophers=3",
		path + "&mode=seeded&view=events&meals=3", // the page's link, and a default given
		path + "&format=json",
	} {
		if got := tagOf(ts, same); got != etag {
			t.Errorf("%s: ETag %s, want %s", same, got, etag)
		}
	}
	other := newTestServerWith(t, func(c *appConfig) { c.limits.maxEvents = 1000 })
	for _, tag := range []string{
		tagOf(ts, path+"&format=chrome"),
		tagOf(ts, strings.Replace(path, "seed=5", "seed=6", 1)),
		tagOf(ts, strings.Replace(path, "processors=2", "processors=3", 1)),
		tagOf(ts, path+"&schedule=SQ"),
		tagOf(other, path), // its runs are cut elsewhere
	} {
		if tag == etag {
			t.Errorf("another trace has the same ETag %s", tag)
		}
	}

	// The only run slot is taken: a trace needs a run, a revalidation does not.
	conn := ts.dial(t)
	send(t, conn, longRun)
	expectMeta(t, conn)
	if resp, _ := get(t, ts, path); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a trace while the slot is taken: %d", resp.StatusCode)
	}
	for _, ifNoneMatch := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
		resp, again := get(t, ts, path, "If-None-Match", ifNoneMatch)
		if resp.StatusCode != http.StatusNotModified || again != "" || resp.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: %d with %d bytes, ETag %q", ifNoneMatch, resp.StatusCode, len(again), resp.Header.Get("ETag"))
		}
	}
	if len(body) == 0 {
		t.Fatal("no trace")
	}
}

// A trace -max-run-time may have cut is not cached: a wall-clock limit is no part of a link.
func TestATraceCutByTheClockIsNotCached(t *testing.T) {
	ts := newRobustServer(t, func(c *appConfig) { c.limits.maxRunTime = 20 * time.Millisecond })
	resp, body := get(t, ts, "/api/scenarios/waits/trace?seed=1")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"reason":"truncated"`) {
		t.Fatalf("%d %.300s", resp.StatusCode, body)
	}
	if resp.Header.Get("ETag") != "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("ETag %q, Cache-Control %q", resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
	}
}

// The search finds a reader that read-locks twice deadlocked behind a waiting writer, and the
// trace of its seed says who waits on whom.
func TestTheSearchFindsTheReadLockTwiceDeadlock(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) { cfg.limits.apiRate, cfg.limits.apiBurst = 1e9, 1e9 })
	const query = "twice=yes&readers=1&writers=1"
	var found searchResult
	_, body := get(t, ts, "/api/scenarios/readers-writers/search?want=deadlock&"+query)
	if err := json.Unmarshal([]byte(body), &found); err != nil || !found.Found {
		t.Fatalf("search for a deadlock: %s", body)
	}
	var tr struct {
		End endMessage `json:"end"`
	}
	_, body = get(t, ts, fmt.Sprintf("/api/scenarios/readers-writers/trace?%s&seed=%d", query, found.Seed))
	if err := json.Unmarshal([]byte(body), &tr); err != nil {
		t.Fatalf("trace of seed %d: %v: %s", found.Seed, err, body)
	}
	for _, want := range []string{"reader 0: blocked in RLock on table (writer 0 waiting in Lock)", "writer 0: blocked in Lock on table (read-locked by reader 0)"} {
		if tr.End.Reason != "deadlock" || !strings.Contains(tr.End.Message, want) {
			t.Errorf("seed %d ended %s: %q, want it to say %q", found.Seed, tr.End.Reason, tr.End.Message, want)
		}
	}
}

// The search for bounded-queue's bug finds a consumer that took from an empty queue.
func TestTheSearchFindsTheEmptyQueue(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) { cfg.limits.apiRate, cfg.limits.apiBurst = 1e9, 1e9 })
	var found searchResult
	_, body := get(t, ts, "/api/scenarios/bounded-queue/search?want=panic&check=if")
	if err := json.Unmarshal([]byte(body), &found); err != nil || !found.Found {
		t.Fatalf("search for the panic: %s", body)
	}
	var tr struct {
		End endMessage `json:"end"`
	}
	_, body = get(t, ts, fmt.Sprintf("/api/scenarios/bounded-queue/trace?check=if&seed=%d", found.Seed))
	if err := json.Unmarshal([]byte(body), &tr); err != nil {
		t.Fatalf("trace of seed %d: %v: %s", found.Seed, err, body)
	}
	if tr.End.Reason != "panic" || !strings.Contains(tr.End.Message, "index out of range [0] with length 0") {
		t.Errorf("seed %d ended %s: %q, want a consumer's panic on the empty queue", found.Seed, tr.End.Reason, tr.End.Message)
	}
}

// A seeded trace's file is named by what makes the run but its params: the page names its
// downloads the same way (page/exports.js).
func TestDownloadName(t *testing.T) {
	steered, err := stage.ParseSchedule("SQ")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		set  scenarios.Settings
		want string
	}{
		{scenarios.Settings{Mode: stage.Seeded, Seed: 40, Processors: 4}, "deadlock-seed-40-4-processors"},
		{scenarios.Settings{Mode: stage.Seeded, Seed: 0, Processors: 1, Schedule: steered}, "deadlock-seed-0-1-processors-steered"},
	} {
		if got := downloadName("deadlock", tc.set); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.set, got, tc.want)
		}
	}
}
