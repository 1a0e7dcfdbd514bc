package templates

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"

	"interleave/scenarios"
)

// textPart is a run of a paragraph: plain text, or code when the paragraph marked it with
// backticks.
type textPart struct {
	Text string
	Code bool
}

// splitCode cuts a paragraph at its backticks: every odd run is code. A final backtick
// without its partner is kept as text.
func splitCode(s string) []textPart {
	var parts []textPart
	code := false
	for {
		i := strings.IndexByte(s, '`')
		if i < 0 || (!code && strings.IndexByte(s[i+1:], '`') < 0) {
			break
		}
		if i > 0 {
			parts = append(parts, textPart{Text: s[:i], Code: code})
		}
		s = s[i+1:]
		code = !code
	}
	if s != "" {
		parts = append(parts, textPart{Text: s, Code: code})
	}
	return parts
}

// token is a piece of a source line with its highlighting class ("" for plain text).
type token struct {
	Class string
	Text  string
}

// SrcLine is one line of shown source with the file line it has.
type SrcLine struct {
	N      int
	Tokens []token
}

// classPrefix starts every highlighting class, so that chroma's short class names ("k",
// "s", "line") cannot meet the page's own; static/chroma.css styles them.
const classPrefix = "ch-"

// codeClass is the class of the element around highlighted code: chroma's rules apply
// inside it.
const codeClass = classPrefix + "chroma"

// Highlighter renders source code as the code panel shows it: split into numbered lines of
// tokens classed by chroma. Make one with NewHighlighter and keep it: it knows which token
// types the panel's styles colour.
type Highlighter struct {
	styled map[chroma.TokenType]bool
}

// NewHighlighter makes a Highlighter for the panel's light and dark styles.
func NewHighlighter() *Highlighter {
	h := &Highlighter{styled: map[chroma.TokenType]bool{}}
	for _, name := range []string{lightStyle, darkStyle} {
		style := styles.Get(name)
		bg := style.Get(chroma.Background)
		for tt := range chroma.StandardTypes {
			if !style.Get(tt).Sub(bg).IsZero() {
				h.styled[tt] = true
			}
		}
	}
	return h
}

// Lines splits src into lines numbered from first, highlighted for lang ("go" or "rust").
// Highlighting runs chroma's lexers, which leave a timer goroutine behind for a second: the
// server highlights the catalog once when it starts rather than on every page.
func (h *Highlighter) Lines(src string, first int, lang string) []SrcLine {
	return h.highlight(src, first, lang)
}

// highlight does Lines. A token that spans lines (a raw string, a block comment) is cut at
// each newline, every piece keeping its class.
func (h *Highlighter) highlight(src string, first int, lang string) []SrcLine {
	src = strings.ReplaceAll(strings.TrimRight(src, "\n"), "\t", "    ")
	lines := make([]SrcLine, strings.Count(src, "\n")+1)
	for i := range lines {
		lines[i].N = first + i
	}
	toks, err := chroma.Tokenise(chroma.Coalesce(lexer(lang)), nil, src)
	if err != nil {
		toks = []chroma.Token{{Type: chroma.Text, Value: src}}
	}
	i := 0
	for _, t := range toks {
		class := h.tokenClass(t.Type)
		for j, part := range strings.Split(t.Value, "\n") {
			if j > 0 {
				i++
			}
			if part == "" || i >= len(lines) {
				continue
			}
			l := &lines[i]
			if k := len(l.Tokens) - 1; k >= 0 && l.Tokens[k].Class == class {
				l.Tokens[k].Text += part
				continue
			}
			l.Tokens = append(l.Tokens, token{Class: class, Text: part})
		}
	}
	return lines
}

// lexer is chroma's lexer for lang, or its plain-text one.
func lexer(lang string) chroma.Lexer {
	if l := lexers.Get(lang); l != nil {
		return l
	}
	return lexers.Fallback
}

// The code panel's colours: chroma's light style, and its dark style for a dark scheme.
// static/chroma.css holds their rules (go test ./templates -run ChromaCSS -update).
const (
	lightStyle = "github"
	darkStyle  = "github-dark"
)

// tokenClass is the class chroma's HTML formatter gives a token of type tt, with
// classPrefix: the short name of the type or of its nearest parent that has one. Plain text,
// whitespace and types neither style colours get none.
func (h *Highlighter) tokenClass(tt chroma.TokenType) string {
	if tt == chroma.TextWhitespace {
		return ""
	}
	for ; ; tt = tt.Parent() {
		if c, ok := chroma.StandardTypes[tt]; ok {
			if c == "" || !h.styled[tt] {
				return ""
			}
			return classPrefix + c
		}
		if tt == 0 {
			return ""
		}
	}
}

// valueText is a param value as the page shows it: "300 ms", "4", or a choice's name.
func valueText(p scenarios.Param, v int) string {
	if len(p.Choices) > 0 {
		return p.ValueText(v)
	}
	s := strconv.Itoa(v)
	if p.Unit != "" {
		s += " " + p.Unit
	}
	return s
}

// wideText renders a wide param's value with its thousands separated, as a help line reads
// best ("1 to 100,000"); its number box holds the plain number.
func wideText(p scenarios.Param, v int) string {
	s := strconv.Itoa(v)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if p.Unit != "" {
		s += " " + p.Unit
	}
	return s
}

// onlyWhen is what a param's row tells the page's script so it can dim the param while its
// condition does not hold; nothing for a param that always applies.
func onlyWhen(p scenarios.Param) templ.Attributes {
	if p.OnlyWhen == nil {
		return nil
	}
	return templ.Attributes{"data-only-param": p.OnlyWhen.Param, "data-only-in": strings.Join(p.OnlyWhen.In, " ")}
}

// playURL is the page of a scenario, with query when it is not empty.
func playURL(id, query string) string {
	u := "/play/" + id
	if query != "" {
		u += "?" + query
	}
	return u
}

// findTries is how many seeds a Find button asks the search to try.
const findTries = 200

// runSetting is the named row of the run settings table; the page's fields take their
// labels, limits and help from it.
func runSetting(name string) scenarios.Setting {
	st, _ := scenarios.LookupSetting(name)
	return st
}

// runMode is the mode the page shows: "seeded" or "steer", or "live" for anything else (a
// link without one).
func runMode(mode string) string {
	if mode == "seeded" || mode == "steer" {
		return mode
	}
	return "live"
}

// seedText is the seed field's value: the seed of a seeded link; empty for a live one that
// names none, so that switching to seeded starts from a fresh seed.
func seedText(mode string, seed uint64) string {
	if runMode(mode) == "live" && seed == 0 {
		return ""
	}
	return strconv.FormatUint(seed, 10)
}

// processorChoices are the processors the page offers, the table's range.
func processorChoices() []int {
	st := runSetting("processors")
	var ns []int
	for n := int(st.Min); n <= int(st.Max); n++ {
		ns = append(ns, n)
	}
	return ns
}

// processors is the processors setting shown: the link's, or the default when it has none.
func processors(n int) int {
	st := runSetting("processors")
	if n < int(st.Min) || n > int(st.Max) {
		n, _ = strconv.Atoi(st.Default)
	}
	return n
}

// linkSettingsJSON is the table of the settings links carry, as JSON for the page's script
// (web/urlstate.js), which holds no limits of its own. An attribute rather than a JSON
// script block keeps the page free of inline scripts of any type.
func linkSettingsJSON() (string, error) {
	data, err := json.Marshal(scenarios.LinkSettings())
	if err != nil {
		return "", fmt.Errorf("encode the run settings table: %w", err)
	}
	return string(data), nil
}

// maxText is a number setting's largest value as a field's max attribute: 9007199254740991.
func maxText(st scenarios.Setting) string { return strconv.FormatFloat(st.Max, 'f', -1, 64) }

// shortTitle is a scenario title's name, the part before its colon ("Worker pool" of
// "Worker pool: a shared queue of tasks"): the picker lists every scenario in one row, and
// whole titles would not fit a laptop's width. The page's heading has the whole title.
func shortTitle(title string) string {
	name, _, _ := strings.Cut(title, ": ")
	return name
}

// pickerTip is what hovering a scenario in the picker tells: its whole title and summary.
func pickerTip(title, summary string) string {
	if summary == "" {
		return title
	}
	return title + " — " + summary
}

// viewValue is the view a page's form carries on: how the run is laid out.
func viewValue(v scenarios.View) string {
	if v == scenarios.ByEvents {
		return string(scenarios.ByEvents)
	}
	return string(scenarios.ByTime)
}

// scheduleText says what a link's schedule does: "This link replays 12 choices of who runs
// next, then the seed makes the rest." A change to any setting drops it (the page's script
// does), since it fits only the run it was made on.
func scheduleText(choices int) string {
	what := strconv.Itoa(choices) + " choices"
	if choices == 1 {
		what = "1 choice"
	}
	return "This link replays " + what + " of who runs next, then the seed makes the rest. Changing a setting drops them."
}

// pickerGroup is a run of scenarios the picker shows under one heading.
type pickerGroup struct {
	name string
	list []*scenarios.Scenario
}

// pickerGroups splits the catalog, in its order, where its scenarios' groups change.
func pickerGroups(catalog []*scenarios.Scenario) []pickerGroup {
	var out []pickerGroup
	for _, s := range catalog {
		if len(out) == 0 || out[len(out)-1].name != s.Group {
			out = append(out, pickerGroup{name: s.Group})
		}
		out[len(out)-1].list = append(out[len(out)-1].list, s)
	}
	return out
}

// pickerGroupID is the id of the i-th group's heading.
func pickerGroupID(i int) string { return "pick-group-" + strconv.Itoa(i) }

// pickerGroupAttrs makes a named group a group its heading names, for a screen reader.
func pickerGroupAttrs(i int, grp pickerGroup) templ.Attributes {
	if grp.name == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{"role": "group", "aria-labelledby": pickerGroupID(i)}
}
