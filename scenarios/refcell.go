package scenarios

import (
	_ "embed"
	"fmt"

	"interleave/scenarios/stage"
)

//go:embed refcell.go
var refCellFile string

func refCellScenario() *Scenario {
	src, line := excerpt(refCellFile)
	return &Scenario{
		ID:      "refcell",
		Title:   "RefCell: borrow rules checked while the program runs",
		Summary: "Many shared borrows or one mutable borrow — enforced at run time, with a panic.",
		Text: []string{
			"`RefCell<T>` moves Rust's borrow rules from compile time to run time. `borrow()` hands out a shared borrow and `borrow_mut()` the mutable one; the cell counts them, and any number of shared borrows, or exactly one mutable borrow, may be alive at once. Asking for one that breaks the rule panics: `borrow_mut()` while anything is borrowed, with `RefCell already borrowed` (what its error, `BorrowMutError`, says; `try_borrow_mut()` returns the error instead of panicking).",
			"Go checks none of this: a slice can be read and appended to from anywhere. The stage's `RefCell` type counts borrows the way Rust does. Its lane shows how many shared borrows are out, or that the mutable one is, and what the cell holds.",
			"Main prints what each shared borrow sees, `RefCell value: [1 2 3 4]`; the Rust prints `RefCell value: [1, 2, 3, 4]` (its `{:?}` puts commas in a `Vec`). Turn on `conflict`: main keeps its shared borrows and asks for a mutable one, as the Rust does at its end. The stage records the `borrow-error` and panics with Rust's message; main recovers the panic, reports it, and the run ends cleanly, where the Rust ends with it, panicking with `RefCell already borrowed`. Turn on `share` and a second goroutine takes a borrow too, while main pushes onto the cell: Rust would not compile that (`RefCell` is not `Sync`), so the stage reports it, and runs it. Most interleavings keep the two apart; in some the other goroutine asks while main holds the mutable borrow and is refused (`RefCell already mutably borrowed`), or main asks while the other reads. Steer it to find one.",
		},
		Params: []Param{
			{Name: "readers", Label: "Shared borrows", Min: 1, Max: 4, Step: 1, Default: 2, Help: "how many shared borrows main takes at once"},
			{Name: "conflict", Label: "Borrow mutably while borrowed", Min: 0, Max: 1, Step: 1, Default: 0, Choices: []string{"no", "yes"}, Help: "ask for borrow_mut while the shared borrows are still held"},
			{Name: "share", Label: "Share with a goroutine", Min: 0, Max: 1, Step: 1, Default: 0, Choices: []string{"no", "yes"}, Help: "let a second goroutine borrow the RefCell too"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::cell::RefCell;

let data = RefCell::new(vec![1, 2, 3]);
data.borrow_mut().push(4);

let mut readers = Vec::new();
for _ in 0..2 {
    let r = data.borrow();
    println!("RefCell value: {:?}", r);
    readers.push(r);
}
// conflict: the shared borrows still live
data.borrow_mut().push(5); // panics`,
		RustRun: RustRun{
			Prints: []string{`RefCell value: \[1, 2, 3, 4\]`, `RefCell value: \[1, 2, 3, 4\]`},
			Panic:  stage.AlreadyBorrowed,
		},
		Counterparts: []Counterpart{
			{`stage.NewRefCell(`, "RefCell::new(vec![1, 2, 3])"},
			{`data.BorrowMut(g)`, "borrow_mut().push(4)"},
			{`m.Release(g)`, "borrow_mut().push(4)"},
			{`data.Borrow(g)`, "let r = data.borrow()"},
			{`g.Println("RefCell value:"`, `println!("RefCell value`},
			{`data.BorrowMut(g)`, "borrow_mut().push(5)"}, // in tryPush
		},
		run: refCell,
	}
}

// show:begin
func refCell(g *stage.G, p Values) []Stat {
	data := stage.NewRefCell(g, "data", []int{1, 2, 3})
	m := data.BorrowMut(g)
	m.Set(append(m.Get(), 4))
	m.Release(g)

	var readers []stage.Ref[[]int]
	for range p.Int("readers") {
		r := data.Borrow(g)
		g.Println("RefCell value:", r.Get())
		readers = append(readers, r)
	}
	outcome := "no conflict"
	if p.Int("conflict") == 1 {
		outcome = tryPush(g, data, 5)
	}
	for _, r := range readers {
		r.Release(g)
	}

	stats := []Stat{{Label: "borrow_mut while borrowed", Value: outcome}}
	if p.Int("share") == 1 {
		done := stage.NewChan[string](g, "done", 0)
		g.Go("other", func(g *stage.G) {
			done.Send(g, tryRead(g, data))
		})
		// Main pushes while the other goroutine may hold its borrow, or ask for one.
		mine := tryPush(g, data, 6)
		theirs, _ := done.Recv(g)
		stats = append(stats, Stat{Label: "main's borrow_mut beside the other", Value: mine},
			Stat{Label: "the other's borrow", Value: theirs})
	}
	return stats
}

// tryRead takes a shared borrow and says what it saw; if RefCell panics, it recovers and
// says why.
func tryRead(g *stage.G, data *stage.RefCell[[]int]) (outcome string) {
	defer func() {
		if err := recover(); err != nil {
			g.Println("recovered from panic:", err)
			outcome = fmt.Sprint("panicked: ", err)
		}
	}()
	r := data.Borrow(g)
	defer r.Release(g)
	g.Println("other sees", r.Get())
	return fmt.Sprint("saw ", r.Get())
}

// tryPush asks for the mutable borrow; if RefCell panics, it recovers and says why.
func tryPush(g *stage.G, data *stage.RefCell[[]int], v int) (outcome string) {
	defer func() {
		if err := recover(); err != nil {
			g.Println("recovered from panic:", err)
			outcome = fmt.Sprint("panicked: ", err)
		}
	}()
	m := data.BorrowMut(g)
	m.Set(append(m.Get(), v))
	m.Release(g)
	return "allowed"
}

// show:end

// refCellChallenges are what refcell poses to whoever steers it.
func refCellChallenges() []Challenge {
	return []Challenge{{
		ID: "borrow-while-mut", Title: "Borrow while it is borrowed mutably",
		Text:   "With `share` on, have the other goroutine ask for its shared borrow while main holds the mutable one: the cell refuses it with `RefCell already mutably borrowed`. Rust never lets it come to that — it will not compile a `RefCell` shared between threads.",
		Solved: otherRefusedWhileMut,
	}}
}

// otherRefusedWhileMut says whether the goroutine other was refused a shared borrow because
// the mutable one was out.
func otherRefusedWhileMut(o Outcome) bool {
	other := goroutineNamed(o.Events, "other")
	for _, e := range o.Events {
		if e.Kind == stage.KindBorrowError && e.G == other && other != 0 && e.Value == stage.AlreadyMutablyBorrowed {
			return true
		}
	}
	return false
}
