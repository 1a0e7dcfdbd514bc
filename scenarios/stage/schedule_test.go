package stage_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// crowd is a program with many choices to make: workers that jitter, lock a mutex, bump an
// atomic and report on a buffered channel, and main draining it.
func crowd(workers, rounds int) func(g *stage.G) {
	return func(g *stage.G) {
		mu := stage.NewMutex(g, "mu")
		count := stage.NewAtomicInt(g, "count", 0)
		done := stage.NewChan[int](g, "done", 2)
		for i := range workers {
			g.Go(fmt.Sprintf("worker %d", i), func(g *stage.G) {
				for range rounds {
					g.Work(g.Jitter(3 * time.Millisecond))
					mu.Lock(g)
					count.Add(g, 1)
					mu.Unlock(g)
				}
				done.Send(g, i)
			})
		}
		for range workers {
			done.Recv(g)
		}
	}
}

func seededRun(t *testing.T, cfg stage.Config, program func(g *stage.G)) ([]byte, stage.End) {
	t.Helper()
	cfg.Mode = stage.Seeded
	events, end := stage.Record(context.Background(), cfg, program)
	if err := stage.Validate(events, end); err != nil {
		t.Fatalf("the trace breaks the stage's rules: %v", err)
	}
	return stage.AppendEvents(nil, events), end
}

func TestReplayingASeededRunsScheduleGivesItsTraceAgain(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		want, end := seededRun(t, stage.Config{Seed: seed}, crowd(4, 3))
		if end.Reason != stage.ReasonDone || end.Schedule.Len() == 0 {
			t.Fatalf("seed %d: ended %s with %d choices: %s", seed, end.Reason, end.Schedule.Len(), end.Message)
		}
		text := end.Schedule.String()
		parsed, err := stage.ParseSchedule(text)
		if err != nil {
			t.Fatalf("seed %d: the schedule's own text %q: %v", seed, text, err)
		}
		// The schedule makes every choice: behind it, round-robin's would give another run.
		got, again := seededRun(t, stage.Config{Seed: seed, Strategy: stage.Replay(parsed, stage.RoundRobin())}, crowd(4, 3))
		if !bytes.Equal(got, want) {
			t.Errorf("seed %d: replaying the schedule gave another trace", seed)
		}
		if again.Schedule.String() != text {
			t.Errorf("seed %d: the replay's schedule %q, want %q", seed, again.Schedule, text)
		}
	}
}

func TestAPrefixOfASchedulePlusItsSeedGivesTheSeedsRun(t *testing.T) {
	want, end := seededRun(t, stage.Config{Seed: 7}, crowd(3, 2))
	for _, n := range []int{0, 1, end.Schedule.Len() / 2, end.Schedule.Len() - 1} {
		cfg := stage.Config{Seed: 7, Strategy: stage.Replay(end.Schedule.Prefix(n), stage.RandomStrategy(7))}
		if got, _ := seededRun(t, cfg, crowd(3, 2)); !bytes.Equal(got, want) {
			t.Errorf("the first %d of %d choices, then seed 7's own: another trace", n, end.Schedule.Len())
		}
	}
}

func TestAStrategyIsPluggedIn(t *testing.T) {
	_, random := seededRun(t, stage.Config{Seed: 1}, crowd(3, 2))
	rr1, first := seededRun(t, stage.Config{Seed: 1, Strategy: stage.RoundRobin()}, crowd(3, 2))
	rr2, second := seededRun(t, stage.Config{Seed: 1, Strategy: stage.RoundRobin()}, crowd(3, 2))
	if !bytes.Equal(rr1, rr2) || first.Schedule.String() != second.Schedule.String() {
		t.Error("round-robin gave two different runs")
	}
	if first.Schedule.String() == random.Schedule.String() {
		t.Error("round-robin made the random strategy's choices")
	}
	// Round-robin runs the goroutine runnable longest, so at each scheduling point the one
	// there yields: main's first Println lets other in, whose own Println lets main back in
	// to print, and so on; main's return ends the run before other's second line.
	events, _ := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Strategy: stage.RoundRobin()}, func(g *stage.G) {
		g.Go("other", func(g *stage.G) {
			g.Println("o1")
			g.Println("o2")
		})
		g.Println("m1")
		g.Println("m2")
	})
	var printed []string
	for _, e := range events {
		if e.Kind == stage.KindPrint {
			printed = append(printed, e.Value)
		}
	}
	if got := strings.Join(printed, " "); got != "m1 o1 m2" {
		t.Errorf("round-robin printed %q, want m1 o1 m2", got)
	}
}

func TestAScheduleThatDoesNotFitEndsTheRunSayingWhere(t *testing.T) {
	// Two workers print; the first choice between main and them picks goroutine 9, which
	// does not exist.
	program := func(g *stage.G) {
		for i := range 2 {
			g.Go(fmt.Sprintf("w%d", i), func(g *stage.G) { g.Println(i) })
		}
		g.Println("main")
	}
	bad := scheduleOf(t, 9)
	events, end := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Strategy: stage.Replay(bad, stage.RandomStrategy(1))}, program)
	if end.Reason != stage.ReasonSchedule {
		t.Fatalf("ended %s: %s", end.Reason, end.Message)
	}
	if want := "the schedule does not fit this run: step 1 picks goroutine 9, but only 1 and 2 can run there"; end.Message != want {
		t.Errorf("message %q, want %q", end.Message, want)
	}
	if err := stage.Validate(events, end); err != nil {
		t.Errorf("the events up to the step: %v", err)
	}
}

// scheduleOf is the schedule whose choices pick ids, in order, as a run would record them.
func scheduleOf(t *testing.T, ids ...int) stage.Schedule {
	t.Helper()
	// The move-to-front list starts 1, 2, 3…; positions are what the text codes.
	order := []int{}
	for i := 1; i <= 64; i++ {
		order = append(order, i)
	}
	var bits strings.Builder
	for _, id := range ids {
		p := 0
		for order[p] != id {
			p++
		}
		copy(order[1:p+1], order[:p])
		order[0] = id
		bits.WriteString(strings.Repeat("0", len(fmt.Sprintf("%b", p+1))-1) + fmt.Sprintf("%b", p+1))
	}
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := bits.String()
	for len(b)%6 != 0 {
		b += "0"
	}
	var text strings.Builder
	for i := 0; i < len(b); i += 6 {
		var d int
		fmt.Sscanf(b[i:i+6], "%b", &d)
		text.WriteByte(digits[d])
	}
	s, err := stage.ParseSchedule(text.String())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScheduleText(t *testing.T) {
	for _, tc := range []struct {
		ids  []int
		text string
	}{
		{nil, ""},
		{[]int{1}, "g"},        // position 0: 1, padded: 100000
		{[]int{2}, "Q"},        // position 1: 010 → 010000
		{[]int{1, 1, 1}, "4"},  // 1 1 1 → 111000
		{[]int{2, 1, 2}, "SQ"}, // each is position 1 in turn: 010 010 010
	} {
		s := scheduleOf(t, tc.ids...)
		if s.String() != tc.text || s.Len() != len(tc.ids) {
			t.Errorf("%v: %q with %d choices, want %q", tc.ids, s.String(), s.Len(), tc.text)
		}
	}
	for _, tc := range []struct{ text, err string }{
		{"a b", "character 2"},
		{"a%20", "character 2"},
		{"A", "padding"},
		{"AAAAAAAAB", "out of range"},
		{"B", "cut short"}, // 000001: a code of five zeros, then nothing
	} {
		if _, err := stage.ParseSchedule(tc.text); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseSchedule(%q): %v, want an error about %s", tc.text, err, tc.err)
		}
	}
}

// A schedule fit for a link: a thousand choices of a seeded run take well under 1 KB.
func TestAThousandChoicesTakeWellUnderAKilobyte(t *testing.T) {
	_, end := seededRun(t, stage.Config{Seed: 3, MaxEvents: 1 << 20}, crowd(5, 120))
	s := end.Schedule
	if s.Len() < 1000 {
		t.Fatalf("only %d choices", s.Len())
	}
	per1000 := float64(len(s.String())) * 1000 / float64(s.Len())
	t.Logf("%d choices among up to 6 goroutines: %d characters, %.0f per 1,000", s.Len(), len(s.String()), per1000)
	if per1000 > 600 {
		t.Errorf("%.0f characters per 1,000 choices, want at most 600", per1000)
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"", "g", "Q", "4", "SQ", "A", "B", "_-_-", "AAAAAAAAB", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := stage.ParseSchedule(text)
		if err != nil {
			return
		}
		// What parses is its own text form, and reads back as itself.
		again, err := stage.ParseSchedule(s.String())
		if err != nil || s.String() != text || again.String() != text || again.Len() != s.Len() {
			t.Fatalf("%q parsed as %q (%d choices), which reads back as %q, %v", text, s, s.Len(), again, err)
		}
		if s.Len() > 6*len(text) {
			t.Fatalf("%q: %d choices from %d characters", text, s.Len(), len(text))
		}
	})
}

func TestEventsNReadsATraceAPieceAtATime(t *testing.T) {
	r := stage.Start(context.Background(), stage.Config{Mode: stage.Seeded}, func(g *stage.G) {
		for i := range 10 {
			g.Println(i)
		}
	})
	<-r.Done()
	all := r.Events(0, nil)
	for _, tc := range []struct{ from, n, want int }{{0, 3, 3}, {5, 100, len(all) - 5}, {len(all), 5, 0}, {2, 0, 0}} {
		got := r.EventsN(tc.from, tc.n, nil)
		if len(got) != tc.want || tc.want > 0 && got[0].Seq != all[tc.from].Seq {
			t.Errorf("EventsN(%d, %d): %d events from seq %v, want %d from %d", tc.from, tc.n, len(got), got, tc.want, tc.from+1)
		}
	}
}
