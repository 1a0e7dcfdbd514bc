package scenarios

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Param describes one setting of a scenario: a slider over whole numbers (Unit "ms" makes it
// a duration in milliseconds), or, when Choices is set, a pick of one named choice. A choice
// param's value is the choice's index (Min 0, Max len(Choices)-1), but links and messages
// carry its name.
type Param struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Min     int      `json:"min"`
	Max     int      `json:"max"`
	Step    int      `json:"step"`
	Default int      `json:"default"`
	Unit    string   `json:"unit,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Help    string   `json:"help"`
	// OnlyWhen, when set, is the condition under which this param has any effect; under any
	// other the page dims it (its value still goes in links, so a shared link keeps it).
	OnlyWhen *OnlyWhen `json:"onlyWhen,omitempty"`
}

// OnlyWhen holds when the choice param named Param is set to one of In.
type OnlyWhen struct {
	Param string   `json:"param"`
	In    []string `json:"in"`
}

// Applies tells whether p has an effect with vals: true unless its OnlyWhen does not hold.
func (s *Scenario) Applies(p Param, vals Values) bool {
	w := p.OnlyWhen
	if w == nil {
		return true
	}
	q := s.Param(w.Param)
	return q == nil || slices.Contains(w.In, q.ValueText(vals[w.Param]))
}

// wideSteps is how many steps a slider can pick among well; a param with more is wide.
const wideSteps = 1000

// Wide tells whether p ranges over more values than a slider can pick one of well (a number
// from 1 to 100,000, say): the page gives it a number box beside its slider. Such a param's
// range is ours, sized so that a run can reach about a million events, not a lesson.
func (p Param) Wide() bool {
	return len(p.Choices) == 0 && p.Step > 0 && (p.Max-p.Min)/p.Step > wideSteps
}

// SliderStops is how many stops a wide param's slider has beside its number box. The slider
// is logarithmic: each stop multiplies the value's distance from Min, plus one step, by the
// same factor, so that the small values most runs want take as much of it as the large ones
// (over 1–100,000, the first tenth of the slider is 1–3, the middle about 316).
const SliderStops = 1000

// SliderStop is the stop of a wide param's slider nearest the value v.
func (p Param) SliderStop(v int) int {
	n, k := float64((p.Max-p.Min)/p.Step), float64((v-p.Min)/p.Step)
	return int(math.Round(SliderStops * math.Log1p(k) / math.Log1p(n)))
}

// SliderValue is the value at stop s of a wide param's slider (the page's script computes the
// same, urlstate.js).
func (p Param) SliderValue(s int) int {
	n := float64((p.Max - p.Min) / p.Step)
	k := int(math.Round(math.Expm1(float64(s) / SliderStops * math.Log1p(n))))
	return min(p.Min+k*p.Step, p.Max)
}

// Range renders the allowed values the way messages show them: "1–64", or "atomic, mutex
// or load-store".
func (p Param) Range() string {
	if n := len(p.Choices); n > 0 {
		if n == 1 {
			return p.Choices[0]
		}
		return strings.Join(p.Choices[:n-1], ", ") + " or " + p.Choices[n-1]
	}
	return fmt.Sprintf("%d–%d", p.Min, p.Max)
}

// ValueText renders a value as a link carries it: the choice's name, or the number.
func (p Param) ValueText(v int) string {
	if len(p.Choices) > 0 && v >= 0 && v < len(p.Choices) {
		return p.Choices[v]
	}
	return strconv.Itoa(v)
}

// parse reads a value as a link or message gives it, clamping numbers into range. It returns
// the value to use and, when the text was not usable as given, a sentence saying why.
func (p Param) parse(text string) (int, string) {
	text = strings.TrimSpace(text)
	if len(p.Choices) > 0 {
		if i := slices.Index(p.Choices, text); i >= 0 {
			return i, ""
		}
		used := p.Default
		// A choice's value is its index, so an index in range is read as that choice; it is
		// still a problem, because links and messages name choices: the notice says the name.
		if i, err := strconv.Atoi(text); err == nil && i >= 0 && i < len(p.Choices) {
			used = i
		}
		return used, fmt.Sprintf("%s must be %s, got %s", p.Name, p.Range(), QuoteInput(text))
	}
	n, err := strconv.Atoi(text)
	switch {
	case err != nil:
		return p.Default, fmt.Sprintf("%s must be a whole number %s, got %s", p.Name, p.Range(), QuoteInput(text))
	case n < p.Min || n > p.Max:
		return min(max(n, p.Min), p.Max), fmt.Sprintf("%s must be %s, got %d", p.Name, p.Range(), n)
	}
	return n, ""
}

// Values are a scenario's checked parameter values, one per Param.
type Values map[string]int

// Int is the value of the named param.
func (v Values) Int(name string) int { return v[name] }

// Duration is the value of the named millisecond param.
func (v Values) Duration(name string) time.Duration {
	return time.Duration(v[name]) * time.Millisecond
}

// Problem is one parameter or run setting that could not be used as given. Used is the value
// taken instead, as a link carries it (a number clamped into range, a choice's name, the
// default), or empty when the name itself is unknown and nothing was used.
type Problem struct {
	Name    string `json:"name"`
	Got     string `json:"got"`
	Used    string `json:"used"`
	Message string `json:"message"`
}

// Problems is every problem found in a set of parameters or settings; as an error it reads as
// one sentence per problem.
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
// a choice given by its index read as that choice, anything else malformed replaced by the
// default — and the problems it found, so a page can show notices and an API can refuse with
// the same sentences. CheckSettings does the same for run settings.
func (s *Scenario) Check(raw map[string]string) (Values, Problems) {
	vals := make(Values, len(s.Params))
	var problems Problems
	for _, p := range s.Params {
		text, given := raw[p.Name]
		if !given {
			vals[p.Name] = p.Default
			continue
		}
		v, problem := p.parse(text)
		vals[p.Name] = v
		if problem != "" {
			problems = append(problems, Problem{Name: p.Name, Got: text, Used: p.ValueText(v), Message: problem})
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
		problems = append(problems, Problem{Name: name, Got: raw[name],
			Message: fmt.Sprintf("%s has no parameter %s (it takes %s)", s.ID, QuoteInput(name), s.paramNames())})
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
		b.WriteString(url.QueryEscape(p.ValueText(vals[p.Name])))
	}
	return b.String()
}

// Named renders values as links and messages carry them: numbers, and names for choices.
func (s *Scenario) Named(vals Values) map[string]any {
	named := make(map[string]any, len(s.Params))
	for _, p := range s.Params {
		if len(p.Choices) > 0 {
			named[p.Name] = p.ValueText(vals[p.Name])
		} else {
			named[p.Name] = vals[p.Name]
		}
	}
	return named
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

// maxQuoted is how many characters of a person's input an error message repeats.
const maxQuoted = 40

// QuoteInput quotes text a person gave (a value, a name) for an error message, cut to its
// first maxQuoted characters: the message should say what was wrong, not give back kilobytes
// of whatever was sent.
func QuoteInput(text string) string {
	cut, ok := cutInput(text)
	q := strconv.Quote(cut)
	if !ok {
		q = q[:len(q)-1] + `…"`
	}
	return q
}

// CutInput is QuoteInput without the quotes, for text that reads as itself (JSON, a name).
func CutInput(text string) string {
	cut, ok := cutInput(text)
	if !ok {
		cut += "…"
	}
	return cut
}

// cutInput returns the first maxQuoted characters of text, and whether that is all of it.
func cutInput(text string) (string, bool) {
	if utf8.RuneCountInString(text) <= maxQuoted {
		return text, true
	}
	return string([]rune(text)[:maxQuoted]), false
}
