package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// The socket protocol: what the browser sends (clientMessage) and what the server answers
// (metaMessage, the events batch, choiceMessage in a steered run, endMessage, errorMessage).
// Every server message carries the schema version so the browser can refuse one it does not
// understand.

// Message types.
const (
	typeRun    = "run"
	typeStop   = "stop"
	typePick   = "pick"   // a steered run: the goroutine to run at the choice it waits on
	typeFinish = "finish" // a steered run: the seed chooses from here on
	typeMeta   = "meta"
	typeEvents = "events"
	typeChoice = "choice" // a steered run waits for a pick
	typeEnd    = "end"
	typeError  = "error"
)

// clientMessage is a message from the browser. A run's settings are kept as the JSON they
// came as (a string for the mode, numbers for the rest) and checked as text by
// scenarios.CheckSettings, as params are by Scenario.Check.
type clientMessage struct {
	Type       string                     `json:"type"`
	Scenario   string                     `json:"scenario"`
	Params     map[string]json.RawMessage `json:"params"`
	Mode       json.RawMessage            `json:"mode"`
	Seed       json.RawMessage            `json:"seed"`
	Processors json.RawMessage            `json:"processors"`
	Speed      json.RawMessage            `json:"speed"`
	Schedule   json.RawMessage            `json:"schedule"`
	From       json.RawMessage            `json:"from"`
	// Events is how a run's events come: as JSON (empty or "json") or, asked for with
	// "binary", as binary batches (stage.BatchEncoder). How the client reads, not what runs:
	// not a run setting, and links do not carry it.
	Events string `json:"events"`
	// A pick's (and, optionally, a finish's): the run it is for, and the goroutine to run or,
	// at a select, the ready case to take.
	Run  *int `json:"run"`
	G    *int `json:"g"`
	Case *int `json:"case"`
}

// settings are the message's run settings by name, as JSON; one line per setting a run
// message carries (those scenarios.RunSettings marks Socket).
func (m clientMessage) settings() map[string]json.RawMessage {
	return map[string]json.RawMessage{"mode": m.Mode, "seed": m.Seed, "processors": m.Processors, "speed": m.Speed, "schedule": m.Schedule, "from": m.From}
}

// The encodings of a run's events a run message can ask for.
const (
	eventsJSON   = "json"
	eventsBinary = "binary"
)

// runRequest is a checked run message.
type runRequest struct {
	scenario *scenarios.Scenario
	values   scenarios.Values
	settings scenarios.Settings // the mode and speed; for seeded runs also seed and processors
}

// decodeClientMessage parses one socket message. The error is a sentence for the person at
// the page.
func decodeClientMessage(data []byte) (clientMessage, error) {
	var m clientMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("message is not valid: %v", describeJSONError(err))
	}
	if dec.More() {
		return m, errors.New("message is not valid: one JSON object per message")
	}
	switch m.Type {
	case typeRun:
		if m.Events != "" && m.Events != eventsJSON && m.Events != eventsBinary {
			return m, fmt.Errorf("events must be json or binary, got %s", scenarios.QuoteInput(m.Events))
		}
		return m, nil
	case typeStop, typeFinish:
		return m, nil
	case typePick:
		if m.Run == nil || (m.G == nil) == (m.Case == nil) {
			return m, errors.New(`a pick names its run and either the goroutine to run, {"type":"pick","run":1,"g":2}, or at a select the ready case to take, {"type":"pick","run":1,"case":0}`)
		}
		return m, nil
	case "":
		return m, errors.New(`message has no "type" (expected "run", "stop", "pick" or "finish")`)
	default:
		return m, fmt.Errorf("unknown message type %s (expected \"run\", \"stop\", \"pick\" or \"finish\")", scenarios.QuoteInput(m.Type))
	}
}

func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not JSON (at byte %d: %v)", syntax.Offset, syntax)
	case errors.As(err, &typ):
		return fmt.Sprintf("%q must be a %s, got %s", typ.Field, typ.Type, typ.Value)
	default:
		return err.Error()
	}
}

// checkRun validates a run message against the catalog: its params with Scenario.Check and
// its settings with scenarios.CheckSettings, strictly; the error says every problem found.
func checkRun(cat *scenarios.Catalog, m clientMessage) (runRequest, error) {
	s, ok := cat.Lookup(m.Scenario)
	if !ok {
		return runRequest{}, fmt.Errorf("unknown scenario %s (there are: %s)", scenarios.QuoteInput(m.Scenario), scenarioIDs(cat))
	}
	params, err := jsonTexts(m.Params)
	if err != nil {
		return runRequest{}, err
	}
	settings, err := jsonTexts(m.settings())
	if err != nil {
		return runRequest{}, err
	}
	vals, problems := s.Check(params)
	set, more := scenarios.CheckSettings(settings, newSeed())
	if problems = boundProblems(s, append(problems, more...)); len(problems) > 0 {
		return runRequest{}, problems
	}
	return runRequest{scenario: s, values: vals, settings: set}, nil
}

// jsonTexts turns the values of a message's params or settings into text for the checkers:
// a number as written, a string as it is, null as empty text (which a setting takes as not
// given); a missing field is left out. Whether the text fits is the checkers' to say.
func jsonTexts(values map[string]json.RawMessage) (map[string]string, error) {
	texts := make(map[string]string, len(values))
	for name, v := range values {
		var n json.Number
		var text string
		switch {
		case len(v) == 0:
		case json.Unmarshal(v, &n) == nil:
			texts[name] = n.String()
		case json.Unmarshal(v, &text) == nil:
			texts[name] = text
		default:
			return nil, fmt.Errorf("%s must be a number or a name, got %s", scenarios.CutInput(name), scenarios.CutInput(string(v)))
		}
	}
	return texts, nil
}

// newMetaMessage is the meta message that starts run id: what is run, as it was checked.
func newMetaMessage(id int, req runRequest) metaMessage {
	set := req.settings
	meta := metaMessage{V: stage.SchemaVersion, Type: typeMeta, Run: id,
		Scenario: req.scenario.ID, Params: req.scenario.Named(req.values), Mode: set.Mode, Speed: set.Speed}
	if set.Seeded() {
		meta.Seed, meta.Processors, meta.Schedule = &set.Seed, set.Processors, set.Schedule.String()
	}
	return meta
}

type metaMessage struct {
	V        int            `json:"v"`
	Type     string         `json:"type"`
	Run      int            `json:"run"`
	Scenario string         `json:"scenario"`
	Params   map[string]any `json:"params"`
	Mode     stage.Mode     `json:"mode"`
	Speed    float64        `json:"speed"`
	// Seeded runs only; Schedule when the run follows one.
	Seed       *uint64 `json:"seed,omitempty"`
	Processors int     `json:"processors,omitempty"`
	Schedule   string  `json:"schedule,omitempty"`
}

// choiceMessage says that a steered run waits for a pick: the events before it have been
// sent; Schedule is the run's choices so far (replayed, it comes back to this step); Options
// are who can run and what each would do.
type choiceMessage struct {
	V        int    `json:"v"`
	Type     string `json:"type"`
	Run      int    `json:"run"`
	Step     int    `json:"step"`
	Schedule string `json:"schedule"`
	// Back is the schedule of the choice before, where one pick undone brings the run;
	// absent at its first.
	Back *string `json:"back,omitempty"`
	// Options are who can run; or, at a select with several cases ready, Select is the
	// goroutine in it and Cases its ready cases.
	Options []stage.Option     `json:"options,omitempty"`
	Select  *stage.Option      `json:"select,omitempty"`
	Cases   []stage.CaseOption `json:"cases,omitempty"`
}

func newChoiceMessage(run int, c stage.Choice) choiceMessage {
	m := choiceMessage{V: stage.SchemaVersion, Type: typeChoice, Run: run, Step: c.Step,
		Schedule: c.Schedule.String(), Options: c.Options, Select: c.Select, Cases: c.Cases}
	if c.HasBack {
		back := c.Back.String()
		m.Back = &back
	}
	return m
}

type endStats struct {
	Events     int   `json:"events"`
	Goroutines int   `json:"goroutines"`
	Objects    int   `json:"objects"`
	Duration   int64 `json:"duration"`
}

type endMessage struct {
	V        int              `json:"v"`
	Type     string           `json:"type"`
	Run      int              `json:"run"`
	Reason   stage.Reason     `json:"reason"`
	Message  string           `json:"message"`
	Stats    endStats         `json:"stats"`
	Leftover []string         `json:"leftover"`
	Summary  []scenarios.Stat `json:"summary"`
	// Schedule is a seeded run's own schedule, as far as it went: its choices of who ran
	// next, which a link's schedule setting replays.
	Schedule string `json:"schedule,omitempty"`
	// Solved, for a steered run, names the scenario's challenges the run solves.
	Solved []string `json:"solved,omitempty"`
}

type errorMessage struct {
	V       int    `json:"v"`
	Type    string `json:"type"`
	Run     int    `json:"run,omitempty"`
	Message string `json:"message"`
}

func newEndMessage(run int, end stage.End, summary []scenarios.Stat) endMessage {
	leftover := end.Leftover
	if leftover == nil {
		leftover = []string{}
	}
	if summary == nil {
		summary = []scenarios.Stat{}
	}
	return endMessage{
		V: stage.SchemaVersion, Type: typeEnd, Run: run,
		Reason: end.Reason, Message: end.Message,
		Stats: endStats{Events: end.Events, Goroutines: end.Goroutines,
			Objects: end.Objects, Duration: end.Duration},
		Leftover: leftover, Summary: summary, Schedule: end.Schedule.String(),
	}
}

// appendEventsMessage encodes an events batch without reflection: this is the hot path of a
// run's stream. It stops adding events once the message reaches maxBytes (it always holds at
// least one) and returns the message and how many events it holds.
func appendEventsMessage(buf []byte, run int, events []stage.Event, maxBytes int) ([]byte, int) {
	buf = append(buf, `{"v":`...)
	buf = strconv.AppendInt(buf, stage.SchemaVersion, 10)
	buf = append(buf, `,"type":"events","run":`...)
	buf = strconv.AppendInt(buf, int64(run), 10)
	buf = append(buf, `,"events":[`...)
	n := 0
	for n < len(events) && (n == 0 || len(buf) < maxBytes) {
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = events[n].AppendJSON(buf)
		n++
	}
	return append(buf, "]}"...), n
}

func scenarioIDs(cat *scenarios.Catalog) string {
	var b bytes.Buffer
	for i, s := range cat.All() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.ID)
	}
	return b.String()
}
