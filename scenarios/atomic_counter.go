package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed atomic_counter.go
var atomicCounterFile string

func atomicCounterScenario() *Scenario {
	src, line := excerpt(atomicCounterFile)
	return &Scenario{
		ID:      "atomic-counter",
		Title:   "Atomic counter: many goroutines, one number",
		Summary: "Goroutines add to one counter with atomic read-modify-write; none is lost.",
		Text: []string{
			"Rust's `AtomicUsize::fetch_add` and Go's `atomic.Int64.Add` read a value, add to it and write it back as one indivisible step. However the goroutines interleave, no increment is lost.",
			"Watch the counter's lane: each step shows the value before and after. Every step starts from the value the previous one left, so the final count is exactly goroutines × adds.",
			"When every adder is done it sends on `done`; main waits for all of them, then loads the total.",
		},
		Params: []Param{
			{Name: "goroutines", Label: "Goroutines", Min: 1, Max: 16, Step: 1, Default: 4, Help: "goroutines adding to the counter"},
			{Name: "adds", Label: "Adds each", Min: 1, Max: 100, Step: 1, Default: 10, Help: "how many times each goroutine adds 1"},
			{Name: "work", Label: "Work between adds", Min: 0, Max: 500, Step: 5, Default: 50, Unit: "ms", Help: "how long a goroutine works before each add"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::atomic::{AtomicUsize, Ordering};

let atomic = AtomicUsize::new(5);
atomic.fetch_add(10, Ordering::SeqCst);
println!("AtomicUsize value: {}", atomic.load(Ordering::SeqCst));`,
		run: atomicCounter,
	}
}

// show:begin
func atomicCounter(g *stage.G, p Values) []Stat {
	counter := stage.NewAtomicInt(g, "counter", 0)
	done := stage.NewChan[struct{}](g, "done", 0)
	for i := range p.Int("goroutines") {
		g.Go(fmt.Sprintf("adder %d", i), func(g *stage.G) {
			for range p.Int("adds") {
				g.Work(p.Duration("work"))
				counter.Add(g, 1)
			}
			done.Send(g, struct{}{})
		})
	}

	for range p.Int("goroutines") {
		done.Recv(g)
	}
	final := counter.Load(g)
	g.Println("counter =", final)
	expected := p.Int("goroutines") * p.Int("adds")
	return []Stat{
		{Label: "expected", Value: strconv.Itoa(expected)},
		{Label: "final value", Value: strconv.FormatInt(final, 10)},
	}
}

// show:end
