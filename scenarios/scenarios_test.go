package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"interleave/scenarios/stage"
)

// No goroutine of any scenario run may outlive it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// guard bounds the wait for a run. It only turns a hang into a failure; nothing asserts timing.
const guard = 10 * time.Second

// maxEvents is what the tests let a run record: the server's -max-events, which a run with
// its wide params at their maximum (Param.Wide) fits in.
const maxEvents = 1_250_000

// fast makes a scenario's work and sleep waits a thousandth of their scenario time.
var fast = stage.Config{Speed: 1000, MaxEvents: maxEvents}

// seededConfig is the stage configuration of a seeded test run.
func seededConfig(seed uint64) stage.Config {
	return stage.Config{Mode: stage.Seeded, Seed: seed, MaxEvents: maxEvents}
}

func run(t *testing.T, s *Scenario, vals Values) ([]stage.Event, stage.End, []Stat) {
	t.Helper()
	r := s.Start(context.Background(), fast, vals)
	select {
	case <-r.Done():
	case <-time.After(guard):
		r.Stop()
		<-r.Done()
		t.Fatalf("%s %v did not end within %s", s.ID, vals, guard)
	}
	ev, end := r.Events(0, nil), r.End()
	if err := stage.Validate(ev, end); err != nil {
		t.Errorf("%s %v: the trace breaks the stage's rules: %v", s.ID, vals, err)
	}
	return ev, end, r.Summary()
}

func stat(summary []Stat, label string) (string, bool) {
	for _, s := range summary {
		if s.Label == label {
			return s.Value, true
		}
	}
	return "", false
}

// expectations check what each scenario promises at the end of a run, beyond ending well.
var expectations = map[string]func(vals Values, ev []stage.Event, summary []Stat) error{
	"channels": func(vals Values, ev []stage.Event, summary []Stat) error {
		total := vals.Int("producers") * vals.Int("messages")
		if got, _ := stat(summary, "messages received"); got != strconv.Itoa(total) {
			return fmt.Errorf("messages received %q, want %d", got, total)
		}
		// main printed every producer's number once per message.
		got := map[string]int{}
		for _, e := range ev {
			if e.Kind == stage.KindPrint && e.G == 1 {
				got[e.Value]++
			}
		}
		for i := range vals.Int("producers") {
			if n := got[fmt.Sprint("got ", i)]; n != vals.Int("messages") {
				return fmt.Errorf("got %d from producer %d, want %d", n, i, vals.Int("messages"))
			}
		}
		return nil
	},
	"timeout": func(vals Values, ev []stage.Event, summary []Stat) error {
		outcome, _ := stat(summary, "outcome")
		if outcome != "timed out" && outcome != "result in time" {
			return fmt.Errorf("outcome %q", outcome)
		}
		return nil
	},
	"select-fairness": func(vals Values, ev []stage.Event, summary []Stat) error {
		a, _ := stat(summary, "taken from a")
		b, _ := stat(summary, "taken from b")
		order, _ := stat(summary, "order")
		n := strconv.Itoa(vals.Int("messages"))
		if a != n || b != n || len(order) != 2*vals.Int("messages") {
			return fmt.Errorf("took %s from a and %s from b in order %q, want %s each", a, b, order, n)
		}
		selects := 0
		for _, e := range ev {
			if e.Kind == stage.KindSelectEnd {
				selects++
			}
		}
		if selects < 2*vals.Int("messages")+2 {
			return fmt.Errorf("%d selects ended, want a value or a close from each select", selects)
		}
		return nil
	},
	"pipeline": func(vals Values, ev []stage.Event, summary []Stat) error {
		sum, _ := stat(summary, "sum")
		through, _ := stat(summary, "items through")
		if want := strconv.Itoa(sumOfSquares(vals.Int("items"))); sum != want {
			return fmt.Errorf("sum %s, want 1² + … + %d² = %s", sum, vals.Int("items"), want)
		}
		if through != strconv.Itoa(vals.Int("items")) {
			return fmt.Errorf("%s items through, want %d", through, vals.Int("items"))
		}
		// Every stage closed what it sent on: nums, each worker's squares and merged.
		if n := count(ev, stage.KindClose); n != vals.Int("workers")+2 {
			return fmt.Errorf("%d channels closed, want %d", n, vals.Int("workers")+2)
		}
		return nil
	},
	"cancel": func(vals Values, ev []stage.Event, summary []Stat) error {
		total := vals.Int("groups") * vals.Int("workers")
		finished, _ := stat(summary, "finished")
		var n int
		if _, err := fmt.Sscanf(finished, "%d of", &n); err != nil || finished != fmt.Sprintf("%d of %d", n, total) {
			return fmt.Errorf("finished %q, want n of %d", finished, total)
		}
		rest := "stopped by the deadline"
		if vals.Int("check") == checkNo {
			rest = "given up on"
		}
		if got, _ := stat(summary, rest); got != strconv.Itoa(total-n) {
			return fmt.Errorf("%s %q with %d of %d finished", rest, got, n, total)
		}
		deadline := context.DeadlineExceeded.Error()
		if got, _ := stat(summary, "ctx.Err()"); (n < total && got != deadline) || (got != deadline && got != "<nil>") {
			return fmt.Errorf("ctx.Err() %q with %d of %d finished", got, n, total)
		}
		// request and every group are cancelled once: by the deadline, or by main's cancel.
		if c := count(ev, stage.KindCancel); c != vals.Int("groups")+1 {
			return fmt.Errorf("%d cancel events, want %d", c, vals.Int("groups")+1)
		}
		// Workers that watch their context have all returned from their work when main ends.
		dones := 0
		for _, e := range ev {
			if e.Kind == stage.KindWGAdd && e.Op == "done" {
				dones++
			}
		}
		if vals.Int("check") == checkYes && dones != total {
			return fmt.Errorf("%d of %d workers watching their context were done when main returned", dones, total)
		}
		return nil
	},
	"ticker": func(vals Values, ev []stage.Event, summary []Stat) error {
		served, _ := stat(summary, "served")
		at, _ := stat(summary, "served at (ms)")
		times := strings.Split(at, " · ")
		if served != strconv.Itoa(vals.Int("requests")) || len(times) != vals.Int("requests") {
			return fmt.Errorf("served %s at %q, want %d requests", served, at, vals.Int("requests"))
		}
		last := 0
		for _, text := range times {
			ms, err := strconv.Atoi(text)
			if err != nil || ms < last {
				return fmt.Errorf("served at %q: not times in order", at)
			}
			last = ms
		}
		stops := 0
		for _, e := range ev {
			if e.Kind == stage.KindTimer && e.Op == "stop" {
				stops++
			}
		}
		if stops != 1 {
			return fmt.Errorf("the ticker was stopped %d times, want once", stops)
		}
		return nil
	},
	"semaphore": func(vals Values, ev []stage.Event, summary []Stat) error {
		done, _ := stat(summary, "jobs done")
		gaveUp, _ := stat(summary, "gave up")
		d, err1 := strconv.Atoi(done)
		u, err2 := strconv.Atoi(gaveUp)
		if err1 != nil || err2 != nil || d+u != vals.Int("jobs") {
			return fmt.Errorf("jobs done %q, gave up %q, want %d in all", done, gaveUp, vals.Int("jobs"))
		}
		// A job too big for the semaphore can only give up; the others give up when their
		// patience runs out, which in a live run depends on the machine.
		if big := tooBig(vals); u < big {
			return fmt.Errorf("%d gave up, want at least the %d jobs too big to ever fit", u, big)
		}
		served := 0
		for _, e := range ev {
			if e.Kind == stage.KindAcquireEnd && e.Op == "" {
				served++
			}
		}
		if served != d {
			return fmt.Errorf("%d Acquires served for %d jobs done", served, d)
		}
		return nil
	},
	"errgroup": func(vals Values, ev []stage.Event, summary []Stat) error {
		returned, _ := stat(summary, "Wait returned")
		fetched, _ := stat(summary, "fetched")
		n, failing := vals.Int("fetches"), vals.Int("failing")
		fails := failing >= 1 && failing <= n
		want := "nil"
		if fails {
			want = fmt.Sprintf("fetch %d: not found", failing)
		}
		got, err := strconv.Atoi(fetched)
		if returned != want || err != nil || fails && got > n-1 || !fails && got != n {
			return fmt.Errorf("Wait returned %q with %q fetched, want %q", returned, fetched, want)
		}
		dones, cancelled, most := 0, false, int64(0)
		for _, e := range ev {
			switch e.Kind {
			case stage.KindGroupDone:
				dones++
			case stage.KindCancel:
				cancelled = true
			case stage.KindGroupGoEnd:
				most = max(most, e.New)
			}
		}
		if dones != n || !cancelled {
			return fmt.Errorf("%d goroutines of the group returned of %d, context cancelled %v", dones, n, cancelled)
		}
		if limit := vals.Int("limit"); limit > 0 && most > int64(limit) {
			return fmt.Errorf("%d fetches active at once, over the limit %d", most, limit)
		}
		return nil
	},
	"atomic-counter": func(vals Values, ev []stage.Event, summary []Stat) error {
		want := 15 + vals.Int("goroutines")*vals.Int("adds")
		expected, _ := stat(summary, "expected")
		final, _ := stat(summary, "final value")
		got, err := strconv.Atoi(final)
		if expected != strconv.Itoa(want) || err != nil {
			return fmt.Errorf("expected %q, final value %q, want expected %d", expected, final, want)
		}
		if vals.Int("method") == methodLoadStore {
			if got > want || got < 15+vals.Int("adds") {
				return fmt.Errorf("load-store final value %d outside %d–%d", got, 15+vals.Int("adds"), want)
			}
		} else if got != want {
			return fmt.Errorf("final value %d, want %d: an update was lost", got, want)
		}
		ops := 0
		for _, e := range ev {
			if e.Kind == stage.KindAtomic && (e.Op == "add" || e.Op == "store") {
				ops++
			}
		}
		if vals.Int("method") != methodMutex && ops != want-15+1 {
			return fmt.Errorf("%d add/store events, want %d", ops, want-15+1)
		}
		return nil
	},
	"worker-pool": func(vals Values, ev []stage.Event, summary []Stat) error {
		per, _ := stat(summary, "tasks per worker")
		total := 0
		for _, n := range strings.Split(per, " · ") {
			v, err := strconv.Atoi(n)
			if err != nil {
				return fmt.Errorf("tasks per worker %q", per)
			}
			total += v
		}
		if total != vals.Int("tasks") || len(strings.Split(per, " · ")) != vals.Int("workers") {
			return fmt.Errorf("tasks per worker %q, want %d tasks over %d workers", per, vals.Int("tasks"), vals.Int("workers"))
		}
		return nil
	},
	"producer-consumer": func(vals Values, ev []stage.Event, summary []Stat) error {
		pushed, _ := stat(summary, "items pushed")
		reads, _ := stat(summary, "reads")
		if want := strconv.Itoa(vals.Int("items")); pushed != want || reads != want {
			return fmt.Errorf("pushed %s, read %s times, want %s", pushed, reads, want)
		}
		return nil
	},
	"cell": func(vals Values, ev []stage.Event, summary []Stat) error {
		want := vals.Int("set") + vals.Int("updates")
		if vals.Int("share") == 1 {
			want *= 2
		}
		if final, _ := stat(summary, "final value"); final != strconv.Itoa(want) {
			return fmt.Errorf("final value %s, want %d", final, want)
		}
		if n := count(ev, stage.KindNotSync); n != vals.Int("share") {
			return fmt.Errorf("%d not-sync events, want %d", n, vals.Int("share"))
		}
		return nil
	},
	"deadlock": func(vals Values, ev []stage.Event, summary []Stat) error {
		want := strconv.Itoa(vals.Int("philosophers") * vals.Int("meals"))
		if got, _ := stat(summary, "meals eaten"); got != want {
			return fmt.Errorf("meals eaten %s, want %s", got, want)
		}
		return nil
	},
	"readers-writers": func(vals Values, ev []stage.Event, summary []Stat) error {
		rows, _ := stat(summary, "rows written")
		if want := strconv.Itoa(vals.Int("writers") * vals.Int("rounds")); rows != want {
			return fmt.Errorf("rows written %s, want %s", rows, want)
		}
		// Readers held the table together whenever they could: never a writer with them
		// (Validate checks that); and each read lock was released.
		if r, u := count(ev, stage.KindRLockEnd), count(ev, stage.KindRUnlock); r != u || r < vals.Int("readers")*vals.Int("rounds") {
			return fmt.Errorf("%d read locks taken and %d released, want at least %d, all released", r, u, vals.Int("readers")*vals.Int("rounds"))
		}
		return nil
	},
	"bounded-queue": func(vals Values, ev []stage.Event, summary []Stat) error {
		if moved, _ := stat(summary, "items moved"); moved != strconv.Itoa(vals.Int("producers")*vals.Int("items")) {
			return fmt.Errorf("items moved %s, want every one", moved)
		}
		// Every goroutine woken from a Wait was woken by a Signal or Broadcast (Validate checks
		// which, and that it locked the mutex again): as many wakes as waits ended.
		woken := 0
		for _, e := range ev {
			if (e.Kind == stage.KindSignal || e.Kind == stage.KindBroadcast) && e.Op != "lost" {
				n, _ := strconv.Atoi(e.Value)
				woken += n
			}
		}
		if ended := count(ev, stage.KindCondWaitEnd); ended != woken {
			return fmt.Errorf("%d waits ended, but signals and broadcasts woke %d", ended, woken)
		}
		return nil
	},
	"once": func(vals Values, ev []stage.Event, summary []Stat) error {
		if loads, _ := stat(summary, "loads"); loads != "1" || count(ev, stage.KindOnceRun) != 1 {
			return fmt.Errorf("loaded %s times, with %d once-runs; want once", loads, count(ev, stage.KindOnceRun))
		}
		// Every handler used the configuration loaded: its Do returned after the load.
		for _, e := range ev {
			if e.Kind == stage.KindPrint && strings.HasPrefix(e.Value, "handler") && !strings.HasSuffix(e.Value, "uses loaded") {
				return fmt.Errorf("%q: a handler went on before the load", e.Value)
			}
		}
		if n := count(ev, stage.KindOnceWaitEnd); n != vals.Int("handlers")-1 {
			return fmt.Errorf("%d Dos returned without running the function, want %d", n, vals.Int("handlers")-1)
		}
		return nil
	},
	"refcell": func(vals Values, ev []stage.Event, summary []Stat) error {
		outcome, _ := stat(summary, "borrow_mut while borrowed")
		conflict := vals.Int("conflict") == 1
		// Shared with the other goroutine, main's push and the other's read may collide, as
		// the interleaving has it: each refusal is a borrow-error, and said.
		shared := 0
		if vals.Int("share") == 1 {
			mine, _ := stat(summary, "main's borrow_mut beside the other")
			theirs, _ := stat(summary, "the other's borrow")
			switch {
			case mine == "allowed" && strings.HasPrefix(theirs, "saw "):
			case mine == "panicked: "+stage.AlreadyBorrowed && strings.HasPrefix(theirs, "saw "),
				mine == "allowed" && theirs == "panicked: "+stage.AlreadyMutablyBorrowed:
				shared = 1
			default:
				return fmt.Errorf("shared: main's push %q, the other's read %q", mine, theirs)
			}
		}
		if conflict != strings.Contains(outcome, stage.AlreadyBorrowed) || count(ev, stage.KindBorrowError) != vals.Int("conflict")+shared {
			return fmt.Errorf("conflict=%v, outcome %q, %d borrow-errors", conflict, outcome, count(ev, stage.KindBorrowError))
		}
		if n := count(ev, stage.KindNotSync); n != vals.Int("share") {
			return fmt.Errorf("%d not-sync events, want %d", n, vals.Int("share"))
		}
		return nil
	},
}

// tooBig is how many of the semaphore scenario's jobs can never get their weight.
func tooBig(vals Values) int {
	if vals.Int("big") > vals.Int("limit") {
		return vals.Int("jobs") / 3
	}
	return 0
}

func count(ev []stage.Event, kind stage.Kind) int {
	n := 0
	for _, e := range ev {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// valueSets are the settings each scenario is run with: its defaults; then, with durations at
// their minimum, each param at its min and at its max; all params at their min; all at their
// max (durations kept at their min).
func valueSets(s *Scenario) map[string]Values {
	sets := map[string]Values{"defaults": s.Defaults()}
	base := s.Defaults()
	for _, p := range s.Params {
		if p.Unit == "ms" {
			base[p.Name] = p.Min
		}
	}
	allMin, allMax := maps.Clone(base), maps.Clone(base)
	for _, p := range s.Params {
		ends := []int{p.Min, p.Max}
		if len(p.Choices) > 0 {
			ends = nil
			for i := range p.Choices {
				ends = append(ends, i)
			}
		}
		for _, v := range ends {
			vals := maps.Clone(base)
			vals[p.Name] = v
			sets[fmt.Sprintf("%s=%d", p.Name, v)] = vals
		}
		allMin[p.Name] = p.Min
		if p.Unit != "ms" {
			allMax[p.Name] = p.Max
		}
	}
	sets["all min"], sets["all max"] = allMin, allMax
	return sets
}

// big says whether vals put a wide param (Param.Wide) at its maximum: a run of up to a
// million events, which the tests run once rather than at every repeat or seed, and leave
// out of the quick loop (-short) and out of runs under the race detector (skipBig), which
// makes them ten times slower: they go through no code the smaller sets do not.
func big(s *Scenario, vals Values) bool {
	for _, p := range s.Params {
		if p.Wide() && vals[p.Name] == p.Max {
			return true
		}
	}
	return false
}

// skipBig says why the big sets are left out of this test run, or "" when they are not.
func skipBig() string {
	switch {
	case testing.Short():
		return "a run of up to a million events: not in the quick loop"
	case raceEnabled:
		return "a run of up to a million events: not under the race detector"
	}
	return ""
}

// mayDeadlock says whether a run of s with vals may end in deadlock and still be right.
func mayDeadlock(s *Scenario, vals Values) bool {
	switch s.ID {
	case "deadlock":
		return vals.Int("fix") == 0
	case "readers-writers":
		return vals.Int("twice") == 1 && vals.Int("writers") > 0
	}
	return false
}

// mayPanic says whether a run of s with vals may end in a panic and still be right.
func mayPanic(s *Scenario, vals Values) bool {
	return s.ID == "bounded-queue" && vals.Int("check") == checkIf
}

// repeats is how many times each setting of each scenario runs.
const repeats = 5

func TestEveryScenarioRuns(t *testing.T) {
	for _, s := range New().All() {
		sets := valueSets(s)
		for _, name := range slices.Sorted(maps.Keys(sets)) {
			vals := sets[name]
			t.Run(s.ID+"/"+name, func(t *testing.T) {
				times := repeats
				if big(s, vals) {
					if why := skipBig(); why != "" {
						t.Skip(why)
					}
					times = 1
				}
				t.Parallel()
				// Live interleavings differ run to run: each setting runs several times, and
				// every trace goes through the validator (in run).
				for range times {
					ev, end, summary := run(t, s, vals)
					if end.Reason == stage.ReasonDeadlock && mayDeadlock(s, vals) {
						continue // the interleaving this scenario is about; its trace was validated
					}
					if end.Reason == stage.ReasonPanic && mayPanic(s, vals) && strings.Contains(end.Message, "index out of range") {
						continue // a consumer that trusted its wake-up took from an empty queue
					}
					if end.Reason != stage.ReasonDone {
						t.Fatalf("ended %q: %s", end.Reason, end.Message)
					}
					if len(summary) == 0 {
						t.Fatalf("no summary")
					}
					if check := expectations[s.ID]; check != nil {
						if err := check(vals, ev, summary); err != nil {
							t.Fatal(err)
						}
					}
					checkLines(t, s, ev)
				}
			})
		}
	}
	for _, s := range New().All() {
		if expectations[s.ID] == nil {
			t.Logf("%s: no end-of-run expectations beyond a done run with a summary", s.ID)
		}
	}
}

// opText is what the source line of an event of each kind contains; "|" separates
// alternatives.
func opText(e stage.Event) string {
	switch e.Kind {
	case stage.KindGo:
		return "Go("
	case stage.KindNew:
		switch e.ObjKind {
		case stage.ObjChan:
			return "NewChan"
		case stage.ObjMutex:
			return "NewMutex"
		case stage.ObjAtomic:
			return "NewAtomicInt"
		case stage.ObjWaitGroup:
			return "NewWaitGroup"
		case stage.ObjCell:
			return "NewCell"
		case stage.ObjRefCell:
			return "NewRefCell"
		case stage.ObjRWMutex:
			return "NewRWMutex"
		case stage.ObjCond:
			return "NewCond"
		case stage.ObjOnce:
			return "NewOnce"
		case stage.ObjTimer:
			return "After(|NewTimer("
		case stage.ObjTicker:
			return "NewTicker("
		case stage.ObjContext:
			return "WithCancel(|WithTimeout(|WithDeadline(|WithContext("
		case stage.ObjSemaphore:
			return "NewWeighted("
		case stage.ObjErrGroup:
			return "WithContext(|NewGroup("
		}
		return "New"
	case stage.KindSendBegin, stage.KindSendEnd:
		return "Send("
	case stage.KindRecvBegin, stage.KindRecvEnd:
		return "Recv(|Range("
	case stage.KindClose:
		return "Close("
	case stage.KindLockBegin, stage.KindLockEnd:
		return "Lock(|Wait(" // a Cond's Wait takes its mutex back
	case stage.KindUnlock:
		return "Unlock(|Wait(" // and releases it first
	case stage.KindAtomic:
		return map[string]string{"add": "Add(", "load": "Load(", "store": "Store(", "swap": "Swap(", "cas": "CompareAndSwap("}[e.Op]
	case stage.KindWorkBegin, stage.KindWorkEnd, stage.KindRunnableBegin, stage.KindRunnableEnd:
		return "Work("
	case stage.KindSleepBeg, stage.KindSleepEnd:
		return "Sleep("
	case stage.KindPrint:
		return "Println("
	case stage.KindWGAdd:
		return map[string]string{"add": "Add(", "done": "Done("}[e.Op]
	case stage.KindWaitBegin, stage.KindWaitEnd:
		return "Wait("
	case stage.KindCellGet:
		return "Get("
	case stage.KindCellSet:
		return "Set("
	case stage.KindBorrow:
		return "Borrow("
	case stage.KindBorrowMut:
		return "BorrowMut("
	case stage.KindBorrowError:
		return "Borrow(|BorrowMut("
	case stage.KindRelease:
		return "Release("
	case stage.KindSelectBegin:
		return "Select("
	case stage.KindSelectEnd:
		// The line of the case that ran.
		return "RecvCase(|RecvCaseOK(|SendCase(|Default("
	case stage.KindTimer:
		return map[string]string{"stop": "Stop(", "reset": "Reset("}[e.Op]
	case stage.KindCancel:
		// A context made from a cancelled parent is cancelled where it is made; an errgroup's
		// context is cancelled by its first error, at the Go that started the goroutine, or by
		// its Wait.
		return "cancel(|WithCancel(|WithTimeout(|WithDeadline(|Go(|Wait("
	case stage.KindAcquireBegin, stage.KindAcquireEnd:
		return "Acquire("
	case stage.KindSemRelease:
		return "Release("
	case stage.KindGroupLimit:
		return "SetLimit("
	case stage.KindGroupGoBegin, stage.KindGroupGoEnd, stage.KindGroupDone:
		return "Go("
	case stage.KindGroupWaitBegin, stage.KindGroupWaitEnd:
		return "Wait("
	case stage.KindRLockBegin, stage.KindRLockEnd:
		return "RLock("
	case stage.KindRUnlock:
		return "RUnlock("
	case stage.KindTryLock:
		return "TryLock(|TryRLock("
	case stage.KindCondWaitBegin, stage.KindCondWaitEnd:
		return "Wait("
	case stage.KindSignal:
		return "Signal("
	case stage.KindBroadcast:
		return "Broadcast("
	case stage.KindOnceRun, stage.KindOnceDone, stage.KindOnceWaitBegin, stage.KindOnceWaitEnd:
		return "Do("
	}
	return ""
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// checkLines holds the code panel to its promise: an event's line, counted from SourceLine,
// is a line of Source, and that line does the operation.
func checkLines(t *testing.T, s *Scenario, ev []stage.Event) {
	t.Helper()
	lines := strings.Split(s.Source, "\n")
	bad := 0
	for _, e := range ev {
		want := opText(e)
		if e.Line == 0 {
			if want != "" && e.G != 0 {
				t.Errorf("%s event has no line", e.AppendJSON(nil))
				bad++
			}
			continue
		}
		i := e.Line - s.SourceLine
		switch {
		case i < 0 || i >= len(lines):
			t.Errorf("%s: line %d is outside the shown source (lines %d–%d)", e.AppendJSON(nil), e.Line, s.SourceLine, s.SourceLine+len(lines)-1)
			bad++
		case !containsAny(lines[i], strings.Split(want, "|")):
			t.Errorf("%s: line %d is %q, which does not contain %q", e.AppendJSON(nil), e.Line, strings.TrimSpace(lines[i]), want)
			bad++
		}
		if bad >= 5 {
			t.Fatalf("giving up after %d bad lines", bad)
		}
	}
}

func TestCatalog(t *testing.T) {
	c := New()
	if len(c.All()) == 0 {
		t.Fatal("empty catalog")
	}
	seen := map[string]bool{}
	for _, s := range c.All() {
		if seen[s.ID] {
			t.Errorf("scenario id %q twice", s.ID)
		}
		seen[s.ID] = true
		if got, ok := c.Lookup(s.ID); !ok || got != s {
			t.Errorf("Lookup(%q) = %v, %v", s.ID, got, ok)
		}
		if s.Title == "" || s.Summary == "" || len(s.Text) == 0 || s.Rust == "" || s.Source == "" || s.SourceLine < 1 {
			t.Errorf("%s: a page needs its title, summary, text, Rust and source", s.ID)
		}
		if strings.Contains(s.Source, "show:begin") || strings.Contains(s.Source, "show:end") {
			t.Errorf("%s: the shown source includes a marker line", s.ID)
		}
		names := map[string]bool{}
		for _, p := range s.Params {
			if names[p.Name] {
				t.Errorf("%s: param %q twice", s.ID, p.Name)
			}
			names[p.Name] = true
			if p.Min > p.Default || p.Default > p.Max || p.Step <= 0 {
				t.Errorf("%s: param %s: default %d outside %d–%d, or step %d", s.ID, p.Name, p.Default, p.Min, p.Max, p.Step)
			}
			if got := s.Param(p.Name); got == nil || got.Name != p.Name {
				t.Errorf("%s: Param(%q) does not find it", s.ID, p.Name)
			}
			// the page lists In space-separated and matches it against the choice picked
			if w := p.OnlyWhen; w != nil {
				q := s.Param(w.Param)
				if q == nil || q == s.Param(p.Name) || len(q.Choices) == 0 || len(w.In) == 0 {
					t.Errorf("%s: param %s applies only when %q, which is not another choice param", s.ID, p.Name, w.Param)
				} else {
					for _, c := range w.In {
						if !slices.Contains(q.Choices, c) || strings.ContainsAny(c, " \t") {
							t.Errorf("%s: param %s applies only when %s is %q, not one of its choices", s.ID, p.Name, w.Param, c)
						}
					}
				}
			}
		}
		if s.Param("no such param") != nil {
			t.Errorf("%s: Param finds a param that is not there", s.ID)
		}
	}
	if _, ok := c.Lookup("no-such-scenario"); ok {
		t.Error("Lookup found a scenario that is not there")
	}
}

// atomic-counter's gap is the time between a load and its store: the atomic method has
// neither, and the page says so by dimming the slider.
func TestApplies(t *testing.T) {
	s, _ := New().Lookup("atomic-counter")
	gap := *s.Param("gap")
	for method, want := range map[int]bool{methodAtomic: false, methodMutex: true, methodLoadStore: true} {
		vals := s.Defaults()
		vals["method"] = method
		if got := s.Applies(gap, vals); got != want {
			t.Errorf("gap applies with method %s: %v, want %v", s.Param("method").ValueText(method), got, want)
		}
		if !s.Applies(*s.Param("work"), vals) {
			t.Errorf("work does not apply with method %d", method)
		}
	}
}

func TestSourceIsTheFileThatRuns(t *testing.T) {
	for _, tc := range []struct {
		id   string
		file string
	}{
		{"channels", channelsFile},
		{"atomic-counter", atomicCounterFile},
	} {
		s, ok := New().Lookup(tc.id)
		if !ok {
			t.Errorf("no scenario %s", tc.id)
			continue
		}
		file := strings.Split(tc.file, "\n")
		for i, line := range strings.Split(s.Source, "\n") {
			if n := s.SourceLine + i; n > len(file) || file[n-1] != line {
				t.Errorf("%s: Source line %d is %q, file line %d is %q", tc.id, i+1, line, n, at(file, n-1))
				break
			}
		}
		if file[s.SourceLine-2] != "// show:begin" {
			t.Errorf("%s: the line before Source is %q, want the show:begin marker", tc.id, file[s.SourceLine-2])
		}
	}
}

func at(lines []string, i int) string {
	if i >= 0 && i < len(lines) {
		return lines[i]
	}
	return ""
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		src        string
		line       int
	}{
		{"middle", "package x\n\n// show:begin\nfunc a() {}\n\nfunc b() {}\n// show:end\nvar z int\n", "func a() {}\n\nfunc b() {}", 4},
		{"to the end without show:end", "package x\n// show:begin\nfunc a() {}\n", "func a() {}\n", 3},
		{"indented markers", "package x\n\t// show:begin\nfunc a() {}\n  // show:end  \n", "func a() {}", 3},
		{"first line", "// show:begin\nx\n// show:end", "x", 2},
		{"empty", "// show:begin\n// show:end\n", "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, line := excerpt(tc.file)
			if src != tc.src || line != tc.line {
				t.Errorf("excerpt = %q, line %d; want %q, line %d", src, line, tc.src, tc.line)
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("excerpt of a file without a show:begin marker did not panic")
		}
	}()
	excerpt("package x\nfunc a() {}\n")
}

// checkFixture is a scenario made for the parameter tests, so they do not change whenever a
// real scenario's settings are tuned.
func checkFixture() *Scenario {
	return &Scenario{
		ID: "fixture",
		Params: []Param{
			{Name: "producers", Min: 1, Max: 16, Step: 1, Default: 4},
			{Name: "messages", Min: 1, Max: 10, Step: 1, Default: 3},
			{Name: "buffer", Min: 0, Max: 16, Step: 1, Default: 0},
			{Name: "work", Min: 0, Max: 1000, Step: 10, Default: 300, Unit: "ms"},
		},
	}
}

func TestCheck(t *testing.T) {
	s := checkFixture()
	defaults := Values{"producers": 4, "messages": 3, "buffer": 0, "work": 300}
	with := func(name string, v int) Values {
		vals := maps.Clone(defaults)
		vals[name] = v
		return vals
	}
	for _, tc := range []struct {
		name     string
		raw      map[string]string
		want     Values
		problems []Problem
	}{
		{"nil", nil, defaults, nil},
		{"empty", map[string]string{}, defaults, nil},
		{"in range", map[string]string{"producers": "16", "buffer": "0", "work": "1000"},
			Values{"producers": 16, "messages": 3, "buffer": 0, "work": 1000}, nil},
		{"spaces around", map[string]string{"producers": " 7 "}, with("producers", 7), nil},
		{"plus sign", map[string]string{"producers": "+7"}, with("producers", 7), nil},
		{"too many", map[string]string{"producers": "500"}, with("producers", 16),
			[]Problem{{"producers", "500", "16", "producers must be 1–16, got 500"}}},
		{"too few", map[string]string{"producers": "0"}, with("producers", 1),
			[]Problem{{"producers", "0", "1", "producers must be 1–16, got 0"}}},
		{"negative", map[string]string{"buffer": "-3"}, with("buffer", 0),
			[]Problem{{"buffer", "-3", "0", "buffer must be 0–16, got -3"}}},
		{"long work", map[string]string{"work": "5000"}, with("work", 1000),
			[]Problem{{"work", "5000", "1000", "work must be 0–1000, got 5000"}}},
		{"letters", map[string]string{"producers": "abc"}, defaults,
			[]Problem{{"producers", "abc", "4", `producers must be a whole number 1–16, got "abc"`}}},
		{"empty text", map[string]string{"producers": ""}, defaults,
			[]Problem{{"producers", "", "4", `producers must be a whole number 1–16, got ""`}}},
		{"fraction", map[string]string{"producers": "1.5"}, defaults,
			[]Problem{{"producers", "1.5", "4", `producers must be a whole number 1–16, got "1.5"`}}},
		{"unknown", map[string]string{"speed": "2"}, defaults,
			[]Problem{{"speed", "2", "", `fixture has no parameter "speed" (it takes producers, messages, buffer, work)`}}},
		{"several, in param order then unknown names sorted",
			map[string]string{"zeta": "1", "work": "-1", "alpha": "x", "producers": "99", "messages": "3"},
			Values{"producers": 16, "messages": 3, "buffer": 0, "work": 0},
			[]Problem{
				{"producers", "99", "16", "producers must be 1–16, got 99"},
				{"work", "-1", "0", "work must be 0–1000, got -1"},
				{"alpha", "x", "", `fixture has no parameter "alpha" (it takes producers, messages, buffer, work)`},
				{"zeta", "1", "", `fixture has no parameter "zeta" (it takes producers, messages, buffer, work)`},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vals, problems := s.Check(tc.raw)
			if !maps.Equal(vals, tc.want) {
				t.Errorf("values %v, want %v", vals, tc.want)
			}
			if !slices.Equal(problems, tc.problems) {
				t.Errorf("problems\n%+v\nwant\n%+v", problems, tc.problems)
			}
			strict, err := s.Strict(tc.raw)
			switch {
			case len(tc.problems) == 0 && (err != nil || !maps.Equal(strict, tc.want)):
				t.Errorf("Strict = %v, %v; want %v", strict, err, tc.want)
			case len(tc.problems) > 0:
				var ps Problems
				if strict != nil || !errors.As(err, &ps) || !slices.Equal(ps, tc.problems) {
					t.Errorf("Strict = %v, %v; want no values and the problems", strict, err)
				}
				msgs := make([]string, len(tc.problems))
				for i, p := range tc.problems {
					msgs[i] = p.Message
				}
				if err.Error() != strings.Join(msgs, "; ") {
					t.Errorf("Strict's error reads %q", err)
				}
			}
		})
	}
}

func TestQuery(t *testing.T) {
	s := checkFixture()
	if got, want := s.Query(s.Defaults()), "producers=4&messages=3&buffer=0&work=300"; got != want {
		t.Errorf("Query(defaults) = %q, want %q", got, want)
	}
	if got, want := s.Query(Values{"work": 10, "buffer": 2, "messages": 1, "producers": 16}), "producers=16&messages=1&buffer=2&work=10"; got != want {
		t.Errorf("Query = %q, want %q", got, want)
	}
	// Every scenario: the link lists its params in order, and reading it back gives the same
	// values with nothing to complain about.
	for _, s := range New().All() {
		for name, vals := range valueSets(s) {
			q := s.Query(vals)
			parsed, err := url.ParseQuery(q)
			if err != nil {
				t.Fatalf("%s: %q: %v", s.ID, q, err)
			}
			var names []string
			for _, kv := range strings.Split(q, "&") {
				n, _, _ := strings.Cut(kv, "=")
				names = append(names, n)
			}
			var want []string
			for _, p := range s.Params {
				want = append(want, p.Name)
			}
			if !slices.Equal(names, want) {
				t.Errorf("%s: Query(%s) = %q: names not in param order %v", s.ID, name, q, want)
			}
			back, problems := s.Check(RawFromQuery(parsed, "mode", "seed"))
			if !maps.Equal(back, vals) || len(problems) > 0 {
				t.Errorf("%s: %q reads back as %v (%v), want %v", s.ID, q, back, problems, vals)
			}
		}
	}
	raw := RawFromQuery(url.Values{"producers": {"3", "9"}, "mode": {"live"}, "empty": {}})
	if want := map[string]string{"producers": "3", "mode": "live"}; !maps.Equal(raw, want) {
		t.Errorf("RawFromQuery = %v, want %v", raw, want)
	}
	if raw := RawFromQuery(url.Values{"producers": {"3"}, "mode": {"live"}}, "mode"); !maps.Equal(raw, map[string]string{"producers": "3"}) {
		t.Errorf("RawFromQuery skipping mode = %v", raw)
	}
}

// A choice param given by its index is that choice, with a notice naming it.
func TestChoiceByIndex(t *testing.T) {
	s, _ := New().Lookup("cell")
	vals, problems := s.Check(map[string]string{"share": "1"})
	want := Problems{{"share", "1", "yes", `share must be no or yes, got "1"`}}
	if vals["share"] != 1 || !slices.Equal(problems, want) {
		t.Errorf("share=1 checks as %d with %+v, want 1 (yes) with %+v", vals["share"], problems, want)
	}
	vals, problems = s.Check(map[string]string{"share": "2"})
	if vals["share"] != 0 || len(problems) != 1 || problems[0].Used != "no" {
		t.Errorf("share=2 checks as %d with %+v, want the default, no, with a problem", vals["share"], problems)
	}
}

// The searches a scenario offers are data: each says how a run shows it, and the catalog
// lists them by name.
func TestSearches(t *testing.T) {
	cat := New()
	for _, tc := range []struct {
		id, want string
		end      stage.End
		summary  []Stat
		showed   bool
	}{
		{"deadlock", "deadlock", stage.End{Reason: stage.ReasonDeadlock}, nil, true},
		{"deadlock", "deadlock", stage.End{Reason: stage.ReasonDone}, nil, false},
		{"atomic-counter", "lost-update", stage.End{Reason: stage.ReasonDone}, []Stat{{lostUpdates, "2"}}, true},
		{"atomic-counter", "lost-update", stage.End{Reason: stage.ReasonDone}, []Stat{{lostUpdates, "0"}}, false},
	} {
		s, _ := cat.Lookup(tc.id)
		se, ok := s.Search(tc.want)
		if !ok || !strings.HasPrefix(se.Label, "Find ") {
			t.Fatalf("%s offers no search %q with a label (%+v)", tc.id, tc.want, se)
		}
		if got := se.Showed(tc.end, tc.summary); got != tc.showed {
			t.Errorf("%s %s: a run ending %s with %v showed it: %v, want %v", tc.id, tc.want, tc.end.Reason, tc.summary, got, tc.showed)
		}
		data, err := json.Marshal(s)
		if err != nil || !strings.Contains(string(data), `"searches":["`+tc.want+`"]`) {
			t.Errorf("%s in the catalog: %.80s… (%v), want searches listed by name", tc.id, data, err)
		}
	}
	if s, _ := cat.Lookup("channels"); len(s.Searches) > 0 {
		t.Errorf("channels offers searches %v", s.Searches)
	}
}

// FuzzCheck feeds the parameter checker arbitrary names and text: it never panics, the values
// it returns are always within range, and its problems agree with its values.
func FuzzCheck(f *testing.F) {
	f.Add(0, "producers", "500", "abc")
	f.Add(1, "adds", "-1", "")
	f.Add(0, "work", "1.5", " 12 ")
	f.Add(1, "nope", "99999999999999999999", "0x10")
	f.Fuzz(func(t *testing.T, which int, name, text, text2 string) {
		all := New().All()
		s := all[(which%len(all)+len(all))%len(all)]
		raw := map[string]string{name: text}
		if len(s.Params) > 0 {
			raw[s.Params[len(s.Params)-1].Name] = text2
		}
		vals, problems := s.Check(raw)
		if len(vals) != len(s.Params) {
			t.Fatalf("%d values for %d params", len(vals), len(s.Params))
		}
		for _, p := range s.Params {
			v, ok := vals[p.Name]
			if !ok || v < p.Min || v > p.Max {
				t.Fatalf("%s = %d (present %v), outside %d–%d", p.Name, v, ok, p.Min, p.Max)
			}
		}
		complained := map[string]bool{}
		for _, pr := range problems {
			complained[pr.Name] = true
			if pr.Message == "" || raw[pr.Name] != pr.Got {
				t.Fatalf("problem %+v for raw %q", pr, raw)
			}
			if p := s.Param(pr.Name); p != nil && p.ValueText(vals[pr.Name]) != pr.Used {
				t.Fatalf("problem %+v, but the value used is %d", pr, vals[pr.Name])
			}
		}
		for n, text := range raw {
			p := s.Param(n)
			if p == nil {
				if !complained[n] {
					t.Fatalf("unknown param %q passed without a problem", n)
				}
				continue
			}
			if len(p.Choices) > 0 {
				continue
			}
			v, err := strconv.Atoi(strings.TrimSpace(text))
			fine := err == nil && v >= p.Min && v <= p.Max
			switch {
			case fine && (vals[n] != v || complained[n]):
				t.Fatalf("%s=%q is fine, but Check used %d (problem: %v)", n, text, vals[n], complained[n])
			case !fine && !complained[n]:
				t.Fatalf("%s=%q became %d without a problem", n, text, vals[n])
			}
		}
		if _, err := s.Strict(raw); (err != nil) != (len(problems) > 0) {
			t.Fatalf("Strict error %v with %d problems", err, len(problems))
		}
		// The canonical link of what was used reads back to the same values, cleanly.
		parsed, err := url.ParseQuery(s.Query(vals))
		if err != nil {
			t.Fatal(err)
		}
		if back, problems := s.Check(RawFromQuery(parsed)); !maps.Equal(back, vals) || len(problems) > 0 {
			t.Fatalf("Query %q reads back as %v (%v), want %v", s.Query(vals), back, problems, vals)
		}
	})
}

// TestErrorsQuoteLittleOfTheInput checks that a message about a bad value repeats at most the
// first 40 characters of it, whole runes, marked as cut.
func TestErrorsQuoteLittleOfTheInput(t *testing.T) {
	long := strings.Repeat("é", 5000)
	for _, tc := range []struct{ in, quoted, cut string }{
		{"telepathy", `"telepathy"`, "telepathy"},
		{strings.Repeat("x", 40), `"` + strings.Repeat("x", 40) + `"`, strings.Repeat("x", 40)},
		{long, `"` + strings.Repeat("é", 40) + `…"`, strings.Repeat("é", 40) + "…"},
		{"a\"b\n", `"a\"b\n"`, "a\"b\n"},
	} {
		if got := QuoteInput(tc.in); got != tc.quoted {
			t.Errorf("QuoteInput(%.20q…) = %s, want %s", tc.in, got, tc.quoted)
		}
		if got := CutInput(tc.in); got != tc.cut {
			t.Errorf("CutInput(%.20q…) = %s, want %s", tc.in, got, tc.cut)
		}
	}
	s, _ := New().Lookup("channels")
	_, problems := s.Check(map[string]string{"producers": long, "nonsense" + long: "1"})
	for _, p := range problems {
		if len(p.Message) > 300 {
			t.Errorf("a problem message repeats the input: %d bytes: %.120s…", len(p.Message), p.Message)
		}
	}
	if len(problems) != 2 {
		t.Errorf("%d problems, want 2 (a bad value, an unknown name): %v", len(problems), problems)
	}
}

// A wide param's slider is logarithmic: its ends are the param's, it never goes back, every
// value it stands for is one the param takes, a value's nearest stop stands for it within a
// stop's width, and the small values, which most runs want, are each a stop of their own.
func TestWideParamSlider(t *testing.T) {
	wide := 0
	for _, s := range New().All() {
		for _, p := range s.Params {
			if !p.Wide() {
				continue
			}
			wide++
			if lo, hi := p.SliderValue(0), p.SliderValue(SliderStops); lo != p.Min || hi != p.Max {
				t.Errorf("%s %s: the slider runs %d–%d, the param %d–%d", s.ID, p.Name, lo, hi, p.Min, p.Max)
			}
			if p.SliderStop(p.Min) != 0 || p.SliderStop(p.Max) != SliderStops {
				t.Errorf("%s %s: its least and largest values stand at stops %d and %d", s.ID, p.Name, p.SliderStop(p.Min), p.SliderStop(p.Max))
			}
			prev := p.Min
			for stop := range SliderStops + 1 {
				v := p.SliderValue(stop)
				if v < prev || (v-p.Min)%p.Step != 0 {
					t.Fatalf("%s %s: stop %d stands for %d, after %d", s.ID, p.Name, stop, v, prev)
				}
				prev = v
			}
			// The stop nearest a value stands for it, or for one a stop's width away at most.
			factor := math.Pow(float64((p.Max-p.Min)/p.Step+1), 1.0/SliderStops)
			for _, v := range []int{p.Min, p.Min + p.Step, p.Default, (p.Min + p.Max) / 2 / p.Step * p.Step, p.Max - p.Step, p.Max} {
				back := p.SliderValue(p.SliderStop(v))
				k, kb := float64((v-p.Min)/p.Step+1), float64((back-p.Min)/p.Step+1)
				if kb > k*factor*1.0001+1 || kb < k/factor/1.0001-1 {
					t.Errorf("%s %s: %d stands at stop %d, which stands for %d", s.ID, p.Name, v, p.SliderStop(v), back)
				}
			}
			for k := range 10 {
				if v := p.Min + k*p.Step; p.SliderValue(p.SliderStop(v)) != v {
					t.Errorf("%s %s: %d, a small value, has no stop of its own", s.ID, p.Name, v)
				}
			}
		}
	}
	if wide == 0 {
		t.Fatal("no scenario has a wide param")
	}
}
