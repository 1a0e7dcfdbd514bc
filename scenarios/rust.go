package scenarios

import (
	"fmt"
	"regexp"
	"strings"
)

// RustRun is what a scenario's Rust original does when it is compiled with rustc and run:
// the page shows it beside the Go, and a test compiles it and holds it to this.
type RustRun struct {
	// Prints are the lines it prints, each a regular expression that a whole line matches:
	// in this order or, when AnyOrder, in any (threads print as they are scheduled).
	Prints   []string
	AnyOrder bool
	// Panic is the message it panics with after printing them; "" when it ends well.
	Panic string
	// MayHang says it can wait forever (a deadlock): a run stopped after a while is not a
	// failure.
	MayHang bool
}

// Check says how the output of a run (its standard output, and the message it panicked
// with, "" if none) differs from r; nil when it does not.
func (r RustRun) Check(stdout, panicked string) error {
	if panicked != r.Panic {
		if r.Panic == "" {
			return fmt.Errorf("it panicked with %q, but should end well", panicked)
		}
		return fmt.Errorf("it should panic with %q, but %s", r.Panic, describePanic(panicked))
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if stdout == "" {
		lines = nil
	}
	if len(lines) != len(r.Prints) {
		return fmt.Errorf("it printed %d lines, want %d: %q", len(lines), len(r.Prints), lines)
	}
	patterns := make([]*regexp.Regexp, len(r.Prints))
	for i, p := range r.Prints {
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return fmt.Errorf("line pattern %q: %w", p, err)
		}
		patterns[i] = re
	}
	if !r.AnyOrder {
		for i, l := range lines {
			if !patterns[i].MatchString(l) {
				return fmt.Errorf("line %d is %q, want %q", i+1, l, r.Prints[i])
			}
		}
		return nil
	}
	if line, ok := matchAll(lines, patterns); !ok {
		return fmt.Errorf("the lines %q, in any order, do not match %q (no pattern left for %q)", lines, r.Prints, line)
	}
	return nil
}

func describePanic(panicked string) string {
	if panicked == "" {
		return "it ended without one"
	}
	return fmt.Sprintf("it panicked with %q", panicked)
}

// matchAll finds a pattern for every line, each pattern used once (a bipartite matching, by
// augmenting paths: patterns may overlap). It returns a line left without one.
func matchAll(lines []string, patterns []*regexp.Regexp) (string, bool) {
	lineOf := make([]int, len(patterns)) // the line each pattern is given to, or -1
	for i := range lineOf {
		lineOf[i] = -1
	}
	var give func(l int, tried []bool) bool
	give = func(l int, tried []bool) bool {
		for p, re := range patterns {
			if tried[p] || !re.MatchString(lines[l]) {
				continue
			}
			tried[p] = true
			if lineOf[p] < 0 || give(lineOf[p], tried) {
				lineOf[p] = l
				return true
			}
		}
		return false
	}
	for l := range lines {
		if !give(l, make([]bool, len(patterns))) {
			return lines[l], false
		}
	}
	return "", true
}

// Counterpart pairs a line of a scenario's Go with the line of its Rust original that does
// the same, each named by a piece of its text: when an event lights the Go line, the code
// panel lights the Rust line too. A scenario lists them in the order of its Go; each Go text
// is looked for after the previous pair's Go line, each Rust text from the previous pair's
// Rust line on (several Go lines may share one Rust line), so a text may recur.
type Counterpart struct{ Go, Rust string }

// pairLines finds the lines of s's counterparts: Go file line → Rust line. A text not found
// is a mistake in the catalog, and panics when the catalog is made.
func pairLines(s *Scenario) map[int]int {
	if len(s.Counterparts) == 0 {
		return nil
	}
	goLines, rustLines := strings.Split(s.Source, "\n"), strings.Split(s.Rust, "\n")
	pairs := make(map[int]int, len(s.Counterparts))
	gi, ri := 0, 0
	for _, c := range s.Counterparts {
		gi = lineWith(goLines, gi, c.Go)
		ri = lineWith(rustLines, ri, c.Rust)
		if gi < 0 || ri < 0 {
			panic(fmt.Sprintf("%s: counterpart %q ↔ %q: no such line in order in the Go (%v) or the Rust (%v)", s.ID, c.Go, c.Rust, gi >= 0, ri >= 0))
		}
		pairs[s.SourceLine+gi] = ri + 1
		gi++
	}
	return pairs
}

// lineWith is the first of lines from `from` on that contains text; -1 if none does.
func lineWith(lines []string, from int, text string) int {
	for i := max(from, 0); i < len(lines); i++ {
		if strings.Contains(lines[i], text) {
			return i
		}
	}
	return -1
}

// RustLineOf is the line of the Rust original that Go file line goLine has for a
// counterpart; 0 when it has none.
func (s *Scenario) RustLineOf(goLine int) int { return s.rustLines[goLine] }
