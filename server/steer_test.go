package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"interleave/scenarios/stage"
)

// steerMessage is a server message of a steered run, decoded loosely for checking.
type steerMessage struct {
	message
	Step     int                `json:"step"`
	Schedule string             `json:"schedule"`
	Back     *string            `json:"back"`
	Options  []stage.Option     `json:"options"`
	Select   *stage.Option      `json:"select"`
	Cases    []stage.CaseOption `json:"cases"`
	Solved   []string           `json:"solved"`
}

func readSteer(t *testing.T, conn *websocket.Conn) steerMessage {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(guard))
	var m steerMessage
	if err := conn.ReadJSON(&m); err != nil {
		t.Fatalf("read: %v", err)
	}
	if m.V != 1 {
		t.Fatalf("message %q has version %d, want 1", m.Type, m.V)
	}
	return m
}

// readToStop reads a steered run's messages until it stops at a choice, ends, or gets an
// error, and returns the events on the way and the message it stopped at.
func readToStop(t *testing.T, conn *websocket.Conn) ([]event, steerMessage) {
	t.Helper()
	var events []event
	for {
		m := readSteer(t, conn)
		switch m.Type {
		case typeMeta:
		case typeEvents:
			for _, raw := range m.Events {
				var e event
				if err := json.Unmarshal(raw, &e); err != nil {
					t.Fatalf("event %s: %v", raw, err)
				}
				events = append(events, e)
			}
		default:
			return events, m
		}
	}
}

// steerRun starts run and answers every choice with pick until the run ends. It returns the
// run's events, its choices and its end.
func steerRun(t *testing.T, conn *websocket.Conn, run string, pick func(c steerMessage) int) ([]event, []steerMessage, steerMessage) {
	t.Helper()
	send(t, conn, run)
	var all []event
	var choices []steerMessage
	for {
		events, m := readToStop(t, conn)
		all = append(all, events...)
		switch m.Type {
		case typeChoice:
			choices = append(choices, m)
			send(t, conn, fmt.Sprintf(`{"type":"pick","run":%d,"g":%d}`, m.Run, pick(m)))
		case typeEnd:
			return all, choices, m
		default:
			t.Fatalf("a steered run got %s: %s", m.Type, m.Message)
		}
	}
}

// preferring picks the first option whose text comes earliest in texts, else the first.
func preferring(texts ...string) func(c steerMessage) int {
	return func(c steerMessage) int {
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

// loseAnUpdate starts both adders and has both load before either stores.
var loseAnUpdate = preferring("Add to adders", "start a goroutine", "start", "load counter")

const steerTwoAdders = `{"type":"run","scenario":"atomic-counter","params":{"method":"load-store","goroutines":2,"adds":1,"work":0,"gap":0},"mode":"steer","seed":5,"processors":2%s}`

func TestSocketPicksSteerARun(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	events, choices, end := steerRun(t, conn, fmt.Sprintf(steerTwoAdders, ""), loseAnUpdate)
	if end.Reason != "done" || len(end.Summary) != 3 || end.Summary[2].Value != "1" {
		t.Fatalf("ended %s (%s) with %+v, want done with 1 lost update", end.Reason, end.Message, end.Summary)
	}
	if !reflect.DeepEqual(end.Solved, []string{"lose-update"}) {
		t.Errorf("the end says it solved %v, want lose-update", end.Solved)
	}
	var atomics []string
	for _, e := range events {
		if e.Kind == string(stage.KindAtomic) && e.G > 1 {
			op := "store " + e.Value
			if e.Value == "" {
				op = "load" // a load's event has no argument
			}
			atomics = append(atomics, fmt.Sprintf("%d %s", e.G, op))
		}
	}
	if got := strings.Join(atomics, ", "); got != "2 load, 3 load, 2 store 16, 3 store 16" {
		t.Errorf("the adders' atomics went %s, want both loads before the stores", got)
	}
	first := choices[0]
	if first.Step != 1 || first.Schedule != "" {
		t.Errorf("the first choice is step %d after schedule %q", first.Step, first.Schedule)
	}
	loadsOffered := map[string]bool{}
	for _, c := range choices {
		for _, o := range c.Options {
			if o.Text == "load counter" {
				loadsOffered[o.Name] = true
				if o.Op != "atomic" || o.Obj != 1 || o.Line == 0 {
					t.Errorf("option %+v: want an atomic on the counter (object 1), at its line", o)
				}
			}
		}
	}
	if !loadsOffered["adder 0"] || !loadsOffered["adder 1"] {
		t.Errorf("the choices offered loads of %v, want both adders': %+v", loadsOffered, choices)
	}

	// The same picks give the same run, and its schedule, replayed as a seeded run by the
	// trace API, the same events.
	again, _, againEnd := steerRun(t, conn, fmt.Sprintf(steerTwoAdders, ""), loseAnUpdate)
	if !reflect.DeepEqual(again, events) || againEnd.Schedule != end.Schedule {
		t.Error("the same picks steered another run")
	}
	doc, _ := getTrace(t, ts, "/api/scenarios/atomic-counter/trace?method=load-store&goroutines=2&adds=1&work=0&gap=0&seed=5&processors=2&schedule="+end.Schedule)
	var replayed []event
	for _, raw := range doc.Events {
		var e event
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		replayed = append(replayed, e)
	}
	if !reflect.DeepEqual(replayed, events) {
		t.Error("the steered run's schedule replays as another run")
	}
}

func TestSocketRefusesAWrongPickAndTheRunWaitsOn(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, fmt.Sprintf(steerTwoAdders, ""))
	_, c := readToStop(t, conn)
	if c.Type != typeChoice {
		t.Fatalf("got %s (%s), want a choice", c.Type, c.Message)
	}
	send(t, conn, fmt.Sprintf(`{"type":"pick","run":%d,"g":7}`, c.Run))
	m := readSteer(t, conn)
	if m.Type != typeError || m.Run != c.Run || !strings.Contains(m.Message, "goroutine 7 cannot run here; only 1 (main) and 2 (adder 0) can; the run waits for one of them") {
		t.Fatalf("a wrong pick got %s %q", m.Type, m.Message)
	}
	for _, bad := range []struct{ msg, want string }{
		{fmt.Sprintf(`{"type":"pick","run":%d,"g":"main"}`, c.Run), `"g" must be a int`},
		{`{"type":"pick","g":2}`, "a pick names its run and either the goroutine to run"},
		{fmt.Sprintf(`{"type":"pick","run":%d,"g":2,"case":0}`, c.Run), "a pick names its run and either the goroutine to run"},
		{fmt.Sprintf(`{"type":"pick","run":%d,"case":0}`, c.Run), "the run waits for a goroutine to run, not a select's case; only 1 (main) and 2 (adder 0) can"},
		{fmt.Sprintf(`{"type":"pick","run":%d,"g":2}`, c.Run+1), fmt.Sprintf("run %d is not the run going here (that is run %d)", c.Run+1, c.Run)},
	} {
		send(t, conn, bad.msg)
		if m := readSteer(t, conn); m.Type != typeError || !strings.Contains(m.Message, bad.want) {
			t.Errorf("%s: got %s %q, want an error saying %s", bad.msg, m.Type, m.Message, bad.want)
		}
	}
	send(t, conn, fmt.Sprintf(`{"type":"pick","run":%d,"g":%d}`, c.Run, c.Options[0].G))
	if _, next := readToStop(t, conn); next.Type != typeChoice || next.Step != 2 {
		t.Fatalf("after a right pick: %s step %d (%s), want the choice of step 2", next.Type, next.Step, next.Message)
	}
	send(t, conn, `{"type":"stop"}`)
	if _, end := readToStop(t, conn); end.Type != typeEnd || end.Reason != "stopped" {
		t.Fatalf("a stopped steered run: %s %s", end.Type, end.Reason)
	}
}

func TestSocketFinishHandsTheRunToTheSeed(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	seeded := strings.Replace(fmt.Sprintf(steerTwoAdders, ""), `"steer"`, `"seeded"`, 1)
	send(t, conn, seeded)
	_, _, want, wantEnd := readRun(t, conn)

	send(t, conn, fmt.Sprintf(steerTwoAdders, ""))
	before, c := readToStop(t, conn)
	if c.Type != typeChoice {
		t.Fatalf("got %s (%s), want a choice", c.Type, c.Message)
	}
	send(t, conn, `{"type":"finish"}`)
	after, end := readToStop(t, conn)
	if end.Type != typeEnd || end.Reason != "done" {
		t.Fatalf("a finished run: %s %s (%s)", end.Type, end.Reason, end.Message)
	}
	if got := append(before, after...); !reflect.DeepEqual(got, want) || !reflect.DeepEqual(end.Summary, wantEnd.Summary) {
		t.Error("a steered run finished at its first choice is not the seed's own run")
	}
}

func TestSocketUndoIsTheScheduleLessItsLastChoice(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	events, choices, _ := steerRun(t, conn, fmt.Sprintf(steerTwoAdders, ""), loseAnUpdate)
	if len(choices) < 4 {
		t.Fatalf("only %d choices", len(choices))
	}
	// Back from step 4 is step 3 again: the run of step 3's schedule, which step 4 names.
	back := choices[2]
	if choices[3].Back == nil || *choices[3].Back != back.Schedule || choices[0].Back != nil {
		t.Fatalf("step 4 goes back to %v, want %q; step 1 to %v, want nowhere", choices[3].Back, back.Schedule, choices[0].Back)
	}
	send(t, conn, fmt.Sprintf(steerTwoAdders, fmt.Sprintf(`,"schedule":%q`, back.Schedule)))
	prefix, c := readToStop(t, conn)
	if c.Type != typeChoice || c.Step != back.Step || c.Schedule != back.Schedule || !reflect.DeepEqual(c.Options, back.Options) {
		t.Fatalf("the schedule of step %d came back to %s step %d %+v, want %+v", back.Step, c.Type, c.Step, c.Options, back.Options)
	}
	if !reflect.DeepEqual(prefix, events[:len(prefix)]) {
		t.Error("the events up to the step are not the steered run's")
	}
	// And it can be steered on, here to the same end.
	send(t, conn, fmt.Sprintf(`{"type":"pick","run":%d,"g":%d}`, c.Run, loseAnUpdate(c)))
	var rest []event
	for {
		evs, m := readToStop(t, conn)
		rest = append(rest, evs...)
		if m.Type == typeEnd {
			break
		}
		send(t, conn, fmt.Sprintf(`{"type":"pick","run":%d,"g":%d}`, m.Run, loseAnUpdate(m)))
	}
	if !reflect.DeepEqual(append(prefix, rest...), events) {
		t.Error("steering on from the step gave another run")
	}
}

func TestSocketASteeredRunWaitsNoLongerThanMaxSteerIdle(t *testing.T) {
	clock := &idleClock{asked: make(chan time.Duration, 1), fire: make(chan time.Time)}
	ts := newTestServerWith(t, func(cfg *appConfig) {
		cfg.limits.maxSteerIdle = 3 * time.Minute
		cfg.clock = clock
	})
	conn := ts.dial(t)
	send(t, conn, fmt.Sprintf(steerTwoAdders, ""))
	if _, c := readToStop(t, conn); c.Type != typeChoice {
		t.Fatalf("got %s (%s), want a choice", c.Type, c.Message)
	}
	if d := <-clock.asked; d != 3*time.Minute {
		t.Errorf("the run waits %s for a pick, want -max-steer-idle's 3m", d)
	}
	clock.fire <- time.Time{}
	_, end := readToStop(t, conn)
	if end.Type != typeEnd || end.Reason != "stopped" || end.Message != "stopped after waiting 3m0s for a pick, the longest a steered run waits; its schedule brings it back to this step" {
		t.Fatalf("an idle steered run: %s %s %q", end.Type, end.Reason, end.Message)
	}
}

// idleClock is the clock a steered run's idle wait is measured by, moved by the test.
type idleClock struct {
	asked chan time.Duration
	fire  chan time.Time
}

func (c *idleClock) Now() time.Time { return time.Time{} }
func (c *idleClock) After(d time.Duration) <-chan time.Time {
	c.asked <- d
	return c.fire
}

func TestSocketASteeredRunHoldsARunSlot(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) { cfg.limits.maxRunsPerClient = 1 })
	conn := ts.dial(t)
	send(t, conn, fmt.Sprintf(steerTwoAdders, ""))
	if _, c := readToStop(t, conn); c.Type != typeChoice {
		t.Fatalf("got %s (%s), want a choice", c.Type, c.Message)
	}
	other := ts.dial(t)
	send(t, other, `{"type":"run","scenario":"cell","mode":"seeded","seed":1}`)
	if m := readSteer(t, other); m.Type != typeError || !strings.Contains(m.Message, "runs are already going from your address") {
		t.Fatalf("a run beside a waiting steered run: %s %q", m.Type, m.Message)
	}
}

func TestSocketRefusesAScheduleLongerThanARunCanMake(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) {
		cfg.limits.maxEvents = 100
		cfg.limits.maxGoroutines = 4
	})
	conn := ts.dial(t)
	long := strings.Repeat("_", 18) // 108 choices, each a 1 bit: run the same goroutine again
	sched, err := stage.ParseSchedule(long)
	if err != nil || sched.Len() != 108 {
		t.Fatalf("the test's schedule: %d choices, %v", sched.Len(), err)
	}
	send(t, conn, fmt.Sprintf(steerTwoAdders, fmt.Sprintf(`,"schedule":%q`, long)))
	want := fmt.Sprintf("the schedule has %d choices, but a run here records at most 100 events and starts at most 4 goroutines, and so makes at most 104 choices", sched.Len())
	if m := readSteer(t, conn); m.Type != typeError || m.Message != want {
		t.Fatalf("got %s %q, want an error %q", m.Type, m.Message, want)
	}
	resp, err := http.Get(ts.srv.URL + "/api/scenarios/cell/trace?seed=1&schedule=" + long)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), want) {
		t.Errorf("the trace API answered %d %s, want 400 saying %q", resp.StatusCode, body, want)
	}
}

func TestSocketTakesASeededRunOverAtAnEvent(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, strings.Replace(fmt.Sprintf(steerTwoAdders, ""), `"steer"`, `"seeded"`, 1))
	want, end := readToStop(t, conn)
	if end.Type != typeEnd || end.Schedule == "" {
		t.Fatalf("the seeded run: %s with schedule %q", end.Type, end.Schedule)
	}
	send(t, conn, fmt.Sprintf(steerTwoAdders, fmt.Sprintf(`,"schedule":%q,"from":9`, end.Schedule)))
	got, c := readToStop(t, conn)
	if c.Type != typeChoice || len(got) < 9 || len(got) > len(want) || !reflect.DeepEqual(got, want[:len(got)]) {
		t.Fatalf("taken over at event 9: %s after %d events, not the seeded run's first", c.Type, len(got))
	}
	send(t, conn, `{"type":"run","scenario":"cell","mode":"steer","from":-1}`)
	if m := readSteer(t, conn); m.Type != typeError || !strings.Contains(m.Message, "from must be 0–10000000, got -1") {
		t.Errorf("a negative from: %s %q", m.Type, m.Message)
	}
}

func TestSocketPicksASelectsCase(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"select-fairness","params":{"messages":1,"buffer":1},"mode":"steer","seed":1}`)
	cases := 0
	for {
		_, m := readToStop(t, conn)
		if m.Type == typeEnd {
			if got := m.Summary[2].Value; cases == 0 || got != "ba" {
				t.Fatalf("the select took %q after %d case choices, want b first", got, cases)
			}
			return
		}
		if m.Type != typeChoice {
			t.Fatalf("got %s: %s", m.Type, m.Message)
		}
		if m.Select != nil {
			// Both producers have sent: take b's.
			cases++
			if m.Select.Name != "consumer" && m.Select.Name != "main" || len(m.Cases) != 2 || m.Cases[1].Text != "receive from b" {
				t.Fatalf("a select's choice: %+v %+v", m.Select, m.Cases)
			}
			send(t, conn, fmt.Sprintf(`{"type":"pick","run":%d,"case":1}`, m.Run))
			continue
		}
		// Producers first, so that both channels hold a value when the select comes.
		pick := m.Options[0].G
		for i := len(m.Options) - 1; i >= 0; i-- {
			if o := m.Options[i]; o.Name != "main" && o.Name != "consumer" {
				pick = o.G
			}
		}
		send(t, conn, fmt.Sprintf(`{"type":"pick","run":%d,"g":%d}`, m.Run, pick))
	}
}

// A client that goes away while its steered run waits for a pick ends the run: its run slot
// is free again, and nothing of it is left waiting (goleak checks the goroutines at the end).
func TestSocketAClientThatVanishesEndsItsSteeredRun(t *testing.T) {
	ts := newTestServerWith(t, func(cfg *appConfig) { cfg.limits.maxRunsPerClient = 1 })
	conn := ts.dial(t)
	send(t, conn, fmt.Sprintf(steerTwoAdders, ""))
	if _, c := readToStop(t, conn); c.Type != typeChoice {
		t.Fatalf("got %s (%s), want a choice", c.Type, c.Message)
	}
	conn.Close()
	waitFor(t, "the steered run to end with its client gone", func() bool {
		n, _ := ts.app.runSlots.running("")
		return n == 0
	})
	other := ts.dial(t)
	send(t, other, `{"type":"run","scenario":"cell","mode":"seeded","seed":1}`)
	if m := readSteer(t, other); m.Type != typeMeta {
		t.Fatalf("a run after the vanished client's: %s %q", m.Type, m.Message)
	}
}
