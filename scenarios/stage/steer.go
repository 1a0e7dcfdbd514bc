package stage

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Steering: a seeded run with a person in the scheduler's chair. At every point where more
// than one goroutine could run, the run says who could and what each would do next (a
// Choice) and waits, costing nothing, until one is picked (Steer.Pick), the person hands the
// rest to the seed (Steer.Finish), the run is stopped, or it has waited too long.

// Choice is a decision point of a steered run: the run waits there for a pick.
type Choice struct {
	// Step is the choice's place among the run's choices, from 1: the schedule's next.
	Step int
	// Events is how many events the run recorded before it: a reader sends those first.
	Events int
	// Schedule is the choices made before it. Replayed, it brings the run back to this very
	// point; without its last choice, to the one before (how a page undoes a step).
	Schedule Schedule
	// Back, when HasBack, is the schedule of the run's choice of who goes next before this
	// one: replayed, it brings the run back there, one pick undone (a select's case the seed
	// chose between them is dropped with it, and chosen again the same way).
	Back    Schedule
	HasBack bool
	// Options are the goroutines that can run, in the order they became ready; or, at a
	// select with more than one case ready, Options is empty, Select names the goroutine in
	// it and Cases are its ready cases, in the order the select lists them.
	Options []Option
	Select  *Option
	Cases   []CaseOption
}

// CaseOption is a ready case of a select at a choice: its place among the ready cases (what
// a pick names), and what taking it does.
type CaseOption struct {
	Case int    `json:"case"`
	Dir  string `json:"dir"`           // recv or send
	Obj  int    `json:"obj,omitempty"` // its channel
	Line int    `json:"line,omitempty"`
	Text string `json:"text"` // "receive from a"
}

// Option is a goroutine that can run at a choice, and what it would do next.
type Option struct {
	G    int    `json:"g"`
	Name string `json:"name"`
	// Op is the kind of event the goroutine's next step records ("atomic", "send-begin", or
	// "recv-end" for one a sender has just woken), or "start" for one yet to run.
	Op   string `json:"op"`
	Obj  int    `json:"obj,omitempty"`  // the object it touches, if any
	Line int    `json:"line,omitempty"` // the scenario line of its operation
	Text string `json:"text"`           // the step for a person: "load counter"
}

// SteerConfig is what a steered run follows.
type SteerConfig struct {
	// Schedule is followed first, as Replay follows one; the run waits for picks past it.
	Schedule Schedule
	// Until, if above 0, cuts the schedule where the run has recorded that many events: from
	// the first choice past them the run waits for picks. A seeded run's own schedule and the
	// playhead's place in it take that run over there ("steer from here").
	Until int
	// Seed seeds the choices made once the person finishes. Its random stream is drawn at
	// every point, as Replay's is, so that the run's own schedule, replayed with the seed,
	// gives the same run again. It should be the run's Config.Seed.
	Seed uint64
	// Idle is the longest the run waits for a pick: after it the run ends stopped. 0: it
	// waits until stopped.
	Idle time.Duration
	// After is the clock Idle is measured by; nil: time.After.
	After func(time.Duration) <-chan time.Time
}

// Steer is the Strategy of a steered run (Config.Strategy); it serves one run. Choices
// gives the run's decision points as it reaches them; Pick and Finish answer them, from any
// goroutine.
type Steer struct {
	cfg     SteerConfig
	replay  *replay // the schedule, then the seed
	choices chan Choice
	picks   chan int // the option picked: its index among the choice's options or cases
	finish  chan struct{}
	once    sync.Once
	run     *seeded // the run it steers: bound when the run starts
	// decisions are, for each point of the run where more than one goroutine could run, how
	// many choices the run had made before it: where Back goes.
	decisions []int

	mu      sync.Mutex
	waiting *Choice // the choice the run waits on; nil when it does not
}

// NewSteer makes the strategy of one steered run.
func NewSteer(cfg SteerConfig) *Steer {
	if cfg.After == nil {
		cfg.After = time.After
	}
	return &Steer{
		cfg:     cfg,
		replay:  Replay(cfg.Schedule, RandomStrategy(cfg.Seed)).(*replay),
		choices: make(chan Choice, 1),
		picks:   make(chan int, 1),
		finish:  make(chan struct{}),
	}
}

// Choices receives each decision point the run waits on, once.
func (st *Steer) Choices() <-chan Choice { return st.choices }

// Pick runs goroutine g at the choice the run waits on. An error, which says who can run,
// leaves the run waiting.
func (st *Steer) Pick(g int) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch c := st.waiting; {
	case c == nil:
		return fmt.Errorf("the run is not waiting for a pick: goroutine %d was not picked", g)
	case c.Select != nil:
		return fmt.Errorf("the run waits for %s's select to take one of its %d ready cases: pick a case, not goroutine %d", c.Select.Name, len(c.Cases), g)
	}
	for i, o := range st.waiting.Options {
		if o.G == g {
			st.waiting = nil
			st.picks <- i // room for one: a choice takes one pick
			return nil
		}
	}
	return fmt.Errorf("goroutine %d cannot run here; %s; the run waits for one of them", g, canRun(st.waiting.Options))
}

// PickCase takes the i-th ready case (from 0) of the select the run waits on. An error,
// which says what can be picked, leaves the run waiting.
func (st *Steer) PickCase(i int) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch c := st.waiting; {
	case c == nil:
		return fmt.Errorf("the run is not waiting for a pick: case %d was not picked", i)
	case c.Select == nil:
		return fmt.Errorf("the run waits for a goroutine to run, not a select's case; %s", canRun(c.Options))
	case i < 0 || i >= len(c.Cases):
		return fmt.Errorf("%s's select has %d ready cases, 0 to %d: there is no case %d; the run waits for one of them", c.Select.Name, len(c.Cases), len(c.Cases)-1, i)
	}
	st.waiting = nil
	st.picks <- i
	return nil
}

// canRun says who can run at a choice: "only 2 (adder 0) and 3 (adder 1) can".
func canRun(options []Option) string {
	options = slices.SortedFunc(slices.Values(options), func(a, b Option) int { return a.G - b.G })
	parts := make([]string, len(options))
	for i, o := range options {
		parts[i] = fmt.Sprintf("%d (%s)", o.G, o.Name)
	}
	return "only " + andList(parts) + " can"
}

// Finish hands the rest of the run to the seed: the run stops waiting for picks.
func (st *Steer) Finish() { st.once.Do(func() { close(st.finish) }) }

func (st *Steer) finished() bool {
	select {
	case <-st.finish:
		return true
	default:
		return false
	}
}

// Next follows the schedule, then waits for a pick; once finished, the seed chooses.
func (st *Steer) Next(runnable []int, current int) (int, error) {
	if len(runnable) > 1 && st.run != nil {
		st.decisions = append(st.decisions, st.run.taken.len())
	}
	following := st.following()
	i, err := st.replay.Next(runnable, current) // the schedule's choice, or the seed's
	if err != nil || following || len(runnable) < 2 || st.finished() || st.run == nil {
		return i, err
	}
	return st.wait(i)
}

// Case follows the schedule, then waits for a pick of one of the select's ready cases; once
// finished, the seed chooses.
func (st *Steer) Case(n int) (int, error) {
	if st.run != nil {
		st.decisions = append(st.decisions, st.run.taken.len())
	}
	following := st.following()
	i, err := st.replay.Case(n)
	if err != nil || following || st.finished() || st.run == nil || st.run.selecting.g == nil {
		return i, err
	}
	return st.waitCase(i)
}

// following reports whether the schedule still decides, cutting it where the run reached
// cfg.Until events: replayed choices past the cut are dropped, and the replay goes on as at
// a schedule's end.
func (st *Steer) following() bool {
	p := st.replay
	if p.step >= len(p.choices) {
		return false
	}
	if st.cfg.Until > 0 && st.run != nil {
		r := st.run.run
		r.mu.Lock()
		reached := r.n >= st.cfg.Until
		r.mu.Unlock()
		if reached {
			p.choices = p.choices[:p.step]
			return false
		}
	}
	return true
}

// wait publishes the choice of who goes next the run is at and waits for a pick; seeds is the
// seed's own choice, taken if the person finishes.
func (st *Steer) wait(seeds int) (int, error) {
	s, r := st.run, st.run.run
	c := st.choice()
	c.Options = make([]Option, len(s.ready))
	r.mu.Lock()
	c.Events = r.n
	for i, g := range s.ready {
		c.Options[i] = r.optionLocked(g)
	}
	r.mu.Unlock()
	return st.await(c, seeds)
}

// waitCase publishes the choice among a select's ready cases and waits for a pick.
func (st *Steer) waitCase(seeds int) (int, error) {
	s, r := st.run, st.run.run
	sel := s.selecting
	c := st.choice()
	r.mu.Lock()
	c.Events = r.n
	o := r.optionLocked(sel.g)
	c.Select = &o
	for i, k := range sel.ready {
		cs := &sel.cases[k]
		co := CaseOption{Case: i, Dir: cs.dir.String(), Obj: int(cs.ch.objID())}
		if cs.pc != 0 {
			co.Line = r.lineLocked(cs.pc)
		}
		name := ""
		if j := co.Obj - 1; j >= 0 && j < len(r.objNames) {
			name = r.objNames[j]
		}
		co.Text = "receive from " + name
		if cs.dir == dirSend {
			co.Text = "send on " + name
		}
		c.Cases = append(c.Cases, co)
	}
	r.mu.Unlock()
	return st.await(c, seeds)
}

// choice is the choice the run is at, but for its options.
func (st *Steer) choice() Choice {
	s := st.run
	c := Choice{Step: s.taken.len() + 1, Schedule: s.taken.schedule()}
	if n := len(st.decisions); n > 1 {
		c.Back, c.HasBack = c.Schedule.Prefix(st.decisions[n-2]), true
	}
	return c
}

// await publishes c and waits for its pick, which it returns as an index into c's options or
// cases; seeds is the seed's own choice, taken if the person finishes.
func (st *Steer) await(c Choice, seeds int) (int, error) {
	r := st.run.run
	st.mu.Lock()
	st.waiting = &c
	st.mu.Unlock()
	defer func() {
		st.mu.Lock()
		st.waiting = nil
		st.mu.Unlock()
	}()
	resume := r.holdLimit()
	defer resume()
	select {
	case st.choices <- c:
	case <-r.ctx.Done():
		return 0, haltError{ReasonStopped, "stopped before the end"}
	}
	var idle <-chan time.Time
	if st.cfg.Idle > 0 {
		idle = st.cfg.After(st.cfg.Idle)
	}
	select {
	case picked := <-st.picks:
		return picked, nil
	case <-st.finish:
		return seeds, nil
	case <-r.ctx.Done():
		return 0, haltError{ReasonStopped, "stopped before the end"}
	case <-idle:
		return 0, haltError{ReasonStopped, fmt.Sprintf("stopped after waiting %s for a pick, the longest a steered run waits; its schedule brings it back to this step", st.cfg.Idle)}
	}
}

// haltError is a strategy's error that ends the run for a reason of its own rather than as
// a schedule that does not fit.
type haltError struct {
	reason  Reason
	message string
}

func (e haltError) Error() string { return e.message }

// holdLimit stops the run's wall-clock limit while it waits for a person, who is not the
// run taking long; resume starts it again with the time that was left.
func (r *Run) holdLimit() (resume func()) {
	if !r.limit.Stop() {
		return func() {} // it has fired: the run is ending
	}
	left := time.Until(r.limitEnds)
	return func() {
		r.limitEnds = time.Now().Add(left)
		r.limit.Reset(left)
	}
}

// optionLocked is g as an option of a choice: what its next step does.
func (r *Run) optionLocked(g *G) Option {
	p := g.next
	o := Option{G: g.id, Name: g.name, Obj: int(p.obj)}
	if p.pc != 0 {
		o.Line = r.lineLocked(p.pc)
	}
	name := ""
	if i := int(p.obj) - 1; i >= 0 && i < len(r.objNames) {
		name = r.objNames[i]
	}
	if g.doing != running {
		// Woken from a wait, or given a processor: its next step ends what it began.
		o.Op, o.Text = wokenStep(g.doing, name)
		return o
	}
	switch {
	case p.first:
		o.Op, o.Text = "start", "start"
	case p == pending{}:
		o.Text = "go on" // an operation that does not say what it is
	default:
		o.Op, o.Text = string(kindNames[p.kind]), stepText(p, name)
	}
	return o
}

// stepText says what an operation about to begin does, for a person.
func stepText(p pending, obj string) string {
	switch p.kind {
	case kindAtomic:
		switch p.op {
		case opAdd:
			return "add to " + obj
		case opCAS:
			return "compare-and-swap " + obj
		case opStore:
			return "store to " + obj
		}
		return opNames[p.op] + " " + obj // load, swap
	case kindWGAdd:
		if p.op == opDone {
			return "Done on " + obj
		}
		return "Add to " + obj
	case kindTimer:
		return opNames[p.op] + " " + obj // stop, reset
	case kindTryLock:
		if p.op == opRLock {
			return "try to read-lock " + obj
		}
		return "try to lock " + obj
	case kindAcquireBegin:
		if p.op == opTry {
			return "try to acquire " + obj
		}
		return "acquire " + obj
	case kindBorrowMut:
		return "borrow " + obj + " mutably"
	case kindOnceDone:
		return "finish " + obj + "'s function"
	case kindGroupLimit:
		return "set " + obj + "'s limit"
	}
	if verb := stepVerbs[p.kind]; verb != "" {
		return verb + " " + obj
	}
	if what := stepsAlone[p.kind]; what != "" {
		return what
	}
	return string(kindNames[p.kind])
}

// stepVerbs say what the step of a kind does, put before its object's name: "send on"
// results. It is never written.
var stepVerbs = [numKinds]string{
	kindSendBegin: "send on", kindRecvBegin: "receive from", kindClose: "close",
	kindLockBegin: "lock", kindUnlock: "unlock", kindWaitBegin: "wait for",
	kindCellGet: "get", kindCellSet: "set", kindBorrow: "borrow", kindRelease: "release",
	kindCancel: "cancel", kindRLockBegin: "read-lock", kindRUnlock: "read-unlock",
	kindCondWaitBegin: "wait on", kindSignal: "signal", kindBroadcast: "broadcast on",
	kindOnceRun: "Do on", kindSemRelease: "release", kindGroupGoBegin: "start a goroutine in",
	kindGroupWaitBegin: "wait for", kindGroupDone: "return to",
}

// stepsAlone say what the step of a kind that names no object does. It is never written.
var stepsAlone = [numKinds]string{
	kindGo: "start a goroutine", kindPrint: "print", kindWorkBegin: "work", kindSleepBeg: "sleep",
	kindSelectBegin: "select",
}

// wokenStep is the next step of a goroutine made ready in the middle of an operation: the
// kind of its end event, and what it does.
func wokenStep(doing activity, obj string) (op, text string) {
	switch doing {
	case sending:
		return string(KindSendEnd), "finish sending on " + obj
	case receiving:
		return string(KindRecvEnd), "finish receiving from " + obj
	case locking:
		return string(KindLockEnd), "take " + obj
	case waitingGroup:
		return string(KindWaitEnd), "finish waiting for " + obj
	case selecting:
		return string(KindSelectEnd), "finish the select"
	case working:
		return string(KindWorkEnd), "finish working"
	case sleeping:
		return string(KindSleepEnd), "wake up"
	case runnable:
		return string(KindRunnableEnd), "start working"
	case acquiring:
		return string(kindNames[kindAcquireEnd]), "finish acquiring " + obj
	case goingInGroup:
		return string(kindNames[kindGroupGoEnd]), "start its goroutine in " + obj
	case waitingForGroup:
		return string(kindNames[kindGroupWaitEnd]), "finish waiting for " + obj
	case rLocking:
		return string(kindNames[kindRLockEnd]), "take " + obj + " for reading"
	case rwLocking:
		return string(KindLockEnd), "take " + obj
	case condWaiting:
		return string(kindNames[kindCondWaitEnd]), "wake in " + obj
	case onceWaiting:
		return string(kindNames[kindOnceWaitEnd]), "finish waiting for " + obj
	}
	return "", "go on"
}
