package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"

	"interleave/scenarios/stage"
)

//go:embed channels.go
var channelsFile string

func channelsScenario() *Scenario {
	src, line := excerpt(channelsFile)
	return &Scenario{
		ID:      "channels",
		Title:   "Channels: many producers, one receiver",
		Summary: "Several goroutines send on one channel; main receives until it is closed.",
		Text: []string{
			"Rust's `mpsc` channel has one receiving end and a `Sender` you clone for each extra producer. A Go channel needs no cloning: every goroutine that can see `ch` may send on it, and any may receive.",
			"Each producer works for a while, then sends its number. With `buffer` 0 the channel is unbuffered: a send waits until main is there to take it, so every arrow is a rendezvous, and while main is busy with one message the other producers queue up, shaded as blocked. Give the channel a buffer and a producer drops its message into a free slot and goes back to work.",
			"How does main know the producers are finished? In Rust, `rx.recv()` fails once every `Sender` has been dropped. Go has no such counting: a `WaitGroup` tracks the producers, a small `closer` goroutine waits for them and closes `ch`, and main's `for … range ch` ends when the channel is closed and drained.",
			"Run it twice: the order of the messages changes, because the Go scheduler decides who reaches the channel first. Jitter makes the producers' work times differ. Main prints `got 2` for each message; the Rust prints `Got: 2`, in whatever order its four threads' sends arrive.",
		},
		Params: []Param{
			{Name: "producers", Label: "Producers", Min: 1, Max: 16, Step: 1, Default: 4, Help: "goroutines sending on the channel"},
			{Name: "messages", Label: "Messages each", Min: 1, Max: 5_000, Step: 1, Default: 3, Help: "how many values each producer sends"},
			{Name: "buffer", Label: "Buffer", Min: 0, Max: 16, Step: 1, Default: 0, Help: "channel capacity; 0 makes it unbuffered"},
			{Name: "work", Label: "Work time", Min: 0, Max: 1000, Step: 10, Default: 200, Unit: "ms", Help: "how long a producer works before each send"},
			{Name: "jitter", Label: "Jitter", Min: 0, Max: 1000, Step: 10, Default: 200, Unit: "ms", Help: "up to this much extra work, different every time"},
			{Name: "handle", Label: "Receive time", Min: 0, Max: 500, Step: 10, Default: 60, Unit: "ms", Help: "how long main works on each message it receives"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::mpsc::channel;
use std::thread;

let (tx, rx) = channel();
for i in 0..4 {
    let tx = tx.clone();
    thread::spawn(move || {
        tx.send(i).unwrap();
    });
}

for _ in 0..4 {
    println!("Got: {}", rx.recv().unwrap());
}`,
		RustRun: RustRun{Prints: []string{"Got: 0", "Got: 1", "Got: 2", "Got: 3"}, AnyOrder: true},
		Counterparts: []Counterpart{
			{`stage.NewChan[int]`, "channel()"},
			{`g.Go(`, "thread::spawn"},
			{`ch.Send(g, i)`, "tx.send(i)"},
			{`ch.Range(g)`, "rx.recv()"},
			{`g.Println("got", v)`, `println!("Got: {}"`},
		},
		run: channels,
	}
}

// show:begin
func channels(g *stage.G, p Values) []Stat {
	ch := stage.NewChan[int](g, "ch", p.Int("buffer"))
	wg := stage.NewWaitGroup(g, "producers")
	for i := range p.Int("producers") {
		wg.Add(g, 1)
		g.Go(fmt.Sprintf("producer %d", i), func(g *stage.G) {
			for range p.Int("messages") {
				g.Work(p.Duration("work") + g.Jitter(p.Duration("jitter")))
				ch.Send(g, i)
			}
			wg.Done(g)
		})
	}
	g.Go("closer", func(g *stage.G) {
		wg.Wait(g)
		ch.Close(g)
	})

	received := 0
	for v := range ch.Range(g) {
		g.Work(p.Duration("handle"))
		g.Println("got", v)
		received++
	}
	return []Stat{
		{Label: "messages received", Value: strconv.Itoa(received)},
		{Label: "messages sent", Value: strconv.Itoa(p.Int("producers") * p.Int("messages"))},
	}
}

// show:end

// channelsChallenges are what channels poses to whoever steers it.
func channelsChallenges() []Challenge {
	return []Challenge{{
		ID: "later-first", Title: "A later producer first",
		Text:   "Make the first value main receives come from a producer other than producer 0, though producer 0 was started first.",
		Solved: laterProducerFirst,
	}}
}

// laterProducerFirst says whether main's first value came from a producer other than
// producer 0: each producer sends its own number.
func laterProducerFirst(o Outcome) bool {
	ch := objectNamed(o.Events, "ch")
	for _, e := range o.Events {
		if e.Kind == stage.KindRecvEnd && e.G == 1 && e.Obj == ch && !e.Closed {
			return e.Value != "0"
		}
	}
	return false
}
