package scenarios

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Param describes one slider of a scenario. Every value is an integer; Unit "ms" makes it a
// duration in milliseconds.
type Param struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Min     int    `json:"min"`
	Max     int    `json:"max"`
	Step    int    `json:"step"`
	Default int    `json:"default"`
	Unit    string `json:"unit,omitempty"`
	Help    string `json:"help"`
}

// Range renders the allowed range the way messages show it, "1–64".
func (p Param) Range() string { return fmt.Sprintf("%d–%d", p.Min, p.Max) }

// Values are a scenario's checked parameter values, one per Param.
type Values map[string]int

// Int is the value of the named param.
func (v Values) Int(name string) int { return v[name] }

// Duration is the value of the named millisecond param.
func (v Values) Duration(name string) time.Duration {
	return time.Duration(v[name]) * time.Millisecond
}

// Problem is one parameter that could not be used as given. Used is the value taken instead
// (clamped into range, or the default when the text is not a number).
type Problem struct {
	Param   string `json:"param"`
	Got     string `json:"got"`
	Used    int    `json:"used"`
	Message string `json:"message"`
}

// Problems is every problem found in a set of parameters; as an error it reads as one
// sentence per problem.
type Problems []Problem

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}

// Check is the one place parameters are validated, for every entry point: page links, the
// HTTP API and the socket. raw maps param names to their text as given (missing names take
// their default). It returns values that are always usable — out-of-range numbers clamped,
// malformed ones replaced by the default — and the problems it found, so a page can show
// notices and an API can refuse with the same sentences.
func (s *Scenario) Check(raw map[string]string) (Values, Problems) {
	vals := make(Values, len(s.Params))
	var problems Problems
	for _, p := range s.Params {
		text, given := raw[p.Name]
		if !given {
			vals[p.Name] = p.Default
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(text))
		switch {
		case err != nil:
			vals[p.Name] = p.Default
			problems = append(problems, Problem{Param: p.Name, Got: text, Used: p.Default,
				Message: fmt.Sprintf("%s must be a whole number %s, got %q", p.Name, p.Range(), text)})
		case n < p.Min || n > p.Max:
			used := min(max(n, p.Min), p.Max)
			vals[p.Name] = used
			problems = append(problems, Problem{Param: p.Name, Got: text, Used: used,
				Message: fmt.Sprintf("%s must be %s, got %d", p.Name, p.Range(), n)})
		default:
			vals[p.Name] = n
		}
	}
	var unknown []string
	for name := range raw {
		if s.Param(name) == nil {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		problems = append(problems, Problem{Param: name, Got: raw[name],
			Message: fmt.Sprintf("%s has no parameter %q (it takes %s)", s.ID, name, s.paramNames())})
	}
	return vals, problems
}

// Strict checks raw and fails on any problem: for callers that must not guess.
func (s *Scenario) Strict(raw map[string]string) (Values, error) {
	vals, problems := s.Check(raw)
	if len(problems) > 0 {
		return nil, problems
	}
	return vals, nil
}

// Defaults are the values a scenario opens with.
func (s *Scenario) Defaults() Values {
	vals, _ := s.Check(nil)
	return vals
}

// Param returns the named param, or nil.
func (s *Scenario) Param(name string) *Param {
	for i := range s.Params {
		if s.Params[i].Name == name {
			return &s.Params[i]
		}
	}
	return nil
}

func (s *Scenario) paramNames() string {
	names := make([]string, len(s.Params))
	for i, p := range s.Params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Query renders values as a URL query in the scenario's param order, the canonical form of a
// share link.
func (s *Scenario) Query(vals Values) string {
	var b strings.Builder
	for i, p := range s.Params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name))
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(vals[p.Name]))
	}
	return b.String()
}

// RawFromQuery takes the first value of each name in a URL query, ignoring names listed in
// skip (settings that are not scenario params, such as the mode).
func RawFromQuery(q url.Values, skip ...string) map[string]string {
	raw := make(map[string]string, len(q))
	for name, vs := range q {
		if len(vs) == 0 || slices.Contains(skip, name) {
			continue
		}
		raw[name] = vs[0]
	}
	return raw
}
