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
// (metaMessage, the events batch, endMessage, errorMessage). Every server message carries the
// schema version so the browser can refuse one it does not understand.

// Message types.
const (
	typeRun    = "run"
	typeStop   = "stop"
	typeMeta   = "meta"
	typeEvents = "events"
	typeEnd    = "end"
	typeError  = "error"
)

// Speed bounds for a run: slower than a tenth is a slideshow, faster than 10× hides everything.
const (
	minSpeed = 0.1
	maxSpeed = 10.0
)

// clientMessage is a message from the browser.
type clientMessage struct {
	Type     string                     `json:"type"`
	Scenario string                     `json:"scenario"`
	Params   map[string]json.RawMessage `json:"params"`
	Mode     string                     `json:"mode"`
	Seed     *uint64                    `json:"seed"`
	Procs    int                        `json:"processors"`
	Speed    float64                    `json:"speed"`
}

// runRequest is a checked run message.
type runRequest struct {
	scenario *scenarios.Scenario
	values   scenarios.Values
	settings runSettings // the mode; for seeded runs also seed and processors
	speed    float64
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
	case typeRun, typeStop:
		return m, nil
	case "":
		return m, errors.New(`message has no "type" (expected "run" or "stop")`)
	default:
		return m, fmt.Errorf("unknown message type %s (expected \"run\" or \"stop\")", scenarios.QuoteInput(m.Type))
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

// checkRun validates a run message against the catalog.
func checkRun(cat *scenarios.Catalog, m clientMessage) (runRequest, error) {
	s, ok := cat.Lookup(m.Scenario)
	if !ok {
		return runRequest{}, fmt.Errorf("unknown scenario %s (there are: %s)", scenarios.QuoteInput(m.Scenario), scenarioIDs(cat))
	}
	raw := make(map[string]string, len(m.Params))
	for name, v := range m.Params {
		// Numbers for sliders, names (strings) for choices; Check says which fits which.
		var n json.Number
		var text string
		switch {
		case json.Unmarshal(v, &n) == nil:
			raw[name] = n.String()
		case json.Unmarshal(v, &text) == nil:
			raw[name] = text
		default:
			return runRequest{}, fmt.Errorf("%s must be a number or a name, got %s", scenarios.CutInput(name), scenarios.CutInput(string(v)))
		}
	}
	vals, err := s.Strict(raw)
	if err != nil {
		return runRequest{}, err
	}
	req := runRequest{scenario: s, values: vals, settings: runSettings{mode: stage.Live}, speed: m.Speed}
	switch m.Mode {
	case "", string(stage.Live):
	case string(stage.Seeded):
		req.settings = runSettings{mode: stage.Seeded, seed: newSeed(), processors: defaultProcessors}
		if m.Seed != nil {
			if *m.Seed > maxSeed {
				return runRequest{}, fmt.Errorf("seed must be 0–%d, got %d", uint64(maxSeed), *m.Seed)
			}
			req.settings.seed = *m.Seed
		}
		if m.Procs != 0 {
			if m.Procs < 1 || m.Procs > maxProcessors {
				return runRequest{}, fmt.Errorf("processors must be 1–%d, got %d", maxProcessors, m.Procs)
			}
			req.settings.processors = m.Procs
		}
	default:
		return runRequest{}, fmt.Errorf("mode must be \"live\" or \"seeded\", got %s", scenarios.QuoteInput(m.Mode))
	}
	if req.speed == 0 {
		req.speed = 1
	}
	if req.speed < minSpeed || req.speed > maxSpeed {
		return runRequest{}, fmt.Errorf("speed must be %g–%g, got %g", minSpeed, maxSpeed, m.Speed)
	}
	return req, nil
}

type metaMessage struct {
	V        int            `json:"v"`
	Type     string         `json:"type"`
	Run      int            `json:"run"`
	Scenario string         `json:"scenario"`
	Params   map[string]any `json:"params"`
	Mode     stage.Mode     `json:"mode"`
	Speed    float64        `json:"speed"`
	// Seeded runs only.
	Seed       *uint64 `json:"seed,omitempty"`
	Processors int     `json:"processors,omitempty"`
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
		Leftover: leftover, Summary: summary,
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
