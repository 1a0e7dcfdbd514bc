package stage_test

import (
	"errors"
	"testing"

	"interleave/scenarios/stage"
)

// chunks grants a run room for a number of BudgetChunks and refuses the next, counting what
// it was asked.
type chunks struct {
	left  int
	asked []int // held at each ask
}

func (c *chunks) Reserve(held, n int) error {
	c.asked = append(c.asked, held)
	if n != stage.BudgetChunk {
		return errors.New("asked for an odd amount")
	}
	if c.left == 0 {
		return errors.New("no room left")
	}
	c.left--
	return nil
}

// A run asks its budget for room a chunk at a time, from its first event; a refusal ends it
// truncated with the budget's sentence, its events a whole prefix of exactly the room it got.
func TestARunTakesRoomFromItsBudgetAChunkAtATime(t *testing.T) {
	adds := func(n int) func(g *stage.G) {
		return func(g *stage.G) {
			a := stage.NewAtomicInt(g, "n", 0)
			for range n {
				a.Add(g, 1)
			}
		}
	}
	for _, tc := range []struct {
		name   string
		adds   int
		room   int // chunks
		reason stage.Reason
		events int // when truncated
		asks   int
	}{
		{name: "a small run asks once", adds: 10, room: 1, reason: stage.ReasonDone, asks: 1},
		{name: "a run within its room", adds: 3 * stage.BudgetChunk / 2, room: 2, reason: stage.ReasonDone, asks: 2},
		{name: "a run past its room", adds: 3 * stage.BudgetChunk, room: 2, reason: stage.ReasonTruncated, events: 2 * stage.BudgetChunk, asks: 3},
		{name: "no room at all", adds: 10, room: 0, reason: stage.ReasonTruncated, events: 0, asks: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			budget := &chunks{left: tc.room}
			cfg := fast
			cfg.Budget = budget
			ev, end := run(t, cfg, adds(tc.adds))
			if end.Reason != tc.reason {
				t.Fatalf("ended %s (%s), want %s", end.Reason, end.Message, tc.reason)
			}
			if tc.reason == stage.ReasonTruncated && (len(ev) != tc.events || end.Message != "no room left") {
				t.Errorf("truncated at %d events, %q; want %d, the budget's sentence", len(ev), end.Message, tc.events)
			}
			if len(budget.asked) != tc.asks {
				t.Fatalf("asked %d times (%v), want %d", len(budget.asked), budget.asked, tc.asks)
			}
			for i, held := range budget.asked {
				if held != i*stage.BudgetChunk {
					t.Errorf("ask %d came at %d events held, want %d", i, held, i*stage.BudgetChunk)
				}
			}
		})
	}
}
