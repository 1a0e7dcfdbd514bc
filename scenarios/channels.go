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
		Summary: "Several goroutines send on one channel; main receives every message.",
		Text: []string{
			"Rust's `mpsc` channel has one receiving end and a `Sender` you clone for each extra producer. A Go channel needs no cloning: every goroutine that can see `ch` may send on it, and any may receive.",
			"Each producer works for a while, then sends its number. With `buffer` 0 the channel is unbuffered: a send waits until main is there to receive it, so every arrow is a rendezvous and producers queue up, shaded as blocked. Give the channel a buffer and producers drop their message into a free slot and move on.",
			"Run it twice: the order of the messages changes, because the Go scheduler decides who gets to the channel first.",
		},
		Params: []Param{
			{Name: "producers", Label: "Producers", Min: 1, Max: 16, Step: 1, Default: 4, Help: "goroutines sending on the channel"},
			{Name: "messages", Label: "Messages each", Min: 1, Max: 10, Step: 1, Default: 3, Help: "how many values each producer sends"},
			{Name: "buffer", Label: "Buffer", Min: 0, Max: 16, Step: 1, Default: 0, Help: "channel capacity; 0 makes it unbuffered"},
			{Name: "work", Label: "Work time", Min: 0, Max: 1000, Step: 10, Default: 300, Unit: "ms", Help: "how long a producer works before each send"},
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
		run: channels,
	}
}

// show:begin
func channels(g *stage.G, p Values) []Stat {
	ch := stage.NewChan[int](g, "ch", p.Int("buffer"))
	for i := range p.Int("producers") {
		g.Go(fmt.Sprintf("producer %d", i), func(g *stage.G) {
			for range p.Int("messages") {
				g.Work(p.Duration("work"))
				ch.Send(g, i)
			}
		})
	}

	total := p.Int("producers") * p.Int("messages")
	for range total {
		v, _ := ch.Recv(g)
		g.Println("got", v)
	}
	return []Stat{{Label: "messages received", Value: strconv.Itoa(total)}}
}

// show:end
