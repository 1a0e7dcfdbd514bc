package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

func search(t *testing.T, ts *testServer, path string) searchResult {
	t.Helper()
	resp, body := get(t, ts, path)
	var res searchResult
	if err := json.Unmarshal([]byte(body), &res); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
	}
	return res
}

// twoStepsCatalog holds a scenario of two goroutines of two steps each — main adds and
// receives, q starts and sends — which interleave in 4!/(2!·2!) = 6 ways, and two
// challenges: q first (some interleavings), and a receive before its send (none).
func twoStepsCatalog() *scenarios.Catalog {
	s := scenarios.NewScenario(scenarios.Scenario{ID: "two-steps", Title: "Two steps"},
		func(g *stage.G, _ scenarios.Values) []scenarios.Stat {
			ch := stage.NewChan[int](g, "ch", 1)
			x := stage.NewAtomicInt(g, "x", 0)
			g.Go("q", func(g *stage.G) { ch.Send(g, 1) })
			x.Add(g, 1)
			ch.Recv(g)
			return nil
		})
	first := func(o scenarios.Outcome) stage.Kind {
		for _, e := range o.Events {
			if e.Kind == stage.KindAtomic || e.Kind == stage.KindSendBegin || e.Kind == stage.KindRecvEnd {
				return e.Kind
			}
		}
		return ""
	}
	s.Challenges = []scenarios.Challenge{
		{ID: "q-first", Title: "q first", Text: "Let q send before main adds.",
			Solved: func(o scenarios.Outcome) bool { return first(o) == stage.KindSendBegin }},
		{ID: "before-sent", Title: "Before it is sent", Text: "Let main receive before q sends.",
			Solved: func(o scenarios.Outcome) bool { return first(o) == stage.KindRecvEnd }},
	}
	return scenarios.NewCatalog(s)
}

func TestAnExhaustiveSearchWalksEveryInterleaving(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) { cfg.catalog = twoStepsCatalog() })
	none := search(t, ts, "/api/scenarios/two-steps/search?exhaustive=1&want=before-sent")
	if none.Found || !none.All || none.Tries != 6 ||
		none.Message != `explored all 6 interleavings: none is a solution to "Before it is sent", so it cannot happen with these settings` {
		t.Errorf("what cannot happen: %+v", none)
	}
	found := search(t, ts, "/api/scenarios/two-steps/search?exhaustive=1&want=q-first")
	if !found.Found || found.Tries < 2 || found.Tries > 6 || !strings.Contains(found.Link, "&schedule=") {
		t.Errorf("what can: %+v", found)
	}
}

func TestAnExhaustiveSearchOfTheCatalog(t *testing.T) {
	ts := newTestServer(t)
	const counter = "/api/scenarios/atomic-counter/search?goroutines=2&adds=1&work=0&gap=0&exhaustive=1&want=lose-update&method="
	// By load and store an interleaving loses an update, and its link brings it back.
	found := search(t, ts, counter+"load-store")
	if !found.Found || !found.Exhaustive || !strings.Contains(found.Link, "&schedule=") {
		t.Fatalf("by load and store: %+v", found)
	}
	var trace struct {
		End endMessage `json:"end"`
	}
	_, body := get(t, ts, strings.Replace(found.Link, "/play/atomic-counter?", "/api/scenarios/atomic-counter/trace?", 1))
	if err := json.Unmarshal([]byte(body), &trace); err != nil || len(trace.End.Summary) != 3 || trace.End.Summary[2].Value != "1" {
		t.Errorf("the found interleaving's run: %v %+v", err, trace.End.Summary)
	}
	// Without the ordered fix the walk soon finds the philosophers' deadlock; with it, even
	// two philosophers have more interleavings than these tries, and it says it is no proof.
	const table = "/api/scenarios/deadlock/search?philosophers=2&meals=1&think=0&eat=0&exhaustive=1&want="
	if broken := search(t, ts, table+"deadlock&fix=no"); !broken.Found {
		t.Errorf("unordered locking: %+v", broken)
	}
	if fixed := search(t, ts, table+"starve-them-all&fix=yes&tries=300"); fixed.Found || fixed.All ||
		fixed.Message != `explored 300 interleavings, none a solution to "Starve them all" — not a proof: the search stopped at its 300 tries` {
		t.Errorf("ordered locking: %+v", fixed)
	}
	for _, bad := range []struct{ path, want string }{
		{counter + "mutex&schedule=SQ", "an exhaustive search walks every schedule: leave schedule out"},
		{"/api/scenarios/atomic-counter/search?exhaustive=yes&want=lost-update", "exhaustive must be 0 or 1"},
		{"/api/scenarios/atomic-counter/search?exhaustive=1&want=lost-update&tries=50001", "tries must be 1–50000"},
		{"/api/scenarios/atomic-counter/search?want=starve", "want must be lost-update or lose-update for atomic-counter"},
	} {
		if resp, body := get(t, ts, bad.path); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, bad.want) {
			t.Errorf("%s: %d %s, want a 400 saying %s", bad.path, resp.StatusCode, body, bad.want)
		}
	}
}
