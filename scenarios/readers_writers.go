package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed readers_writers.go
var readersWritersFile string

func readersWritersScenario() *Scenario {
	src, line := excerpt(readersWritersFile)
	return &Scenario{
		ID:      "readers-writers",
		Title:   "Readers and writers: an RWMutex",
		Summary: "Many readers share a table under an RWMutex, writers take it alone; a reader that read-locks twice can deadlock once a writer waits.",
		Text: []string{
			"Readers look at a table and writers add rows to it, under one `sync.RWMutex`: any number of readers may hold it at once with `RLock`, a writer holds it alone with `Lock`. The table's lane shows the readers holding it side by side, and a writer holding it across the whole lane or, dashed along the top, waiting for it.",
			"A writer waiting in `Lock` keeps readers that come after it out, even while other readers still hold the lock: otherwise a steady stream of readers would starve the writer for good. When the writer is done, the readers it kept out go in together, before the next writer.",
			"That rule makes one habit dangerous. Turn on `twice`: each reader, holding its read lock, calls a helper, `rowCount`, that takes a read lock of its own. That is fine until a writer arrives between the two: it waits for the first read lock to go, and the second `RLock` waits behind the writer. Each waits for the other, for good — Go's documentation forbids recursive read locking for exactly this reason. The reader reads its lane as blocked in `RLock`, and the end names who waits on whom; in seeded mode, \"Find a deadlock\" tries seeds until a writer comes at the wrong moment.",
			"Rust's `RwLock` works alike — many `read()` guards or one `write()` — but leaves the choice between waiting readers and writers to the operating system: it may or may not let new readers in while a writer waits, and its documentation warns that a thread taking a read lock it already holds may deadlock or panic. Rust's guards release the lock when they go out of scope, so an unlock cannot be forgotten; in Go, `RUnlock` is a call like any other.",
		},
		Params: []Param{
			{Name: "readers", Label: "Readers", Min: 1, Max: 8, Step: 1, Default: 3, Help: "goroutines that read the table"},
			{Name: "writers", Label: "Writers", Min: 0, Max: 4, Step: 1, Default: 1, Help: "goroutines that add rows to it"},
			{Name: "rounds", Label: "Rounds each", Min: 1, Max: 10_000, Step: 1, Default: 3, Help: "how many times each reader reads and each writer writes"},
			{Name: "read", Label: "Read time", Min: 0, Max: 500, Step: 10, Default: 100, Unit: "ms", Help: "how long a reader holds its read lock"},
			{Name: "write", Label: "Write time", Min: 0, Max: 500, Step: 10, Default: 50, Unit: "ms", Help: "how long a writer holds the lock"},
			{Name: "twice", Label: "Read lock twice", Min: 0, Max: 1, Step: 1, Default: 0, Choices: []string{"no", "yes"}, Help: "a reader calls a helper that read-locks again while it holds its read lock"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::{Arc, RwLock};
use std::thread;

fn main() {
    let table = Arc::new(RwLock::new(0)); // its rows
    let mut handles = Vec::new();
    for _ in 0..3 {
        let table = Arc::clone(&table);
        handles.push(thread::spawn(move || {
            for _ in 0..3 {
                let rows = table.read().unwrap(); // many at once
                let _seen = *rows;
            } // the guard goes: read-unlocked
        }));
    }
    let writer = Arc::clone(&table);
    handles.push(thread::spawn(move || {
        for _ in 0..3 {
            let mut rows = writer.write().unwrap(); // alone
            *rows += 1;
        }
    }));
    for h in handles {
        h.join().unwrap();
    }
    println!("rows: {}", *table.read().unwrap());
}`,
		RustRun: RustRun{Prints: []string{"rows: 3"}},
		Counterparts: []Counterpart{
			{`stage.NewRWMutex(`, "RwLock::new(0)"},
			{`g.Go(fmt.Sprintf("reader`, "thread::spawn"},
			{`table.RLock(g)`, "table.read()"},
			{`table.RUnlock(g)`, "} // the guard goes"},
			{`g.Go(fmt.Sprintf("writer`, "thread::spawn"},
			{`table.Lock(g)`, "writer.write()"},
			{`g.Work(p.Duration("write"))`, "*rows += 1"},
			{`done.Wait(g)`, "h.join()"},
		},
		Searches: []Search{{Want: "deadlock", Label: "Find a deadlock", Showed: deadlocked}},
		run:      readersWriters,
	}
}

// show:begin
func readersWriters(g *stage.G, p Values) []Stat {
	table := stage.NewRWMutex(g, "table")
	rows := 0 // what table guards
	table.Show(func() string { return fmt.Sprintf("%d rows", rows) })
	// rowCount takes a read lock of its own: called with one held, it read-locks twice.
	rowCount := func(g *stage.G) int {
		table.RLock(g)
		n := rows
		table.RUnlock(g)
		return n
	}
	done := stage.NewWaitGroup(g, "done")
	for i := range p.Int("readers") {
		done.Add(g, 1)
		g.Go(fmt.Sprintf("reader %d", i), func(g *stage.G) {
			for range p.Int("rounds") {
				table.RLock(g)
				g.Work(p.Duration("read"))
				if p.Int("twice") == 1 {
					rowCount(g) // deadlocks if a writer began to wait meanwhile
				}
				table.RUnlock(g)
			}
			done.Done(g)
		})
	}
	for i := range p.Int("writers") {
		done.Add(g, 1)
		g.Go(fmt.Sprintf("writer %d", i), func(g *stage.G) {
			for range p.Int("rounds") {
				g.Sleep(p.Duration("write"))
				table.Lock(g)
				g.Work(p.Duration("write"))
				rows++
				table.Unlock(g)
			}
			done.Done(g)
		})
	}
	done.Wait(g)
	return []Stat{{Label: "reads", Value: strconv.Itoa(p.Int("readers") * p.Int("rounds"))}, {Label: "rows written", Value: strconv.Itoa(rows)}}
}

// show:end

// readersWritersChallenges are what readers-writers poses to whoever steers it.
func readersWritersChallenges() []Challenge {
	return []Challenge{{
		ID: "slip-past", Title: "Slip past the writer",
		Text:   "With `twice` yes a reader read-locks twice, and a writer asking for the lock between the two deadlocks them both. Finish the run anyway: every read lock taken twice, and no deadlock.",
		Solved: readTwiceAndFinished,
	}}
}

// readTwiceAndFinished says whether the run ended well though a goroutine held two read
// locks at once.
func readTwiceAndFinished(o Outcome) bool {
	if o.End.Reason != stage.ReasonDone {
		return false
	}
	held := map[int]int{}
	for _, e := range o.Events {
		switch e.Kind {
		case stage.KindRLockEnd:
			if held[e.G]++; held[e.G] == 2 {
				return true
			}
		case stage.KindRUnlock:
			held[e.G]--
		}
	}
	return false
}
