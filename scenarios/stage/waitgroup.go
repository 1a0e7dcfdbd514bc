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
	n    int // the counter, guarded by the run's recorder lock
	// ops is the waitgroup's live form or its model, chosen when it is made.
	ops waitGroupOps
}

// waitGroupOps is what a waitgroup's live form and its model each do their own way. The
// Locked methods run under the recorder lock.
type waitGroupOps interface {
	// zeroedLocked: the counter fell to zero; the waiters may go.
	zeroedLocked()
	// wait records g's wait-begin (beginWaitLocked) and waits until the counter is zero.
	wait(g *G, pc uintptr)
}

// NewWaitGroup makes a waitgroup named name with its counter at zero.
//
//go:noinline
func NewWaitGroup(g *G, name string) *WaitGroup {
	pc := callerPC()
	w := &WaitGroup{name: name}
	var h liveObject
	if s := seededOf(g); s != nil {
		w.ops = &waitGroupModel{w: w, s: s}
	} else {
		l := &liveWaitGroup{w: w, wake: make(chan struct{}, MaxGoroutinesCap)}
		w.ops, h = l, l
	}
	w.id = g.newObject(Event{ObjKind: ObjWaitGroup, Name: name}, "", h, pc)
	return w
}

// Add adds delta to the counter, as sync.WaitGroup.Add; a negative counter panics.
//
//go:noinline
func (w *WaitGroup) Add(g *G, delta int) { w.add(g, callerPC(), opAdd, delta) }

// Done decrements the counter, as sync.WaitGroup.Done.
//
//go:noinline
func (w *WaitGroup) Done(g *G) { w.add(g, callerPC(), opDone, -1) }

func (w *WaitGroup) add(g *G, pc uintptr, o op, delta int) {
	r := g.enterAs(pending{kind: kindWGAdd, op: o, obj: int32(w.id), pc: pc})
	old := w.n
	if old+delta < 0 {
		r.mu.Unlock()
		panic("sync: negative WaitGroup counter")
	}
	// Its value, the delta, is what its old and new say.
	ok := g.recordWideLocked(&entry{kind: kindWGAdd, obj: int32(w.id), op: o}, int64(old), int64(old+delta), pc)
	if ok {
		w.n = old + delta
		if old > 0 && w.n == 0 {
			w.ops.zeroedLocked()
		}
	}
	r.leave(ok)
}

// Wait blocks until the counter is zero, as sync.WaitGroup.Wait.
//
//go:noinline
func (w *WaitGroup) Wait(g *G) {
	pc := callerPC()
	w.ops.wait(g, pc)
	g.end(&entry{kind: kindWaitEnd, obj: int32(w.id)}, "", pc)
}

// beginWaitLocked records g's wait-begin.
func (w *WaitGroup) beginWaitLocked(g *G, pc uintptr) bool {
	g.startLocked(waitingGroup, w.id)
	return g.recordLocked(&entry{kind: kindWaitBegin, obj: int32(w.id)}, pc)
}

// Name is the name the waitgroup was made with.
func (w *WaitGroup) Name() string { return w.name }

// liveWaitGroup is a waitgroup in a live run. How many goroutines wait is noted under the
// recorder lock; a Wait that finds the counter above zero blocks on wake, and the Add or Done
// that brings it to zero puts a token in wake for each waiter. Tokens take no memory, so wake
// can hold one for every goroutine a run may have and is made once: an Add allocates nothing.
// A halting run closes wake.
type liveWaitGroup struct {
	w       *WaitGroup
	waiting int // guarded by the recorder lock
	wake    chan struct{}
}

func (l *liveWaitGroup) zeroedLocked() {
	for ; l.waiting > 0; l.waiting-- {
		l.wake <- struct{}{}
	}
}

// wait blocks until the Add or Done that brings the counter to zero wakes it; woken by the
// halt instead, recording the end unwinds.
func (l *liveWaitGroup) wait(g *G, pc uintptr) {
	r := g.enter()
	ok := l.w.beginWaitLocked(g, pc)
	block := ok && l.w.n > 0
	if block {
		l.waiting++
	}
	r.leave(ok)
	if block {
		<-l.wake
	}
}

// stuckLocked reports whether the goroutines blocked in Wait are stuck: the counter is above
// zero and every one of them is still counted waiting. One that is not has been woken by the
// counter reaching zero and is yet to record it.
func (l *liveWaitGroup) stuckLocked(w waits) bool { return l.w.n > 0 && w.waiters == l.waiting }

// haltLocked wakes the goroutines in Wait. Once the run is halted Add records nothing and
// changes nothing, so wake is never sent on after this.
func (l *liveWaitGroup) haltLocked(*Run) { close(l.wake) }

// waitGroupModel is a waitgroup under the seeded scheduler: the goroutines blocked in Wait.
type waitGroupModel struct {
	w       *WaitGroup
	s       *seeded
	waiters []*G
}

func (m *waitGroupModel) zeroedLocked() {
	for _, g := range m.waiters {
		m.s.makeReady(g)
	}
	m.waiters = nil
}

func (m *waitGroupModel) wait(g *G, pc uintptr) {
	r := g.enterAs(pending{kind: kindWaitBegin, obj: int32(m.w.id), pc: pc})
	r.leave(m.w.beginWaitLocked(g, pc))
	if m.w.n > 0 {
		m.waiters = append(m.waiters, g)
		m.s.block(g)
	}
}
