package stage

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"
)

// seeded is the seeded scheduler: the run's goroutines are real goroutines, but exactly one
// holds the baton and runs at a time. Every stage operation is a scheduling point where the
// run's Strategy picks who goes next; a goroutine that cannot go on blocks and hands the
// baton on; time is virtual and jumps to the next timer when nothing can run. All of its
// state is touched only by the goroutine holding the baton, and the baton passes through
// channels, so the handoffs order every access.
//
// It records the run's schedule: the goroutine chosen at every point where more than one
// could run, which Replay follows to give the same run again.
type seeded struct {
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

	taken scheduleWriter // the schedule so far
	// selecting is the select whose ready cases the strategy is asked to choose among, while
	// it is asked (steer.go shows them to a person).
	selecting selectPoint
}

// selectPoint is a select of g choosing among its ready cases, indexes into cases.
type selectPoint struct {
	g     *G
	cases []Case
	ready []int
}

func newSeeded(r *Run, cfg Config) *seeded {
	strategy := cfg.Strategy
	if strategy == nil {
		strategy = RandomStrategy(cfg.Seed)
	}
	s := &seeded{
		run:      r,
		strategy: strategy,
		rng:      rand.New(rand.NewPCG(cfg.Seed, 0x6a6974746572)),
		procs:    cfg.Processors,
	}
	if st, ok := strategy.(*Steer); ok {
		st.run = s // it describes the options from the run's own state, and waits on its context
	}
	return s
}

// seededOf is the seeded scheduler of g's run, or nil in a live run: objects ask once, when
// they are made, to choose their model or their live form.
func seededOf(g *G) *seeded {
	s, _ := g.run.sched.(*seeded)
	return s
}

func (s *seeded) start(main *G) {
	main.wake = make(chan struct{}, 1)
	main.wake <- struct{}{} // main holds the baton first
}

func (s *seeded) spawned(child *G) {
	child.wake = make(chan struct{}, 1)
	child.next = pending{first: true}
	s.makeReady(child)
}

func (s *seeded) waitTurn(g *G) { s.wait(g) }

func (s *seeded) exited(*G) { s.handOn() }

func (s *seeded) jitter(max time.Duration) time.Duration {
	return time.Duration(s.rng.Int64N(int64(max) + 1))
}

func (s *seeded) elapsed() time.Duration { return time.Duration(s.now) }

func (s *seeded) schedule() Schedule { return s.taken.schedule() }

// wait parks g until it is handed the baton; a halted run unwinds it instead.
func (s *seeded) wait(g *G) {
	select {
	case <-g.wake:
	case <-s.run.ctx.Done():
		panic(unwind{})
	}
}

// makeReady puts g among the runnable goroutines.
func (s *seeded) makeReady(g *G) {
	s.ready = append(s.ready, g)
}

// choose removes and returns the runnable goroutine the strategy picks, noting the choice in
// the schedule when there was one to make. A strategy that cannot choose halts the run, and
// choose returns nil.
func (s *seeded) choose(current int) *G {
	s.ids = s.ids[:0]
	for _, g := range s.ready {
		s.ids = append(s.ids, g.id)
	}
	i, err := s.strategy.Next(s.ids, current)
	if err == nil && (i < 0 || i >= len(s.ready)) {
		err = fmt.Errorf("the strategy chose runnable goroutine %d of %d", i, len(s.ready))
	}
	if h, ok := err.(haltError); ok {
		s.run.halt(h.reason, h.message)
		return nil
	}
	if err != nil {
		s.run.halt(ReasonSchedule, "the schedule does not fit this run: "+err.Error())
		return nil
	}
	g := s.ready[i]
	if len(s.ready) > 1 {
		s.taken.add(g.id)
	}
	// Not slices.Delete, which clears the slot it frees: that write, with its barrier, cost
	// more than the choice. The stale pointer left past the end is to a goroutine of this
	// very run, alive as long as the run is.
	copy(s.ready[i:], s.ready[i+1:])
	s.ready = s.ready[:len(s.ready)-1]
	return g
}

// point is a scheduling point: g, running, may go on or yield to another runnable goroutine.
func (s *seeded) point(g *G) {
	s.ready = append(s.ready, g)
	next := s.choose(g.id)
	if next == nil {
		panic(unwind{})
	}
	if next != g {
		next.wake <- struct{}{}
		s.wait(g)
	}
}

// block parks g until another goroutine or a timer makes it ready; meanwhile the baton goes
// on. What g waits for is its activity (g.doing), noted when its operation began.
func (s *seeded) block(g *G) {
	s.handOn()
	s.wait(g)
}

// handOn gives the baton to the next goroutine, advancing the clock when nothing is runnable;
// with nothing runnable and no timer left, the run is deadlocked.
func (s *seeded) handOn() {
	for len(s.ready) == 0 {
		// A stopped timer's fire leaves the queue without moving the clock.
		for s.timers.Len() > 0 && s.timers[0].fire != nil && s.timers[0].fire.cancelled {
			heap.Pop(&s.timers)
		}
		if s.timers.Len() == 0 {
			s.deadlock()
			return
		}
		s.now = s.timers[0].when
		for s.timers.Len() > 0 && s.timers[0].when == s.now {
			switch t := heap.Pop(&s.timers).(timer); {
			case t.g != nil:
				s.makeReady(t.g)
			case !t.fire.cancelled:
				s.fire(t.fire)
			}
		}
	}
	if next := s.choose(0); next != nil {
		next.wake <- struct{}{}
	}
}

// span is Work or Sleep on the virtual clock. Work needs one of the run's processors for its
// whole span; Sleep needs none.
func (s *seeded) span(g *G, d time.Duration, pc uintptr, k spanKind) {
	g.next = pending{kind: k.begin, pc: pc}
	s.point(g)
	working := k == spanWork
	if working {
		s.takeProcessor(g, pc)
	}
	g.beginSpan(d, pc, k)
	if d > 0 {
		s.sleep(g, int64(d))
	}
	if working {
		s.releaseProcessor()
	}
	g.end(&entry{kind: k.end}, "", pc)
}

// fire delivers a timer's tick, which may make a goroutine waiting for it runnable.
func (s *seeded) fire(f *timedFire) {
	r := s.run
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.halted {
		return
	}
	if m, ok := f.t.ops.(*timerModel); ok && m.next == f {
		m.next = nil
	}
	f.t.fireLocked(r)
}

// sleep parks g until the virtual clock reaches now+d.
func (s *seeded) sleep(g *G, d int64) {
	s.timerSeq++
	heap.Push(&s.timers, timer{when: s.now + d, seq: s.timerSeq, g: g})
	s.block(g)
}

// takeProcessor waits until g may compute: at most procs goroutines Work at once. A wait is
// recorded as runnable-begin and runnable-end at pc, the Work call, so that the timeline
// shows the goroutine runnable, not running.
func (s *seeded) takeProcessor(g *G, pc uintptr) {
	if s.procs > 0 {
		s.procs--
		return
	}
	g.begin(&entry{kind: kindRunnableBegin}, pc, runnable)
	s.cpuQueue = append(s.cpuQueue, g)
	s.block(g)
	g.end(&entry{kind: kindRunnableEnd}, "", pc)
}

// releaseProcessor frees g's processor, handing it to the longest waiter.
func (s *seeded) releaseProcessor() {
	if len(s.cpuQueue) > 0 {
		w := s.cpuQueue[0]
		s.cpuQueue = s.cpuQueue[1:]
		s.makeReady(w)
		return
	}
	s.procs++
}

// deadlock ends the run: every goroutine left is blocked forever.
func (s *seeded) deadlock() {
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
		if m := g.waitMutex; m != nil && m.holder != nil {
			return m.holder.name
		}
		return ""
	})
}

// timer is a goroutine sleeping (or working) until when, or a timer's fire due then.
type timer struct {
	when, seq int64
	g         *G
	fire      *timedFire
}

// heapPushTimer queues t.
func heapPushTimer(q *timerQueue, t timer) { heap.Push(q, t) }

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
