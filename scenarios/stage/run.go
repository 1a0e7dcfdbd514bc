package stage

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Mode selects the scheduler a run uses.
type Mode string

// Modes.
const (
	// Live runs scenario goroutines on the Go runtime with real channels, locks, atomics and
	// timers: honest nondeterminism.
	Live Mode = "live"
	// Seeded runs the same goroutines one at a time: every operation is a scheduling point
	// where a PRNG seeded from Config.Seed picks who goes next, and time is virtual. The same
	// scenario, params and seed give the same trace, byte for byte, on any machine.
	Seeded Mode = "seeded"
)

// Reason says why a run ended.
type Reason string

// End reasons.
const (
	ReasonDone      Reason = "done"      // main returned
	ReasonPanic     Reason = "panic"     // a goroutine panicked
	ReasonTruncated Reason = "truncated" // a limit (events, goroutines, time) was reached
	ReasonStopped   Reason = "stopped"   // the run's context was cancelled: stop pressed, client gone
	ReasonDeadlock  Reason = "deadlock"  // every goroutine left is blocked forever (seeded runs)
)

// MaxGoroutinesCap is the most goroutines Config.MaxGoroutines may allow.
const MaxGoroutinesCap = 1<<16 - 1

// Defaults for Config's zero values.
const (
	DefaultMaxEvents     = 200_000
	DefaultMaxGoroutines = 256
	DefaultMaxDuration   = 60 * time.Second
)

// Config bounds and paces a run.
type Config struct {
	Mode Mode // "" means Live
	// Speed is scenario time per wall time: at 2, Work(100ms) waits 50ms of wall time and is
	// still recorded as 100ms. 0 means 1.
	Speed         float64
	MaxEvents     int           // recording stops here and the run ends as truncated; 0: DefaultMaxEvents
	MaxGoroutines int           // Go beyond this ends the run as truncated; 0: DefaultMaxGoroutines; at most MaxGoroutinesCap
	MaxDuration   time.Duration // wall-clock limit; 0: DefaultMaxDuration

	// Seeded runs only: the seed of the scheduler's choices, and how many goroutines may be
	// in Work at once, like GOMAXPROCS (0: DefaultProcessors).
	Seed       uint64
	Processors int
}

// deadlockCheck is how often a live run's watchdog looks for a deadlock.
const deadlockCheck = 100 * time.Millisecond

// DefaultProcessors is a seeded run's processors when Config leaves it 0.
const DefaultProcessors = 4

// End describes how a run finished.
type End struct {
	Reason  Reason `json:"reason"`
	Message string `json:"message"` // a sentence for a person
	// Duration is the scenario time of the last event, ns.
	Duration   int64 `json:"duration"`
	Events     int   `json:"events"`
	Goroutines int   `json:"goroutines"`
	Objects    int   `json:"objects"`
	// Leftover names the goroutines still alive when main returned and what each was doing:
	// Go ends the program there, and so does the stage.
	Leftover []string `json:"leftover,omitempty"`
}

// unwind is panicked by stage operations to end a goroutine when its run stops; the goroutine's
// wrapper recovers it. Scenario code never sees it unless it recovers everything.
type unwind struct{}

// Run is one execution of a scenario. Start it with Start; read its events while it runs with
// Events and Updated; wait for Done and read End.
type Run struct {
	cfg    Config
	speed  float64
	ctx    context.Context
	cancel context.CancelFunc
	clock  liveClock
	wg     sync.WaitGroup

	notify chan struct{} // one pending token: new events exist
	done   chan struct{}
	// sched is the seeded scheduler; nil in live runs. Set before the run's goroutines start.
	sched *sched

	// mu guards everything below. Every event is appended under it, and live atomics and
	// channel closes happen under it too, which makes the recorded order their real order.
	// What every event touches comes first, to share as few cache lines as the goroutines
	// recording in turn must pass between them.
	mu        sync.Mutex
	halted    bool
	signalled bool // a token for the events since the last read is in notify
	n         int
	lastT     int64
	nextMsg   uint32
	// blocked counts a live run's goroutines blocked on channels, mutexes and waitgroups.
	blocked int
	// The trace (store.go): entries in chunks, the values' text, the fields few kinds use.
	chunks    []*[entryChunk]entry
	texts     textArena
	extras    []Event
	lineCache [64]pcLine
	lines     map[uintptr]int
	nextG     int
	nextObj   int
	objNames  []string // by object id - 1, for describeLocked
	alive     map[int]*G
	halters   []halter // the live objects to wake when the run halts
	stageDir  string   // where the stage's source files are, to tell its frames from the scenario's
	reason    Reason
	message   string
	leftover  []string
	end       End
	endedWall time.Time
}

// G is a goroutine of a scenario: every stage operation takes the G doing it, so each event
// knows its lane without goroutine-ID tricks.
type G struct {
	id   int
	name string
	run  *Run
	// doing is what g is doing, on the object doingObj (activity.go). Guarded by run.mu.
	doing    activity
	doingObj int32

	// Seeded runs: the channel that hands g the baton, and the mutex g waits for, if any (for
	// the deadlock report to name its holder).
	wake      chan struct{}
	waitMutex *Mutex
}

// ID is the goroutine's number in the trace; main is 1.
func (g *G) ID() int { return g.id }

// Name is the goroutine's name in the trace.
func (g *G) Name() string { return g.name }

// Context is the run's context: done when the run is stopping.
func (g *G) Context() context.Context { return g.run.ctx }

// Start begins a run of main on a new goroutine and returns at once. Cancelling ctx stops
// the run: every scenario goroutine unwinds at its next stage operation or from the one it is
// blocked in.
func Start(ctx context.Context, cfg Config, main func(g *G)) *Run {
	if cfg.Mode == "" {
		cfg.Mode = Live
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = DefaultMaxEvents
	}
	if cfg.MaxGoroutines <= 0 {
		cfg.MaxGoroutines = DefaultMaxGoroutines
	}
	cfg.MaxGoroutines = min(cfg.MaxGoroutines, MaxGoroutinesCap)
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = DefaultMaxDuration
	}
	rctx, cancel := context.WithCancel(ctx)
	r := &Run{
		cfg:    cfg,
		speed:  cfg.Speed,
		ctx:    rctx,
		cancel: cancel,
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
		alive:  make(map[int]*G),
		lines:  make(map[uintptr]int),
	}
	r.stageDir = sourceDir()
	r.clock = newLiveClock()
	limit := time.AfterFunc(cfg.MaxDuration, func() {
		r.halt(ReasonTruncated, fmt.Sprintf("stopped after %s, the longest a run may take", cfg.MaxDuration))
	})

	// A cancelled parent halts the run, so that even goroutines that never block stop at
	// their next operation.
	stopOnCancel := context.AfterFunc(ctx, r.Stop)

	if cfg.Mode == Seeded {
		if cfg.Processors <= 0 {
			cfg.Processors = DefaultProcessors
		}
		r.cfg.Processors = cfg.Processors
		r.sched = newSched(r, cfg.Seed, cfg.Processors)
	}

	r.mu.Lock()
	if ctx.Err() != nil {
		r.haltLocked(ReasonStopped, "stopped before the end")
	}
	r.nextG = 1
	g := &G{id: 1, name: "main", run: r}
	r.alive[1] = g
	r.appendExtraLocked(&entry{g: 0, kind: kindGo}, &Event{Child: 1, Name: "main"}, 0)
	r.mu.Unlock()
	if r.sched != nil {
		g.wake = make(chan struct{}, 1)
		g.wake <- struct{}{} // main holds the baton first
	}
	r.spawn(g, main)
	if r.sched == nil {
		go r.watchForDeadlock(deadlockCheck)
	}

	go func() {
		r.wg.Wait()
		limit.Stop()
		stopOnCancel()
		r.finish(ctx)
		cancel()
		close(r.done)
	}()
	return r
}

// Record runs main to the end and returns its whole trace.
func Record(ctx context.Context, cfg Config, main func(g *G)) ([]Event, End) {
	r := Start(ctx, cfg, main)
	<-r.Done()
	return r.Events(0, nil), r.End()
}

// Done is closed when every goroutine of the run has ended.
func (r *Run) Done() <-chan struct{} { return r.done }

// Updated receives after new events were recorded. Tokens coalesce: one receive may cover
// many events, so read with Events from the last count seen.
func (r *Run) Updated() <-chan struct{} { return r.notify }

// Stop cancels the run as if its context had been cancelled.
func (r *Run) Stop() { r.halt(ReasonStopped, "stopped before the end") }

// Len is the number of events recorded so far.
func (r *Run) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signalled = false
	return r.n
}

// Events appends the events from index from on to dst and returns it.
func (r *Run) Events(from int, dst []Event) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signalled = false
	if from < r.n {
		dst = slices.Grow(dst, r.n-from)
	}
	for i := from; i < r.n; i++ {
		dst = append(dst, r.eventLocked(i))
	}
	return dst
}

// eventLocked builds the event at index i from its stored entry.
func (r *Run) eventLocked(i int) Event {
	e := &r.chunks[i/entryChunk][i%entryChunk]
	var ev Event
	if !e.kind.carriesMsg() && e.aux != 0 {
		ev = r.extras[e.aux-1]
	}
	ev.Seq = int64(i + 1)
	ev.T = e.t
	ev.G = int(e.g)
	ev.Kind = kindNames[e.kind]
	ev.Obj = int(e.obj)
	if e.kind.carriesMsg() {
		ev.Msg = int64(e.aux)
	}
	ev.Value = r.texts.string(e.text)
	ev.Line = int(e.line)
	ev.Closed = e.closed
	return ev
}

// End reports how the run finished. It is valid once Done is closed.
func (r *Run) End() End {
	<-r.done
	return r.end
}

// halt stops the run for reason; the first reason given wins.
func (r *Run) halt(reason Reason, message string) {
	r.mu.Lock()
	r.haltLocked(reason, message)
	r.mu.Unlock()
}

func (r *Run) haltLocked(reason Reason, message string) {
	if r.reason == "" {
		r.reason = reason
		r.message = message
	}
	if !r.halted {
		r.halted = true
		for _, h := range r.halters {
			h.haltLocked(r)
		}
	}
	r.cancel()
}

// halter is a live object goroutines block on with a plain channel operation rather than a
// select on the run's context, which would cost every blocking operation a second channel
// and a slower path through the runtime. haltLocked wakes them through the object's channel;
// they find the run halted and unwind. Seeded objects have no live channel and are not
// halters: their goroutines wait for the baton in a select on the context (sched.wait).
type halter interface {
	haltLocked(r *Run)
}

func (r *Run) finish(parent context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reason == "" {
		// Every goroutine ended without main returning normally: the parent context was
		// cancelled (unwinding everything), or main exited through runtime.Goexit.
		r.reason = ReasonStopped
		r.message = "stopped before the end"
		if parent.Err() == nil {
			r.reason, r.message = ReasonDone, "main ended"
		}
	}
	r.end = End{
		Reason:     r.reason,
		Message:    r.message,
		Duration:   r.lastT,
		Events:     r.n,
		Goroutines: r.nextG,
		Objects:    r.nextObj,
		Leftover:   r.leftover,
	}
	r.halted = true
}

// appendLocked records e at pc's line and reports whether the run goes on. Callers hold r.mu.
func (r *Run) appendLocked(e *entry, pc uintptr) bool {
	return r.appendExtraLocked(e, nil, pc)
}

// appendExtraLocked is appendLocked for an event of a kind with more fields than an entry
// holds: x carries them (the fields an entry has are taken from e).
func (r *Run) appendExtraLocked(e *entry, x *Event, pc uintptr) bool {
	if r.halted {
		return false
	}
	if r.n >= r.cfg.MaxEvents {
		r.haltLocked(ReasonTruncated, fmt.Sprintf("stopped at %d events, the most a run may record", r.cfg.MaxEvents))
		return false
	}
	var t int64
	if r.sched != nil {
		t = r.sched.now
	} else {
		t = int64(float64(r.clock.elapsed()) * r.speed)
	}
	if t < r.lastT {
		t = r.lastT
	}
	r.lastT = t
	e.t = t
	if pc != 0 {
		if line := r.lineLocked(pc); line <= maxLine {
			e.line = uint16(line)
		}
	}
	if x != nil {
		r.extras = append(r.extras, *x)
		e.aux = uint32(len(r.extras))
	}
	if r.n%entryChunk == 0 {
		r.chunks = append(r.chunks, new([entryChunk]entry))
	}
	r.chunks[r.n/entryChunk][r.n%entryChunk] = *e
	r.n++
	if !r.signalled {
		// One token per read: the reader clears signalled when it takes events, so a burst of
		// events costs one channel operation, not one each.
		r.signalled = true
		select {
		case r.notify <- struct{}{}:
		default:
		}
	}
	return true
}

// begin records the start of a blocking operation and notes what g is doing; end records
// its finish.
func (g *G) begin(e *entry, pc uintptr, doing activity) {
	r := g.run
	r.mu.Lock()
	e.g = uint16(g.id)
	ok := r.appendLocked(e, pc)
	g.startLocked(doing, int(e.obj))
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

func (g *G) end(e *entry, pc uintptr) {
	r := g.run
	r.mu.Lock()
	e.g = uint16(g.id)
	g.unblockedLocked()
	ok := r.appendLocked(e, pc)
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

// watchForDeadlock ends a live run in which every goroutine has been blocked on a channel,
// mutex or waitgroup, with no event recorded, for two checks in a row. Go's runtime reports
// the same state as "all goroutines are asleep - deadlock!"; here a goroutine can always be
// woken by a stop, so the stage watches for it instead.
func (r *Run) watchForDeadlock(every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	lastN, wasStuck := -1, false
	for {
		select {
		case <-tick.C:
		case <-r.ctx.Done():
			return
		}
		r.mu.Lock()
		if r.halted {
			r.mu.Unlock()
			return
		}
		stuck := len(r.alive) > 0 && r.blocked == len(r.alive) && r.n == lastN
		lastN = r.n
		if stuck && wasStuck {
			r.reportDeadlockLocked(nil)
		}
		wasStuck = stuck
		r.mu.Unlock()
	}
}

// reportDeadlockLocked records a deadlock event for every goroutine left, in the order they
// started, with what it waits on (its activity), and halts the run. holder, when given, names
// who holds the mutex a goroutine waits for.
func (r *Run) reportDeadlockLocked(holder func(g *G) string) {
	var names []string
	for id := 1; id <= r.nextG; id++ {
		g, ok := r.alive[id]
		if !ok {
			continue
		}
		what := r.describeLocked(g)
		if holder != nil {
			if h := holder(g); h != "" {
				what += " (held by " + h + ")"
			}
		}
		r.appendExtraLocked(&entry{g: uint16(g.id), kind: kindDeadlock, obj: g.doingObj, text: r.texts.addString(what)}, &Event{Op: g.doing.op()}, 0)
		names = append(names, g.name+": "+what)
	}
	r.haltLocked(ReasonDeadlock, "all goroutines are asleep - deadlock! "+strings.Join(names, "; "))
}

// lineLocked maps a return PC in scenario code to its source line, caching per run because
// symbolising costs far more than the event.
func (r *Run) lineLocked(pc uintptr) int {
	slot := &r.lineCache[(pc>>2)%uintptr(len(r.lineCache))]
	if slot.pc == pc {
		return slot.line
	}
	line, ok := r.lines[pc]
	if !ok {
		line, _ = r.scenarioLine(pc)
		r.lines[pc] = line
	}
	*slot = pcLine{pc, line}
	return line
}

// scenarioLine is the line of the innermost frame at pc that is not the stage's own code
// (the stage's inlined into the scenario, such as Range's closure, do not count), and
// whether there is one.
func (r *Run) scenarioLine(pc uintptr) (int, bool) {
	frames := runtime.CallersFrames([]uintptr{pc})
	for {
		f, more := frames.Next()
		if filepath.Dir(f.File) != r.stageDir || strings.HasSuffix(f.File, "_test.go") {
			return f.Line, true
		}
		if !more {
			return 0, false
		}
	}
}

// pcLine is an entry of the line cache in front of the lines map.
type pcLine struct {
	pc   uintptr
	line int
}

// scenarioPC finds the innermost return address of its caller's stack that is in scenario
// code. It unwinds with runtime.Callers: for the rare operation whose scenario frame is not
// at a fixed depth.
func (r *Run) scenarioPC() uintptr {
	var pcs [8]uintptr
	n := runtime.Callers(2, pcs[:])
	for _, pc := range pcs[:n] {
		if _, ok := r.scenarioLine(pc); ok {
			return pc
		}
	}
	return 0
}

// sourceDir is the directory of the stage's own source files.
func sourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// spawn runs fn as goroutine g of the run.
func (r *Run) spawn(g *G, fn func(*G)) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer g.exit()
		if r.sched != nil {
			r.sched.wait(g)
		}
		fn(g)
	}()
}

// exit records how g's function ended. A normal return of main ends the run, as in Go.
func (g *G) exit() {
	v := recover()
	r := g.run
	r.mu.Lock()
	delete(r.alive, g.id)
	switch v.(type) {
	case nil:
		r.appendLocked(&entry{g: uint16(g.id), kind: kindExit}, 0)
		if g.id == 1 && !r.halted {
			if r.ctx.Err() != nil {
				// Cancelled before the halt it causes arrived: the run was stopped.
				r.haltLocked(ReasonStopped, "stopped before the end")
				break
			}
			r.noteLeftoverLocked()
			r.haltLocked(ReasonDone, "main returned")
		}
	case unwind:
	default:
		msg := fmt.Sprint(v)
		r.appendLocked(&entry{g: uint16(g.id), kind: kindPanic, text: r.texts.addString(msg)}, 0)
		r.haltLocked(ReasonPanic, fmt.Sprintf("%s panicked: %s", g.name, msg))
	}
	passOn := v == nil && !r.halted && r.ctx.Err() == nil
	r.mu.Unlock()
	if s := r.sched; s != nil && passOn {
		// A goroutine that returned holds the baton: it passes it on. One that unwinds does
		// not hold it, and must not touch the scheduler.
		s.handOn()
	}
}

// noteLeftoverLocked lists the goroutines main leaves behind, in the order they started.
func (r *Run) noteLeftoverLocked() {
	for id := 2; id <= r.nextG; id++ {
		g, ok := r.alive[id]
		if !ok {
			continue
		}
		doing := r.describeLocked(g)
		if doing == "" {
			doing = "running"
		}
		r.leftover = append(r.leftover, fmt.Sprintf("%s (%s)", g.name, doing))
	}
}

// Go starts fn as a new goroutine named name, like the go statement.
//
//go:noinline
func (g *G) Go(name string, fn func(g *G)) {
	pc := callerPC()
	r := g.run
	r.point(g)
	r.mu.Lock()
	if r.nextG >= r.cfg.MaxGoroutines {
		// A limit of the playground, not a fault of the scenario: the run ends cut short, as
		// at the event limit.
		r.haltLocked(ReasonTruncated, fmt.Sprintf("stopped at %d goroutines, the most a run may start", r.cfg.MaxGoroutines))
		r.mu.Unlock()
		panic(unwind{})
	}
	r.nextG++
	child := &G{id: r.nextG, name: name, run: r}
	ok := r.appendExtraLocked(&entry{g: uint16(g.id), kind: kindGo}, &Event{Child: child.id, Name: name}, pc)
	if ok {
		r.alive[child.id] = child
	}
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
	if s := r.sched; s != nil {
		child.wake = make(chan struct{}, 1)
		s.makeReady(child)
	}
	r.spawn(child, fn)
}

// Work stands for d of computation: the goroutine is busy, not blocked.
//
//go:noinline
func (g *G) Work(d time.Duration) {
	g.wait(d, callerPC(), kindWorkBegin, kindWorkEnd, working)
}

// Sleep parks the goroutine for d, like time.Sleep.
//
//go:noinline
func (g *G) Sleep(d time.Duration) {
	g.wait(d, callerPC(), kindSleepBeg, kindSleepEnd, sleeping)
}

func (g *G) wait(d time.Duration, pc uintptr, begin, end kind, doing activity) {
	if d < 0 {
		d = 0
	}
	if s := g.run.sched; s != nil {
		g.waitSeeded(s, d, pc, begin, end, doing)
		return
	}
	g.beginSpan(d, pc, begin, doing)
	timer := time.NewTimer(time.Duration(float64(d) / g.run.speed))
	select {
	case <-timer.C:
	case <-g.run.ctx.Done():
		timer.Stop()
		panic(unwind{})
	}
	g.end(&entry{kind: end}, pc)
}

// beginSpan records the work-begin or sleep-begin of a span of d.
func (g *G) beginSpan(d time.Duration, pc uintptr, begin kind, doing activity) {
	r := g.run
	r.mu.Lock()
	ok := r.appendExtraLocked(&entry{g: uint16(g.id), kind: begin}, &Event{Dur: int64(d)}, pc)
	g.startLocked(doing, 0)
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

// waitSeeded is wait on the virtual clock. Work needs one of the run's processors for its
// whole span; Sleep needs none.
func (g *G) waitSeeded(s *sched, d time.Duration, pc uintptr, begin, end kind, doing activity) {
	s.point(g)
	working := begin == kindWorkBegin
	if working {
		s.takeProcessor(g, pc)
	}
	g.beginSpan(d, pc, begin, doing)
	if d > 0 {
		s.sleep(g, int64(d))
	}
	if working {
		s.releaseProcessor()
	}
	g.end(&entry{kind: end}, pc)
}

// Println records a line of output, like fmt.Println.
//
//go:noinline
func (g *G) Println(args ...any) {
	pc := callerPC()
	if s := g.run.sched; s != nil {
		s.point(g)
	}
	line := strings.TrimSuffix(fmt.Sprintln(args...), "\n")
	r := g.run
	r.mu.Lock()
	ok := r.appendLocked(&entry{g: uint16(g.id), kind: kindPrint, text: r.texts.addString(line)}, pc)
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
}

// newObject registers an object and announces it with a new event: x has its ObjKind, Name
// and Cap, value its initial contents. An object a live goroutine can block on is h, which
// the run wakes when it halts; seeded runs pass none.
func (g *G) newObject(x Event, value string, h halter, pc uintptr) int {
	r := g.run
	r.mu.Lock()
	r.nextObj++
	id := r.nextObj
	r.objNames = append(r.objNames, x.Name)
	ok := r.appendExtraLocked(&entry{g: uint16(g.id), kind: kindNew, obj: int32(id), text: r.texts.addString(value)}, &x, pc)
	if ok && h != nil {
		r.halters = append(r.halters, h)
	}
	r.mu.Unlock()
	if !ok {
		panic(unwind{})
	}
	return id
}
