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
