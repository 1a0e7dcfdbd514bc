package scenarios

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"interleave/scenarios/stage"
)

// seededTrace runs s seeded and returns its trace as the socket would send it.
func seededTrace(t *testing.T, s *Scenario, vals Values, seed uint64) ([]byte, stage.End, []Stat) {
	t.Helper()
	r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: seed}, vals)
	<-r.Done()
	ev, end := r.Events(0, nil), r.End()
	if err := stage.Validate(ev, end); err != nil {
		t.Fatalf("%s seed %d: the trace breaks the stage's rules: %v", s.ID, seed, err)
	}
	return stage.AppendEvents(nil, ev), end, r.Summary()
}

// TestSeededTracesAreReproducible: the same scenario, params and seed give the same bytes,
// run after run, whatever GOMAXPROCS is.
func TestSeededTracesAreReproducible(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range New().All() {
		for name, vals := range map[string]Values{"defaults": s.Defaults(), "all max": valueSets(s)["all max"]} {
			for seed := uint64(1); seed <= 3; seed++ {
				runtime.GOMAXPROCS(1)
				first, end, _ := seededTrace(t, s, vals, seed)
				if end.Reason != stage.ReasonDone && end.Reason != stage.ReasonDeadlock {
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
			for seed := uint64(1); seed <= 3; seed++ {
				r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: seed}, vals)
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
