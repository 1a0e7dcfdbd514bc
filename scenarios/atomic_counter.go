package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed atomic_counter.go
var atomicCounterFile string

// The ways atomic-counter's goroutines update the count: the indexes of its method choices.
const (
	methodAtomic = iota
	methodMutex
	methodLoadStore
)

func atomicCounterScenario() *Scenario {
	src, line := excerpt(atomicCounterFile)
	return &Scenario{
		ID:      "atomic-counter",
		Title:   "Atomic counter: many goroutines, one number",
		Summary: "Goroutines add to one counter: atomically, under a mutex, or by load then store.",
		Text: []string{
			"Rust's `AtomicUsize::fetch_add` and Go's `atomic.Int64.Add` read a value, add to it and write it back as one indivisible step. Main starts as the Rust example does: a counter at 5, `fetch_add(10)`, then a load that sees 15. The Rust prints `AtomicUsize value: 15` and the Go `AtomicInt value: 15`: each names its own counter's type, Rust's an unsigned, pointer-sized `AtomicUsize`, the Go's the stage's `AtomicInt`, a signed 64-bit counter as `atomic.Int64` is. Then the goroutines each add one, `adds` times.",
			"With `method` atomic, however the goroutines interleave no increment is lost: watch the counter's lane, where every step starts from the value the previous one left. With `mutex` the count is a plain integer and each goroutine locks `mu` around reading and writing it; the mutex lane shows the value it guards, and only one goroutine is ever between `Lock` and `Unlock`.",
			"With `load-store` each goroutine loads the counter, thinks for `gap`, and stores what it read plus one. Each step is atomic, but the pair is not: two goroutines load the same value, both store value + 1, and one increment is lost. Go's race detector stays quiet — there is no data race, only a lost update. Compare `expected` with `final value`.",
		},
		Params: []Param{
			{Name: "goroutines", Label: "Goroutines", Min: 1, Max: 16, Step: 1, Default: 4, Help: "goroutines adding to the counter"},
			{Name: "adds", Label: "Adds each", Min: 1, Max: 5_000, Step: 1, Default: 5, Help: "how many times each goroutine adds 1"},
			{Name: "work", Label: "Work between adds", Min: 0, Max: 500, Step: 5, Default: 50, Unit: "ms", Help: "how long a goroutine works before each add"},
			{Name: "gap", Label: "Gap", Min: 0, Max: 200, Step: 5, Default: 20, Unit: "ms", Help: "mutex and load-store: time between reading the counter and writing it back",
				OnlyWhen: &OnlyWhen{Param: "method", In: []string{"mutex", "load-store"}}},
			{Name: "method", Label: "Method", Min: 0, Max: 2, Step: 1, Default: methodAtomic, Choices: []string{"atomic", "mutex", "load-store"}, Help: "how each goroutine adds 1"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::atomic::{AtomicUsize, Ordering};

let atomic = AtomicUsize::new(5);
atomic.fetch_add(10, Ordering::SeqCst);
println!("AtomicUsize value: {}", atomic.load(Ordering::SeqCst));`,
		RustRun: RustRun{Prints: []string{"AtomicUsize value: 15"}},
		Counterparts: []Counterpart{
			{`stage.NewAtomicInt(`, "AtomicUsize::new(5)"},
			{`counter.Add(g, 10)`, "fetch_add(10"},
			{`g.Println("AtomicInt value:"`, `println!("AtomicUsize value`},
		},
		Searches: []Search{{Want: "lost-update", Label: "Find a lost update", Showed: lostAnUpdate}},
		run:      atomicCounter,
	}
}

// lostUpdates labels the summary line counting the increments lost.
const lostUpdates = "lost updates"

// lostAnUpdate says whether a run lost an increment: its search's test.
func lostAnUpdate(_ stage.End, summary []Stat) bool {
	for _, st := range summary {
		if st.Label == lostUpdates {
			return st.Value != "0"
		}
	}
	return false
}

// show:begin
func atomicCounter(g *stage.G, p Values) []Stat {
	counter := stage.NewAtomicInt(g, "counter", 5)
	counter.Add(g, 10)
	g.Println("AtomicInt value:", counter.Load(g))

	method := p.Int("method")
	plain := int64(15) // the count for the mutex method, guarded by mu
	var mu *stage.Mutex
	if method == methodMutex {
		mu = stage.NewMutex(g, "mu")
		mu.Show(func() string { return strconv.FormatInt(plain, 10) })
	}

	wg := stage.NewWaitGroup(g, "adders")
	for i := range p.Int("goroutines") {
		wg.Add(g, 1)
		g.Go(fmt.Sprintf("adder %d", i), func(g *stage.G) {
			for range p.Int("adds") {
				g.Work(p.Duration("work"))
				switch method {
				case methodAtomic:
					counter.Add(g, 1)
				case methodMutex:
					mu.Lock(g)
					v := plain
					g.Work(p.Duration("gap"))
					plain = v + 1
					mu.Unlock(g)
				case methodLoadStore:
					v := counter.Load(g)
					g.Work(p.Duration("gap"))
					counter.Store(g, v+1)
				}
			}
			wg.Done(g)
		})
	}
	wg.Wait(g)

	final := counter.Load(g)
	if method == methodMutex {
		mu.Lock(g)
		final = plain
		mu.Unlock(g)
	}
	g.Println("counter =", final)
	expected := int64(15 + p.Int("goroutines")*p.Int("adds"))
	return []Stat{
		{Label: "expected", Value: strconv.FormatInt(expected, 10)},
		{Label: "final value", Value: strconv.FormatInt(final, 10)},
		{Label: lostUpdates, Value: strconv.FormatInt(expected-final, 10)},
	}
}

// show:end

// atomicCounterChallenges are what atomic-counter poses to whoever steers it. (They, like
// every scenario's, come after its code, so that its lines, which traces carry, stay put.)
func atomicCounterChallenges() []Challenge {
	return []Challenge{{
		ID: "lose-update", Title: "Lose an update",
		Text:   "Have two adders load the counter before either stores it back: both store the same value plus one, and the count ends short. With `method` load-store it can be done; can it with a mutex?",
		Solved: func(o Outcome) bool { return lostAnUpdate(o.End, o.Summary) },
	}}
}
