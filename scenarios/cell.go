package scenarios

import (
	_ "embed"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed cell.go
var cellFile string

func cellScenario() *Scenario {
	src, line := excerpt(cellFile)
	return &Scenario{
		ID:      "cell",
		Title:   "Cell: changing a value behind a shared reference",
		Summary: "Rust's Cell<T> swaps whole values in and out; nothing is ever borrowed.",
		Text: []string{
			"Rust only lets you change a value through a unique (`&mut`) reference. `Cell<T>` is the exception for small `Copy` values: `set` replaces the value and `get` hands back a copy, both through a shared reference. Because no reference to the inside ever escapes, there is nothing to borrow and nothing to check at run time.",
			"Go has no such rule to work around: any code holding a pointer may change what it points to. The stage gives Go a `Cell` type that behaves like Rust's so the timeline can show it; the cell's lane steps at every `set`, and marks every `get` with the value read.",
			"`Cell` is not `Sync`: Rust refuses at compile time to share one between threads. Turn on `share` and a second goroutine touches the cell; Go happily runs it, and the stage reports what Rust would have rejected.",
		},
		Params: []Param{
			{Name: "initial", Label: "Initial value", Min: 0, Max: 100, Step: 1, Default: 10, Help: "what Cell::new starts with"},
			{Name: "set", Label: "Set to", Min: 0, Max: 100, Step: 1, Default: 20, Help: "the value set replaces it with"},
			{Name: "updates", Label: "Increments", Min: 0, Max: 500_000, Step: 1, Default: 3, Help: "then get, add one, set — this many times"},
			{Name: "share", Label: "Share with a goroutine", Min: 0, Max: 1, Step: 1, Default: 0, Choices: []string{"no", "yes"}, Help: "let a second goroutine use the cell too"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::cell::Cell;

let data = Cell::new(10);
data.set(20);
println!("Cell value: {}", data.get());`,
		RustRun: RustRun{Prints: []string{"Cell value: 20"}},
		Counterparts: []Counterpart{
			{`stage.NewCell(`, "Cell::new(10)"},
			{`data.Set(g, p.Int("set"))`, "data.set(20)"},
			{`g.Println("Cell value:", data.Get(g))`, `println!("Cell value`},
		},
		run: cell,
	}
}

// show:begin
func cell(g *stage.G, p Values) []Stat {
	data := stage.NewCell(g, "data", p.Int("initial"))
	data.Set(g, p.Int("set"))
	g.Println("Cell value:", data.Get(g))

	for range p.Int("updates") {
		data.Set(g, data.Get(g)+1)
	}

	if p.Int("share") == 1 {
		done := stage.NewChan[bool](g, "done", 0)
		g.Go("other", func(g *stage.G) {
			data.Set(g, data.Get(g)*2)
			done.Send(g, true)
		})
		done.Recv(g)
	}
	final := data.Get(g)
	g.Println("Cell value:", final)
	return []Stat{{Label: "final value", Value: strconv.Itoa(final)}}
}

// show:end
