package stage

import (
	"iter"
	"math/rand/v2"
	"time"
)

// Range yields the values received from the channel until it is closed and drained, as
// for v := range ch.
func (c *Chan[T]) Range(g *G) iter.Seq[T] {
	return func(yield func(T) bool) { c.rangeLoop(g, yield) }
}

// rangeLoop is Range's loop. Its events show the scenario's for statement, found once per
// loop with the symbol tables: between the scenario and this loop sits Range's closure,
// which may be inlined, or compiled without a frame pointer to follow.
func (c *Chan[T]) rangeLoop(g *G, yield func(T) bool) {
	pc := g.run.scenarioPC()
	for {
		v, ok := c.recv(g, pc)
		if !ok || !yield(v) {
			return
		}
	}
}

// Jitter returns a random duration from 0 to max, for work times that differ run to run.
func (g *G) Jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	if s := g.run.sched; s != nil {
		return time.Duration(s.rng.Int64N(int64(max) + 1))
	}
	return time.Duration(rand.Int64N(int64(max) + 1))
}

// Now is the scenario time since the run started.
func (g *G) Now() time.Duration {
	if s := g.run.sched; s != nil {
		return time.Duration(s.now)
	}
	return time.Duration(float64(time.Since(g.run.clock.start)) * g.run.speed)
}
