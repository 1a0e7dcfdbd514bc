package scenarios

import (
	_ "embed"
	"time"

	"interleave/scenarios/stage"
)

//go:embed timeout.go
var timeoutFile string

func timeoutScenario() *Scenario {
	src, line := excerpt(timeoutFile)
	return &Scenario{
		ID:      "timeout",
		Title:   "Timeout: a request raced against a timer",
		Summary: "Main waits for a result or a timeout in one select; a worker that comes too late may be left waiting forever.",
		Text: []string{
			"Main starts a worker and waits in a `select` on two channels at once: `result`, where the worker will send its answer, and the channel `time.After` returns, which receives once `timeout` has passed. Whichever is ready first wins; the timeline shades both as waited on until then.",
			"With `work` longer than `timeout`, the timer fires first and main goes on without the result, with other work, as a server goes on with other requests. The worker, when it is done, sends on `result` — and with `buffer` 0 nobody will ever receive: the send blocks forever. That goroutine has leaked. Go does not say so (when main returns, the program ends and takes it along), but in a server every timed-out request would leave one more goroutine behind; the end of the run lists the goroutines left blocked.",
			"Give `result` a buffer of 1 and the late send drops its value into the slot and returns: no leak. That is the usual fix; the other is for the worker to give up too, watching a `context` (see the cancel scenario).",
			"Rust's `recv_timeout` covers this one case (its standard library has no `select`), and its channel does not leak the worker: `mpsc::channel` is unbounded, so a send never blocks, and once the receiver is dropped a send returns an error instead of waiting.",
		},
		Params: []Param{
			{Name: "work", Label: "Work time", Min: 0, Max: 2000, Step: 10, Default: 800, Unit: "ms", Help: "how long the worker takes to find its result"},
			{Name: "timeout", Label: "Timeout", Min: 0, Max: 2000, Step: 10, Default: 500, Unit: "ms", Help: "how long main waits for it"},
			{Name: "buffer", Label: "Result buffer", Min: 0, Max: 1, Step: 1, Default: 0, Help: "capacity of result; 0 leaves a late worker blocked forever"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn main() {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(800));
        // Once the receiver is gone, send fails instead of waiting.
        let _ = tx.send("done");
    });
    match rx.recv_timeout(Duration::from_millis(500)) {
        Ok(r) => println!("got {r}"),
        Err(_) => println!("timed out"),
    }
}`,
		RustRun: RustRun{Prints: []string{"timed out"}},
		Counterparts: []Counterpart{
			{`stage.NewChan[string]`, "mpsc::channel()"},
			{`g.Go("worker"`, "thread::spawn"},
			{`g.Work(p.Duration("work"))`, "thread::sleep"},
			{`result.Send(g, "done")`, `tx.send("done")`},
			{`g.Select(`, "rx.recv_timeout"},
			{`g.Println("got", r)`, `println!("got {r}")`},
			{`g.Println("timed out")`, `println!("timed out")`},
		},
		run: timeout,
	}
}

// show:begin
func timeout(g *stage.G, p Values) []Stat {
	result := stage.NewChan[string](g, "result", p.Int("buffer"))
	g.Go("worker", func(g *stage.G) {
		g.Work(p.Duration("work"))
		result.Send(g, "done")
	})

	var r string
	outcome := "timed out"
	switch g.Select(
		result.RecvCase(&r),
		g.After("timeout", p.Duration("timeout")).RecvCase(nil),
	) {
	case 0:
		g.Println("got", r)
		outcome = "result in time"
	case 1:
		g.Println("timed out")
	}
	g.Work(time.Second) // main goes on, as a server would, with other requests
	return []Stat{{Label: "outcome", Value: outcome}}
}

// show:end

// timeoutChallenges are what timeout poses to whoever steers it.
func timeoutChallenges() []Challenge {
	return []Challenge{{
		ID: "in-time", Title: "Beat the timer",
		Text:   "Have main take the result, not the timeout. While `work` is longer than `timeout` no interleaving does it — ask, and the search tries them all — for the timer fires first on the clock, whoever runs when: what must change?",
		Solved: func(o Outcome) bool { v, _ := summaryValue(o.Summary, "outcome"); return v == "result in time" },
	}}
}
