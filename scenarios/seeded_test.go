package scenarios

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// seededTrace runs s seeded and returns its trace as the socket would send it.
func seededTrace(t *testing.T, s *Scenario, vals Values, seed uint64) ([]byte, stage.End, []Stat) {
	t.Helper()
	r := s.Start(context.Background(), seededConfig(seed), vals)
	<-r.Done()
	ev, end := r.Events(0, nil), r.End()
	if err := stage.Validate(ev, end); err != nil {
		t.Fatalf("%s seed %d: the trace breaks the stage's rules: %v", s.ID, seed, err)
	}
	return stage.AppendEvents(nil, ev), end, r.Summary()
}

// seedsFor is how many seeds a seeded test runs s with vals at: three, or one for a big set,
// or none when the big sets are left out of this test run (skipBig).
func seedsFor(s *Scenario, vals Values) uint64 {
	switch {
	case !big(s, vals):
		return 3
	case skipBig() != "":
		return 0
	}
	return 1
}

// TestSeededTracesAreReproducible: the same scenario, params and seed give the same bytes,
// run after run, whatever GOMAXPROCS is.
func TestSeededTracesAreReproducible(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range New().All() {
		for name, vals := range map[string]Values{"defaults": s.Defaults(), "all max": valueSets(s)["all max"]} {
			seeds := seedsFor(s, vals)
			for seed := uint64(1); seed <= seeds; seed++ {
				runtime.GOMAXPROCS(1)
				first, end, _ := seededTrace(t, s, vals, seed)
				if end.Reason != stage.ReasonDone && end.Reason != stage.ReasonDeadlock && !(end.Reason == stage.ReasonPanic && mayPanic(s, vals)) {
					t.Errorf("%s %s seed %d ended %s: %s", s.ID, name, seed, end.Reason, end.Message)
				}
				for _, procs := range []int{1, 4} {
					runtime.GOMAXPROCS(procs)
					if again, _, _ := seededTrace(t, s, vals, seed); !bytes.Equal(first, again) {
						t.Errorf("%s %s seed %d: the trace differs at GOMAXPROCS %d", s.ID, name, seed, procs)
					}
				}
			}
		}
	}
}

func TestSeedsGiveDifferentInterleavingsAndSomeLoseUpdates(t *testing.T) {
	s, _ := New().Lookup("atomic-counter")
	vals := s.Defaults()
	vals["method"] = methodLoadStore
	traces := map[string]bool{}
	lost := 0
	for seed := uint64(1); seed <= 10; seed++ {
		trace, _, summary := seededTrace(t, s, vals, seed)
		traces[string(trace)] = true
		if v, _ := stat(summary, "lost updates"); v != "0" {
			lost++
		}
	}
	if len(traces) < 2 {
		t.Errorf("10 seeds gave %d distinct traces", len(traces))
	}
	if lost == 0 {
		t.Error("no seed of 10 lost an update in load-store mode")
	}
	vals["method"] = methodAtomic
	for seed := uint64(1); seed <= 10; seed++ {
		if _, _, summary := seededTrace(t, s, vals, seed); !strings.Contains(fmt.Sprint(summary), "{lost updates 0}") {
			t.Errorf("seed %d lost an update with atomic adds: %v", seed, summary)
		}
	}
}

func TestDeadlockIsFoundWithItsWaiters(t *testing.T) {
	s, _ := New().Lookup("deadlock")
	vals := s.Defaults()
	vals["philosophers"] = 3
	for seed := uint64(1); seed <= 200; seed++ {
		r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: seed}, vals)
		<-r.Done()
		if r.End().Reason != stage.ReasonDeadlock {
			continue
		}
		forks := map[int]string{}
		var reports []stage.Event
		for _, e := range r.Events(0, nil) {
			switch e.Kind {
			case stage.KindNew:
				forks[e.Obj] = e.Name
			case stage.KindDeadlock:
				reports = append(reports, e)
			}
		}
		if len(reports) != 4 {
			t.Fatalf("seed %d: %d deadlock reports, want main and 3 philosophers", seed, len(reports))
		}
		if reports[0].G != 1 || reports[0].Op != "wait" {
			t.Errorf("main's report: %+v, want it waiting on the table", reports[0])
		}
		for i, e := range reports[1:] {
			want := fmt.Sprintf("fork %d", (i+1)%3)
			holder := fmt.Sprintf("held by philosopher %d", (i+1)%3)
			if e.Op != "lock" || forks[e.Obj] != want || !strings.Contains(e.Value, holder) {
				t.Errorf("philosopher %d's report: op %s on %s, %q; want lock on %s, %s", i, e.Op, forks[e.Obj], e.Value, want, holder)
			}
		}
		return
	}
	t.Fatal("no seed of 200 deadlocked three philosophers")
}

func TestOrderedLockingNeverDeadlocks(t *testing.T) {
	s, _ := New().Lookup("deadlock")
	for _, n := range []int{2, 3, 5, 8} {
		vals := s.Defaults()
		vals["philosophers"], vals["fix"] = n, 1
		for seed := uint64(1); seed <= 200; seed++ {
			if _, end, _ := seededTrace(t, s, vals, seed); end.Reason != stage.ReasonDone {
				t.Fatalf("%d philosophers with ordered locking, seed %d: %s: %s", n, seed, end.Reason, end.Message)
			}
		}
	}
}

// Workers that watch their context are all gone when main returns; of those that do not, every
// one main gave up on is left behind.
func TestCancelLeavesBehindOnlyWorkersThatDoNotLook(t *testing.T) {
	s, _ := New().Lookup("cancel")
	for _, tc := range []struct {
		name string
		set  Values
	}{
		{"defaults", Values{}},
		{"no time to finish", Values{"deadline": 10}},
		{"all the time needed", Values{"deadline": 2000}},
		{"more workers than processors", Values{"groups": 4, "workers": 6}},
	} {
		for _, check := range []int{checkNo, checkYes} {
			vals := s.Defaults()
			maps.Copy(vals, tc.set)
			vals["check"] = check
			for seed := uint64(1); seed <= 20; seed++ {
				_, end, summary := seededTrace(t, s, vals, seed)
				if end.Reason != stage.ReasonDone {
					t.Fatalf("%s, check %d, seed %d: ended %s: %s", tc.name, check, seed, end.Reason, end.Message)
				}
				givenUp, _ := stat(summary, "given up on")
				n, _ := strconv.Atoi(givenUp)
				switch {
				case check == checkYes && len(end.Leftover) > 0:
					t.Errorf("%s, seed %d: watching workers left behind: %v", tc.name, seed, end.Leftover)
				case check == checkNo && len(end.Leftover) < n:
					t.Errorf("%s, seed %d: main gave up on %d workers, but left behind only %v", tc.name, seed, n, end.Leftover)
				}
			}
		}
	}
}

// seededEvents runs s seeded and returns its events, checked by the validator.
func seededEvents(t *testing.T, s *Scenario, vals Values, seed uint64) ([]stage.Event, stage.End, []Stat) {
	t.Helper()
	r := s.Start(context.Background(), seededConfig(seed), vals)
	<-r.Done()
	ev, end := r.Events(0, nil), r.End()
	if err := stage.Validate(ev, end); err != nil {
		t.Fatalf("%s seed %d: the trace breaks the stage's rules: %v", s.ID, seed, err)
	}
	return ev, end, r.Summary()
}

// The semaphore and errgroup scenarios keep their promises in seeded runs too, at their
// defaults and extremes.
func TestSemaphoreAndErrgroupSeededKeepTheirPromises(t *testing.T) {
	for _, id := range []string{"semaphore", "errgroup"} {
		s, _ := New().Lookup(id)
		for name, vals := range valueSets(s) {
			for seed := uint64(1); seed <= 3; seed++ {
				ev, end, summary := seededEvents(t, s, vals, seed)
				if end.Reason != stage.ReasonDone {
					t.Fatalf("%s %s seed %d ended %s: %s", id, name, seed, end.Reason, end.Message)
				}
				if err := expectations[id](vals, ev, summary); err != nil {
					t.Errorf("%s %s seed %d: %v", id, name, seed, err)
				}
				// On the virtual clock, time is the scenario's own: a job gives up only if it
				// is too big, or if what runs before it takes longer than its patience.
				if gaveUp, _ := stat(summary, "gave up"); id == "semaphore" && name == "defaults" && gaveUp != strconv.Itoa(tooBig(vals)) {
					t.Errorf("semaphore defaults seed %d: %s jobs gave up, want %d", seed, gaveUp, tooBig(vals))
				}
			}
		}
	}
}

// The rate limiter lets the i-th request (from 0) through no sooner than the (i+1-burst)-th
// tick: beyond the burst, no faster than the rate. With every request there at once, that is
// exactly when each goes; and the refill goroutine has returned before main does.
func TestTickerLetsRequestsThroughAtTheRate(t *testing.T) {
	s, _ := New().Lookup("ticker")
	for _, set := range []Values{
		{},
		{"burst": 1},
		{"burst": 10, "requests": 30},
		{"every": 50, "requests": 20},
		{"gap": 70},
		{"gap": 100},
		{"gap": 500, "every": 50, "requests": 10},
	} {
		vals := s.Defaults()
		maps.Copy(vals, set)
		every, burst := vals.Duration("every"), vals.Int("burst")
		for seed := uint64(1); seed <= 5; seed++ {
			r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: seed}, vals)
			<-r.Done()
			ev, end := r.Events(0, nil), r.End()
			if end.Reason != stage.ReasonDone || len(end.Leftover) > 0 {
				t.Fatalf("%v seed %d: ended %s (%s), leaving %v", set, seed, end.Reason, end.Message, end.Leftover)
			}
			limiter := 0
			var served []time.Duration
			for _, e := range ev {
				switch {
				case e.Kind == stage.KindNew && e.Name == "limiter":
					limiter = e.Obj
				case e.Kind == stage.KindRecvEnd && e.G == 1 && e.Obj == limiter:
					served = append(served, time.Duration(e.T))
				}
			}
			if len(served) != vals.Int("requests") {
				t.Fatalf("%v seed %d: %d requests took a token, want %d", set, seed, len(served), vals.Int("requests"))
			}
			for i, at := range served {
				earliest := time.Duration(max(0, i+1-burst)) * every
				if at < earliest || (vals.Int("gap") == 0 && at != earliest) {
					t.Errorf("%v seed %d: request %d went through at %s; the earliest it may is %s", set, seed, i, at, earliest)
				}
			}
		}
	}
}

// What the semaphore scenario is about: some seed shows a light job waiting behind a big one
// while a unit of weight is free, and served only after it.
func TestASeedShowsALightJobHeldBackByABigOne(t *testing.T) {
	s, _ := New().Lookup("semaphore")
	for seed := uint64(1); seed <= 50; seed++ {
		ev, _, _ := seededEvents(t, s, s.Defaults(), seed)
		inUse := int64(0)
		var bigWaiting int // a big job's goroutine waiting, or 0
		heldBack := map[int]bool{}
		for _, e := range ev {
			switch e.Kind {
			case stage.KindAcquireBegin:
				switch {
				case e.Value == "3" && bigWaiting == 0:
					bigWaiting = e.G
				case e.Value == "1" && bigWaiting != 0 && inUse < int64(s.Defaults().Int("limit")):
					heldBack[e.G] = true
				}
			case stage.KindAcquireEnd:
				inUse = e.New
				if e.G == bigWaiting {
					bigWaiting = 0
				} else if heldBack[e.G] && bigWaiting == 0 {
					return // served after the big one, as it came after it
				} else if heldBack[e.G] {
					t.Fatalf("seed %d: goroutine %d, a light job behind a big one, was served first", seed, e.G)
				}
			case stage.KindSemRelease:
				inUse = e.New
			}
		}
	}
	t.Fatal("no seed of 50 shows a light job held back behind a big one")
}

// The errgroup scenario at its defaults: whatever the seed, fetch 3's error is the first,
// cancels the group's context at once, and is what Wait returns.
func TestTheFirstErrorCancelsTheGroupInEverySeed(t *testing.T) {
	s, _ := New().Lookup("errgroup")
	for seed := uint64(1); seed <= 20; seed++ {
		ev, _, summary := seededEvents(t, s, s.Defaults(), seed)
		if got, _ := stat(summary, "Wait returned"); got != "fetch 3: not found" {
			t.Fatalf("seed %d: Wait returned %q", seed, got)
		}
		for i, e := range ev {
			if e.Kind == stage.KindGroupDone && e.Op == "first" {
				if next := ev[i+1]; next.Kind != stage.KindCancel || next.G != e.G || e.Value != "fetch 3: not found" {
					t.Fatalf("seed %d: the first error %+v is followed by %+v, not its cancel", seed, e, next)
				}
			}
		}
	}
}

// A reader that read-locks twice deadlocks once a writer waits between its two RLocks: seeds
// find it, and the reports say who waits on whom — the reader in RLock behind the waiting
// writer, the writer in Lock behind the reader's first read lock.
func TestReadLockTwiceDeadlocksBehindAWaitingWriter(t *testing.T) {
	s, _ := New().Lookup("readers-writers")
	vals := s.Defaults()
	vals["readers"], vals["writers"], vals["twice"] = 1, 1, 1
	for seed := uint64(1); seed <= 100; seed++ {
		r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: seed}, vals)
		<-r.Done()
		if r.End().Reason != stage.ReasonDeadlock {
			continue
		}
		var reports []string
		for _, e := range r.Events(0, nil) {
			if e.Kind == stage.KindDeadlock {
				reports = append(reports, e.Op+" "+e.Value)
			}
		}
		want := []string{"wait waiting for done", "rlock blocked in RLock on table (writer 0 waiting in Lock)", "lock blocked in Lock on table (read-locked by reader 0)"}
		if !slices.Equal(reports, want) {
			t.Fatalf("seed %d: deadlock reports %q, want %q", seed, reports, want)
		}
		return
	}
	t.Fatal("no seed of 100 deadlocked a reader that read-locks twice")
}

// Without the second read lock, no seed deadlocks: readers and writers take turns.
func TestReadersAndWritersNeverDeadlockReadingOnce(t *testing.T) {
	s, _ := New().Lookup("readers-writers")
	vals := s.Defaults()
	vals["writers"] = 2
	for seed := uint64(1); seed <= 100; seed++ {
		if _, end, _ := seededTrace(t, s, vals, seed); end.Reason != stage.ReasonDone {
			t.Fatalf("seed %d: %s: %s", seed, end.Reason, end.Message)
		}
	}
}

// A consumer that checks its condition with for never takes from an empty queue, whether
// producers signal or broadcast; one that checks with if does, at some seeds, and Go panics.
func TestBoundedQueueNeedsForAroundWait(t *testing.T) {
	s, _ := New().Lookup("bounded-queue")
	for _, wake := range []int{wakeSignal, wakeBroadcast} {
		vals := s.Defaults()
		vals["wake"] = wake
		for seed := uint64(1); seed <= 100; seed++ {
			if _, end, _ := seededTrace(t, s, vals, seed); end.Reason != stage.ReasonDone {
				t.Fatalf("wake %s, check for, seed %d: %s: %s", s.Params[5].Choices[wake], seed, end.Reason, end.Message)
			}
		}
		vals["check"] = checkIf
		found := false
		for seed := uint64(1); seed <= 100 && !found; seed++ {
			_, end, _ := seededTrace(t, s, vals, seed)
			found = end.Reason == stage.ReasonPanic && strings.Contains(end.Message, "index out of range [0] with length 0")
		}
		if !found {
			t.Errorf("wake %s, check if: no seed of 100 took from an empty queue", s.Params[5].Choices[wake])
		}
	}
}

// Handlers that arrive together: one runs the load, and every other Do waits for it under
// every seed; handlers that arrive after it return at once.
func TestOnceMakesLateComersWait(t *testing.T) {
	s, _ := New().Lookup("once")
	vals := s.Defaults()
	vals["jitter"] = 0
	for seed := uint64(1); seed <= 20; seed++ {
		r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: seed}, vals)
		<-r.Done()
		ev := r.Events(0, nil)
		var done stage.Event
		for _, e := range ev {
			if e.Kind == stage.KindOnceDone {
				done = e
			}
		}
		waited := 0
		for i, e := range ev {
			if e.Kind != stage.KindOnceWaitEnd {
				continue
			}
			if e.Seq < done.Seq {
				t.Fatalf("seed %d: a Do returns at seq %d, before the load did at %d", seed, e.Seq, done.Seq)
			}
			if e.T > ev[i-1].T || ev[i-1].Kind != stage.KindOnceWaitBegin {
				waited++
			}
		}
		if waited != vals.Int("handlers")-1 {
			t.Errorf("seed %d: %d Dos waited for the load, want all %d others", seed, waited, vals.Int("handlers")-1)
		}
	}
}

// Every scenario at its defaults and extremes, seeded at a few seeds: each trace keeps the
// stage's rules (seededTrace validates it), and a run that ends well keeps the scenario's
// promises; one that does not ends in the deadlock or the panic the scenario is about.
func TestEverySeededRunKeepsTheRules(t *testing.T) {
	for _, s := range New().All() {
		for name, vals := range valueSets(s) {
			seeds := seedsFor(s, vals)
			for seed := uint64(1); seed <= seeds; seed++ {
				r := s.Start(context.Background(), seededConfig(seed), vals)
				<-r.Done()
				ev, end := r.Events(0, nil), r.End()
				if err := stage.Validate(ev, end); err != nil {
					t.Fatalf("%s %s seed %d: the trace breaks the stage's rules: %v", s.ID, name, seed, err)
				}
				switch {
				case end.Reason == stage.ReasonDeadlock && mayDeadlock(s, vals), end.Reason == stage.ReasonPanic && mayPanic(s, vals):
				case end.Reason != stage.ReasonDone:
					t.Errorf("%s %s seed %d ended %s: %s", s.ID, name, seed, end.Reason, end.Message)
				case expectations[s.ID] != nil:
					if err := expectations[s.ID](vals, ev, r.Summary()); err != nil {
						t.Errorf("%s %s seed %d: %v", s.ID, name, seed, err)
					}
				}
			}
		}
	}
}
