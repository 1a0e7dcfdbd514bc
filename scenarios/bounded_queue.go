package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed bounded_queue.go
var boundedQueueFile string

// bounded-queue's choices: how a change is announced, and how a waiter checks its condition.
const (
	wakeSignal = iota
	wakeBroadcast
)

const (
	checkFor = iota
	checkIf
)

func boundedQueueScenario() *Scenario {
	src, line := excerpt(boundedQueueFile)
	return &Scenario{
		ID:      "bounded-queue",
		Title:   "Bounded queue: a mutex and two conditions",
		Summary: "Producers and consumers share a fixed-size queue under one mutex, and wait on two sync.Conds for room and for items.",
		Text: []string{
			"A queue of `capacity` items is guarded by a mutex. A producer that finds it full waits on the condition `notFull`; a consumer that finds it empty waits on `notEmpty`. After a change each announces it on the other condition — the producer on `notEmpty`, the consumer on `notFull` — so that a waiter may look again.",
			"`Wait` does three things: it unlocks the mutex, sleeps until a `Signal` or `Broadcast` wakes it, and locks the mutex again before it returns. The timeline draws all three: the unlock, the wait on the condition's lane, an arrow from whoever woke it, and the lock it must win back like anyone else. `Signal` wakes the goroutine that has waited longest; `Broadcast` wakes them all. A signal when no one waits wakes no one: it is lost, and the lane shows it struck out.",
			"Between being woken and locking the mutex again, others run: another consumer can come in and take the item the signal was about. That is why a waiter checks its condition in a `for` loop, and waits again when it does not hold. Set `check` to `if` and each consumer looks once: woken to an empty queue it takes from it anyway, and Go panics, index out of range. With `broadcast` every waiting consumer wakes for a single item, which makes it likelier; in seeded mode \"Find the panic\" tries seeds until a consumer takes from an empty queue.",
			"Rust's `Condvar` is the same idea, and its documentation says outright that a wait may wake for no reason at all, spuriously: `while` is the only safe way, and `wait_while` writes the loop for you. Rust's `wait` takes the mutex guard and gives it back, so the type system sees that the lock is released and held again; in Go, `c.L` is a field, and the discipline is the programmer's.",
		},
		Params: []Param{
			{Name: "producers", Label: "Producers", Min: 1, Max: 4, Step: 1, Default: 2, Help: "goroutines that put items in the queue"},
			{Name: "consumers", Label: "Consumers", Min: 1, Max: 4, Step: 1, Default: 2, Help: "goroutines that take them out"},
			{Name: "items", Label: "Items each", Min: 1, Max: 10_000, Step: 1, Default: 5, Help: "how many items each producer puts"},
			{Name: "capacity", Label: "Capacity", Min: 1, Max: 4, Step: 1, Default: 1, Help: "how many items the queue holds"},
			{Name: "work", Label: "Work time", Min: 0, Max: 300, Step: 10, Default: 50, Unit: "ms", Help: "how long making or handling an item takes"},
			{Name: "wake", Label: "Wake", Min: 0, Max: 1, Step: 1, Default: wakeSignal, Choices: []string{"signal", "broadcast"}, Help: "Signal wakes one waiter, Broadcast every one"},
			{Name: "check", Label: "Check", Min: 0, Max: 1, Step: 1, Default: checkFor, Choices: []string{"for", "if"}, Help: "for looks again after a wait; if trusts the wake-up (the bug)"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

fn main() {
    let capacity = 1;
    let shared = Arc::new((Mutex::new(VecDeque::new()), Condvar::new(), Condvar::new()));
    let mut producers = Vec::new();
    for p in 0..2 {
        let shared = Arc::clone(&shared);
        producers.push(thread::spawn(move || {
            let (queue, not_empty, not_full) = &*shared;
            for i in 0..5 {
                let mut items = queue.lock().unwrap();
                while items.len() == capacity {
                    items = not_full.wait(items).unwrap();
                }
                items.push_back(p * 10 + i);
                not_empty.notify_one();
            }
        }));
    }
    let mut consumers = Vec::new();
    for _ in 0..2 {
        let shared = Arc::clone(&shared);
        consumers.push(thread::spawn(move || {
            let (queue, not_empty, not_full) = &*shared;
            let mut taken = 0;
            for _ in 0..5 {
                let mut items = queue.lock().unwrap();
                // while, never if: a wait may even wake spuriously
                while items.is_empty() {
                    items = not_empty.wait(items).unwrap();
                }
                items.pop_front();
                taken += 1;
                not_full.notify_one();
            }
            taken
        }));
    }
    for p in producers {
        p.join().unwrap();
    }
    let moved: i32 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    println!("items moved: {moved}");
}`,
		RustRun: RustRun{Prints: []string{"items moved: 10"}},
		Counterparts: []Counterpart{
			{`notEmpty := stage.NewCond(`, "Condvar::new()"},
			{`g.Go(fmt.Sprintf("producer`, "thread::spawn"},
			{`mu.Lock(g)`, "queue.lock()"},
			{`notFull.Wait(g)`, "not_full.wait(items)"},
			{`notEmpty.Signal(g)`, "not_empty.notify_one()"},
			{`g.Go(fmt.Sprintf("consumer`, "thread::spawn"},
			{`mu.Lock(g)`, "queue.lock()"},
			{`notEmpty.Wait(g)`, "not_empty.wait(items)"},
			{`notFull.Signal(g)`, "not_full.notify_one()"},
			{`done.Wait(g)`, "c.join()"},
		},
		Searches: []Search{{Want: "panic", Label: "Find the panic", Showed: panicked}},
		run:      boundedQueue,
	}
}

// panicked says whether a run ended in a panic: its search's test.
func panicked(end stage.End, _ []Stat) bool { return end.Reason == stage.ReasonPanic }

// show:begin
func boundedQueue(g *stage.G, p Values) []Stat {
	mu := stage.NewMutex(g, "mu")
	var queue []int // what mu guards
	mu.Show(func() string { return fmt.Sprint(queue) })
	notEmpty := stage.NewCond(g, "notEmpty", mu)
	notFull := stage.NewCond(g, "notFull", mu)
	broadcast := p.Int("wake") == wakeBroadcast
	total := p.Int("producers") * p.Int("items")
	moved, last := 0, 0
	done := stage.NewWaitGroup(g, "done")
	for i := range p.Int("producers") {
		done.Add(g, 1)
		g.Go(fmt.Sprintf("producer %d", i), func(g *stage.G) {
			for j := range p.Int("items") {
				g.Work(p.Duration("work"))
				mu.Lock(g)
				for len(queue) == p.Int("capacity") {
					notFull.Wait(g)
				}
				queue = append(queue, i*10+j)
				if broadcast {
					notEmpty.Broadcast(g)
				} else {
					notEmpty.Signal(g)
				}
				mu.Unlock(g)
			}
			done.Done(g)
		})
	}
	for i := range p.Int("consumers") {
		share := total / p.Int("consumers")
		if i < total%p.Int("consumers") {
			share++
		}
		done.Add(g, 1)
		g.Go(fmt.Sprintf("consumer %d", i), func(g *stage.G) {
			for range share {
				mu.Lock(g)
				if p.Int("check") == checkFor {
					for len(queue) == 0 {
						notEmpty.Wait(g)
					}
				} else if len(queue) == 0 { // the bug: woken, it does not look again
					notEmpty.Wait(g)
				}
				last = queue[0] // with if, the queue may be empty: index out of range
				queue = queue[1:]
				moved++
				if broadcast {
					notFull.Broadcast(g)
				} else {
					notFull.Signal(g)
				}
				mu.Unlock(g)
				g.Work(p.Duration("work"))
			}
			done.Done(g)
		})
	}
	done.Wait(g)
	return []Stat{{Label: "items moved", Value: strconv.Itoa(moved)}, {Label: "last item", Value: strconv.Itoa(last)}}
}

// show:end

// boundedQueueChallenges are what bounded-queue poses to whoever steers it.
func boundedQueueChallenges() []Challenge {
	return []Challenge{{
		ID: "empty-take", Title: "Take from an empty queue",
		Text:   "With `check` if, wake two consumers for one item: the second finds the queue empty where its `if` assumed an item, and takes anyway.",
		Solved: func(o Outcome) bool { return panicked(o.End, o.Summary) },
	}}
}
