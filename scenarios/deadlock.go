package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed deadlock.go
var deadlockFile string

func deadlockScenario() *Scenario {
	src, line := excerpt(deadlockFile)
	return &Scenario{
		ID:      "deadlock",
		Title:   "Deadlock: dining philosophers",
		Summary: "Each philosopher takes the fork on the left, then the one on the right. Sometimes they all wait forever.",
		Text: []string{
			"Philosophers sit at a round table with one fork between each pair. To eat, a philosopher takes the fork on the left, then the one on the right; after eating, puts both down and thinks again. Each fork is a mutex.",
			"If every philosopher takes the left fork before anyone takes a right one, each waits for a fork the neighbour holds: a cycle of waits, and no one can go on. Go's runtime reports this as \"all goroutines are asleep - deadlock!\" when every goroutine is blocked; the playground names who waits on which fork and who holds it.",
			"Whether it happens depends on the interleaving. In seeded mode each seed is one interleaving: some seeds deadlock, some never do, and \"Find a deadlock\" tries seeds until one does. Turn on `fix` and the last philosopher takes the forks in the other order — everyone takes the lower-numbered fork first — which breaks the cycle: no seed deadlocks.",
			"Rust has the same problem and the same cure: `Mutex` prevents data races, not deadlocks. The Rust beside it prints nothing, and when its threads deadlock it simply hangs: Rust has no check like Go's runtime's.",
		},
		Params: []Param{
			{Name: "philosophers", Label: "Philosophers", Min: 2, Max: 8, Step: 1, Default: 5, Help: "goroutines at the table, and forks"},
			{Name: "meals", Label: "Meals each", Min: 1, Max: 10_000, Step: 1, Default: 3, Help: "how many times each philosopher eats"},
			{Name: "think", Label: "Think time", Min: 0, Max: 500, Step: 10, Default: 100, Unit: "ms", Help: "how long a philosopher thinks before reaching for the forks"},
			{Name: "eat", Label: "Eat time", Min: 0, Max: 500, Step: 10, Default: 100, Unit: "ms", Help: "how long a philosopher eats, holding both forks"},
			{Name: "fix", Label: "Ordered locking", Min: 0, Max: 1, Step: 1, Default: 0, Choices: []string{"no", "yes"}, Help: "take the lower-numbered fork first"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::{Arc, Mutex};
use std::thread;

let forks: Vec<_> = (0..5).map(|_| Arc::new(Mutex::new(()))).collect();
let mut handles = Vec::new();
for i in 0..5 {
    let left = Arc::clone(&forks[i]);
    let right = Arc::clone(&forks[(i + 1) % 5]);
    handles.push(thread::spawn(move || {
        for _ in 0..3 {
            let _l = left.lock().unwrap();  // may wait forever
            let _r = right.lock().unwrap();
            // eat
        }
    }));
}
for h in handles {
    h.join().unwrap();
}`,
		RustRun: RustRun{MayHang: true}, // it prints nothing, and a deadlock hangs it
		Counterparts: []Counterpart{
			{`stage.NewMutex(`, "Mutex::new(())"},
			{`g.Go(fmt.Sprintf("philosopher`, "thread::spawn"},
			{`first.Lock(g)`, "left.lock()"},
			{`second.Lock(g)`, "right.lock()"},
			{`g.Work(p.Duration("eat"))`, "// eat"},
			{`table.Wait(g)`, "h.join()"},
		},
		Searches: []Search{{Want: "deadlock", Label: "Find a deadlock", Showed: deadlocked}},
		run:      diningPhilosophers,
	}
}

// deadlocked says whether a run ended in deadlock: its search's test.
func deadlocked(end stage.End, _ []Stat) bool { return end.Reason == stage.ReasonDeadlock }

// show:begin
func diningPhilosophers(g *stage.G, p Values) []Stat {
	n := p.Int("philosophers")
	forks := make([]*stage.Mutex, n)
	for i := range n {
		forks[i] = stage.NewMutex(g, fmt.Sprintf("fork %d", i))
	}
	table := stage.NewWaitGroup(g, "table")
	for i := range n {
		table.Add(g, 1)
		g.Go(fmt.Sprintf("philosopher %d", i), func(g *stage.G) {
			first, second := forks[i], forks[(i+1)%n]
			if p.Int("fix") == 1 && i == n-1 {
				first, second = second, first // fork 0 before fork n-1
			}
			for range p.Int("meals") {
				g.Sleep(p.Duration("think"))
				first.Lock(g)
				second.Lock(g)
				g.Work(p.Duration("eat"))
				second.Unlock(g)
				first.Unlock(g)
			}
			table.Done(g)
		})
	}
	table.Wait(g)
	return []Stat{{Label: "meals eaten", Value: strconv.Itoa(n * p.Int("meals"))}}
}

// show:end

// deadlockChallenges are what the dining philosophers pose to whoever steers them.
func deadlockChallenges() []Challenge {
	return []Challenge{{
		ID: "starve-them-all", Title: "Starve them all",
		Text:   "Have every philosopher take one fork and reach for the next, so that none of them can ever eat. With `fix` yes, can it still happen?",
		Solved: func(o Outcome) bool { return deadlocked(o.End, o.Summary) },
	}}
}
