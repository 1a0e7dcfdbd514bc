package stage_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// RWMutex, Cond and Once, in both schedulers: each program's outcome is fixed by Go's
// semantics, whatever the interleaving, so the same assertions hold live and under every seed.

// check runs main to the end and checks its trace with Validate, which knows every kind
// (checkTrace leaves waitgroups and deadlocks aside).
func check(t *testing.T, cfg stage.Config, main func(g *stage.G)) ([]stage.Event, stage.End) {
	t.Helper()
	r := start(t, context.Background(), cfg, main)
	select {
	case <-r.Done():
	case <-time.After(guard):
		t.Fatalf("the run did not end within %s; events so far:\n%s", guard, dump(r.Events(0, nil)))
	}
	ev, end := r.Events(0, nil), r.End()
	if err := stage.Validate(ev, end); err != nil {
		t.Errorf("stage.Validate refuses the trace: %v", err)
	}
	return ev, end
}

// bothModes is a live configuration and a few seeds.
func bothModes() []stage.Config {
	return []stage.Config{fast, seeded(1), seeded(2), seeded(7), seeded(40)}
}

func modeName(cfg stage.Config) string {
	if cfg.Mode == stage.Seeded {
		return fmt.Sprintf("seeded-%d", cfg.Seed)
	}
	return "live"
}

// deadlocks returns each deadlock event's Op and Value, in order.
func deadlocks(ev []stage.Event) []string {
	var out []string
	for _, e := range ev {
		if e.Kind == stage.KindDeadlock {
			out = append(out, e.Op+" "+e.Value)
		}
	}
	return out
}

func TestRWMutexTryLocks(t *testing.T) {
	for _, cfg := range bothModes() {
		t.Run(modeName(cfg), func(t *testing.T) {
			var got []bool
			check(t, cfg, func(g *stage.G) {
				rw := stage.NewRWMutex(g, "rw")
				rw.RLock(g)
				got = append(got, rw.TryRLock(g), rw.TryLock(g)) // readers share; a writer must wait
				rw.RUnlock(g)
				rw.RUnlock(g)
				rw.Lock(g)
				got = append(got, rw.TryRLock(g), rw.TryLock(g)) // a writer excludes everyone
				rw.Unlock(g)
				got = append(got, rw.TryLock(g))
				rw.Unlock(g)
			})
			if want := []bool{true, false, false, false, true}; !slices.Equal(got, want) {
				t.Errorf("TryRLock, TryLock while read-locked, while locked, then free: %v, want %v", got, want)
			}
		})
	}
}

func TestRWMutexReadersHoldTogether(t *testing.T) {
	for _, cfg := range bothModes() {
		t.Run(modeName(cfg), func(t *testing.T) {
			_, end := check(t, cfg, func(g *stage.G) {
				rw := stage.NewRWMutex(g, "rw")
				both := stage.NewChan[int](g, "both", 0)
				rw.RLock(g)
				g.Go("reader", func(g *stage.G) {
					rw.RLock(g) // while main holds its read lock
					both.Send(g, 1)
					rw.RUnlock(g)
				})
				both.Recv(g)
				rw.RUnlock(g)
			})
			if end.Reason != stage.ReasonDone {
				t.Errorf("ended %s: %s", end.Reason, end.Message)
			}
		})
	}
}

// A goroutine that takes a read lock it holds, once a writer waits, deadlocks: the waiting
// Lock keeps the second RLock out, and the first is never released.
func TestRWMutexRecursiveReadLockDeadlocks(t *testing.T) {
	for _, cfg := range bothModes() {
		t.Run(modeName(cfg), func(t *testing.T) {
			ev, end := check(t, cfg, func(g *stage.G) {
				rw := stage.NewRWMutex(g, "table")
				rw.RLock(g)
				g.Go("writer", func(g *stage.G) { rw.Lock(g) })
				// Another read lock is let in until the writer waits. (Live, the writer must
				// get a processor to wait: without yielding, a busy machine let main spin to
				// the event limit first.)
				for rw.TryRLock(g) {
					rw.RUnlock(g)
					runtime.Gosched()
				}
				rw.RLock(g)
			})
			if end.Reason != stage.ReasonDeadlock {
				t.Fatalf("ended %s: %s", end.Reason, end.Message)
			}
			want := []string{"rlock blocked in RLock on table (writer waiting in Lock)", "lock blocked in Lock on table (read-locked by main)"}
			if got := deadlocks(ev); !slices.Equal(got, want) {
				t.Errorf("deadlock reports %q, want %q", got, want)
			}
			if !strings.Contains(end.Message, "main: blocked in RLock on table (writer waiting in Lock)") {
				t.Errorf("end message %q does not say who waits on whom", end.Message)
			}
		})
	}
}

// When a writer unlocks, the readers it kept out go in before the next writer; and no writer
// holds the lock while a reader does (Validate, through run, checks that).
func TestRWMutexUnlockLetsWaitingReadersIn(t *testing.T) {
	program := func(g *stage.G) {
		rw := stage.NewRWMutex(g, "rw")
		wg := stage.NewWaitGroup(g, "wg")
		for i := range 6 {
			wg.Add(g, 1)
			if i%3 == 0 {
				g.Go(fmt.Sprint("writer ", i), func(g *stage.G) {
					for range 3 {
						rw.Lock(g)
						g.Work(time.Millisecond)
						rw.Unlock(g)
					}
					wg.Done(g)
				})
				continue
			}
			g.Go(fmt.Sprint("reader ", i), func(g *stage.G) {
				for range 3 {
					rw.RLock(g)
					g.Work(time.Millisecond)
					rw.RUnlock(g)
				}
				wg.Done(g)
			})
		}
		wg.Wait(g)
	}
	configs := bothModes()
	for seed := range uint64(20) {
		configs = append(configs, seeded(100+seed))
	}
	for _, cfg := range configs {
		t.Run(modeName(cfg), func(t *testing.T) {
			ev, end := stage.Record(context.Background(), cfg, program)
			if err := stage.Validate(ev, end); err != nil || end.Reason != stage.ReasonDone {
				t.Fatalf("ended %s (%s): %v", end.Reason, end.Message, err)
			}
			waitingReaders := map[int]bool{}
			var owed map[int]bool // readers an unlock let in that have yet to record it
			for _, e := range ev {
				switch e.Kind {
				case stage.KindRLockBegin:
					waitingReaders[e.G] = true
				case stage.KindRLockEnd:
					delete(waitingReaders, e.G)
					delete(owed, e.G)
				case stage.KindUnlock:
					owed = map[int]bool{}
					for g := range waitingReaders {
						owed[g] = true
					}
				case stage.KindLockEnd:
					if len(owed) > 0 {
						t.Fatalf("seq %d: a writer takes the lock before the readers the last Unlock let in (%v)", e.Seq, owed)
					}
				}
			}
		})
	}
}

// queueOfWaiters has n goroutines wait on a Cond; main returns holding the mutex once all of
// them are in Wait. Each waiter counts itself under the mutex before it waits, and Wait
// releases the mutex as it begins to wait: so when main holds it and counts n, all n wait.
func queueOfWaiters(g *stage.G, n int, mu *stage.Mutex, c *stage.Cond, after func(g *stage.G)) {
	waiting := 0
	for i := range n {
		g.Go(fmt.Sprint("waiter ", i), func(g *stage.G) {
			mu.Lock(g)
			waiting++
			c.Wait(g)
			after(g)
			mu.Unlock(g)
		})
	}
	for {
		mu.Lock(g)
		if waiting == n {
			return
		}
		mu.Unlock(g)
		// A moment between two looks: on a busy machine the waiters may be a while coming,
		// and a loop of bare locks would fill the run's events first.
		g.Sleep(100 * time.Microsecond)
	}
}

func TestCondSignalAndBroadcast(t *testing.T) {
	for _, cfg := range bothModes() {
		t.Run(modeName(cfg), func(t *testing.T) {
			ev, end := check(t, cfg, func(g *stage.G) {
				mu := stage.NewMutex(g, "mu")
				c := stage.NewCond(g, "ready", mu)
				c.Signal(g) // no one waits: lost
				wg := stage.NewWaitGroup(g, "wg")
				wg.Add(g, 3)
				queueOfWaiters(g, 3, mu, c, func(g *stage.G) { wg.Done(g) })
				c.Signal(g)
				mu.Unlock(g)
				mu.Lock(g)
				c.Broadcast(g)
				mu.Unlock(g)
				wg.Wait(g)
			})
			if end.Reason != stage.ReasonDone {
				t.Fatalf("ended %s: %s", end.Reason, end.Message)
			}
			var wakes []stage.Event
			waitOrder := []int{}
			for _, e := range ev {
				switch e.Kind {
				case stage.KindSignal, stage.KindBroadcast:
					wakes = append(wakes, e)
				case stage.KindCondWaitBegin:
					waitOrder = append(waitOrder, e.G)
				}
			}
			if len(wakes) != 3 || wakes[0].Op != "lost" || wakes[0].Value != "0" || wakes[0].Msg != 0 ||
				wakes[1].Value != "1" || wakes[2].Kind != stage.KindBroadcast || wakes[2].Value != "2" {
				t.Fatalf("signal, signal, broadcast recorded as\n%s", dump(wakes))
			}
			// The Signal woke the longest waiter: the first to begin waiting.
			for _, e := range of(ev, waitOrder[0]) {
				if e.Kind == stage.KindCondWaitEnd && e.Msg != wakes[1].Msg {
					t.Errorf("the longest waiter was woken by wake %d, not the Signal's %d", e.Msg, wakes[1].Msg)
				}
			}
			woken := 0
			for _, e := range ev {
				if e.Kind == stage.KindCondWaitEnd && e.Msg == wakes[2].Msg {
					woken++
				}
			}
			if woken != 2 {
				t.Errorf("the Broadcast woke %d waiters, want 2", woken)
			}
		})
	}
}

// Wait's events: the unlock of the mutex and the wait begin at one instant; woken, the waiter
// locks the mutex again before Wait returns.
func TestCondWaitReleasesAndRetakesTheMutex(t *testing.T) {
	for _, cfg := range bothModes() {
		t.Run(modeName(cfg), func(t *testing.T) {
			ev, _ := check(t, cfg, func(g *stage.G) {
				mu := stage.NewMutex(g, "mu")
				c := stage.NewCond(g, "ready", mu)
				wg := stage.NewWaitGroup(g, "wg")
				wg.Add(g, 1)
				queueOfWaiters(g, 1, mu, c, func(g *stage.G) { wg.Done(g) })
				c.Signal(g)
				mu.Unlock(g)
				wg.Wait(g)
			})
			var got []stage.Kind
			for _, e := range of(ev, gid(ev, "waiter 0")) {
				got = append(got, e.Kind)
			}
			want := []stage.Kind{stage.KindLockBegin, stage.KindLockEnd, stage.KindUnlock, stage.KindCondWaitBegin,
				stage.KindCondWaitEnd, stage.KindLockBegin, stage.KindLockEnd, stage.KindWGAdd}
			if len(got) < len(want) || !slices.Equal(got[:len(want)], want) { // main may return before the waiter unlocks
				t.Errorf("the waiter records %v, want %v", got, want)
			}
			i := slices.IndexFunc(ev, func(e stage.Event) bool { return e.Kind == stage.KindCondWaitBegin })
			if ev[i-1].Kind != stage.KindUnlock || ev[i-1].T != ev[i].T {
				t.Errorf("the wait does not begin where the mutex is released:\n%s", dump(ev[i-1:i+1]))
			}
		})
	}
}

func TestCondWaitWithoutTheMutexPanics(t *testing.T) {
	for _, cfg := range bothModes()[:2] {
		t.Run(modeName(cfg), func(t *testing.T) {
			_, end := check(t, cfg, func(g *stage.G) {
				c := stage.NewCond(g, "ready", stage.NewMutex(g, "mu"))
				c.Wait(g)
			})
			if end.Reason != stage.ReasonPanic || !strings.Contains(end.Message, "unlock of unlocked mutex mu") {
				t.Errorf("ended %s: %s", end.Reason, end.Message)
			}
		})
	}
}

func TestOnceRunsItsFunctionOnce(t *testing.T) {
	for _, cfg := range bothModes() {
		t.Run(modeName(cfg), func(t *testing.T) {
			calls := 0
			ev, end := check(t, cfg, func(g *stage.G) {
				once := stage.NewOnce(g, "config")
				wg := stage.NewWaitGroup(g, "wg")
				for i := range 5 {
					wg.Add(g, 1)
					g.Go(fmt.Sprint("caller ", i), func(g *stage.G) {
						once.Do(g, func(g *stage.G) { g.Work(time.Millisecond); calls++ })
						if calls != 1 {
							panic("Do returned before the function had run")
						}
						wg.Done(g)
					})
				}
				wg.Wait(g)
				once.Do(g, func(*stage.G) { calls++ })
			})
			if end.Reason != stage.ReasonDone || calls != 1 {
				t.Fatalf("ended %s (%s) with %d calls", end.Reason, end.Message, calls)
			}
			if n, w := count(ev, stage.KindOnceRun), count(ev, stage.KindOnceWaitEnd); n != 1 || w != 5 {
				t.Errorf("%d runs and %d waits, want 1 and 5", n, w)
			}
		})
	}
}

func TestDeadlocksOnCondAndOnceAreReported(t *testing.T) {
	programs := []struct {
		name string
		main func(g *stage.G)
		want []string
	}{
		{"forgotten wait", func(g *stage.G) {
			mu := stage.NewMutex(g, "mu")
			c := stage.NewCond(g, "ready", mu)
			mu.Lock(g)
			c.Wait(g)
		}, []string{"cond-wait waiting on ready (in Wait)"}},
		{"Do inside Do", func(g *stage.G) {
			once := stage.NewOnce(g, "init")
			once.Do(g, func(g *stage.G) { once.Do(g, func(*stage.G) {}) })
		}, []string{"once blocked in Do on init (main runs its function)"}},
		{"a waiter of a stuck Do", func(g *stage.G) {
			once := stage.NewOnce(g, "init")
			never := stage.NewChan[int](g, "never", 0)
			running := stage.NewChan[int](g, "running", 0)
			g.Go("first", func(g *stage.G) {
				once.Do(g, func(g *stage.G) {
					running.Send(g, 1)
					never.Recv(g)
				})
			})
			running.Recv(g)
			once.Do(g, func(*stage.G) {})
		}, []string{"once blocked in Do on init (first runs its function)", "recv blocked receiving from never"}},
	}
	for _, p := range programs {
		for _, cfg := range bothModes()[:2] {
			t.Run(p.name+"/"+modeName(cfg), func(t *testing.T) {
				ev, end := check(t, cfg, p.main)
				if end.Reason != stage.ReasonDeadlock {
					t.Fatalf("ended %s: %s", end.Reason, end.Message)
				}
				if got := deadlocks(ev); !slices.Equal(got, p.want) {
					t.Errorf("deadlock reports %q, want %q", got, p.want)
				}
			})
		}
	}
}

// A stop ends every wait of the new kinds, live.
func TestStopWhileParked(t *testing.T) {
	waits := []struct {
		name string
		kind stage.Kind
		wait func(g *stage.G, rw *stage.RWMutex, mu *stage.Mutex, c *stage.Cond, once *stage.Once)
	}{
		{"reader", stage.KindRLockBegin, func(g *stage.G, rw *stage.RWMutex, _ *stage.Mutex, _ *stage.Cond, _ *stage.Once) { rw.RLock(g) }},
		{"writer", stage.KindLockBegin, func(g *stage.G, rw *stage.RWMutex, _ *stage.Mutex, _ *stage.Cond, _ *stage.Once) { rw.Lock(g) }},
		{"cond waiter", stage.KindCondWaitBegin, func(g *stage.G, _ *stage.RWMutex, mu *stage.Mutex, c *stage.Cond, _ *stage.Once) {
			mu.Lock(g)
			c.Wait(g)
		}},
		{"once waiter", stage.KindOnceWaitBegin, func(g *stage.G, _ *stage.RWMutex, _ *stage.Mutex, _ *stage.Cond, once *stage.Once) {
			once.Do(g, func(*stage.G) {})
		}},
	}
	for _, w := range waits {
		t.Run(w.name, func(t *testing.T) {
			release := newGate(t)
			r := start(t, context.Background(), stage.Config{}, func(g *stage.G) {
				rw := stage.NewRWMutex(g, "rw")
				mu := stage.NewMutex(g, "mu")
				c := stage.NewCond(g, "c", mu)
				once := stage.NewOnce(g, "once")
				rw.Lock(g)
				g.Go(w.name, func(g *stage.G) { w.wait(g, rw, mu, c, once) })
				once.Do(g, func(*stage.G) { <-release })
			})
			waitFor(t, r, w.name+" blocked", func(ev []stage.Event) bool {
				id := gid(ev, w.name)
				return id != 0 && lastKind(ev, id) == w.kind
			})
			r.Stop()
			release.open()
			ev, end := finish(t, r)
			if end.Reason != stage.ReasonStopped {
				t.Errorf("end %+v, want stopped", end)
			}
			if k := lastKind(ev, gid(ev, w.name)); k != w.kind {
				t.Errorf("%s's last event is %s, want it still in %s", w.name, k, w.kind)
			}
		})
	}
}

// The golden trace, which has one event of every kind, keeps the rules of the new kinds too.
func TestGoldenEventsKeepTheSyncRules(t *testing.T) {
	ev := goldenEvents()
	if err := stage.Validate(ev, stage.End{Reason: stage.ReasonPanic}); err != nil {
		t.Fatal(err)
	}
}

// The Chrome trace of the new kinds: their waits as slices, an arrow from a Broadcast to each
// goroutine it woke, and the tries, signals and the once's run as instants; live and seeded.
func TestChromeTraceOfSyncKinds(t *testing.T) {
	for _, cfg := range []stage.Config{fast, seeded(3)} {
		t.Run(modeName(cfg), func(t *testing.T) {
			ev, end := check(t, cfg, func(g *stage.G) {
				rw := stage.NewRWMutex(g, "table")
				rw.RLock(g)
				rw.TryLock(g)
				rw.RUnlock(g)
				mu := stage.NewMutex(g, "mu")
				c := stage.NewCond(g, "ready", mu)
				c.Signal(g)
				wg := stage.NewWaitGroup(g, "wg")
				wg.Add(g, 2)
				queueOfWaiters(g, 2, mu, c, func(g *stage.G) { wg.Done(g) })
				c.Broadcast(g)
				mu.Unlock(g)
				wg.Wait(g)
				once := stage.NewOnce(g, "setup")
				once.Do(g, func(*stage.G) {})
				once.Do(g, func(*stage.G) {})
			})
			if end.Reason != stage.ReasonDone {
				t.Fatalf("run ended %s: %s", end.Reason, end.Message)
			}
			file := chromeFile{TraceEvents: chromeEntries(t, ev)}
			names := map[string]int{}
			starts, finishes := map[int64]int{}, map[int64]int{}
			for _, e := range file.TraceEvents {
				switch e.Ph {
				case "X", "i":
					names[e.Name]++
				case "s":
					if e.Name == "wake" {
						starts[e.ID] = e.Tid
					}
				case "f":
					if e.Name == "wake" {
						finishes[e.ID] = e.Tid
					}
				}
			}
			for _, want := range []string{"read-lock table", "TryLock table: false", "signal ready: lost", "broadcast ready",
				"wait on ready", "once setup: runs its function", "once setup: done", "Do on setup"} {
				if names[want] == 0 {
					t.Errorf("no %q among %v", want, names)
				}
			}
			woken := map[int]bool{}
			for id, from := range starts {
				if from != 1 {
					t.Errorf("wake arrow %d starts on %d, not main, which broadcast", id, from)
				}
				woken[finishes[id]] = true
			}
			if len(starts) != 2 || len(woken) != 2 || woken[1] {
				t.Errorf("wake arrows to %v, want one to each waiter", woken)
			}
		})
	}
}
