package scenarios

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"interleave/scenarios/stage"
)

var update = flag.Bool("update", false, "rewrite the golden files of this package")

// seededGolden holds a digest of the trace of every scenario's seeded runs at a few seeds:
// a seed is a promise in every link that carries it, so the same seed must bring back the
// same interleaving, byte for byte, from one version of the stage to the next. A change to
// the stage or a scenario that breaks it fails here; rewrite the file with -update only when
// breaking old links is meant (and say so).
const seededGolden = "testdata/seeded.golden"

// goldenRuns are the runs the golden file covers: every scenario's value sets (defaults,
// each param at its ends, all at their minimum and maximum, goldenSets), at seeds 1–3 on the
// default processors and seed 1 on one processor.
func goldenRuns() []goldenRun {
	var runs []goldenRun
	for _, s := range New().All() {
		sets := goldenSets(s)
		names := make([]string, 0, len(sets))
		for name := range sets {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			for _, rs := range []struct {
				seed  uint64
				procs int
			}{{1, 4}, {2, 4}, {3, 4}, {1, 1}} {
				runs = append(runs, goldenRun{s: s, set: name, vals: sets[name], seed: rs.seed, procs: rs.procs})
			}
		}
	}
	return runs
}

// widenedFrom are the maxima of the params whose ranges were widened so that a run can reach
// about a million events, as they were before: links made then carry values up to them.
var widenedFrom = map[string]map[string]int{
	"worker-pool":     {"tasks": 60},
	"atomic-counter":  {"adds": 50},
	"bounded-queue":   {"items": 10},
	"cell":            {"updates": 10},
	"channels":        {"messages": 10},
	"deadlock":        {"meals": 5},
	"pipeline":        {"items": 50},
	"readers-writers": {"rounds": 5},
	"select-fairness": {"messages": 30},
	"ticker":          {"requests": 30},
}

// goldenSets are valueSets, and the sets as they were before ranges were widened: the file
// keeps the runs of the old maxima under their old names ("tasks=60", and "all max" with every
// widened param at its old maximum), so that the old links are held to their interleavings,
// and adds the new ones ("tasks=100000", "all max, widened"), cut at 100,000 events.
func goldenSets(s *Scenario) map[string]Values {
	sets := valueSets(s)
	before := widenedFrom[s.ID]
	if before == nil {
		return sets
	}
	allMax := maps.Clone(sets["all max"])
	sets["all max, widened"] = sets["all max"]
	for name, old := range before {
		vals := maps.Clone(sets["defaults"])
		for _, p := range s.Params {
			if p.Unit == "ms" {
				vals[p.Name] = p.Min
			}
		}
		vals[name] = old
		sets[fmt.Sprintf("%s=%d", name, old)] = vals
		allMax[name] = old
	}
	sets["all max"] = allMax
	return sets
}

type goldenRun struct {
	s     *Scenario
	set   string
	vals  Values
	seed  uint64
	procs int
}

// line is the run's line of the golden file: what it ran and a digest of its trace, end and
// summary as the trace API sends them.
func (g goldenRun) line(t *testing.T) string {
	r := g.s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: g.seed, Processors: g.procs, MaxEvents: 100_000}, g.vals)
	<-r.Done()
	events, end := r.Events(0, nil), r.End()
	for i := range events {
		// Lines move whenever a scenario's file is edited; the interleaving must not.
		events[i].Line = 0
		for j := range events[i].Cases {
			events[i].Cases[j].Line = 0
		}
	}
	// The end's fields that say how the run went; fields added to End later (the schedule)
	// are checked by their own tests.
	tail, err := json.Marshal(struct {
		Reason   stage.Reason
		Message  string
		Duration int64
		Leftover []string
		Summary  []Stat
	}{end.Reason, end.Message, end.Duration, end.Leftover, r.Summary()})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(append(stage.AppendEvents(nil, events), tail...))
	return fmt.Sprintf("%s %q seed=%d processors=%d events=%d %s %x", g.s.ID, g.set, g.seed, g.procs, len(events), end.Reason, sum[:12])
}

func TestSeededTracesMatchTheGoldenFile(t *testing.T) {
	var b bytes.Buffer
	for _, g := range goldenRuns() {
		b.WriteString(g.line(t))
		b.WriteByte('\n')
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(seededGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(seededGolden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(seededGolden)
	if err != nil {
		t.Fatalf("%v (write it with go test ./scenarios -run Golden -update)", err)
	}
	got, wantLines := strings.Split(b.String(), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(got), len(wantLines)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("line %d of %s:\n got %s\nwant %s", i+1, seededGolden, g, w)
		}
	}
}
