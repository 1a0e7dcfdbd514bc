package scenarios

import (
	"strings"

	"interleave/scenarios/stage"
)

// Challenges are interleavings for a person to make by steering a run (mode steer): the
// page poses one above the timeline, a link names it (challenge=lose-update), and any run
// that ends showing it solves it. They are data, like searches: an id, the words, and a
// check of what a finished run shows.

// Challenge is an interleaving a scenario poses to whoever steers it.
type Challenge struct {
	ID    string `json:"id"`    // in links: challenge=lose-update
	Title string `json:"title"` // the card's heading: "Lose an update"
	Text  string `json:"text"`  // what to make happen, in a sentence; `backticks` mark code
	// Solved says whether a finished run shows it.
	Solved func(o Outcome) bool `json:"-"`
}

// Outcome is what a finished run shows, for the checks of searches and challenges: how it
// ended, what its scenario summed up, and its events.
type Outcome struct {
	End     stage.End
	Summary []Stat
	Events  []stage.Event
}

// Outcome is the finished run's: it waits for the run's end.
func (r *Run) Outcome() Outcome {
	return Outcome{End: r.End(), Summary: r.Summary(), Events: r.Events(0, nil)}
}

// Challenge finds the scenario's challenge id.
func (s *Scenario) Challenge(id string) (Challenge, bool) {
	for _, c := range s.Challenges {
		if c.ID == id {
			return c, true
		}
	}
	return Challenge{}, false
}

// Solves lists the ids of the scenario's challenges that the finished run solves.
func (s *Scenario) Solves(o Outcome) []string {
	var ids []string
	for _, c := range s.Challenges {
		if c.Solved(o) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// summaryValue is the value of the summary line labelled label, if there is one.
func summaryValue(summary []Stat, label string) (string, bool) {
	for _, st := range summary {
		if st.Label == label {
			return st.Value, true
		}
	}
	return "", false
}

// objectNamed is the id of the object the run announced as name, or 0.
func objectNamed(events []stage.Event, name string) int {
	for _, e := range events {
		if e.Kind == stage.KindNew && e.Name == name {
			return e.Obj
		}
	}
	return 0
}

// goroutineNamed is the id of the goroutine the run started as name, or 0.
func goroutineNamed(events []stage.Event, name string) int {
	for _, e := range events {
		if e.Kind == stage.KindGo && e.Name == name {
			return e.Child
		}
	}
	return 0
}

// listed is how many items a line that is prefix and then a Go slice shows: "got [0 1 2]"
// shows 3; a line without the prefix none.
func listed(line, prefix string) int {
	shown, ok := strings.CutPrefix(line, prefix)
	if !ok {
		return 0
	}
	return len(strings.Fields(strings.Trim(shown, "[]")))
}

// allBefore says whether order holds both first and then, and every first before any then.
func allBefore(order string, first, then byte) bool {
	last, next := strings.LastIndexByte(order, first), strings.IndexByte(order, then)
	return last >= 0 && next > last
}
