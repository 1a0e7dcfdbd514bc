package stage_test

import (
	"context"
	"testing"

	"interleave/scenarios/stage"
)

// explore runs program under every schedule and returns each run's end; each gets its
// events too, if seen is given.
func explore(t *testing.T, program func(g *stage.G), seen ...func([]stage.Event)) []stage.End {
	t.Helper()
	x := stage.NewExploration()
	var ends []stage.End
	for st := x.Strategy(); st != nil; st = x.Strategy() {
		events, end := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 1, Strategy: st}, program)
		ends = append(ends, end)
		for _, f := range seen {
			f(events)
		}
		if len(ends) > 10_000 {
			t.Fatal("the walk does not end")
		}
	}
	if !x.Done() || x.Runs() != len(ends) {
		t.Fatalf("the walk ended after %d runs, done %v, counting %d", len(ends), x.Done(), x.Runs())
	}
	explored := map[stage.Schedule]bool{}
	for _, end := range ends {
		if explored[end.Schedule] {
			t.Fatalf("schedule %q was explored twice", end.Schedule)
		}
		explored[end.Schedule] = true
	}
	return ends
}

func TestExplorationCountsEveryInterleaving(t *testing.T) {
	for _, c := range []struct {
		name    string
		program func(g *stage.G)
		want    int
	}{
		{
			// main: add, receive; q: start, send. Two goroutines of two steps each, in any
			// order that keeps each one's own: 4!/(2!·2!) = 6.
			"two steps each", func(g *stage.G) {
				ch := stage.NewChan[int](g, "ch", 1)
				x := stage.NewAtomicInt(g, "x", 0)
				g.Go("q", func(g *stage.G) { ch.Send(g, 1) })
				x.Add(g, 1)
				ch.Recv(g)
			}, 6,
		},
		{
			// q takes three steps (start, add, send) beside main's two: 5!/(3!·2!) = 10.
			"three and two", func(g *stage.G) {
				ch := stage.NewChan[int](g, "ch", 1)
				x := stage.NewAtomicInt(g, "x", 0)
				g.Go("q", func(g *stage.G) {
					x.Add(g, 1)
					ch.Send(g, 1)
				})
				x.Add(g, 1)
				ch.Recv(g)
			}, 10,
		},
		{
			// main alone: one interleaving, with no choice in it.
			"one goroutine", func(g *stage.G) {
				x := stage.NewAtomicInt(g, "x", 0)
				x.Add(g, 1)
				x.Add(g, 1)
			}, 1,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			if ends := explore(t, c.program); len(ends) != c.want {
				t.Errorf("explored %d interleavings, want %d", len(ends), c.want)
			}
		})
	}
}

func TestExplorationFindsWhatCanHappenAndOnlyThat(t *testing.T) {
	counts := map[string]int{}
	ends := explore(t, twoAdders, func(events []stage.Event) {
		counts[events[len(events)-2].Value]++ // main's last print
	})
	if counts["counter 6"] == 0 || counts["counter 7"] == 0 || counts["counter 6"]+counts["counter 7"] != len(ends) {
		t.Errorf("the adders' %d interleavings printed %v: want some that lose an update and some that do not", len(ends), counts)
	}
	lost := 0
	locked := func(g *stage.G) {
		mu := stage.NewMutex(g, "mu")
		n := 5
		done := stage.NewChan[int](g, "done", 2)
		for range 2 {
			g.Go("adder", func(g *stage.G) {
				mu.Lock(g)
				v := n
				n = v + 1
				mu.Unlock(g)
				done.Send(g, 1)
			})
		}
		done.Recv(g)
		done.Recv(g)
		if n != 7 {
			lost++
		}
	}
	if ends := explore(t, locked); len(ends) < 2 || lost != 0 {
		t.Errorf("under a mutex, %d of %d interleavings lost an update", lost, len(ends))
	}
}
