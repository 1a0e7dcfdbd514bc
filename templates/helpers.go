package templates

import (
	"strconv"
	"strings"

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

// srcLine is one line of shown source with the file line it has.
type srcLine struct {
	N      int
	Tokens []token
}

// sourceLines splits src into lines numbered from first, highlighted for lang ("go" or
// "rust"). The highlighting is deliberately small: comments, strings, numbers, keywords.
func sourceLines(src string, first int, lang string) []srcLine {
	keywords := goKeywords
	if lang == "rust" {
		keywords = rustKeywords
	}
	raw := strings.Split(strings.TrimRight(src, "\n"), "\n")
	lines := make([]srcLine, len(raw))
	inRaw := false // inside a Go raw string that spans lines
	for i, l := range raw {
		lines[i] = srcLine{N: first + i}
		lines[i].Tokens, inRaw = highlight(strings.ReplaceAll(l, "\t", "    "), keywords, inRaw)
	}
	return lines
}

var goKeywords = words("break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var nil true false iota")

var rustKeywords = words("as break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while async await dyn")

func words(s string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// highlight tokenizes one line. inRaw says the line starts inside a raw (backtick) string;
// the second result says whether it ends inside one.
func highlight(l string, keywords map[string]bool, inRaw bool) ([]token, bool) {
	var toks []token
	plain := 0 // start of the pending plain run
	emit := func(start, end int, class string) {
		if plain < start {
			toks = append(toks, token{Text: l[plain:start]})
		}
		toks = append(toks, token{Class: class, Text: l[start:end]})
		plain = end
	}
	i := 0
	if inRaw {
		j := strings.IndexByte(l, '`')
		if j < 0 {
			return []token{{Class: "s", Text: l}}, true
		}
		emit(0, j+1, "s")
		i = j + 1
	}
	for i < len(l) {
		c := l[i]
		switch {
		case c == '/' && i+1 < len(l) && l[i+1] == '/':
			emit(i, len(l), "c")
			i = len(l)
		case c == '"':
			j := i + 1
			for j < len(l) && l[j] != '"' {
				if l[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(l))
			emit(i, j, "s")
			i = j
		case c == '`':
			j := strings.IndexByte(l[i+1:], '`')
			if j < 0 {
				emit(i, len(l), "s")
				return toks, true
			}
			emit(i, i+j+2, "s")
			i += j + 2
		case c >= '0' && c <= '9':
			j := i
			for j < len(l) && isIdent(l[j]) {
				j++
			}
			emit(i, j, "n")
			i = j
		case isIdent(c):
			j := i
			for j < len(l) && isIdent(l[j]) {
				j++
			}
			if keywords[l[i:j]] {
				emit(i, j, "k")
			}
			i = j
		default:
			i++
		}
	}
	if plain < len(l) {
		toks = append(toks, token{Text: l[plain:]})
	}
	return toks, false
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

// playURL is the page of a scenario, with query when it is not empty.
func playURL(id, query string) string {
	u := "/play/" + id
	if query != "" {
		u += "?" + query
	}
	return u
}

// Run settings as the page offers them.
const (
	maxProcessors = 8
	// defaultProcessors is what a link without processors gets, as the server does.
	defaultProcessors = 4
	// maxSeedText is the largest seed: 2^53−1, the largest integer a browser's number holds
	// exactly.
	maxSeedText = "9007199254740991"
	// findTries is how many seeds a Find button asks the search to try.
	findTries = 200
)

var runModes = []string{"live", "seeded"}

// runMode is the mode the page shows: "seeded", or "live" for anything else (a link without
// one).
func runMode(mode string) string {
	if mode == "seeded" {
		return "seeded"
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

// processors is the processors setting shown: the link's, or the default when it has none.
func processors(n int) int {
	if n < 1 || n > maxProcessors {
		return defaultProcessors
	}
	return n
}

// findLabel is the text of the button that searches for want: "Find a deadlock".
func findLabel(want string) string {
	switch want {
	case "deadlock":
		return "Find a deadlock"
	case "lost-update":
		return "Find a lost update"
	}
	return "Find " + strings.ReplaceAll(want, "-", " ")
}
