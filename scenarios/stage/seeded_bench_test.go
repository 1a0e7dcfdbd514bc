package stage_test

import (
	"context"
	"testing"

	"interleave/scenarios/stage"
)

// pingPongProgram bounces n values between two goroutines over unbuffered channels: every
// operation is a scheduling point, and most hand the baton to the other goroutine.
func pingPongProgram(n int) func(g *stage.G) {
	return func(g *stage.G) {
		ping := stage.NewChan[int](g, "ping", 0)
		pong := stage.NewChan[int](g, "pong", 0)
		g.Go("ponger", func(g *stage.G) {
			for range n {
				v, _ := ping.Recv(g)
				pong.Send(g, v+1)
			}
		})
		for i := range n {
			ping.Send(g, i)
			pong.Recv(g)
		}
	}
}

// BenchmarkSeededRun runs a seeded scenario with tens of thousands of scheduling points and
// reports how many events it records per second (running and recording, not encoding).
func BenchmarkSeededRun(b *testing.B) {
	const roundTrips = 10_000
	events := 0
	for i := range b.N {
		r := stage.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: uint64(i), MaxEvents: 8*roundTrips + 64}, pingPongProgram(roundTrips))
		<-r.Done()
		if end := r.End(); end.Reason != stage.ReasonDone {
			b.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		events += r.Len()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEncodeTrace encodes a seeded trace to its wire JSON and reports events per second.
func BenchmarkEncodeTrace(b *testing.B) {
	events, _ := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 1, MaxEvents: 1 << 20}, pingPongProgram(10_000))
	buf := make([]byte, 0, 100*len(events))
	b.ResetTimer()
	for range b.N {
		buf = stage.AppendEvents(buf[:0], events)
	}
	b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
	b.SetBytes(int64(len(buf)))
}
