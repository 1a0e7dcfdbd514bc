package stage

import (
	"math/rand/v2"
	"time"
)

// liveScheduler is a live run's scheduler: the Go runtime's. Goroutines run when the runtime
// runs them, times are wall time scaled by the speed, and a watchdog looks for a deadlock.
type liveScheduler struct{ run *Run }

// deadlockCheck is how often a live run's watchdog looks for a deadlock.
const deadlockCheck = 100 * time.Millisecond

func (l *liveScheduler) start(*G) {
	every := deadlockCheck
	if h := l.run.cfg.hooks; h != nil && h.watchEvery > 0 {
		every = h.watchEvery
	}
	go l.run.watchForDeadlock(every)
}
func (*liveScheduler) spawned(*G)         {}
func (*liveScheduler) waitTurn(*G)        {}
func (*liveScheduler) exited(*G)          {}
func (*liveScheduler) schedule() Schedule { return Schedule{} }

func (l *liveScheduler) span(g *G, d time.Duration, pc uintptr, k spanKind) {
	g.beginSpan(d, pc, k)
	timer := time.NewTimer(time.Duration(float64(d) / l.run.speed))
	select {
	case <-timer.C:
	case <-l.run.ctx.Done():
		timer.Stop()
		panic(unwind{})
	}
	g.end(&entry{kind: k.end}, "", pc)
}

func (*liveScheduler) jitter(max time.Duration) time.Duration {
	return time.Duration(rand.Int64N(int64(max) + 1))
}

func (l *liveScheduler) elapsed() time.Duration {
	return time.Duration(float64(time.Since(l.run.clock.start)) * l.run.speed)
}
