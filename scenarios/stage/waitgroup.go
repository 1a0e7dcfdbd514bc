package stage

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
	var h halter
	if g.run.sched == nil {
		h = w
	}
	w.id = g.newObject(Event{ObjKind: ObjWaitGroup, Name: name}, "", h, pc)
	return w
}

// haltLocked wakes the goroutines in a live Wait. The zero channel is open exactly while the
// counter is above zero, and once the run is halted Add changes nothing, so it is closed only
// once.
func (w *WaitGroup) haltLocked(*Run) {
	if w.n > 0 {
		close(w.zero)
	}
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
	r.point(g)
	r.mu.Lock()
	old := w.n
	if old+delta < 0 {
		r.mu.Unlock()
		panic("sync: negative WaitGroup counter")
	}
	ok := r.appendExtraLocked(&entry{g: uint16(g.id), kind: kindWGAdd, obj: int32(w.id), text: r.texts.add(show(delta))},
		&Event{Op: op, Old: int64(old), New: int64(old + delta)}, pc)
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
	r.point(g)
	r.mu.Lock()
	zero := w.zero
	ok := r.appendLocked(&entry{g: uint16(g.id), kind: kindWaitBegin, obj: int32(w.id)}, pc)
	g.startLocked(waitingGroup, w.id)
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
	if s := r.sched; s != nil {
		if w.n > 0 {
			w.waiters = append(w.waiters, g)
			s.block(g)
		}
		g.end(&entry{kind: kindWaitEnd, obj: int32(w.id)}, pc)
		return
	}
	// Closed by the halt rather than by the counter reaching zero, recording the end unwinds.
	<-zero
	g.end(&entry{kind: kindWaitEnd, obj: int32(w.id)}, pc)
}

// Name is the name the waitgroup was made with.
func (w *WaitGroup) Name() string { return w.name }
