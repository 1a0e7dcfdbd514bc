package stage

// Parking: how a goroutine blocked in an RWMutex, a Cond, a Once, a semaphore or an errgroup
// waits to be handed what it waits for by the goroutine that frees it. These primitives hand
// it on to a chosen waiter (a Cond's Signal wakes the one that has waited longest, an Unlock
// lets in the readers that were kept out, a Release serves the front of the queue), so a waiter waits on something of its own rather than on the object's: live, a
// channel of the goroutine, made the first time it parks, that the hand-off puts a token in
// and a halting run closes; seeded, the baton, which makeReady gives it in its turn. The
// waiters are queued under the recorder lock, and what they wait for is the object's state,
// kept under that lock too, which is one for both schedulers.

// waitQueue is the goroutines parked on an object, longest first.
type waitQueue []*G

func (q *waitQueue) push(g *G) { *q = append(*q, g) }

// pop removes and returns the longest waiter.
func (q *waitQueue) pop() *G { return popFront((*[]*G)(q)) }

// popFront removes and returns a queue's first. The last one out leaves the queue at the
// start of its array, so that the next wait appends without allocating: a queue mostly
// holds one waiter at a time.
func popFront[T any](q *[]*T) *T {
	first := (*q)[0]
	if len(*q) == 1 {
		(*q)[0] = nil
		*q = (*q)[:0]
		return first
	}
	*q = (*q)[1:]
	return first
}

// parkLocked notes that g is about to park; under the recorder lock, before park.
func (g *G) parkLocked() {
	if g.run.seeded == nil && g.parked == nil {
		g.parked = make(chan struct{}, 1)
	}
}

// park waits, outside the recorder lock, until another goroutine unparks g. A halted run
// unwinds it.
func (g *G) park() {
	if s := g.run.seeded; s != nil {
		s.block(g)
		return
	}
	if _, ok := <-g.parked; !ok {
		panic(unwind{})
	}
}

// unparkLocked lets g, parked or about to park, go on; under the recorder lock. It never
// blocks: g holds at most one token, as it is in at most one queue.
func (g *G) unparkLocked() {
	if s := g.run.seeded; s != nil {
		s.makeReady(g)
		return
	}
	g.parked <- struct{}{}
}

// haltLocked wakes every goroutine parked in q, in a live run that halts: they find the run
// halted and unwind. A halted run hands nothing on, so no token is sent after this.
func (q waitQueue) haltLocked() {
	for _, g := range q {
		close(g.parked)
	}
}
