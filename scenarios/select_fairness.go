package scenarios

import (
	_ "embed"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed select_fairness.go
var selectFairnessFile string

// The ways select-fairness's consumer takes from its channels: the indexes of its priority
// choices.
const (
	priorityNone = iota
	priorityA
)

func selectFairnessScenario() *Scenario {
	src, line := excerpt(selectFairnessFile)
	return &Scenario{
		ID:      "select-fairness",
		Title:   "Select fairness: two channels, one consumer",
		Summary: "A consumer waits on two channels at once with select: which ready case does it take?",
		Text: []string{
			"Two producers each send `messages` values on a channel of their own, `a` and `b`, and close it. The consumer waits on both at once with `select`, and counts what it takes from each.",
			"When both channels have a value, Go's `select` takes one of the ready cases uniformly at random: no case comes first, and a channel cannot starve the other. With `work` at 0 and a `buffer`, both channels are nearly always ready, and the counts stay close; the timeline shows the consumer's select waiting on both lanes whenever neither is. In seeded mode the choice comes from the seed: try seeds and watch the order change, and a seed bring the same order back.",
			"A closed channel is always ready — a receive from it gives the zero value at once — so a loop over two channels would spin on the first one to close. Setting the variable to `nil` takes that case out: a nil channel is never ready.",
			"`select` has no priorities. Set `priority` to `a` for the usual idiom: a first `select` with a `default` takes from `a` whenever it has a value, and only when it has none does the consumer wait on both. Now `a` drains first.",
			"Rust's standard library has no `select`: one thread receiving from several channels is what crates such as crossbeam add (`select!`). With `std`, producers send into one channel, each tagging its messages with where they come from; the order is then the order they arrive in.",
		},
		Params: []Param{
			{Name: "messages", Label: "Messages each", Min: 1, Max: 1_000, Step: 1, Default: 8, Help: "how many values each producer sends"},
			{Name: "buffer", Label: "Buffer", Min: 0, Max: 8, Step: 1, Default: 2, Help: "capacity of each channel; 0 makes them unbuffered"},
			{Name: "work", Label: "Work time", Min: 0, Max: 200, Step: 5, Default: 0, Unit: "ms", Help: "how long a producer works before each send"},
			{Name: "priority", Label: "Priority", Min: 0, Max: 1, Step: 1, Default: priorityNone, Choices: []string{"none", "a"}, Help: "none: one select over both; a: take from a first whenever it has a value"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::mpsc;
use std::thread;

fn main() {
    // One channel, its messages tagged with where they come from.
    let (tx_a, rx) = mpsc::sync_channel(2);
    let tx_b = tx_a.clone();
    let a = thread::spawn(move || {
        for i in 0..8 {
            tx_a.send(('a', i)).unwrap();
        }
    });
    let b = thread::spawn(move || {
        for i in 0..8 {
            tx_b.send(('b', i)).unwrap();
        }
    });
    let (mut from_a, mut from_b) = (0, 0);
    let mut order = String::new();
    for (from, _value) in rx {
        order.push(from);
        if from == 'a' {
            from_a += 1;
        } else {
            from_b += 1;
        }
    }
    a.join().unwrap();
    b.join().unwrap();
    println!("taken from a: {from_a}, taken from b: {from_b}, order {order}");
}`,
		RustRun: RustRun{Prints: []string{"taken from a: 8, taken from b: 8, order [ab]{16}"}},
		Counterparts: []Counterpart{
			{`stage.NewChan[int](g, "a"`, "mpsc::sync_channel(2)"},
			{`g.Go("producer "`, "thread::spawn"},
			{`ch.Send(g, i)`, "tx_a.send(('a', i))"},
			{`switch g.Select(`, "for (from, _value) in rx"},
			{`g.Println("order taken:", order)`, `println!("taken from a`},
		},
		run: selectFairness,
	}
}

// show:begin
func selectFairness(g *stage.G, p Values) []Stat {
	a := stage.NewChan[int](g, "a", p.Int("buffer"))
	b := stage.NewChan[int](g, "b", p.Int("buffer"))
	for _, ch := range []*stage.Chan[int]{a, b} {
		g.Go("producer "+ch.Name(), func(g *stage.G) {
			for i := range p.Int("messages") {
				g.Work(p.Duration("work"))
				ch.Send(g, i)
			}
			ch.Close(g)
		})
	}

	fromA, fromB, order := 0, 0, ""
	for a != nil || b != nil {
		var v int
		var ok bool
		if p.Int("priority") == priorityA && a != nil {
			// a first: take from it if it has a value, else wait on both below.
			if g.Select(
				a.RecvCaseOK(&v, &ok),
				stage.Default(),
			) == 0 {
				if !ok {
					a = nil // closed: a nil channel is never ready
				} else {
					fromA, order = fromA+1, order+"a"
				}
				continue
			}
		}
		switch g.Select(
			a.RecvCaseOK(&v, &ok),
			b.RecvCaseOK(&v, &ok),
		) {
		case 0:
			if !ok {
				a = nil
				continue
			}
			fromA, order = fromA+1, order+"a"
		case 1:
			if !ok {
				b = nil
				continue
			}
			fromB, order = fromB+1, order+"b"
		}
	}
	g.Println("order taken:", order)
	return []Stat{
		{Label: "taken from a", Value: strconv.Itoa(fromA)},
		{Label: "taken from b", Value: strconv.Itoa(fromB)},
		{Label: "order", Value: order},
	}
}

// show:end

// selectFairnessChallenges are what select-fairness poses to whoever steers it.
func selectFairnessChallenges() []Challenge {
	return []Challenge{{
		ID: "b-first", Title: "Drain b first",
		Text:   "Make the consumer take every value of `b` before its first from `a`, though one `select` waits on both.",
		Solved: drainedBFirst,
	}}
}

// drainedBFirst says whether the consumer took all of b's values before any of a's.
func drainedBFirst(o Outcome) bool {
	order, ok := summaryValue(o.Summary, "order")
	return ok && allBefore(order, 'b', 'a')
}
