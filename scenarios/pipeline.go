package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"
	"time"

	"interleave/scenarios/stage"
)

//go:embed pipeline.go
var pipelineFile string

func pipelineScenario() *Scenario {
	src, line := excerpt(pipelineFile)
	return &Scenario{
		ID:      "pipeline",
		Title:   "Pipeline: generate, square on many workers, merge, sum",
		Summary: "Stages joined by channels: one generates numbers, several square them, a merge brings their results back into one channel, and main adds them up.",
		Text: []string{
			"A pipeline is a row of stages, each a goroutine (or several) that receives values from the channel before it and sends its own on the channel after it. `generate` sends 1, 2, 3… on `nums` and closes it; each `square` worker takes numbers from `nums` and sends their squares on a channel of its own; `merge` copies every worker's channel into `merged`; main adds up what comes out.",
			"Several workers receiving from one channel is fan-out: each number goes to exactly one of them, to whichever is free, and with `square` the slowest stage, more `workers` make the whole run shorter — watch `took` fall from 1 worker to 3. Past the point where `generate` is the slowest stage, more workers only wait for numbers. In a seeded run at most four goroutines work at once (its processors), so with more busy than that some wait their turn, shown dotted.",
			"Fan-in is the other way: `merge` starts a goroutine per input channel, each copying into `merged`. Which of them closes `merged`? None can tell it is the last, so a `WaitGroup` counts them and a `closer` goroutine waits for it to reach zero and closes `merged`, which ends main's `range`. Every stage closes what it sends on when it is done, and every loop ends when what it reads is closed: the end of the input flows down the pipe.",
			"Numbers reach main out of order — whichever worker finished first — but the sum is the same: `sum` always equals 1² + 2² + … + n². `buffer` gives every channel that many slots, so a stage can run ahead of the next; with 0 each handoff is a rendezvous.",
			"In Rust a `Receiver` has one owner, so the workers share `nums` through `Arc<Mutex<…>>`, as in the worker pool. Fan-in needs no `WaitGroup`: every copying thread owns a clone of the `Sender`, and `merged` ends by itself once the last clone is dropped. Rust counts senders; Go leaves it to the code to say when a channel is done.",
		},
		Params: []Param{
			{Name: "items", Label: "Items", Min: 1, Max: 50_000, Step: 1, Default: 10, Help: "how many numbers generate sends"},
			{Name: "workers", Label: "Square workers", Min: 1, Max: 8, Step: 1, Default: 3, Help: "goroutines squaring numbers, all receiving from nums"},
			{Name: "generate", Label: "Generate time", Min: 0, Max: 500, Step: 10, Default: 50, Unit: "ms", Help: "how long generate works on each number"},
			{Name: "square", Label: "Square time", Min: 0, Max: 1000, Step: 10, Default: 200, Unit: "ms", Help: "how long a worker works on each square"},
			{Name: "buffer", Label: "Buffers", Min: 0, Max: 8, Step: 1, Default: 0, Help: "capacity of every channel; 0 makes them unbuffered"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;

fn generate(n: u64) -> Receiver<u64> {
    let (tx, rx) = channel();
    thread::spawn(move || {
        for i in 1..=n {
            tx.send(i).unwrap();
        }
    }); // tx dropped: rx ends
    rx
}

fn square(
    nums: Arc<Mutex<Receiver<u64>>>,
) -> Receiver<u64> {
    let (tx, rx) = channel();
    thread::spawn(move || loop {
        let n = nums.lock().unwrap().recv();
        match n {
            Ok(n) => tx.send(n * n).unwrap(),
            Err(_) => break,
        }
    });
    rx
}

fn merge(
    ins: Vec<Receiver<u64>>,
) -> Receiver<u64> {
    let (tx, rx) = channel();
    for input in ins {
        let tx = tx.clone();
        thread::spawn(move || {
            for v in input {
                tx.send(v).unwrap();
            }
        });
    }
    rx // ends when the last tx is dropped
}

fn main() {
    let nums = generate(10);
    let nums = Arc::new(Mutex::new(nums));
    let squares = (0..3)
        .map(|_| square(Arc::clone(&nums)))
        .collect();
    let merged = merge(squares);
    let sum: u64 = merged.iter().sum();
    println!("sum {sum}");
}`,
		RustRun: RustRun{Prints: []string{"sum 385"}},
		Counterparts: []Counterpart{
			{`stage.NewChan[int](g, "nums"`, "channel()"},
			{`g.Go("generate"`, "thread::spawn"},
			{`out.Send(g, n)`, "tx.send(i)"},
			{`stage.NewChan[int](g, fmt.Sprintf("squares %d"`, "channel()"},
			{`g.Go(fmt.Sprintf("square %d"`, "thread::spawn"},
			{`range in.Range(g)`, "nums.lock().unwrap().recv()"},
			{`out.Send(g, n*n)`, "tx.send(n * n)"},
			{`stage.NewChan[int](g, "merged"`, "channel()"},
			{`g.Go(fmt.Sprintf("merge %d"`, "thread::spawn"},
			{`range in.Range(g)`, "for v in input"},
			{`out.Send(g, v)`, "tx.send(v)"},
			{`merge(g, p, squares).Range(g)`, ".iter().sum()"},
			{`g.Println("sum", sum)`, `println!("sum {sum}")`},
		},
		run: pipeline,
	}
}

// show:begin
func generate(g *stage.G, p Values) *stage.Chan[int] {
	out := stage.NewChan[int](g, "nums", p.Int("buffer"))
	g.Go("generate", func(g *stage.G) {
		for n := 1; n <= p.Int("items"); n++ {
			g.Work(p.Duration("generate"))
			out.Send(g, n)
		}
		out.Close(g)
	})
	return out
}

func square(g *stage.G, p Values, w int, in *stage.Chan[int]) *stage.Chan[int] {
	out := stage.NewChan[int](g, fmt.Sprintf("squares %d", w), p.Int("buffer"))
	g.Go(fmt.Sprintf("square %d", w), func(g *stage.G) {
		for n := range in.Range(g) {
			g.Work(p.Duration("square"))
			out.Send(g, n*n)
		}
		out.Close(g)
	})
	return out
}

func merge(g *stage.G, p Values, ins []*stage.Chan[int]) *stage.Chan[int] {
	out := stage.NewChan[int](g, "merged", p.Int("buffer"))
	wg := stage.NewWaitGroup(g, "merging")
	for i, in := range ins {
		wg.Add(g, 1)
		g.Go(fmt.Sprintf("merge %d", i), func(g *stage.G) {
			for v := range in.Range(g) {
				out.Send(g, v)
			}
			wg.Done(g)
		})
	}
	g.Go("closer", func(g *stage.G) {
		wg.Wait(g) // only when every copy is done may merged close
		out.Close(g)
	})
	return out
}

func pipeline(g *stage.G, p Values) []Stat {
	nums := generate(g, p)
	var squares []*stage.Chan[int]
	for w := range p.Int("workers") {
		squares = append(squares, square(g, p, w, nums)) // fan-out: all read nums
	}
	sum, through := 0, 0
	for v := range merge(g, p, squares).Range(g) {
		sum += v
		through++
	}
	g.Println("sum", sum)
	return []Stat{
		{Label: "sum", Value: strconv.Itoa(sum)},
		{Label: "1² + 2² + … + n²", Value: strconv.Itoa(sumOfSquares(p.Int("items")))},
		{Label: "items through", Value: strconv.Itoa(through)},
		{Label: "took", Value: g.Now().Round(time.Millisecond).String()},
	}
}

// show:end

// sumOfSquares is 1² + 2² + … + n², what the pipeline's sum must come to.
func sumOfSquares(n int) int { return n * (n + 1) * (2*n + 1) / 6 }

// pipelineChallenges are what pipeline poses to whoever steers it.
func pipelineChallenges() []Challenge {
	return []Challenge{{
		ID: "out-of-order", Title: "Out of order",
		Text:   "Make main receive a square before the square of a smaller number: the fan-out's workers race, and merged keeps no order.",
		Solved: squaresOutOfOrder,
	}}
}

// squaresOutOfOrder says whether main received a square after a larger one.
func squaresOutOfOrder(o Outcome) bool {
	merged := objectNamed(o.Events, "merged")
	last := -1
	for _, e := range o.Events {
		if e.Kind == stage.KindRecvEnd && e.G == 1 && e.Obj == merged && !e.Closed {
			v, err := strconv.Atoi(e.Value)
			if err == nil && v < last {
				return true
			}
			last = max(last, v)
		}
	}
	return false
}
