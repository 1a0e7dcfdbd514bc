package stage_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"interleave/scenarios/stage"
)

// The weighted semaphore and the errgroup beside golang.org/x/sync's, as BenchmarkKinds
// measures the other kinds: a lone live goroutine, nothing to wait for.
//
//	go test -run '^$' -bench SemaphoreAndGroup ./scenarios/stage
func BenchmarkSemaphoreAndGroup(b *testing.B) {
	errFailed := errors.New("failed")
	for _, k := range []kindBench{
		// acquire-begin, acquire-end, sem-release
		{"semaphore", 3, func(g *stage.G) func(*stage.G) {
			sem := stage.NewWeighted(g, "sem", 4)
			ctx := stage.Background()
			return func(g *stage.G) { sem.Acquire(g, ctx, 3); sem.Release(g, 3) }
		}, func() func() {
			sem := semaphore.NewWeighted(4)
			ctx := context.Background()
			return func() { sem.Acquire(ctx, 3); sem.Release(3) }
		}},
		{"semaphore-try", 3, func(g *stage.G) func(*stage.G) {
			sem := stage.NewWeighted(g, "sem", 4)
			return func(g *stage.G) { sem.TryAcquire(g, 1); sem.Release(g, 1) }
		}, func() func() {
			sem := semaphore.NewWeighted(4)
			return func() { sem.TryAcquire(1); sem.Release(1) }
		}},
		// group-go-begin, group-go-end, go, group-done, exit, group-wait-begin, group-wait-end
		// (and its context's cancel, the first time)
		{"errgroup", 7, func(g *stage.G) func(*stage.G) {
			grp := stage.NewGroup(g, "group")
			return func(g *stage.G) {
				grp.Go(g, "task", func(*stage.G) error { return errFailed })
				grp.Wait(g)
			}
		}, func() func() {
			var grp errgroup.Group
			return func() {
				grp.Go(func() error { return errFailed })
				grp.Wait()
			}
		}},
	} {
		benchKind(b, k)
	}
}
