package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"interleave/scenarios/stage"
)

//go:embed worker_pool.go
var workerPoolFile string

func workerPoolScenario() *Scenario {
	src, line := excerpt(workerPoolFile)
	return &Scenario{
		ID:      "worker-pool",
		Title:   "Worker pool: a shared queue of tasks",
		Summary: "A fixed set of workers take tasks from one channel and send back results.",
		Text: []string{
			"A worker pool bounds how much runs at once: a few goroutines, started up front, each take the next task from a shared queue until the queue is closed, and send their results on another channel.",
			"In Go the queue is just a channel: any number of goroutines may receive from one channel, and each value goes to exactly one of them. Rust's `mpsc::Receiver` has a single owner, so a Rust pool wraps it in `Arc<Mutex<…>>` and workers take turns locking it to call `recv`.",
			"Watch who gets which task. With fewer workers than tasks, each worker comes back for more as soon as it sends its result; jitter makes some tasks longer, and the faster workers take more of them. A small `queue` makes the feeder block until a worker is free; a large one lets it fill the queue and finish early.",
			"The feeder closes `tasks` when it has sent them all, which ends every worker's `range` loop; when the last worker is done, `closer` closes `results`, which ends main's. The Rust prints each result as it arrives (`worker 1: 16`: worker 1 squared task 4); the Go prints nothing, and its summary counts who did how many.",
		},
		Params: []Param{
			{Name: "workers", Label: "Workers", Min: 1, Max: 16, Step: 1, Default: 3, Help: "goroutines taking tasks"},
			{Name: "tasks", Label: "Tasks", Min: 1, Max: 100_000, Step: 1, Default: 12, Help: "how many tasks the feeder sends"},
			{Name: "queue", Label: "Queue capacity", Min: 0, Max: 32, Step: 1, Default: 2, Help: "buffer of the tasks channel; 0 makes it unbuffered"},
			{Name: "task", Label: "Task time", Min: 0, Max: 1000, Step: 10, Default: 150, Unit: "ms", Help: "how long a task takes"},
			{Name: "jitter", Label: "Jitter", Min: 0, Max: 1000, Step: 10, Default: 150, Unit: "ms", Help: "up to this much longer, different for every task"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::{mpsc, Arc, Mutex};
use std::thread;

let (task_tx, task_rx) = mpsc::channel::<u32>();
let task_rx = Arc::new(Mutex::new(task_rx)); // one Receiver, shared by locking
let (result_tx, result_rx) = mpsc::channel();

for id in 0..3 {
    let task_rx = Arc::clone(&task_rx);
    let result_tx = result_tx.clone();
    thread::spawn(move || loop {
        let task = task_rx.lock().unwrap().recv();
        match task {
            Ok(n) => result_tx.send((id, n * n)).unwrap(),
            Err(_) => break, // every Sender dropped: no more tasks
        }
    });
}
drop(result_tx);

for n in 0..12 {
    task_tx.send(n).unwrap();
}
drop(task_tx);

for (id, square) in result_rx {
    println!("worker {id}: {square}");
}`,
		RustRun: RustRun{Prints: squaresByAWorker(12, 3), AnyOrder: true},
		Counterparts: []Counterpart{
			{`stage.NewChan[int](g, "tasks"`, "mpsc::channel::<u32>()"},
			{`stage.NewChan[result](g, "results"`, "mpsc::channel()"},
			{`g.Go(fmt.Sprintf("worker %d", w)`, "thread::spawn"},
			{`tasks.Range(g)`, "task_rx.lock().unwrap().recv()"},
			{`results.Send(g`, "result_tx.send("},
			{`tasks.Send(g, t)`, "task_tx.send(n)"},
			{`tasks.Close(g)`, "drop(task_tx)"},
			{`results.Range(g)`, "in result_rx"},
		},
		run: workerPool,
	}
}

// show:begin
type result struct {
	task, worker int
	took         time.Duration
}

func (r result) String() string { return fmt.Sprintf("task %d by worker %d", r.task, r.worker) }

func workerPool(g *stage.G, p Values) []Stat {
	tasks := stage.NewChan[int](g, "tasks", p.Int("queue"))
	results := stage.NewChan[result](g, "results", 0)
	wg := stage.NewWaitGroup(g, "workers")
	for w := range p.Int("workers") {
		wg.Add(g, 1)
		g.Go(fmt.Sprintf("worker %d", w), func(g *stage.G) {
			for t := range tasks.Range(g) {
				took := p.Duration("task") + g.Jitter(p.Duration("jitter"))
				g.Work(took)
				results.Send(g, result{task: t, worker: w, took: took})
			}
			wg.Done(g)
		})
	}
	g.Go("feeder", func(g *stage.G) {
		for t := range p.Int("tasks") {
			tasks.Send(g, t)
		}
		tasks.Close(g)
	})
	g.Go("closer", func(g *stage.G) {
		wg.Wait(g)
		results.Close(g)
	})

	done := make([]int, p.Int("workers"))
	busy := make([]time.Duration, p.Int("workers"))
	for r := range results.Range(g) {
		done[r.worker]++
		busy[r.worker] += r.took
	}
	return poolStats(done, busy, g.Now())
}

// show:end

// squaresByAWorker are the lines the Rust original prints: the square of every task, each
// by one of the workers.
func squaresByAWorker(tasks, workers int) []string {
	lines := make([]string, tasks)
	for n := range tasks {
		lines[n] = fmt.Sprintf("worker [0-%d]: %d", workers-1, n*n)
	}
	return lines
}

// poolStats reports tasks per worker and how much of the run each worker spent working.
func poolStats(done []int, busy []time.Duration, total time.Duration) []Stat {
	counts := make([]string, len(done))
	shares := make([]string, len(done))
	for w := range done {
		counts[w] = strconv.Itoa(done[w])
		share := 0.0
		if total > 0 {
			share = 100 * float64(busy[w]) / float64(total)
		}
		shares[w] = fmt.Sprintf("%.0f%%", share)
	}
	return []Stat{
		{Label: "tasks per worker", Value: strings.Join(counts, " · ")},
		{Label: "busy share per worker", Value: strings.Join(shares, " · ")},
	}
}

// workerPoolChallenges are what worker-pool poses to whoever steers it.
func workerPoolChallenges() []Challenge {
	return []Challenge{{
		ID: "one-worker", Title: "One worker does it all",
		Text:   "Give every task to the same worker: the others must find the queue empty every time they look.",
		Solved: oneWorkerDidAll,
	}}
}

// oneWorkerDidAll says whether one worker of several did every task.
func oneWorkerDidAll(o Outcome) bool {
	counts, ok := summaryValue(o.Summary, "tasks per worker")
	if !ok || o.End.Reason != stage.ReasonDone {
		return false
	}
	busy, workers := 0, strings.Split(counts, " · ")
	for _, c := range workers {
		if c != "0" {
			busy++
		}
	}
	return busy == 1 && len(workers) > 1
}
