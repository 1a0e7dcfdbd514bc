package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"interleave/scenarios/stage"
)

//go:embed cancel.go
var cancelFile string

// Whether cancel's workers watch their context: the indexes of its check choices.
const (
	checkNo = iota
	checkYes
)

func cancelScenario() *Scenario {
	src, line := excerpt(cancelFile)
	return &Scenario{
		ID:      "cancel",
		Title:   "Cancel: a deadline for a tree of workers",
		Summary: "Main gives a request a deadline with context.WithTimeout; its groups of workers stop when it passes — if they look.",
		Text: []string{
			"Main handles a request that must be answered within `deadline`. It makes a context with `context.WithTimeout`, and from it one context for each group of workers with `context.WithCancel`: a tree. Then it waits in a `select` for the workers' results and for the request's `Done` channel, which is closed once the deadline passes.",
			"Cancelling a context cancels every context made from it. When the deadline passes the runtime cancels `request` — no goroutine does, so those events are on no goroutine's lane — and with it each group, one cancel after another down the tree, each closing its `Done`; `Err` then says why: `context deadline exceeded`. If every result comes in first, main's own `cancel` does the same with `context canceled`. Call it either way: it stops the timer and lets go of the tree.",
			"A context stops nothing by itself. A goroutine cannot be stopped from outside, in Go or in Rust; it has to look. With `check` at yes each worker does its work in four pieces and, between two, looks at its group's `Done` in a `select` with a `default`; it offers its result in a `select` that watches `Done` too, so it never waits for a main that has given up. After the deadline every worker returns within a piece of work, and main waits for them with `wg.Wait`: nothing is left behind.",
			"Set `check` to no: the workers do all their work, then send, whatever happened meanwhile. Those still busy at the deadline go on to the end of their work, then block forever sending on `results`, which nobody receives any more. Main cannot wait for them (`Wait` would never return), so it goes on with other work, as a server goes on with other requests, and the end of the run lists them as left behind: leaked, a few more with every request that times out. Each worker takes `work` and up to `jitter` more: with `deadline` above the two together all finish in time, below `work` none do.",
			"Rust's standard library has no context, and a thread cannot be stopped from outside either: cancellation is something the threads share and look at. Here it is an `AtomicBool` in an `Arc`, which main sets at the deadline and each worker checks between pieces; a channel closed by dropping its senders, or a handle dropped, serve too. Main's deadline is `recv_timeout` given the time left. A tree is a flag for each group, which a worker checks along with its parent's.",
		},
		Params: []Param{
			{Name: "groups", Label: "Groups", Min: 1, Max: 4, Step: 1, Default: 2, Help: "groups of workers, each with a context of its own made from the request's"},
			{Name: "workers", Label: "Workers each", Min: 1, Max: 6, Step: 1, Default: 2, Help: "workers in each group"},
			{Name: "deadline", Label: "Deadline", Min: 10, Max: 2000, Step: 10, Default: 500, Unit: "ms", Help: "how long the request may take"},
			{Name: "work", Label: "Work time", Min: 0, Max: 2000, Step: 10, Default: 400, Unit: "ms", Help: "how long a worker works"},
			{Name: "jitter", Label: "Jitter", Min: 0, Max: 1000, Step: 10, Default: 200, Unit: "ms", Help: "up to this much longer, different for every worker"},
			{Name: "check", Label: "Check ctx.Done()", Min: 0, Max: 1, Step: 1, Default: checkYes, Choices: []string{"no", "yes"}, Help: "yes: workers look at their context between pieces of work; no: they never do"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

// Four pieces of work, looking at stop between
// them: false if it stopped.
fn work_watching(
    stop: Arc<AtomicBool>,
    piece: u64,
) -> bool {
    for _ in 0..4 {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let ms = Duration::from_millis(piece);
        thread::sleep(ms);
    }
    true
}

fn main() {
    // std has no context: a flag they share.
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let mut workers = Vec::new();
    for w in 0..6 {
        let stop = Arc::clone(&stop);
        let tx = tx.clone();
        let piece = if w < 2 { 5 } else { 50 };
        workers.push(thread::spawn(move || {
            if work_watching(stop, piece) {
                let _ = tx.send(w);
            }
        }));
    }
    let deadline = Duration::from_millis(100);
    let end = Instant::now() + deadline;
    let mut finished = 0;
    while finished < 6 {
        let now = Instant::now();
        let left = end.saturating_duration_since(now);
        match rx.recv_timeout(left) {
            Ok(_) => finished += 1,
            Err(_) => break, // the deadline passed
        }
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let stopped = 6 - finished;
    println!("finished {finished}, stopped {stopped}");
}`,
		RustRun: RustRun{Prints: []string{"finished 2, stopped 4"}},
		Counterparts: []Counterpart{
			{`ctx.Done().RecvCase(nil),`, "stop.load(Ordering::Relaxed)"},
			{`g.Work(took / 4)`, "thread::sleep(ms)"},
			{`stage.WithTimeout(`, "AtomicBool::new(false)"},
			{`stage.NewChan[string]`, "mpsc::channel()"},
			{`g.Go(name`, "thread::spawn"},
			{`results.Send(g, name)`, "tx.send(w)"},
			{`results.SendCase(name)`, "tx.send(w)"},
			{`results.RecvCase(nil)`, "rx.recv_timeout(left)"},
			{`ctx.Done().RecvCase(nil)`, "Err(_) => break"},
			{`cancel(g)`, "stop.store(true"},
			{`wg.Wait(g)`, "w.join()"},
		},
		run: cancelTree,
	}
}

// show:begin
// workWatching works for took in four pieces, looking at ctx between two: false when it
// was cancelled.
func workWatching(g *stage.G, ctx *stage.Context, took time.Duration) bool {
	for range 4 {
		if g.Select(
			ctx.Done().RecvCase(nil),
			stage.Default(),
		) == 0 {
			return false // cancelled: stop here
		}
		g.Work(took / 4)
	}
	return true
}

func cancelTree(g *stage.G, p Values) []Stat {
	ctx, cancel := stage.WithTimeout(g, stage.Background(), "request", p.Duration("deadline"))
	results := stage.NewChan[string](g, "results", 0)
	wg := stage.NewWaitGroup(g, "workers")
	for i := range p.Int("groups") {
		letter := string(rune('a' + i))
		group, cancelGroup := stage.WithCancel(g, ctx, "group "+letter)
		defer cancelGroup(g) // every cancel is called; request's, below, comes first
		for w := range p.Int("workers") {
			name := fmt.Sprintf("worker %s%d", letter, w)
			wg.Add(g, 1)
			g.Go(name, func(g *stage.G) {
				took := p.Duration("work") + g.Jitter(p.Duration("jitter"))
				if p.Int("check") == checkNo {
					g.Work(took)
					results.Send(g, name) // whether anyone still listens or not
				} else if workWatching(g, group, took) {
					g.Select(
						results.SendCase(name), // only while someone listens
						group.Done().RecvCase(nil),
					)
				}
				wg.Done(g)
			})
		}
	}

	total, finished := p.Int("groups")*p.Int("workers"), 0
	for waiting := true; waiting && finished < total; {
		switch g.Select(
			results.RecvCase(nil),
			ctx.Done().RecvCase(nil),
		) {
		case 0:
			finished++
		case 1:
			waiting = false // the deadline passed
		}
	}
	err := ctx.Err(g)
	cancel(g) // cancels every group too, if the deadline has not
	left := "stopped by the deadline"
	if p.Int("check") == checkYes {
		wg.Wait(g) // they watch Done: each returns within a piece of work
	} else {
		left = "given up on"               // Wait would never return: they will block in Send
		g.Work(3 * p.Duration("work") / 2) // main goes on, as a server would
	}
	return []Stat{
		{Label: "finished", Value: fmt.Sprintf("%d of %d", finished, total)},
		{Label: left, Value: strconv.Itoa(total - finished)},
		{Label: "ctx.Err()", Value: fmt.Sprint(err)},
	}
}

// show:end

// cancelChallenges are what cancel poses to whoever steers it.
func cancelChallenges() []Challenge {
	return []Challenge{{
		ID: "all-finish", Title: "Everyone in time",
		Text:   "Have every worker's result reach main before the deadline. Who runs when does not decide it, the clock does: a worker whose work and jitter pass `deadline` is late whatever the order. What must change?",
		Solved: allWorkersFinish,
	}}
}

// allWorkersFinish says whether main received every worker's result.
func allWorkersFinish(o Outcome) bool {
	v, _ := summaryValue(o.Summary, "finished")
	done, total, ok := strings.Cut(v, " of ")
	return ok && done == total
}
