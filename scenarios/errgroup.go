package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed errgroup.go
var errgroupFile string

func errgroupScenario() *Scenario {
	src, line := excerpt(errgroupFile)
	return &Scenario{
		ID:      "errgroup",
		Title:   "errgroup: fetches that fail together",
		Summary: "Fetch several things at once with an errgroup; the first to fail cancels the others, and Wait returns its error.",
		Text: []string{
			"Main fetches `fetches` things at once, each in a goroutine of an errgroup (`golang.org/x/sync/errgroup`) made `WithContext`. Each fetch waits in a `select` for its reply or for the group's context to be cancelled, whichever comes first.",
			"Fetch number `failing` fails `after` its start. The first error a goroutine of the group returns is kept, and it cancels the group's context: the other fetches see their `select` take `ctx.Done()` and give up with the context's error, which the group drops — it has its error already. `Wait` returns when every goroutine has returned, with that first error. The group's lane shows its goroutines active, the first error, and the Waits; the context's lane the cancel, with an arrow from the goroutine that failed. Set `failing` to 0, or past the last fetch, and none fails: `Wait` returns nil, and then cancels the context itself.",
			"`SetLimit(limit)` bounds the goroutines active at once: `Go` blocks until one returns, so the later fetches start as earlier ones finish (the blocked `Go` is main's lane waiting on the group's). With a limit, a fetch not yet started when the error came starts, sees the context already done, and gives up at once.",
			"Rust has no errgroup in its standard library; `thread::scope` gives the shape — every thread spawned in the scope is joined before it returns, as `Wait` — with the first error kept under a `Mutex` and cancellation as an `AtomicBool` each fetch checks (Rust has no context). Errors are values in both languages, and neither kills a thread: a fetch stops because it looks. A scope has no limit; a semaphore would give one.",
		},
		Params: []Param{
			{Name: "fetches", Label: "Fetches", Min: 1, Max: 10, Step: 1, Default: 5, Help: "how many things are fetched"},
			{Name: "failing", Label: "Failing fetch", Min: 0, Max: 10, Step: 1, Default: 3, Help: "the fetch that fails; 0 or past the last: none"},
			{Name: "after", Label: "Fails after", Min: 0, Max: 1000, Step: 10, Default: 200, Unit: "ms", Help: "how long the failing fetch takes to fail"},
			{Name: "work", Label: "Fetch time", Min: 0, Max: 1000, Step: 10, Default: 500, Unit: "ms", Help: "how long the other fetches take"},
			{Name: "limit", Label: "Limit", Min: 0, Max: 10, Step: 1, Default: 3, Help: "how many fetches run at once; 0: no limit"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

fn main() {
    let cancelled = AtomicBool::new(false);
    let first: Mutex<Option<String>> = Mutex::new(None);
    thread::scope(|s| {
        for i in 1..=5 {
            let (cancelled, first) = (&cancelled, &first);
            s.spawn(move || {
                let result = if i == 3 {
                    thread::sleep(Duration::from_millis(200));
                    Err(format!("fetch {i}: not found"))
                } else {
                    let mut result = Ok(());
                    for _ in 0..10 {
                        // No context: a fetch gives up when it looks and sees the flag.
                        if cancelled.load(Ordering::Relaxed) {
                            result = Err(format!("fetch {i}: canceled"));
                            break;
                        }
                        thread::sleep(Duration::from_millis(50));
                    }
                    result
                };
                if let Err(e) = result {
                    let mut first = first.lock().unwrap();
                    if first.is_none() {
                        *first = Some(e);
                        cancelled.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    }); // every thread is joined here, as Wait
    match first.into_inner().unwrap() {
        Some(e) => println!("Wait returned: {e}"),
        None => println!("Wait returned: nil"),
    }
}`,
		RustRun: RustRun{Prints: []string{"Wait returned: fetch 3: not found"}},
		Counterparts: []Counterpart{
			{`stage.WithContext(`, "thread::scope"},
			{`grp.Go(g, fmt.Sprint("fetch "`, "s.spawn"},
			{`g.Sleep(p.Duration("after"))`, "thread::sleep(Duration::from_millis(200))"},
			{`ctx.Done().RecvCase(nil)`, "if cancelled.load"},
			{`err := grp.Wait(g)`, "}); // every thread is joined here"},
			{`g.Println("Wait returned:", err)`, `Some(e) => println!("Wait returned: {e}")`},
		},
		run: errgroupFetches,
	}
}

// show:begin
func errgroupFetches(g *stage.G, p Values) []Stat {
	grp, ctx := stage.WithContext(g, stage.Background(), "fetches")
	if p.Int("limit") > 0 {
		grp.SetLimit(g, p.Int("limit"))
	}
	fetched := stage.NewAtomicInt(g, "fetched", 0)
	for i := 1; i <= p.Int("fetches"); i++ {
		grp.Go(g, fmt.Sprint("fetch ", i), func(g *stage.G) error {
			if i == p.Int("failing") {
				g.Sleep(p.Duration("after"))
				return fmt.Errorf("fetch %d: not found", i)
			}
			if g.Select(
				g.After(fmt.Sprint("reply ", i), p.Duration("work")).RecvCase(nil),
				ctx.Done().RecvCase(nil),
			) == 1 {
				return fmt.Errorf("fetch %d: %w", i, ctx.Err(g))
			}
			fetched.Add(g, 1)
			return nil
		})
	}
	err := grp.Wait(g)
	g.Println("Wait returned:", err)
	returned := "nil"
	if err != nil {
		returned = err.Error()
	}
	return []Stat{
		{Label: "Wait returned", Value: returned},
		{Label: "fetched", Value: strconv.FormatInt(fetched.Load(g), 10)},
	}
}

// show:end

// errgroupChallenges are what errgroup poses to whoever steers it.
func errgroupChallenges() []Challenge {
	return []Challenge{{
		ID: "no-error", Title: "Nothing fails",
		Text:   "Have `Wait` return nil. Who runs when does not decide it: while one fetch fails, `Wait` returns the first error whatever the order. What must change?",
		Solved: func(o Outcome) bool { v, _ := summaryValue(o.Summary, "Wait returned"); return v == "nil" },
	}}
}
