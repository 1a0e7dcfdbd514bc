package stage_test

import (
	"context"
	"io"
	"runtime"
	"runtime/trace"
	"testing"

	"interleave/scenarios/stage"
)

// Ping-pong: two goroutines bounce an int over two unbuffered channels. One op is one round
// trip (two sends, two receives). The stage pair should cost at most 3× the raw pair, and
// recording should allocate at most one heap object per event, amortized.

func BenchmarkRawPingPong(b *testing.B) {
	b.ReportAllocs()
	rawPingPong(b.N)
}

// BenchmarkTracePingPong is the raw ping-pong with Go's own execution tracer recording it:
// what the stage's recording is measured against.
func BenchmarkTracePingPong(b *testing.B) {
	b.ReportAllocs()
	if err := trace.Start(io.Discard); err != nil {
		b.Fatal(err)
	}
	defer trace.Stop()
	b.ResetTimer()
	rawPingPong(b.N)
}

// rawPingPong bounces an int n times between two goroutines over unbuffered channels.
func rawPingPong(n int) {
	ping, pong := make(chan int), make(chan int)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for v := range ping {
			pong <- v + 1
		}
	}()
	for i := range n {
		ping <- i
		<-pong
	}
	close(ping)
	<-done
}

// roundTripsPerRun bounds the trace one run holds: b.N round trips are split over as many runs
// as needed, each starting with a fresh trace, so memory stays flat at any b.N.
const roundTripsPerRun = 1 << 15

func BenchmarkStagePingPong(b *testing.B) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	events := 0
	for left := b.N; left > 0; left -= roundTripsPerRun {
		n := min(left, roundTripsPerRun)
		r := stage.Start(context.Background(), stage.Config{MaxEvents: 8*n + 64}, pingPongProgram(n))
		<-r.Done()
		end := r.End()
		if end.Reason != stage.ReasonDone {
			b.Fatalf("run ended %q: %s", end.Reason, end.Message)
		}
		events += end.Events
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
}

// A two-case select: a goroutine sends on two unbuffered channels in turn, and the other
// takes each value in a select over both. One op is one send and one select.

func BenchmarkRawSelect(b *testing.B) {
	b.ReportAllocs()
	x, y := make(chan int), make(chan int)
	go func() {
		for i := range b.N {
			if i%2 == 0 {
				x <- i
			} else {
				y <- i
			}
		}
	}()
	for range b.N {
		select {
		case <-x:
		case <-y:
		}
	}
}

func BenchmarkStageSelect(b *testing.B) {
	b.ReportAllocs()
	for left := b.N; left > 0; left -= roundTripsPerRun {
		n := min(left, roundTripsPerRun)
		r := stage.Start(context.Background(), stage.Config{MaxEvents: 6*n + 64}, func(g *stage.G) {
			x := stage.NewChan[int](g, "x", 0)
			y := stage.NewChan[int](g, "y", 0)
			g.Go("sender", func(g *stage.G) {
				for i := range n {
					if i%2 == 0 {
						x.Send(g, i)
					} else {
						y.Send(g, i)
					}
				}
			})
			for range n {
				g.Select(x.RecvCase(nil), y.RecvCase(nil))
			}
		})
		<-r.Done()
		if end := r.End(); end.Reason != stage.ReasonDone {
			b.Fatalf("run ended %q: %s", end.Reason, end.Message)
		}
	}
}
