package stage

import "time"

// How a live run reads the time of its events. The OS clock (time.Since) costs about as much
// as everything else recording an event does, and a live run reads it for nearly every
// event. Where the CPU has an invariant time-stamp counter — one that ticks at a constant
// rate on every core, in every power state — the clock reads the counter instead (about 10 ns
// against 25 on the development machine) and turns ticks into nanoseconds with a rate it
// measures against the OS clock as the run goes:
//
//   - Every reading of the OS clock is bracketed by two counter readings, and pairs the OS
//     time with their midpoint. A pair whose counter readings lie far apart (the goroutine
//     was descheduled between them) is not trusted for anything.
//   - The rate is measured from the first pair, taken when the run starts, to the latest;
//     it is used once the pairs' uncertainty is below rateTolerance of the span between
//     them, so it only gets more exact as the run goes on.
//   - The counter extrapolates at most anchorSpan past the latest trusted pair; then the OS
//     clock is read again.
//
// Until the rate is known, and on CPUs without an invariant counter or other architectures,
// every event reads the OS clock. The recorder still clamps times to never run backwards.

const (
	// anchorSpan is the longest the counter extrapolates from one reading of the OS clock.
	anchorSpan = 200 * time.Microsecond
	// rateTolerance bounds the relative error of a trusted rate; over anchorSpan it is a few
	// nanoseconds.
	rateTolerance = 1e-4
	// maxPairGap is the most a pair's two counter readings may lie apart, in time, for the
	// pair to anchor extrapolation: its midpoint is then within half of it of the truth.
	maxPairGap = time.Microsecond
)

// liveClock is a live run's clock. It is read under the run's recorder lock.
type liveClock struct {
	start time.Time
	// counter reports that the invariant time-stamp counter is in use.
	counter bool
	// base is the counter at start, within baseGap ticks.
	base, baseGap uint64
	// anchor is the counter at anchorNS, the latest trusted pair; anchorTicks is anchorSpan
	// in ticks, 0 while no anchor may be extrapolated from.
	anchor      uint64
	anchorNS    int64
	anchorTicks uint64
	nsPerTick   float64 // 0 until measured
	// nsPerTickFixed is nsPerTick in 32.32 fixed point, set with the anchor. Extrapolating
	// with it takes an integer multiply where floats took two conversions and a multiply, all
	// waiting on the counter's reading, and within anchorTicks the product cannot overflow.
	nsPerTickFixed uint64
}

// newLiveClock starts a clock at the current instant.
func newLiveClock() liveClock {
	c := liveClock{counter: invariantTSC()}
	if !c.counter {
		c.start = time.Now()
		return c
	}
	// The tightest of a few brackets: a preemption inside one is unlikely to hit them all.
	for i := range 3 {
		before := readTSC()
		start := time.Now()
		after := readTSC()
		if gap := after - before; i == 0 || gap < c.baseGap {
			c.start, c.base, c.baseGap = start, before+gap/2, gap
		}
	}
	return c
}

// elapsed returns the wall time since start, in nanoseconds.
func (c *liveClock) elapsed() int64 {
	// A counter read on another core can be a little behind the anchor: the subtraction then
	// wraps, and the OS clock is read instead. Without a counter in use anchorTicks stays 0.
	before := readTSC()
	if d := before - c.anchor; d < c.anchorTicks {
		return c.anchorNS + int64((d*c.nsPerTickFixed)>>32)
	}
	return c.anchorAt(before)
}

// anchorAt reads the OS clock, brackets it between before and another reading of the
// counter and, when the pair is trusted, anchors extrapolation to it: elapsed's slow path.
func (c *liveClock) anchorAt(before uint64) int64 {
	if !c.counter {
		return int64(time.Since(c.start))
	}
	ns := int64(time.Since(c.start))
	after := readTSC()
	gap, mid := after-before, before+(after-before)/2
	c.anchorTicks = 0
	if mid <= c.base {
		return ns
	}
	if span := mid - c.base; float64(gap+c.baseGap) < rateTolerance*float64(span) {
		c.nsPerTick = float64(ns) / float64(span)
	}
	if c.nsPerTick > 0 && float64(gap)*c.nsPerTick < float64(maxPairGap) {
		c.anchor, c.anchorNS = mid, ns
		c.anchorTicks = uint64(float64(anchorSpan) / c.nsPerTick)
		c.nsPerTickFixed = uint64(c.nsPerTick * (1 << 32))
	}
	return ns
}
