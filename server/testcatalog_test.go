package main

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// testCatalog holds scenarios that misbehave on purpose, for the server's hardening tests.
func testCatalog() *scenarios.Catalog {
	var searched atomic.Int64 // runs of slow-search
	return scenarios.NewCatalog(
		scenarios.NewScenario(scenarios.Scenario{ID: "calm", Title: "Calm",
			Params: []scenarios.Param{{Name: "lines", Label: "Lines", Min: 1, Max: 10, Step: 1, Default: 2}},
		}, func(g *stage.G, v scenarios.Values) []scenarios.Stat {
			for i := range v.Int("lines") {
				g.Println("line", i)
			}
			return []scenarios.Stat{{Label: "lines", Value: strconv.Itoa(v.Int("lines"))}}
		}),
		// boom: a worker prints, then panics; main waits for it forever.
		scenarios.NewScenario(scenarios.Scenario{ID: "boom", Title: "Boom",
			Params: []scenarios.Param{{Name: "at", Label: "At", Min: 0, Max: 10, Step: 1, Default: 3}},
		}, func(g *stage.G, v scenarios.Values) []scenarios.Stat {
			ch := stage.NewChan[int](g, "never", 0)
			g.Go("worker", func(g *stage.G) {
				for i := range v.Int("at") {
					g.Println("step", i)
				}
				var m map[string]int
				m["boom"]++ // a runtime panic, as real scenario bugs are
			})
			ch.Recv(g)
			return nil
		}),
		// main-panics: main itself panics with an error value.
		scenarios.NewScenario(scenarios.Scenario{ID: "main-panics", Title: "Main panics"},
			func(g *stage.G, v scenarios.Values) []scenarios.Stat {
				g.Println("about to fail")
				panic(strconv.ErrRange)
			}),
		// stuck: main and a helper block forever, with nothing pending that would end them.
		scenarios.NewScenario(scenarios.Scenario{ID: "stuck", Title: "Stuck"},
			func(g *stage.G, v scenarios.Values) []scenarios.Stat {
				ch := stage.NewChan[int](g, "never", 0)
				mu := stage.NewMutex(g, "mu")
				mu.Lock(g)
				g.Go("helper", func(g *stage.G) {
					mu.Lock(g)
				})
				ch.Recv(g)
				return nil
			}),
		// flood: main prints lines as fast as it can, a seeded run of them far faster than any
		// connection.
		scenarios.NewScenario(scenarios.Scenario{ID: "flood", Title: "Flood",
			Params: []scenarios.Param{{Name: "lines", Label: "Lines", Min: 1, Max: 100_000, Step: 1, Default: 20_000}},
		}, func(g *stage.G, v scenarios.Values) []scenarios.Stat {
			line := strings.Repeat("x", 200)
			for range v.Int("lines") {
				g.Println(line)
			}
			return nil
		}),
		// waits: main waits for its run to be stopped, outside the stage, so that even a
		// seeded run takes as long as whoever started it lets it.
		scenarios.NewScenario(scenarios.Scenario{ID: "waits", Title: "Waits"},
			func(g *stage.G, v scenarios.Values) []scenarios.Stat {
				g.Println("waiting")
				<-g.Context().Done()
				g.Println("stopped")
				return nil
			}),
		// slow-search: a search for what no run shows, whose first two runs end at once and
		// every later one waits for its run to be stopped.
		scenarios.NewScenario(scenarios.Scenario{ID: "slow-search", Title: "Slow search",
			Searches: []scenarios.Search{{Want: "nothing", Label: "Find nothing",
				Showed: func(stage.End, []scenarios.Stat) bool { return false }}},
		}, func(g *stage.G, v scenarios.Values) []scenarios.Stat {
			if searched.Add(1) > 2 {
				<-g.Context().Done()
			}
			g.Println("done")
			return nil
		}),
		// select-deadlock: a worker's select sends on a or on b, both buffered and so both
		// ready; main's select waits on a and on c, which nobody sends on. Whether main is left
		// waiting forever is the worker's choice, which the seed makes.
		scenarios.NewScenario(scenarios.Scenario{ID: "select-deadlock", Title: "Select deadlock",
			Searches: []scenarios.Search{{Want: "deadlock", Label: "Find a deadlock",
				Showed: func(end stage.End, _ []scenarios.Stat) bool { return end.Reason == stage.ReasonDeadlock }}},
		}, func(g *stage.G, v scenarios.Values) []scenarios.Stat {
			a := stage.NewChan[int](g, "a", 1)
			b := stage.NewChan[int](g, "b", 1)
			c := stage.NewChan[int](g, "c", 0)
			g.Go("worker", func(g *stage.G) {
				g.Select(a.SendCase(1), b.SendCase(2))
			})
			var got int
			g.Select(a.RecvCase(&got), c.RecvCase(&got))
			return []scenarios.Stat{{Label: "got", Value: strconv.Itoa(got)}}
		}),
		// ping: main and a partner bounce a number over two unbuffered channels, eight
		// events a round: a trace of any length, for the benchmarks of big runs.
		scenarios.NewScenario(scenarios.Scenario{ID: "ping", Title: "Ping",
			Params: []scenarios.Param{{Name: "rounds", Label: "Rounds", Min: 1, Max: 200_000, Step: 1, Default: 100}},
		}, func(g *stage.G, v scenarios.Values) []scenarios.Stat {
			ping := stage.NewChan[int](g, "ping", 0)
			pong := stage.NewChan[int](g, "pong", 0)
			g.Go("partner", func(g *stage.G) {
				for n := range ping.Range(g) {
					pong.Send(g, n+1)
				}
			})
			n := 0
			for range v.Int("rounds") {
				ping.Send(g, n)
				n, _ = pong.Recv(g)
			}
			ping.Close(g)
			return []scenarios.Stat{{Label: "n", Value: strconv.Itoa(n)}}
		}),
		// drip: main prints a line every 100µs of scenario time, forever: a pace any reading
		// client keeps up with.
		scenarios.NewScenario(scenarios.Scenario{ID: "drip", Title: "Drip"},
			func(g *stage.G, v scenarios.Values) []scenarios.Stat {
				line := strings.Repeat("x", 200)
				for {
					g.Println(line)
					g.Sleep(100 * time.Microsecond)
				}
			}),
	)
}

// logBuffer is a log destination tests can search.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// find returns the first log line containing s.
func (l *logBuffer) find(s string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(line, s) {
			return line, true
		}
	}
	return "", false
}

// logField reads key=value from a text log line.
func logField(t *testing.T, line, key string) int {
	t.Helper()
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("log field %s=%q: %v", key, v, err)
			}
			return n
		}
	}
	t.Fatalf("log line has no %s: %s", key, line)
	return 0
}
