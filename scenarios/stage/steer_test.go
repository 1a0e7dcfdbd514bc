package stage_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"interleave/scenarios/stage"
)

// twoAdders is a lost update waiting to happen: two goroutines load a counter and store
// what they loaded plus one.
func twoAdders(g *stage.G) {
	counter := stage.NewAtomicInt(g, "counter", 5)
	wg := stage.NewWaitGroup(g, "wg")
	for i := range 2 {
		wg.Add(g, 1)
		g.Go(fmt.Sprintf("adder %d", i), func(g *stage.G) {
			v := counter.Load(g)
			counter.Store(g, v+1)
			wg.Done(g)
		})
	}
	wg.Wait(g)
	g.Println("counter", counter.Load(g))
}

func steered(st *stage.Steer) stage.Config {
	return stage.Config{Mode: stage.Seeded, Seed: 1, Strategy: st}
}

// steer answers a steered run's choices with pick until it ends, and returns them.
func steer(t *testing.T, r *stage.Run, st *stage.Steer, pick func(c stage.Choice) int) []stage.Choice {
	t.Helper()
	var seen []stage.Choice
	for {
		select {
		case c := <-st.Choices():
			seen = append(seen, c)
			if err := st.Pick(pick(c)); err != nil {
				t.Fatalf("step %d: %v", c.Step, err)
			}
		case <-r.Done():
			return seen
		case <-time.After(10 * time.Second): // a guard: a hang fails instead
			t.Fatal("the steered run neither chose nor ended")
		}
	}
}

// preferring picks the first option whose text is earliest in texts, else the first.
func preferring(texts ...string) func(c stage.Choice) int {
	return func(c stage.Choice) int {
		for _, text := range texts {
			for _, o := range c.Options {
				if o.Text == text {
					return o.G
				}
			}
		}
		return c.Options[0].G
	}
}

func texts(c stage.Choice) []string {
	var s []string
	for _, o := range c.Options {
		s = append(s, o.Name+": "+o.Text)
	}
	return s
}

func TestPicksSteerARunToALostUpdate(t *testing.T) {
	st := stage.NewSteer(stage.SteerConfig{Seed: 1})
	r := stage.Start(context.Background(), steered(st), twoAdders)
	choices := steer(t, r, st, preferring("Add to wg", "start a goroutine", "start", "load counter"))
	end := r.End()
	events := r.Events(0, nil)
	if err := stage.Validate(events, end); err != nil {
		t.Fatal(err)
	}
	if last := events[len(events)-2]; last.Kind != stage.KindPrint || last.Value != "counter 6" {
		t.Fatalf("the run printed %+v, want counter 6: both adders loaded 5", last)
	}
	both := slices.IndexFunc(choices, func(c stage.Choice) bool {
		return slices.Contains(texts(c), "adder 0: load counter") && slices.Contains(texts(c), "adder 1: load counter")
	})
	if both < 0 {
		t.Fatalf("no choice between the two loads; the choices were %v", choices)
	}
	for _, o := range choices[both].Options {
		if o.Name == "main" {
			continue
		}
		if o.Op != string(stage.KindAtomic) || o.Obj != 1 || o.Line == 0 {
			t.Errorf("option %+v: want an atomic on object 1 at a line", o)
		}
	}
	for i, c := range choices {
		if c.Step != i+1 || c.Schedule.Len() != i {
			t.Errorf("choice %d is step %d after %d choices", i+1, c.Step, c.Schedule.Len())
		}
		if c.HasBack != (i > 0) || i > 0 && c.Back != choices[i-1].Schedule {
			t.Errorf("choice %d goes back to %v %q, want the schedule of the choice before", i+1, c.HasBack, c.Back)
		}
	}
	// The run's schedule brings back the run it steered, and each choice's schedule the run
	// up to that choice: how a link rebuilds a steered run, and Back undoes a step.
	again, againEnd := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 1,
		Strategy: stage.Replay(end.Schedule, stage.RandomStrategy(1))}, twoAdders)
	if !reflect.DeepEqual(again, events) || againEnd.Schedule != end.Schedule {
		t.Fatal("replaying the steered run's schedule gave another run")
	}
	undo := choices[both]
	st2 := stage.NewSteer(stage.SteerConfig{Schedule: undo.Schedule, Seed: 1})
	r2 := stage.Start(context.Background(), steered(st2), twoAdders)
	c := <-st2.Choices()
	if c.Step != undo.Step || c.Events != undo.Events || !slices.Equal(c.Options, undo.Options) {
		t.Errorf("the schedule of step %d came back to step %d with %d events and %v, want %d events and %v",
			undo.Step, c.Step, c.Events, texts(c), undo.Events, texts(undo))
	}
	if !reflect.DeepEqual(r2.Events(0, nil), events[:undo.Events]) {
		t.Error("the events up to the step differ from the steered run's")
	}
	st2.Finish()
	<-r2.Done()
}

func TestAWrongPickIsRefusedAndTheRunWaitsOn(t *testing.T) {
	st := stage.NewSteer(stage.SteerConfig{Seed: 1})
	r := stage.Start(context.Background(), steered(st), twoAdders)
	c := <-st.Choices()
	err := st.Pick(9)
	if err == nil || !strings.Contains(err.Error(), "goroutine 9 cannot run here; only 1 (main) and 2 (adder 0) can") {
		t.Fatalf("a pick of goroutine 9 at %v: %v", texts(c), err)
	}
	if err := st.Pick(2); err != nil {
		t.Fatalf("a right pick after a wrong one: %v", err)
	}
	if err := st.Pick(2); err == nil || !strings.Contains(err.Error(), "not waiting") {
		t.Errorf("a second pick for one choice: %v", err)
	}
	if next := <-st.Choices(); next.Step != 2 {
		t.Errorf("the run went on to step %d, want 2", next.Step)
	}
	st.Finish()
	if end := r.End(); end.Reason != stage.ReasonDone {
		t.Errorf("ended %s: %s", end.Reason, end.Message)
	}
}

func TestFinishHandsTheRestToTheSeed(t *testing.T) {
	want, wantEnd := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 7}, twoAdders)
	st := stage.NewSteer(stage.SteerConfig{Seed: 7})
	r := stage.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 7, Strategy: st}, twoAdders)
	<-st.Choices()
	st.Finish()
	<-r.Done()
	if !reflect.DeepEqual(r.Events(0, nil), want) || r.End().Schedule != wantEnd.Schedule {
		t.Fatal("a steered run finished at once is not the seed's own run")
	}
}

func TestASteeredRunWaitsForAPickNoLongerThanItsIdle(t *testing.T) {
	idle := make(chan time.Time)
	var asked []time.Duration
	st := stage.NewSteer(stage.SteerConfig{Seed: 1, Idle: 10 * time.Minute,
		After: func(d time.Duration) <-chan time.Time { asked = append(asked, d); return idle }})
	r := stage.Start(context.Background(), steered(st), twoAdders)
	<-st.Choices()
	close(idle)
	end := r.End()
	if end.Reason != stage.ReasonStopped || end.Message != "stopped after waiting 10m0s for a pick, the longest a steered run waits; its schedule brings it back to this step" {
		t.Fatalf("ended %s: %s", end.Reason, end.Message)
	}
	if !slices.Equal(asked, []time.Duration{10 * time.Minute}) {
		t.Errorf("the idle waits asked for were %v", asked)
	}
}

func TestAStoppedSteeredRunEndsWhileItWaits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := stage.NewSteer(stage.SteerConfig{Seed: 1})
	r := stage.Start(ctx, steered(st), twoAdders)
	<-st.Choices()
	cancel()
	if end := r.End(); end.Reason != stage.ReasonStopped {
		t.Fatalf("ended %s: %s", end.Reason, end.Message)
	}
	if err := st.Pick(1); err == nil {
		t.Error("a pick after the run ended was taken")
	}
}

func TestASeededRunIsTakenOverWhereItsEventsReach(t *testing.T) {
	want, wantEnd := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 3}, twoAdders)
	for _, at := range []int{1, 5, 9} {
		st := stage.NewSteer(stage.SteerConfig{Schedule: wantEnd.Schedule, Seed: 3, Until: at})
		r := stage.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 3, Strategy: st}, twoAdders)
		var c stage.Choice
		select {
		case c = <-st.Choices():
		case <-r.Done():
			t.Fatalf("taken over at event %d: the run ended without a choice", at)
		case <-time.After(10 * time.Second): // a guard: a hang fails instead
			t.Fatalf("taken over at event %d: the run neither chose nor ended", at)
		}
		if c.Events < at || !reflect.DeepEqual(r.Events(0, nil), want[:c.Events]) {
			t.Errorf("taken over at event %d: the run waits after %d events, not the seeded run's first", at, c.Events)
		}
		// The seed, handed the rest, makes the seeded run's own choices.
		st.Finish()
		<-r.Done()
		if !reflect.DeepEqual(r.Events(0, nil), want) {
			t.Errorf("taken over at event %d and finished: another run", at)
		}
	}
}

func TestAPersonPicksASelectsCase(t *testing.T) {
	program := func(g *stage.G) {
		a := stage.NewChan[int](g, "a", 1)
		b := stage.NewChan[int](g, "b", 1)
		a.Send(g, 1)
		b.Send(g, 2)
		var v int
		i := g.Select(a.RecvCase(&v), b.RecvCase(&v))
		g.Println("took", i, v)
	}
	st := stage.NewSteer(stage.SteerConfig{Seed: 1})
	r := stage.Start(context.Background(), steered(st), program)
	c := <-st.Choices()
	if c.Select == nil || c.Select.Name != "main" || len(c.Options) != 0 || len(c.Cases) != 2 ||
		c.Cases[0].Text != "receive from a" || c.Cases[1].Text != "receive from b" || c.Cases[1].Dir != "recv" || c.Cases[1].Line == 0 {
		t.Fatalf("the choice at the select: %+v, select %+v", c, c.Select)
	}
	if err := st.Pick(1); err == nil || !strings.Contains(err.Error(), "pick a case, not goroutine 1") {
		t.Errorf("a goroutine picked at a select: %v", err)
	}
	if err := st.PickCase(2); err == nil || !strings.Contains(err.Error(), "main's select has 2 ready cases, 0 to 1: there is no case 2") {
		t.Errorf("a third case picked: %v", err)
	}
	if err := st.PickCase(1); err != nil {
		t.Fatal(err)
	}
	end := r.End()
	events := r.Events(0, nil)
	if end.Reason != stage.ReasonDone || events[len(events)-2].Value != "took 1 2" {
		t.Fatalf("ended %s (%s), with %+v; want the second case, b's 2, printed", end.Reason, end.Message, events[len(events)-3:])
	}
	// The schedule holds the pick: replayed, the select takes b again.
	again, _ := stage.Record(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 1, Strategy: stage.Replay(end.Schedule, stage.RandomStrategy(1))}, program)
	if !reflect.DeepEqual(again, events) {
		t.Error("the schedule of a picked case replays as another run")
	}
}
