// Package scenarios is the catalog of what the playground can run: each scenario's parameters,
// explanation, Go source (the very file that runs, excerpted) and Rust original, and its Run
// on the stage. Parameters are checked here, once, for every entry point.
//
// Scenario code is what the code panel shows, so it is written to read well there: the
// lines between "// show:begin" and "// show:end" are the excerpt, and every stage
// operation's event lights the line that did it. That is also why goroutines call
// wg.Done(g) as their last statement instead of deferring it: a deferred call runs at the
// closing brace, and the panel would light "})".
package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"interleave/scenarios/stage"
)

// Stat is one line of a run's summary, shown when it ends.
type Stat struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Scenario is one entry of the catalog.
type Scenario struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	// Group is the part of the catalog the scenario is in, as the picker heads it: "Rust's
	// patterns", "Waiting", "sync", "x/sync".
	Group  string   `json:"group,omitempty"`
	Text   []string `json:"text"` // paragraphs; `backticks` mark code
	Params []Param  `json:"params"`
	// Source is the scenario's Go as it runs, and SourceLine the file line of its first line:
	// event lines are file lines, so the code panel can light them.
	Source     string `json:"source"`
	SourceLine int    `json:"sourceLine"`
	Rust       string `json:"rust"`
	// RustRun is what the Rust original prints (or panics with) when it runs; a test
	// compiles it with rustc, wrapped in fn main when it is a snippet, and checks.
	RustRun RustRun `json:"-"`
	// Counterparts pair Go lines with the Rust lines that do the same, which the code panel
	// lights together (rust.go).
	Counterparts []Counterpart `json:"-"`
	rustLines    map[int]int   // Go file line → Rust line, from Counterparts
	// Searches are the interleavings a search of seeds can look for in this scenario.
	Searches []Search `json:"searches,omitempty"`
	// Challenges are the interleavings it poses to whoever steers it (challenge.go).
	Challenges []Challenge `json:"challenges,omitempty"`

	run func(g *stage.G, v Values) []Stat
}

// Search is an interleaving that seeds can be searched for: the search API runs seed after
// seed until one shows it, and the page offers it as a button.
type Search struct {
	Want  string // its name, as the search API's want takes it: "deadlock"
	Label string // the page's button: "Find a deadlock"
	// Showed says whether a run that ended so, with that summary, shows it.
	Showed func(end stage.End, summary []Stat) bool
}

// MarshalJSON writes a search as its want: the catalog lists what can be searched for by
// name, as it always has.
func (s Search) MarshalJSON() ([]byte, error) { return json.Marshal(s.Want) }

// Search finds the scenario's search for want.
func (s *Scenario) Search(want string) (Search, bool) {
	for _, se := range s.Searches {
		if se.Want == want {
			return se, true
		}
	}
	return Search{}, false
}

// Run is a scenario running on the stage. Its summary is ready when it is Done.
type Run struct {
	*stage.Run
	summary []Stat
}

// Summary is what the scenario reported at its end; nil when it did not get there.
func (r *Run) Summary() []Stat {
	<-r.Done()
	return r.summary
}

// Start runs the scenario with checked values.
func (s *Scenario) Start(ctx context.Context, cfg stage.Config, vals Values) *Run {
	r := &Run{}
	r.Run = stage.Start(ctx, cfg, func(g *stage.G) {
		r.summary = s.run(g, vals)
	})
	return r
}

// Catalog is the ordered list of scenarios.
type Catalog struct {
	list []*Scenario
}

// New builds the catalog, in the picker's order and groups.
func New() *Catalog {
	groups := []struct {
		name string
		list []*Scenario
	}{
		// the patterns of the text on Rust concurrency the first scenarios come from
		{"Rust's patterns", []*Scenario{
			posing(channelsScenario(), channelsChallenges()),
			posing(workerPoolScenario(), workerPoolChallenges()),
			posing(producerConsumerScenario(), producerConsumerChallenges()),
			cellScenario(), posing(refCellScenario(), refCellChallenges()),
			posing(atomicCounterScenario(), atomicCounterChallenges()),
			posing(deadlockScenario(), deadlockChallenges())}},
		// how Go programs wait: select, timers, context
		{"Waiting", []*Scenario{posing(timeoutScenario(), timeoutChallenges()),
			posing(selectFairnessScenario(), selectFairnessChallenges()),
			posing(pipelineScenario(), pipelineChallenges()),
			posing(cancelScenario(), cancelChallenges()), posing(tickerScenario(), tickerChallenges())}},
		{"sync", []*Scenario{
			posing(readersWritersScenario(), readersWritersChallenges()),
			posing(boundedQueueScenario(), boundedQueueChallenges()),
			posing(onceScenario(), onceChallenges())}},
		{"x/sync", []*Scenario{posing(semaphoreScenario(), semaphoreChallenges()), posing(errgroupScenario(), errgroupChallenges())}},
	}
	var list []*Scenario
	for _, grp := range groups {
		for _, s := range grp.list {
			s.Group = grp.name
			s.rustLines = pairLines(s)
			list = append(list, s)
		}
	}
	return &Catalog{list: list}
}

// posing is s with its challenges, which its file declares after its code (the lines of a
// scenario's Go, which its traces carry, stay where they were).
func posing(s *Scenario, challenges []Challenge) *Scenario {
	s.Challenges = challenges
	return s
}

// NewCatalog is a catalog of the scenarios given, in picker order: for tests and tools that
// need scenarios of their own (New is the playground's catalog).
func NewCatalog(list ...*Scenario) *Catalog { return &Catalog{list: list} }

// NewScenario returns a copy of s that runs run: how code outside this package makes a
// scenario of its own, for a catalog made with NewCatalog.
func NewScenario(s Scenario, run func(g *stage.G, v Values) []Stat) *Scenario {
	s.run = run
	s.rustLines = pairLines(&s)
	return &s
}

// All lists the scenarios in picker order; the first is the landing page.
func (c *Catalog) All() []*Scenario { return c.list }

// Lookup finds a scenario by id.
func (c *Catalog) Lookup(id string) (*Scenario, bool) {
	for _, s := range c.list {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// excerpt cuts a scenario's source file down to the part between the "// show:begin" and
// "// show:end" marker lines and says on which file line it starts.
func excerpt(file string) (string, int) {
	lines := strings.Split(file, "\n")
	begin, end := -1, len(lines)
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case "// show:begin":
			begin = i + 1
		case "// show:end":
			end = i
		}
	}
	if begin < 0 {
		panic(fmt.Sprintf("scenario source without a // show:begin marker:\n%.200s", file))
	}
	return strings.Join(lines[begin:end], "\n"), begin + 1
}
