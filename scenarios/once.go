package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"interleave/scenarios/stage"
)

//go:embed once.go
var onceFile string

func onceScenario() *Scenario {
	src, line := excerpt(onceFile)
	return &Scenario{
		ID:      "once",
		Title:   "Once: lazy initialisation, raced",
		Summary: "Handlers all need a configuration that is loaded the first time one asks; sync.Once makes sure it is loaded once.",
		Text: []string{
			"Each handler needs the configuration, and the first to need it loads it, in the function it gives `once.Do`. Handlers arrive at different times (`jitter`). The first `Do` runs its function, the load; every `Do` that comes while it runs waits until the load returns — the once's lane shows the load as a bar and the others waiting under it — and every `Do` after that returns at once. Each handler then uses the configuration, certain that it is loaded: `Do` returning means the load has returned, for everyone.",
			"Without `Once`, a flag checked before loading would let two handlers that arrive together both see it unset and both load; a flag set with an atomic would let the second go on before the first has finished loading. `Once` is both: one call, and everyone waits for it.",
			"A `Do` inside the load on the same `Once` would wait for itself: Go deadlocks, and so does the stage. If the load panics, Go counts it as done, and later calls return without a configuration.",
			"Rust's `OnceLock` holds the value as well as the once: `get_or_init` returns a reference to it, so nothing can read the configuration before it is set. Go's `sync.OnceValue` (Go 1.21) is the same idea. Where Go counts a panicking initialiser as done, Rust leaves the cell empty and the next call tries again.",
		},
		Params: []Param{
			{Name: "handlers", Label: "Handlers", Min: 1, Max: 8, Step: 1, Default: 4, Help: "goroutines that need the configuration"},
			{Name: "load", Label: "Load time", Min: 0, Max: 500, Step: 10, Default: 200, Unit: "ms", Help: "how long loading the configuration takes"},
			{Name: "jitter", Label: "Arrival jitter", Min: 0, Max: 500, Step: 10, Default: 300, Unit: "ms", Help: "handlers arrive at random within this time"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::OnceLock;
use std::thread;

static CONFIG: OnceLock<String> = OnceLock::new();

fn main() {
    let handlers: Vec<_> = (0..4)
        .map(|i| {
            thread::spawn(move || {
                let config = CONFIG.get_or_init(|| {
                    println!("loading");
                    String::from("loaded")
                });
                println!("handler {i} uses {config}");
            })
        })
        .collect();
    for h in handlers {
        h.join().unwrap();
    }
}`,
		RustRun: RustRun{Prints: []string{"loading", "handler [0-3] uses loaded", "handler [0-3] uses loaded", "handler [0-3] uses loaded", "handler [0-3] uses loaded"}},
		Counterparts: []Counterpart{
			{`stage.NewOnce(`, "OnceLock::new()"},
			{`g.Go(fmt.Sprintf("handler`, "thread::spawn"},
			{`once.Do(g, func(g *stage.G) {`, "CONFIG.get_or_init"},
			{`g.Println("loading")`, `println!("loading")`},
			{`g.Println(g.Name(), "uses", config)`, `println!("handler {i} uses {config}")`},
			{`done.Wait(g)`, "h.join()"},
		},
		run: lazyConfig,
	}
}

// show:begin
func lazyConfig(g *stage.G, p Values) []Stat {
	once := stage.NewOnce(g, "config")
	config, loads := "", 0
	done := stage.NewWaitGroup(g, "done")
	for i := range p.Int("handlers") {
		done.Add(g, 1)
		g.Go(fmt.Sprintf("handler %d", i), func(g *stage.G) {
			g.Sleep(g.Jitter(p.Duration("jitter")))
			once.Do(g, func(g *stage.G) {
				g.Println("loading")
				g.Work(p.Duration("load"))
				config = "loaded"
				loads++
			})
			g.Println(g.Name(), "uses", config) // Do returned: loaded, for everyone
			done.Done(g)
		})
	}
	done.Wait(g)
	return []Stat{{Label: "loads", Value: strconv.Itoa(loads)}}
}

// show:end

// onceChallenges are what once poses to whoever steers it.
func onceChallenges() []Challenge {
	return []Challenge{{
		ID: "last-loads", Title: "The last one loads",
		Text:   "Let the last handler be the one that loads the configuration: whichever reaches `Do` first runs its function, and every other waits for it. (With `jitter` at 0 they all arrive at once.)",
		Solved: lastHandlerLoads,
	}}
}

// lastHandlerLoads says whether the handler started last ran the Once's function.
func lastHandlerLoads(o Outcome) bool {
	last := 0
	for _, e := range o.Events {
		if e.Kind == stage.KindGo && strings.HasPrefix(e.Name, "handler ") {
			last = e.Child
		}
	}
	for _, e := range o.Events {
		if e.Kind == stage.KindOnceRun {
			return last != 0 && e.G == last
		}
	}
	return false
}
