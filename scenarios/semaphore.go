package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed semaphore.go
var semaphoreFile string

func semaphoreScenario() *Scenario {
	src, line := excerpt(semaphoreFile)
	return &Scenario{
		ID:      "semaphore",
		Title:   "Semaphore: jobs of different weights under one limit",
		Summary: "A weighted semaphore bounds the work running at once; a heavy job waiting at the front holds back the light ones behind it.",
		Text: []string{
			"Each job needs some of a resource — memory, connections, CPU — before it runs: one unit, and every third job `big` units. A weighted semaphore (`golang.org/x/sync/semaphore`) of size `limit` lends them out: `Acquire(ctx, n)` blocks until n fit, `Release(n)` gives them back. The semaphore's lane shows the weight in use stepping under its size, and below it each job that had to wait, from its ask to when it got its weight.",
			"Waiters are served in the order they came. When a big job waits at the front, a light job behind it waits too, although one unit is free: serving the light ones first could starve the big one for ever, since there is nearly always one unit free. Watch the lane: a gap of free weight while the queue waits is that rule at work.",
			"`Acquire` takes a context. The jobs' is `patience` long: a job still waiting when it ends gets the context's error back and takes nothing. A `big` larger than `limit` can never be served, so its jobs do not queue at all — they wait only for their context — and never hold anyone back.",
			"Rust's standard library has no semaphore; the Rust original builds one from a `Mutex` and a `Condvar`, which wakes every waiter on each release and lets whoever fits go: not first come, first served, so a big job can starve. `Condvar::wait_timeout_while` stands for the context.",
		},
		Params: []Param{
			{Name: "jobs", Label: "Jobs", Min: 1, Max: 12, Step: 1, Default: 6, Help: "how many jobs run"},
			{Name: "limit", Label: "Limit", Min: 1, Max: 8, Step: 1, Default: 4, Help: "the semaphore's size: the weight in use at most"},
			{Name: "big", Label: "Big job weight", Min: 1, Max: 8, Step: 1, Default: 3, Help: "the weight of every third job; the others weigh 1"},
			{Name: "work", Label: "Work time", Min: 0, Max: 1000, Step: 10, Default: 300, Unit: "ms", Help: "how long a job works once it has its weight"},
			{Name: "patience", Label: "Patience", Min: 100, Max: 5000, Step: 100, Default: 3000, Unit: "ms", Help: "how long a job waits for its weight before it gives up"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

struct Semaphore {
    in_use: Mutex<usize>,
    freed: Condvar,
    size: usize,
}

impl Semaphore {
    fn acquire(&self, n: usize, patience: Duration) -> bool {
        let in_use = self.in_use.lock().unwrap();
        // Whoever fits when woken goes: not first come, first served.
        let (mut in_use, waited) = self
            .freed
            .wait_timeout_while(in_use, patience, |u| *u + n > self.size)
            .unwrap();
        if waited.timed_out() {
            return false;
        }
        *in_use += n;
        true
    }

    fn release(&self, n: usize) {
        *self.in_use.lock().unwrap() -= n;
        self.freed.notify_all();
    }
}

fn main() {
    let sem = Arc::new(Semaphore { in_use: Mutex::new(0), freed: Condvar::new(), size: 4 });
    let jobs: Vec<_> = (0..6)
        .map(|i| {
            let sem = Arc::clone(&sem);
            let weight = if i % 3 == 2 { 3 } else { 1 };
            thread::spawn(move || {
                if !sem.acquire(weight, Duration::from_secs(3)) {
                    println!("job {i} gave up");
                    return false;
                }
                thread::sleep(Duration::from_millis(300));
                sem.release(weight);
                true
            })
        })
        .collect();
    let done = jobs.into_iter().map(|j| j.join().unwrap()).filter(|&ok| ok).count();
    println!("jobs done: {done}");
}`,
		RustRun: RustRun{Prints: []string{"jobs done: 6"}},
		Counterparts: []Counterpart{
			{`stage.NewWeighted(`, "let sem = Arc::new(Semaphore"},
			{`g.Go(fmt.Sprint("job "`, "thread::spawn"},
			{`sem.Acquire(g, ctx, weight)`, "if !sem.acquire(weight"},
			{`g.Println("job", i, "gave up:"`, `println!("job {i} gave up")`},
			{`g.Work(p.Duration("work"))`, "thread::sleep"},
			{`sem.Release(g, weight)`, "sem.release(weight)"},
			{`g.Println("jobs done:"`, `println!("jobs done: {done}")`},
		},
		run: semaphoreJobs,
	}
}

// show:begin
func semaphoreJobs(g *stage.G, p Values) []Stat {
	sem := stage.NewWeighted(g, "sem", int64(p.Int("limit")))
	ctx, cancel := stage.WithTimeout(g, stage.Background(), "patience", p.Duration("patience"))
	done := stage.NewWaitGroup(g, "done")
	gaveUp := stage.NewAtomicInt(g, "gave up", 0)
	for i := range p.Int("jobs") {
		weight := int64(1)
		if i%3 == 2 {
			weight = int64(p.Int("big"))
		}
		done.Add(g, 1)
		g.Go(fmt.Sprint("job ", i), func(g *stage.G) {
			if err := sem.Acquire(g, ctx, weight); err != nil {
				g.Println("job", i, "gave up:", err)
				gaveUp.Add(g, 1)
				done.Done(g)
				return
			}
			g.Work(p.Duration("work"))
			sem.Release(g, weight)
			done.Done(g)
		})
	}
	done.Wait(g)
	cancel(g)
	n := gaveUp.Load(g)
	g.Println("jobs done:", int64(p.Int("jobs"))-n)
	return []Stat{
		{Label: "jobs done", Value: strconv.FormatInt(int64(p.Int("jobs"))-n, 10)},
		{Label: "gave up", Value: strconv.FormatInt(n, 10)},
		{Label: "finished at", Value: g.Now().String()},
	}
}

// show:end

// semaphoreChallenges are what semaphore poses to whoever steers it.
func semaphoreChallenges() []Challenge {
	return []Challenge{{
		ID: "held-back", Title: "Held back",
		Text:   "Make a light job ask for its weight while a unit is free and still have to wait: a big job asked first and waits at the front, and the semaphore serves in order.",
		Solved: lightJobHeldBack,
	}}
}

// lightJobHeldBack says whether a job asked for less than was free while a bigger one
// waited ahead of it, and was served only after it.
func lightJobHeldBack(o Outcome) bool {
	size := map[int]int64{}
	inUse := map[int]int64{}
	ahead := map[int]int{} // semaphore → the goroutine of the first waiting Acquire
	wants := map[int]int64{}
	heldBack := map[int]int{} // goroutine → the goroutine it waits behind
	for _, e := range o.Events {
		switch e.Kind {
		case stage.KindNew:
			if e.ObjKind == stage.ObjSemaphore {
				size[e.Obj] = int64(e.Cap)
			}
		case stage.KindAcquireBegin:
			if e.Op != "" {
				continue // a TryAcquire never waits
			}
			n, _ := strconv.ParseInt(e.Value, 10, 64)
			wants[e.G] = n
			switch front := ahead[e.Obj]; {
			case front == 0 && n > size[e.Obj]-inUse[e.Obj]:
				ahead[e.Obj] = e.G
			case front != 0 && n <= size[e.Obj]-inUse[e.Obj]:
				heldBack[e.G] = front
			}
		case stage.KindAcquireEnd:
			inUse[e.Obj] = e.New
			if ahead[e.Obj] == e.G {
				ahead[e.Obj] = 0
			} else if front, ok := heldBack[e.G]; ok && e.Op == "" && ahead[e.Obj] != front {
				return true // served once the big job ahead of it was
			}
		case stage.KindSemRelease:
			inUse[e.Obj] = e.New
		}
	}
	return false
}
