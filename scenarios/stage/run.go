package stage

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// A run's life: its settings (Config), starting it (Start), reading it while it goes (Events,
// Updated), halting it, and how it ended (End). What happens inside it is elsewhere: the way
// every operation enters it and records (record.go), its goroutines (goroutine.go), the
// scheduler it runs under (sched.go, live.go, seeded.go) and the objects (chan.go, mutex.go…).

// Mode selects the scheduler a run uses.
type Mode string

// Modes.
const (
	// Live runs scenario goroutines on the Go runtime with real channels, locks, atomics and
	// timers: honest nondeterminism.
	Live Mode = "live"
	// Seeded runs the same goroutines one at a time: every operation is a scheduling point
	// where the run's Strategy (by default a PRNG seeded from Config.Seed) picks who goes
	// next, and time is virtual. The same scenario, params and seed give the same trace, byte
	// for byte, on any machine.
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
	ReasonDeadlock  Reason = "deadlock"  // every goroutine left is blocked forever
	// ReasonSchedule ends a seeded run whose replayed schedule does not fit it: at some step
	// it picks a goroutine that cannot run there. The events are the true run up to that step,
	// and the message says where and who could have run.
	ReasonSchedule Reason = "schedule"
)

// MaxGoroutinesCap is the most goroutines Config.MaxGoroutines may allow.
const MaxGoroutinesCap = 1<<16 - 1

// Defaults for Config's zero values.
const (
	DefaultMaxEvents     = 200_000
	DefaultMaxGoroutines = 256
	DefaultMaxDuration   = 60 * time.Second
	// DefaultProcessors is a seeded run's processors when Config leaves it 0.
	DefaultProcessors = 4
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
	// Budget, when set, is room shared with other runs that this run's events must also fit
	// in (budget.go); nil: only MaxEvents bounds them.
	Budget Budget

	// Seeded runs only. Seed seeds Jitter and, when Strategy is nil, the choice of who runs
	// next (RandomStrategy(Seed)). Processors is how many goroutines may be in Work at once,
	// like GOMAXPROCS (0: DefaultProcessors). Strategy, when set, makes the choices instead:
	// RoundRobin, Replay of a Schedule, or any other; a Strategy serves one run.
	Seed       uint64
	Processors int
	Strategy   Strategy

	// hooks lets the stage's own tests step into a live run where timing would otherwise
	// decide (nil: none).
	hooks *hooks
}

// hooks are what a test may run inside a live run. Each is called with the recorder lock
// held where its doc says so.
type hooks struct {
	// receiving is called by a live receiver about to block on a channel (not under the
	// lock), and received once the runtime has handed it a value, before it records its
	// recv-end: a goroutine the machine is slow to run again.
	receiving func()
	received  func()
	// watched is called after each check of the deadlock watch, under the lock, with its
	// verdict.
	watched func(stuck bool)
	// watchEvery replaces deadlockCheck.
	watchEvery time.Duration
}

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
	// Schedule is a seeded run's schedule: the choice it took at every point where more than
	// one goroutine could run, in its text form (schedule.go). Replaying it, with the same
	// seed, gives the same trace byte for byte. Empty for live runs.
	Schedule Schedule `json:"schedule,omitempty"`
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
	// sched is the run's scheduler, live or seeded, chosen when it starts; seeded is the
	// seeded one, or nil, for the two questions every operation asks of it (is there a
	// scheduling point, what time is it), which a nil check answers faster than a call.
	sched  scheduler
	seeded *seeded
	// countsBlocked is set in live runs, whose deadlock watchdog counts blocked goroutines
	// (the seeded scheduler knows who is blocked itself).
	countsBlocked bool

	notify chan struct{} // one pending token: new events exist
	done   chan struct{}

	// mu guards everything below. Every event is appended under it, and live atomics and
	// channel closes happen under it too, which makes the recorded order their real order.
	// What every event touches comes first, to share as few cache lines as the goroutines
	// recording in turn must pass between them.
	mu        sync.Mutex
	halted    bool
	signalled bool // a token for the events since the last read is in notify
	n         int
	// room is where recording next stops to check (roomLocked): the end of the storage
	// chunk being filled, or MaxEvents; 0 once halted. chunk is that storage chunk.
	room    int
	chunk   *[entryChunk]entry
	lastT   int64
	nextMsg uint32
	// blocked counts a live run's goroutines blocked on channels, mutexes and waitgroups.
	blocked int
	// The trace (store.go): entries in chunks, the values' text, the numbers some kinds carry,
	// the fields of the few events of the rarest kinds.
	chunks    []*[entryChunk]entry
	texts     textArena
	wides     []*[wideChunk]wide
	nwides    int
	cases     []*[caseChunk]caseRec
	ncases    int
	extras    []Event
	lineCache [64]pcLine
	lines     map[uintptr]int
	nextG     int
	nextObj   int
	objNames  []string     // by object id - 1, for describeLocked
	alive     []*G         // in no order: a goroutine leaving swaps the last into its place (G.aliveAt)
	live      []liveObject // the live objects goroutines block on: woken by a halt, asked by the deadlock watch
	liveByID  []liveObject // the same by object id - 1; nil for the others (atomics, cells)
	stageDir  string       // where the stage's source files are, to tell its frames from the scenario's
	reason    Reason
	message   string
	leftover  []string
	end       End

	// limit ends the run at Config.MaxDuration of wall time, limitEnds; a steered run holds it
	// while it waits for a person (steer.go). Touched by the run's goroutines, one at a time.
	limit     *time.Timer
	limitEnds time.Time
}

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
	if cfg.Mode == Seeded && cfg.Processors <= 0 {
		cfg.Processors = DefaultProcessors
	}
	rctx, cancel := context.WithCancel(ctx)
	r := &Run{
		cfg:    cfg,
		speed:  cfg.Speed,
		ctx:    rctx,
		cancel: cancel,
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
		lines:  make(map[uintptr]int),
	}
	r.stageDir = sourceDir()
	r.clock = newLiveClock()
	if cfg.Mode == Seeded {
		r.seeded = newSeeded(r, cfg)
		r.sched = r.seeded
	} else {
		r.sched = &liveScheduler{run: r}
		r.countsBlocked = true
	}
	r.limitEnds = time.Now().Add(cfg.MaxDuration)
	r.limit = time.AfterFunc(cfg.MaxDuration, func() {
		r.halt(ReasonTruncated, fmt.Sprintf("stopped after %s, the longest a run may take", cfg.MaxDuration))
	})

	// A cancelled parent halts the run, so that even goroutines that never block stop at
	// their next operation.
	stopOnCancel := context.AfterFunc(ctx, r.Stop)

	r.mu.Lock()
	if ctx.Err() != nil {
		r.haltLocked(ReasonStopped, "stopped before the end")
	}
	r.nextG = 1
	g := &G{id: 1, name: "main", run: r}
	r.addAliveLocked(g)
	r.appendLocked(&entry{g: 0, kind: kindGo, aux: 1, text: r.texts.addString("main")}, 0)
	r.mu.Unlock()
	r.sched.start(g)
	r.spawn(g, main)

	go func() {
		r.wg.Wait()
		r.limit.Stop()
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
func (r *Run) Events(from int, dst []Event) []Event { return r.EventsN(from, math.MaxInt, dst) }

// EventsN appends at most n of the events from index from on to dst and returns it: for a
// reader that takes a long trace a piece at a time.
func (r *Run) EventsN(from, n int, dst []Event) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signalled = false
	to := r.n
	if n < to-from {
		to = from + n
	}
	if from < to {
		dst = slices.Grow(dst, to-from)
	}
	for i := from; i < to; i++ {
		dst = append(dst, r.eventLocked(i))
	}
	return dst
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
		r.halted, r.room = true, 0
		for _, o := range r.live {
			o.haltLocked(r)
		}
	}
	r.cancel()
}

// liveObject is a live object goroutines block on with a plain channel operation rather
// than a select on the run's context, which would cost every blocking operation a second
// channel and a slower path through the runtime. haltLocked wakes them through the object's
// channel; they find the run halted and unwind. stuckLocked answers the live deadlock watch
// (deadlock.go). Seeded objects are none of these: their goroutines wait for the baton in a
// select on the context (seeded.wait), and the seeded scheduler knows who is blocked.
type liveObject interface {
	haltLocked(r *Run)
	// stuckLocked reports whether none of the goroutines blocked on the object, w by what the
	// watch counted of their activities, can go on given the object's state: under the
	// recorder lock, while every goroutine of the run is blocked.
	stuckLocked(w waits) bool
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
		Schedule:   r.sched.schedule(),
	}
	r.halted, r.room = true, 0
}
