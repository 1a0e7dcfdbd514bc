package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed producer_consumer.go
var producerConsumerFile string

func producerConsumerScenario() *Scenario {
	src, line := excerpt(producerConsumerFile)
	return &Scenario{
		ID:      "producer-consumer",
		Title:   "Producer–consumer: a shared vector and a notice",
		Summary: "A producer pushes onto a mutex-guarded slice and notifies; a consumer waits, locks, reads.",
		Text: []string{
			"Two goroutines share `data`, a slice guarded by the mutex `mu`. The producer locks, appends, sends a notice on `notify`, and unlocks; the consumer waits for a notice, locks, reads the whole slice, and unlocks.",
			"In Rust the vector lives inside the `Mutex` (`Arc<Mutex<Vec<i32>>>`): the only way to reach it is through the guard `lock()` returns, and the lock is released when the guard goes out of scope. Each thread owns a handle to it: `Arc::clone` makes the producer's, and the consumer takes the first. Go's `sync.Mutex` guards data by convention only: `mu` and `data` sit side by side and the code promises to touch `data` only while holding `mu`. The mutex lane shows what it guards at every lock and unlock.",
			"The producer sends its notice while it still holds the lock, as the Rust code does (its guard lives to the end of the loop body). Rust's `channel()` never blocks a sender, so `notify` here has room for every notice.",
			"Make the lock hold time long and watch the consumer's lock wait, shaded as blocked; make the consumer slow and watch notices pile up in `notify` while the slice grows by several items between two reads. The consumer prints what it read: `consumer got [0 1 2]` in Go, `Consumer got: [0, 1, 2]` in Rust, which prints a `Vec` with commas.",
		},
		Params: []Param{
			{Name: "items", Label: "Items", Min: 1, Max: 20, Step: 1, Default: 5, Help: "how many values the producer pushes"},
			{Name: "produce", Label: "Producer delay", Min: 0, Max: 1000, Step: 10, Default: 200, Unit: "ms", Help: "how long the producer works on each item before locking"},
			{Name: "consume", Label: "Consumer delay", Min: 0, Max: 1000, Step: 10, Default: 300, Unit: "ms", Help: "how long the consumer works after each read"},
			{Name: "hold", Label: "Lock held", Min: 0, Max: 500, Step: 10, Default: 80, Unit: "ms", Help: "how long each side keeps the lock"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::thread;

let data = Arc::new(Mutex::new(vec![]));
let (tx, rx) = channel();

// a second handle to data, for the producer
let shared = Arc::clone(&data);
let producer = thread::spawn(move || {
    for i in 0..5 {
        let mut data = shared.lock().unwrap();
        data.push(i);
        tx.send(()).unwrap();
    }
});

let consumer = thread::spawn(move || {
    for _ in 0..5 {
        rx.recv().unwrap();
        let data = data.lock().unwrap();
        println!("Consumer got: {:?}", data);
    }
});

producer.join().unwrap();
consumer.join().unwrap();`,
		// Each read sees at least as many items as notices came, and the last sees them all.
		RustRun: RustRun{Prints: []string{
			`Consumer got: \[0(, [1-4])*\]`,
			`Consumer got: \[0(, [1-4])*\]`,
			`Consumer got: \[0(, [1-4])*\]`,
			`Consumer got: \[0(, [1-4])*\]`,
			`Consumer got: \[0, 1, 2, 3, 4\]`,
		}},
		Counterparts: []Counterpart{
			{`stage.NewMutex(g, "mu")`, "Mutex::new(vec![])"},
			{`stage.NewChan[struct{}]`, "channel()"},
			{`g.Go("producer"`, "thread::spawn"},
			{`mu.Lock(g)`, ".lock().unwrap()"},
			{`notify.Send(g`, "tx.send(())"},
			{`g.Go("consumer"`, "thread::spawn"},
			{`notify.Recv(g)`, "rx.recv()"},
			{`mu.Lock(g)`, ".lock().unwrap()"},
			{`g.Println("consumer got"`, `println!("Consumer got`},
		},
		run: producerConsumer,
	}
}

// show:begin
func producerConsumer(g *stage.G, p Values) []Stat {
	var data []int // guarded by mu
	mu := stage.NewMutex(g, "mu")
	mu.Show(func() string { return fmt.Sprint(data) })
	notify := stage.NewChan[struct{}](g, "notify", p.Int("items"))
	wg := stage.NewWaitGroup(g, "join")
	wg.Add(g, 2)

	g.Go("producer", func(g *stage.G) {
		for i := range p.Int("items") {
			g.Work(p.Duration("produce"))
			mu.Lock(g)
			data = append(data, i)
			g.Work(p.Duration("hold"))
			notify.Send(g, struct{}{})
			mu.Unlock(g)
		}
		wg.Done(g)
	})

	reads := 0
	g.Go("consumer", func(g *stage.G) {
		for range p.Int("items") {
			notify.Recv(g)
			mu.Lock(g)
			g.Println("consumer got", data)
			reads++
			g.Work(p.Duration("hold"))
			mu.Unlock(g)
			g.Work(p.Duration("consume"))
		}
		wg.Done(g)
	})

	wg.Wait(g)
	return []Stat{
		{Label: "items pushed", Value: strconv.Itoa(len(data))},
		{Label: "reads", Value: strconv.Itoa(reads)},
	}
}

// show:end

// producerConsumerChallenges are what producer-consumer poses to whoever steers it.
func producerConsumerChallenges() []Challenge {
	return []Challenge{{
		ID: "three-at-once", Title: "Three at once",
		Text:   "Let the producer push three items before the consumer looks, so that one read finds three or more.",
		Solved: threeAtOnce,
	}}
}

// threeAtOnce says whether one of the consumer's reads found three items or more.
func threeAtOnce(o Outcome) bool {
	consumer := goroutineNamed(o.Events, "consumer")
	for _, e := range o.Events {
		if e.Kind == stage.KindPrint && e.G == consumer && listed(e.Value, "consumer got ") >= 3 {
			return true
		}
	}
	return false
}
