package stage_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// A semaphore's weight in use and an errgroup's goroutines active are counter tracks; the
// waits in Acquire, Go and Wait are slices; the group's first error is an instant.
func TestChromeTraceOfASemaphoreAndAGroup(t *testing.T) {
	events, end := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 3}, func(g *stage.G) {
		sem := stage.NewWeighted(g, "sem", 3)
		grp, _ := stage.WithContext(g, stage.Background(), "group")
		grp.SetLimit(g, 1)
		for i := range 2 {
			grp.Go(g, "job", func(g *stage.G) error {
				sem.Acquire(g, stage.Background(), 2)
				g.Work(time.Millisecond)
				sem.Release(g, 2)
				if i == 0 {
					return errors.New("boom")
				}
				return nil
			})
		}
		grp.Wait(g)
	})
	if end.Reason != stage.ReasonDone {
		t.Fatalf("ended %s: %s", end.Reason, end.Message)
	}
	file := chromeFile{TraceEvents: chromeEntries(t, events)}
	counters := map[string][]float64{}
	var names []string
	for _, e := range file.TraceEvents {
		switch e.Ph {
		case "C":
			v, ok := e.Args["value"].(float64)
			if !ok {
				t.Errorf("counter %s has value %v, not a number", e.Name, e.Args["value"])
			}
			counters[e.Name] = append(counters[e.Name], v)
		case "X", "i":
			names = append(names, e.Name)
		}
	}
	if got := counters["sem in use"]; !slices.Equal(got, []float64{0, 2, 0, 2, 0}) {
		t.Errorf("sem in use %v, want 0 2 0 2 0", got)
	}
	if got := counters["group active"]; !slices.Equal(got, []float64{0, 1, 0, 1, 0}) {
		t.Errorf("group active %v, want 0 1 0 1 0", got)
	}
	for _, want := range []string{"acquire 2 of sem", "release 2 of sem", "go in group", "wait for group", "limit group: 1", "first error in group: boom"} {
		if !slices.Contains(names, want) {
			t.Errorf("no slice or instant %q in %q", want, names)
		}
	}
}
