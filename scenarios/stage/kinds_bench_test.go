package stage_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"interleave/scenarios/stage"
)

// What each kind of event costs to record: a lone live goroutine doing one operation over and
// over, with nothing to wait for, beside the Go it stands for. Each reports ns and bytes per
// event, amortized over runs of up to roundTripsPerRun operations.
//
//	go test -run '^$' -bench Kinds ./scenarios/stage

// kindBench is one kind of operation: what it does on the stage (setup makes the objects and
// returns the operation), how many events an operation records, and the same in raw Go (nil
// when Go has no twin).
type kindBench struct {
	name   string
	events int
	stage  func(g *stage.G) func(g *stage.G)
	raw    func() func()
}

var sink int64

// entryBytes is what the stage stores an event in (store.go).
const entryBytes = 32

func kindBenches() []kindBench {
	return []kindBench{
		{"mutex", 3, func(g *stage.G) func(*stage.G) {
			mu := stage.NewMutex(g, "mu")
			return func(g *stage.G) { mu.Lock(g); mu.Unlock(g) }
		}, func() func() {
			var mu sync.Mutex
			return func() { mu.Lock(); mu.Unlock() }
		}},
		{"atomic-add", 1, func(g *stage.G) func(*stage.G) {
			a := stage.NewAtomicInt(g, "a", 0)
			return func(g *stage.G) { a.Add(g, 1) }
		}, func() func() {
			var a atomic.Int64
			return func() { a.Add(1) }
		}},
		{"atomic-cas", 2, func(g *stage.G) func(*stage.G) {
			a := stage.NewAtomicInt(g, "a", 0)
			return func(g *stage.G) { a.CompareAndSwap(g, a.Load(g), 7) }
		}, func() func() {
			var a atomic.Int64
			return func() { a.CompareAndSwap(a.Load(), 7) }
		}},
		{"waitgroup", 2, func(g *stage.G) func(*stage.G) {
			wg := stage.NewWaitGroup(g, "wg")
			return func(g *stage.G) { wg.Add(g, 1); wg.Done(g) }
		}, func() func() {
			var wg sync.WaitGroup
			return func() { wg.Add(1); wg.Done() }
		}},
		{"buffered-chan", 4, func(g *stage.G) func(*stage.G) {
			ch := stage.NewChan[int](g, "ch", 1)
			return func(g *stage.G) { ch.Send(g, 1); ch.Recv(g) }
		}, func() func() {
			ch := make(chan int, 1)
			return func() { ch <- 1; <-ch }
		}},
		{"cell", 2, func(g *stage.G) func(*stage.G) {
			c := stage.NewCell(g, "c", 0)
			return func(g *stage.G) { c.Set(g, c.Get(g)+1) }
		}, func() func() {
			v := 0 // a Cell is Rust's; its Go counterpart is a plain variable
			return func() { v++; sink = int64(v) }
		}},
		{"refcell", 2, func(g *stage.G) func(*stage.G) {
			c := stage.NewRefCell(g, "c", 0)
			return func(g *stage.G) { b := c.Borrow(g); b.Release(g) }
		}, nil},
		{"rwmutex-read", 3, func(g *stage.G) func(*stage.G) {
			rw := stage.NewRWMutex(g, "rw")
			return func(g *stage.G) { rw.RLock(g); rw.RUnlock(g) }
		}, func() func() {
			var rw sync.RWMutex
			return func() { rw.RLock(); rw.RUnlock() }
		}},
		{"rwmutex-write", 3, func(g *stage.G) func(*stage.G) {
			rw := stage.NewRWMutex(g, "rw")
			return func(g *stage.G) { rw.Lock(g); rw.Unlock(g) }
		}, func() func() {
			var rw sync.RWMutex
			return func() { rw.Lock(); rw.Unlock() }
		}},
		{"cond-signal", 1, func(g *stage.G) func(*stage.G) {
			c := stage.NewCond(g, "c", stage.NewMutex(g, "mu"))
			return func(g *stage.G) { c.Signal(g) } // no waiter: lost
		}, func() func() {
			c := sync.NewCond(&sync.Mutex{})
			return func() { c.Signal() }
		}},
		{"once-done", 2, func(g *stage.G) func(*stage.G) {
			once := stage.NewOnce(g, "once")
			once.Do(g, func(*stage.G) {})
			return func(g *stage.G) { once.Do(g, func(*stage.G) {}) }
		}, func() func() {
			var once sync.Once
			once.Do(func() {})
			return func() { once.Do(func() {}) }
		}},
	}
}

func BenchmarkKinds(b *testing.B) {
	for _, k := range kindBenches() {
		benchKind(b, k)
	}
}

// benchKind runs k on the stage and, when Go has a twin, in raw Go, as sub-benchmarks.
func benchKind(b *testing.B, k kindBench) {
	b.Run(k.name+"/stage", func(b *testing.B) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.ResetTimer()
		for left := b.N; left > 0; left -= roundTripsPerRun {
			n := min(left, roundTripsPerRun)
			// As many goroutines as operations, for the kinds that start one (an errgroup's Go).
			r := stage.Start(context.Background(), stage.Config{MaxEvents: k.events*n + 64, MaxGoroutines: stage.MaxGoroutinesCap}, func(g *stage.G) {
				op := k.stage(g)
				for range n {
					op(g)
				}
			})
			<-r.Done()
			if end := r.End(); end.Reason != stage.ReasonDone {
				b.Fatalf("run ended %q: %s", end.Reason, end.Message)
			}
		}
		b.StopTimer()
		runtime.ReadMemStats(&after)
		events := float64(b.N * k.events)
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
		// Beyond the event's own 32-byte entry, which is the trace itself.
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/events-entryBytes, "B/event")
	})
	if k.raw == nil {
		return
	}
	b.Run(k.name+"/raw", func(b *testing.B) {
		op := k.raw()
		for range b.N {
			op()
		}
	})
}
