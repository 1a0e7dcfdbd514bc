package scenarios

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"interleave/scenarios/stage"
)

//go:embed ticker.go
var tickerFile string

func tickerScenario() *Scenario {
	src, line := excerpt(tickerFile)
	return &Scenario{
		ID:      "ticker",
		Title:   "Ticker: a rate limiter with a burst",
		Summary: "Requests wait for a token; a ticker adds one every tick to a bucket that holds a burst.",
		Text: []string{
			"A rate limiter lets requests through no faster than a rate, here one per `every`. Go's classic one is a channel of tokens: `limiter`, with room for `burst` of them and filled to begin with. Main takes a token from it before it serves each request, so it waits whenever the bucket is empty; a `refill` goroutine adds one token at every tick of a `time.Ticker`.",
			"With `gap` at 0 every request has arrived at once, queued in `requests`. The first `burst` of them go through at once, on the tokens already there, and from then on one per tick: the timeline shows main blocked on `limiter` between ticks, each token landing from the ticker through `refill`. The end card lists when each went through.",
			"Space the requests out with `gap`. While they arrive slower than the ticks, the bucket fills up again between two and no request waits. A tick that finds it full is lost — `refill`'s `select` with a `default` — and the end card counts those. So the tokens saved up never exceed `burst`: however long the quiet, the next rush gets `burst` requests through at once, then one per tick again.",
			"Main stops the ticker when it is done. `Stop` ends the ticks but does not close the ticker's channel — a goroutine waiting on it would wait forever — so main also closes `done`, which `refill` watches in the same `select`, and waits for it to return.",
			"Rust's standard library has no ticker: a thread that sleeps in a loop is one. It drifts, where Go's ticker keeps to its period — each sleep starts when the last one's work ended — which is why the Rust's tokens carry the time of the tick that made them, counted, as the Go's carry the ticker's time, rather than reading the clock. The bucket is a `sync_channel` of `burst` tokens, and `try_send` loses a tick when it is full, as the `default` does.",
		},
		Params: []Param{
			{Name: "every", Label: "Tick every", Min: 50, Max: 1000, Step: 10, Default: 100, Unit: "ms", Help: "the ticker's period: one token per tick"},
			{Name: "burst", Label: "Burst", Min: 1, Max: 10, Step: 1, Default: 3, Help: "how many tokens the bucket holds, and is filled with at the start"},
			{Name: "requests", Label: "Requests", Min: 1, Max: 1_000, Step: 1, Default: 6, Help: "how many requests the client sends"},
			{Name: "gap", Label: "Arrival gap", Min: 0, Max: 500, Step: 10, Default: 0, Unit: "ms", Help: "time between requests arriving; 0: all at once"},
		},
		Source:     src,
		SourceLine: line,
		Rust: `use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn main() {
    let every = Duration::from_millis(100);
    // A token is the time of the tick that made it, as in the Go.
    let (tokens, limiter) = mpsc::sync_channel(3);
    for _ in 0..3 {
        tokens.send(0).unwrap(); // the burst
    }
    // std has no ticker: a thread sleeping in a loop.
    thread::spawn(move || {
        for tick in 1.. {
            thread::sleep(every);
            // A full bucket loses the tick.
            let _ = tokens.try_send(tick * every.as_millis());
        }
    });
    for r in 1..=6 {
        // Sleeps drift: the tick's count says when, not the clock.
        let at = limiter.recv().unwrap();
        println!("request {r} at {at}ms");
    }
}`,
		RustRun: RustRun{Prints: []string{
			"request 1 at 0ms", "request 2 at 0ms", "request 3 at 0ms",
			"request 4 at 100ms", "request 5 at 200ms", "request 6 at 300ms",
		}},
		Counterparts: []Counterpart{
			{`stage.NewChan[time.Duration](g, "limiter"`, "mpsc::sync_channel(3)"},
			{`limiter.Send(g, g.Now())`, "tokens.send(0)"},
			{`stage.NewTicker(`, "thread::spawn"},
			{`g.Go("refill"`, "thread::spawn"},
			{`tick.C().RecvCase(&t)`, "thread::sleep(every)"},
			{`limiter.SendCase(t)`, "tokens.try_send(tick"},
			{`stage.Default()`, "tokens.try_send(tick"},
			{`requests.Range(g)`, "for r in 1..=6"},
			{`limiter.Recv(g)`, "limiter.recv()"},
			{`g.Println(`, "println!"},
		},
		run: rateLimiter,
	}
}

// show:begin
func rateLimiter(g *stage.G, p Values) []Stat {
	limiter := stage.NewChan[time.Duration](g, "limiter", p.Int("burst"))
	for range p.Int("burst") {
		limiter.Send(g, g.Now()) // full to begin with: the burst
	}

	tick := stage.NewTicker(g, "tick", p.Duration("every"))
	done := stage.NewChan[struct{}](g, "done", 0)
	stopped := stage.NewWaitGroup(g, "refill stopped")
	stopped.Add(g, 1)
	lost := 0
	g.Go("refill", func(g *stage.G) {
		for refilling := true; refilling; {
			var t time.Duration
			switch g.Select(
				tick.C().RecvCase(&t),
				done.RecvCase(nil),
			) {
			case 0:
				if g.Select(
					limiter.SendCase(t), // one more token
					stage.Default(),     // the bucket is full
				) == 1 {
					lost++
				}
			case 1:
				refilling = false
			}
		}
		stopped.Done(g)
	})

	requests := stage.NewChan[int](g, "requests", p.Int("requests"))
	g.Go("client", func(g *stage.G) {
		for r := 1; r <= p.Int("requests"); r++ {
			g.Sleep(p.Duration("gap"))
			requests.Send(g, r)
		}
		requests.Close(g)
	})

	var served []string
	for r := range requests.Range(g) {
		limiter.Recv(g) // wait for a token
		at := g.Now().Milliseconds()
		g.Println(fmt.Sprintf("request %d at %dms", r, at))
		served = append(served, strconv.FormatInt(at, 10))
	}
	tick.Stop(g) // no more ticks, but its channel stays open
	done.Close(g)
	stopped.Wait(g)
	return []Stat{
		{Label: "served", Value: strconv.Itoa(len(served))},
		{Label: "served at (ms)", Value: strings.Join(served, " · ")},
		{Label: "ticks lost to a full bucket", Value: strconv.Itoa(lost)},
	}
}

// show:end

// tickerChallenges are what ticker poses to whoever steers it.
func tickerChallenges() []Challenge {
	return []Challenge{{
		ID: "lose-tick", Title: "Lose a tick",
		Text: "Have a tick find the bucket full, so that refill drops it (the bucket keeps no more than `burst` tokens). The clock decides it more than who runs when: while the requests come faster than the ticks, each token is spent as it comes. What must change?",
		Solved: func(o Outcome) bool {
			v, _ := summaryValue(o.Summary, "ticks lost to a full bucket")
			return v != "" && v != "0"
		},
	}}
}
