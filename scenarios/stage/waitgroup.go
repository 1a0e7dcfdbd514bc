package stage

import "strconv"

// WaitGroup kinds.
const (
	KindWGAdd     Kind = "wg-add"     // g changed waitgroup Obj's counter by Value (Op add or done), Old to New
	KindWaitBegin Kind = "wait-begin" // g waits for waitgroup Obj's counter to reach zero
	KindWaitEnd   Kind = "wait-end"
)

// ObjWaitGroup is a WaitGroup.
const ObjWaitGroup ObjKind = "waitgroup"

// WaitGroup waits for a collection of goroutines to finish, like sync.WaitGroup.
type WaitGroup struct {
	id   int
	name string
	// Guarded by the run's recorder lock: the counter, and a channel closed when it is zero.
	n    int
	zero chan struct{}
	// waiters are the goroutines blocked in Wait under the seeded scheduler.
	waiters []*G
}

// NewWaitGroup makes a waitgroup named name with its counter at zero.
//
//go:noinline
func NewWaitGroup(g *G, name string) *WaitGroup {
	pc := callerPC()
	w := &WaitGroup{name: name, zero: make(chan struct{})}
	close(w.zero)
	w.id = g.newObject(Event{ObjKind: ObjWaitGroup, Name: name}, pc)
	return w
}

// Add adds delta to the counter, as sync.WaitGroup.Add; a negative counter panics.
//
//go:noinline
func (w *WaitGroup) Add(g *G, delta int) { w.add(g, callerPC(), "add", delta) }

// Done decrements the counter, as sync.WaitGroup.Done.
//
//go:noinline
func (w *WaitGroup) Done(g *G) { w.add(g, callerPC(), "done", -1) }

func (w *WaitGroup) add(g *G, pc uintptr, op string, delta int) {
	r := g.run
	if r.sched != nil {
		r.sched.point(g)
	}
	r.mu.Lock()
	old := w.n
	if old+delta < 0 {
		r.mu.Unlock()
		panic("sync: negative WaitGroup counter")
	}
	ok := r.appendLocked(&Event{G: g.id, Kind: KindWGAdd, Obj: w.id, Op: op,
		Value: strconv.Itoa(delta), Old: int64(old), New: int64(old + delta)}, pc)
	if ok {
		w.n = old + delta
		switch {
		case old == 0 && w.n > 0:
			w.zero = make(chan struct{})
		case old > 0 && w.n == 0:
			close(w.zero)
			if s := r.sched; s != nil {
				for _, waiter := range w.waiters {
					s.makeReady(waiter)
				}
				w.waiters = nil
			}
		}
	}
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

// Wait blocks until the counter is zero, as sync.WaitGroup.Wait.
//
//go:noinline
func (w *WaitGroup) Wait(g *G) {
	pc := callerPC()
	r := g.run
	if r.sched != nil {
		r.sched.point(g)
	}
	r.mu.Lock()
	zero := w.zero
	ok := r.appendLocked(&Event{G: g.id, Kind: KindWaitBegin, Obj: w.id}, pc)
	g.doing = "waiting for " + w.name
	g.blockedLocked(w.id, "wait")
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
	if s := r.sched; s != nil {
		if w.n > 0 {
			w.waiters = append(w.waiters, g)
			s.block(g, w.id, "wait")
		}
		g.end(&Event{Kind: KindWaitEnd, Obj: w.id}, pc)
		return
	}
	select {
	case <-zero:
	default:
		select {
		case <-zero:
		case <-r.ctx.Done():
			g.stopped()
		}
	}
	g.end(&Event{Kind: KindWaitEnd, Obj: w.id}, pc)
}

// Name is the name the waitgroup was made with.
func (w *WaitGroup) Name() string { return w.name }
