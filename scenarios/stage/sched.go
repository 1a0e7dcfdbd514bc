package stage

import (
	"container/heap"
	"math/rand/v2"
	"slices"
)

// Strategy decides, at each scheduling point of a seeded run, which runnable goroutine goes
// next. Random choice seeded from the run's seed is the default; other strategies (round-robin,
// a replayed list of choices) drop in here.
type Strategy interface {
	// Next returns an index into runnable, the ids of the goroutines ready to run in the order
	// they became ready. current is the id of the goroutine at the scheduling point when it is
	// one of them, else 0.
	Next(runnable []int, current int) int
}

// RandomStrategy picks uniformly among the runnable goroutines with a PRNG seeded from seed.
func RandomStrategy(seed uint64) Strategy {
	return randomStrategy{rand.New(rand.NewPCG(seed, 0x696e7465726c6561))}
}

type randomStrategy struct{ rng *rand.Rand }

func (s randomStrategy) Next(runnable []int, _ int) int { return s.rng.IntN(len(runnable)) }

// sched is the seeded scheduler: the run's goroutines are real goroutines, but exactly one
// holds the baton and runs at a time. Every stage operation is a scheduling point; a
// goroutine that cannot go on blocks and hands the baton on; time is virtual and jumps to
// the next timer when nothing can run. All of its state is touched only by the goroutine
// holding the baton, and the baton passes through channels, so the handoffs order every access.
type sched struct {
	run      *Run
	strategy Strategy
	rng      *rand.Rand // for Jitter: a stream of its own, so strategies do not shift it

	now      int64 // virtual ns
	ready    []*G  // runnable, in the order they became ready
	ids      []int // scratch for Strategy.Next
	timers   timerQueue
	timerSeq int64
	procs    int  // processors free for Work
	cpuQueue []*G // goroutines waiting for a processor, first come first served
}

func newSched(r *Run, seed uint64, processors int) *sched {
	return &sched{
		run:      r,
		strategy: RandomStrategy(seed),
		rng:      rand.New(rand.NewPCG(seed, 0x6a6974746572)),
		procs:    processors,
	}
}

// wait parks g until it is handed the baton; a halted run unwinds it instead.
func (s *sched) wait(g *G) {
	select {
	case <-g.wake:
	case <-s.run.ctx.Done():
		panic(unwind{})
	}
}

// makeReady puts g among the runnable goroutines.
func (s *sched) makeReady(g *G) {
	s.ready = append(s.ready, g)
}

// choose removes and returns the runnable goroutine the strategy picks.
func (s *sched) choose(current int) *G {
	s.ids = s.ids[:0]
	for _, g := range s.ready {
		s.ids = append(s.ids, g.id)
	}
	i := s.strategy.Next(s.ids, current)
	g := s.ready[i]
	s.ready = slices.Delete(s.ready, i, i+1)
	return g
}

// point is a scheduling point of a seeded run; live runs have none.
func (r *Run) point(g *G) {
	if r.sched != nil {
		r.sched.point(g)
	}
}

// point is a scheduling point: g, running, may go on or yield to another runnable goroutine.
func (s *sched) point(g *G) {
	s.ready = append(s.ready, g)
	next := s.choose(g.id)
	if next != g {
		next.wake <- struct{}{}
		s.wait(g)
	}
}

// block parks g until another goroutine or a timer makes it ready; meanwhile the baton goes
// on. What g waits for is its activity (g.doing), noted when its operation began.
func (s *sched) block(g *G) {
	s.handOn()
	s.wait(g)
}

// handOn gives the baton to the next goroutine, advancing the clock when nothing is runnable;
// with nothing runnable and no timer left, the run is deadlocked.
func (s *sched) handOn() {
	for len(s.ready) == 0 {
		if s.timers.Len() == 0 {
			s.deadlock()
			return
		}
		s.now = s.timers[0].when
		for s.timers.Len() > 0 && s.timers[0].when == s.now {
			s.makeReady(heap.Pop(&s.timers).(timer).g)
		}
	}
	s.choose(0).wake <- struct{}{}
}

// sleep parks g until the virtual clock reaches now+d.
func (s *sched) sleep(g *G, d int64) {
	s.timerSeq++
	heap.Push(&s.timers, timer{when: s.now + d, seq: s.timerSeq, g: g})
	s.block(g)
}

// takeProcessor waits until g may compute: at most procs goroutines Work at once. A wait is
// recorded as runnable-begin and runnable-end at pc, the Work call, so that the timeline
// shows the goroutine runnable, not running.
func (s *sched) takeProcessor(g *G, pc uintptr) {
	if s.procs > 0 {
		s.procs--
		return
	}
	g.begin(&entry{kind: kindRunnableBegin}, pc, runnable)
	s.cpuQueue = append(s.cpuQueue, g)
	s.block(g)
	g.end(&entry{kind: kindRunnableEnd}, pc)
}

// releaseProcessor frees g's processor, handing it to the longest waiter.
func (s *sched) releaseProcessor() {
	if len(s.cpuQueue) > 0 {
		w := s.cpuQueue[0]
		s.cpuQueue = s.cpuQueue[1:]
		s.makeReady(w)
		return
	}
	s.procs++
}

// deadlock ends the run: every goroutine left is blocked forever.
func (s *sched) deadlock() {
	r := s.run
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() != nil {
		// Goroutines woke to unwind because the run was cancelled, not because they were
		// stuck: that leaves no one runnable, but it is a stop, not a deadlock.
		r.haltLocked(ReasonStopped, "stopped before the end")
		return
	}
	r.reportDeadlockLocked(func(g *G) string {
		if m := g.waitMutex; m != nil && m.model.holder != nil {
			return m.model.holder.name
		}
		return ""
	})
}

// timer is a goroutine sleeping (or working) until when.
type timer struct {
	when, seq int64
	g         *G
}

// timerQueue orders timers by time, then by when they were set: ties wake in a fixed order.
type timerQueue []timer

func (q timerQueue) Len() int { return len(q) }
func (q timerQueue) Less(i, j int) bool {
	return q[i].when < q[j].when || q[i].when == q[j].when && q[i].seq < q[j].seq
}
func (q timerQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *timerQueue) Push(x any)   { *q = append(*q, x.(timer)) }
func (q *timerQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	*q = old[:len(old)-1]
	return t
}
