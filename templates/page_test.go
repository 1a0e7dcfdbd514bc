package templates

import (
	"context"
	"encoding/json"
	"fmt"
	stdhtml "html"
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"interleave/scenarios"
)

func TestSplitCode(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"plain", "plain"},
		{"a `b` c", "a [b] c"},
		{"`x` and `y`", "[x] and [y]"},
		{"odd ` tick", "odd ` tick"},
		{"`a` then ` alone", "[a] then ` alone"},
		{"", ""},
	}
	for _, tt := range tests {
		var b strings.Builder
		for _, p := range splitCode(tt.in) {
			if p.Code {
				b.WriteString("[" + p.Text + "]")
			} else {
				b.WriteString(p.Text)
			}
		}
		if b.String() != tt.want {
			t.Errorf("splitCode(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

func TestSourceLines(t *testing.T) {
	src := "package p\n\n// one\n/* two\n   three */\nvar s = `raw\n\tmore` + \"esc\\\"aped\" + 12\n"
	lines := NewHighlighter().Lines(src, 7, "go")
	want := strings.Split(strings.ReplaceAll(strings.TrimRight(src, "\n"), "\t", "    "), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(lines), len(want))
	}
	classes := map[string]bool{}
	for i, l := range lines {
		if l.N != 7+i {
			t.Errorf("line %d numbered %d", i, l.N)
		}
		var b strings.Builder
		for _, tk := range l.Tokens {
			if strings.Contains(tk.Text, "\n") {
				t.Errorf("line %d: token %q holds a newline", l.N, tk.Text)
			}
			b.WriteString(tk.Text)
			classes[tk.Class] = true
		}
		if b.String() != want[i] {
			t.Errorf("line %d is %q, want %q", l.N, b.String(), want[i])
		}
	}
	// a token over lines keeps its class on each
	for _, c := range []struct {
		line int
		text string
	}{{3, "/* two"}, {4, "   three */"}, {5, "`raw"}, {6, "    more`"}} {
		found := false
		for _, tk := range lines[c.line].Tokens {
			found = found || tk.Text == c.text && strings.HasPrefix(tk.Class, classPrefix)
		}
		if !found {
			t.Errorf("line %d is %+v, want %q highlighted", lines[c.line].N, lines[c.line].Tokens, c.text)
		}
	}
	for _, c := range []string{"ch-kn", "ch-c1", "ch-cm", "ch-s", "ch-mi"} {
		if !classes[c] {
			t.Errorf("no token has class %s; classes %v", c, classes)
		}
	}
	if r := NewHighlighter().Lines("fn main() {\n    let x = 1; // c\n}", 1, "rust"); len(r) != 3 || r[0].Tokens[0] != (token{Class: "ch-k", Text: "fn"}) {
		t.Errorf("rust: %+v", r)
	}
}

func pageHTML(t *testing.T, id string, notices []string) (string, *scenarios.Scenario) {
	t.Helper()
	cat := scenarios.New()
	s, ok := cat.Lookup(id)
	if !ok {
		t.Fatalf("no scenario %q", id)
	}
	vals := s.Defaults()
	var b strings.Builder
	err := Page(withSources(PageData{Catalog: cat.All(), Scenario: s, Values: vals, Notices: notices, Query: s.Query(vals)})).
		Render(context.Background(), &b)
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), s
}

func TestShortTitle(t *testing.T) {
	for _, tc := range []struct{ title, want string }{
		{"Worker pool: a shared queue of tasks", "Worker pool"},
		{"Deadlock: dining philosophers", "Deadlock"},
		{"No colon", "No colon"},
		{"Ratio 3:1: odd", "Ratio 3:1"},
	} {
		if got := shortTitle(tc.title); got != tc.want {
			t.Errorf("shortTitle(%q) = %q, want %q", tc.title, got, tc.want)
		}
	}
}

// checkWideParam checks a wide param's controls: its number box, labelled, named and ranged
// as the param is, which the form sends; and beside it a slider of logarithmic stops that has
// no name (the script keeps it in step with the box), labelled for itself and saying the
// value it stands for.
func checkWideParam(t *testing.T, id, html string, p scenarios.Param) {
	t.Helper()
	for _, m := range []string{
		fmt.Sprintf(`<label for="p-%s">%s</label>`, p.Name, p.Label),
		fmt.Sprintf(`<input type="number" class="param-number" id="p-%s" name="%s" min="%d" max="%d" step="%d" value="%d" aria-describedby="h-%s">`,
			p.Name, p.Name, p.Min, p.Max, p.Step, p.Default, p.Name),
		fmt.Sprintf(`<input type="range" class="param-slider" id="s-%s" data-param="%s" data-min="%d" data-max="%d" data-step="%d" data-unit="%s" min="0" max="%d" step="1" value="%d" aria-valuetext="%s" aria-label="%s slider" aria-describedby="h-%s">`,
			p.Name, p.Name, p.Min, p.Max, p.Step, p.Unit, scenarios.SliderStops, p.SliderStop(p.Default), wideText(p, p.Default), p.Label, p.Name),
	} {
		if !strings.Contains(html, m) {
			t.Errorf("%s: page lacks %s", id, m)
		}
	}
	if strings.Contains(html, fmt.Sprintf(`<output id="o-%s"`, p.Name)) {
		t.Errorf("%s: wide param %s has an output beside its number box", id, p.Name)
	}
}

func TestPageContract(t *testing.T) {
	for _, s := range scenarios.New().All() {
		html, s := pageHTML(t, s.ID, nil)
		must := []string{
			fmt.Sprintf(`<main id="play" data-scenario="%s" data-source-line="%d">`, s.ID, s.SourceLine),
			`<nav id="picker"`,
			fmt.Sprintf(`<a href="/play/%s" aria-current="page" title="%s">%s</a>`, s.ID,
				template.HTMLEscapeString(s.Title+" — "+s.Summary), template.HTMLEscapeString(shortTitle(s.Title))),
			fmt.Sprintf(`<form id="params" method="get" action="/play/%s" class="layout">`, s.ID),
			`<button type="submit" id="apply"`,
			`id="run"`, `id="stop"`, `id="play-pause"`, `<select id="speed"`, `<option value="1" selected>`,
			`<span id="status" role="status">`,
			fmt.Sprintf(`<a id="share" href="/play/%s?%s">`, s.ID, strings.ReplaceAll(s.Query(s.Defaults()), "&", "&amp;")),
			`id="copy-link"`,
			`<div id="timeline-wrap"><canvas id="timeline"`,
			`<section id="summary"`, `<ol id="log" tabindex="0" aria-labelledby="log-h">`, `<div id="log-say" class="visually-hidden" role="log"`, `<section id="explain"`,
			`<pre id="go-source" tabindex="0"><code class="ch-chroma">`, `<pre id="rust-source" tabindex="0"><code class="ch-chroma">`,
			`<link rel="stylesheet" href="/static/style.css">`, `<link rel="stylesheet" href="/static/chroma.css">`,
			`<script type="module" src="/web/app.js"></script>`,
			// the rules that hide what cannot work without JavaScript load only then
			`<noscript><link rel="stylesheet" href="/static/nojs.css"></noscript>`,
		}
		for _, m := range must {
			if !strings.Contains(html, m) {
				t.Errorf("%s: page lacks %s", s.ID, m)
			}
		}
		for _, p := range s.Params {
			if len(p.Choices) > 0 {
				checkChoiceParam(t, s.ID, html, p, p.Default)
				continue
			}
			if p.Wide() {
				checkWideParam(t, s.ID, html, p)
				continue
			}
			for _, m := range []string{
				fmt.Sprintf(`<label for="p-%s">`, p.Name),
				fmt.Sprintf(`<input type="range" id="p-%s" name="%s" min="%d" max="%d" step="%d" value="%d" data-unit="%s"`,
					p.Name, p.Name, p.Min, p.Max, p.Step, p.Default, p.Unit),
				fmt.Sprintf(`<output id="o-%s" for="p-%s">%s</output>`, p.Name, p.Name, valueText(p, p.Default)),
			} {
				if !strings.Contains(html, m) {
					t.Errorf("%s: page lacks %s", s.ID, m)
				}
			}
		}
		if strings.Contains(html, `id="notices"`) {
			t.Errorf("%s: notices shown without notices", s.ID)
		}
		// every source line, numbered as the file numbers it
		lines := strings.Split(strings.TrimRight(s.Source, "\n"), "\n")
		goHTML, rustHTML, _ := strings.Cut(html, `<pre id="rust-source" tabindex="0">`)
		got := regexp.MustCompile(`<span class="line" data-line="(\d+)"(?: data-rust="(\d+)")?>`).FindAllStringSubmatch(goHTML, -1)
		if len(got) != len(lines) {
			t.Fatalf("%s: %d source lines rendered, want %d", s.ID, len(got), len(lines))
		}
		// a Go line with a Rust counterpart names it, for the code panel to light both
		for _, l := range got {
			n, _ := strconv.Atoi(l[1])
			if want := s.RustLineOf(n); l[2] != "" && l[2] != strconv.Itoa(want) || l[2] == "" && want != 0 {
				t.Errorf("%s: Go line %s names Rust line %q, want %d", s.ID, l[1], l[2], want)
			}
		}
		if got[0][1] != fmt.Sprint(s.SourceLine) || got[len(got)-1][1] != fmt.Sprint(s.SourceLine+len(lines)-1) {
			t.Errorf("%s: lines numbered %s…%s, want %d…%d", s.ID, got[0][1], got[len(got)-1][1], s.SourceLine, s.SourceLine+len(lines)-1)
		}
		// the Rust original, numbered from 1
		rust := strings.Split(strings.TrimRight(s.Rust, "\n"), "\n")
		if got := regexp.MustCompile(`<span class="line" data-line="(\d+)">`).FindAllStringSubmatch(rustHTML, -1); len(got) != len(rust) || got[len(got)-1][1] != fmt.Sprint(len(rust)) {
			t.Errorf("%s: %d Rust lines rendered, want %d numbered 1…%d", s.ID, len(got), len(rust), len(rust))
		}
		// nothing inline that a strict CSP would block, nothing from other origins
		if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`).MatchString(html) || strings.Contains(html, " style=") ||
			regexp.MustCompile(`(?i)\son[a-z]+=`).MatchString(html) {
			t.Errorf("%s: page has inline script or style", s.ID)
		}
		if regexp.MustCompile(`(?:src|href)="(?:https?:)?//`).MatchString(html) {
			t.Errorf("%s: page loads from another origin", s.ID)
		}
	}
}

func TestPageNoticesAndCode(t *testing.T) {
	html, _ := pageHTML(t, "channels", []string{"producers must be 1–16, got 500; using 16.", "<b>"})
	for _, m := range []string{`<div id="notices" role="status">`, "<li>producers must be 1–16, got 500; using 16.</li>", "<li>&lt;b&gt;</li>", "<code>mpsc</code>"} {
		if !strings.Contains(html, m) {
			t.Errorf("page lacks %s", m)
		}
	}
}

func TestNotFound(t *testing.T) {
	cat := scenarios.New()
	var b strings.Builder
	if err := NotFound(NotFoundData{Path: "/play/<nope>", Catalog: cat.All()}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if !strings.Contains(html, "/play/&lt;nope&gt;") {
		t.Error("404 page does not name the path, escaped")
	}
	for _, s := range cat.All() {
		if !strings.Contains(html, fmt.Sprintf(`<a href="/play/%s">%s</a>`, s.ID, s.Title)) {
			t.Errorf("404 page does not link %s", s.ID)
		}
	}
	if strings.Contains(html, `aria-current`) {
		t.Error("404 page marks a scenario as current")
	}
}

// checkChoiceParam checks that choice param p is a group of radio buttons with choice v
// checked, and no slider.
func checkChoiceParam(t *testing.T, id, html string, p scenarios.Param, v int) {
	t.Helper()
	for _, m := range []string{
		fmt.Sprintf(`<fieldset class="param param-choice" id="p-%s" aria-describedby="h-%s"><legend>%s</legend>`, p.Name, p.Name, p.Label),
		fmt.Sprintf(`<p class="help" id="h-%s">`, p.Name),
	} {
		if !strings.Contains(html, m) {
			t.Errorf("%s: page lacks %s", id, m)
		}
	}
	for i, c := range p.Choices {
		input := fmt.Sprintf(`<input type="radio" name="%s" value="%s" id="p-%s-%s"`, p.Name, c, p.Name, c)
		j := strings.Index(html, input)
		if j < 0 {
			t.Errorf("%s: page lacks %s", id, input)
			continue
		}
		rest := html[j+len(input):]
		checked := strings.HasPrefix(rest, " checked")
		if checked != (i == v) {
			t.Errorf("%s: choice %s checked=%v, want %v", id, c, checked, i == v)
		}
		if !strings.Contains(html, fmt.Sprintf(`<label class="choice" for="p-%s-%s">`, p.Name, c)) {
			t.Errorf("%s: choice %s has no label", id, c)
		}
	}
	if strings.Contains(html, fmt.Sprintf(`<input type="range" id="p-%s"`, p.Name)) {
		t.Errorf("%s: choice param %s rendered as a slider", id, p.Name)
	}
}

// A choice param renders as radio buttons that a plain GET form submits by name, with the
// current value checked and the share link carrying the name.
func TestPageChoiceParam(t *testing.T) {
	cat := scenarios.New()
	s := &scenarios.Scenario{
		ID: "choosy", Title: "Choosy", Summary: "picks one",
		Params: []scenarios.Param{
			{Name: "n", Label: "N", Min: 1, Max: 4, Step: 1, Default: 2, Help: "a number"},
			{Name: "method", Label: "Method", Min: 0, Max: 2, Step: 1, Default: 0,
				Choices: []string{"atomic", "mutex", "load-store"}, Help: "how to count"},
		},
		Source: "package x\n", SourceLine: 1, Rust: "fn main() {}",
	}
	vals := scenarios.Values{"n": 3, "method": 2}
	var b strings.Builder
	err := Page(withSources(PageData{Catalog: cat.All(), Scenario: s, Values: vals, Query: s.Query(vals)})).Render(context.Background(), &b)
	if err != nil {
		t.Fatal(err)
	}
	html := b.String()
	checkChoiceParam(t, s.ID, html, s.Params[1], 2)
	for _, m := range []string{
		`<input type="range" id="p-n" name="n" min="1" max="4" step="1" value="3"`,
		`<a id="share" href="/play/choosy?n=3&amp;method=load-store">`,
	} {
		if !strings.Contains(html, m) {
			t.Errorf("page lacks %s", m)
		}
	}
	if got := valueText(s.Params[1], 1); got != "mutex" {
		t.Errorf("valueText of a choice = %q, want mutex", got)
	}
}

func renderPage(t *testing.T, d PageData) string {
	t.Helper()
	var b strings.Builder
	if err := Page(d).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The run settings are fields of the params form, so a GET form carries them without
// JavaScript: a link without them shows live mode, no seed and the default processors.
func TestPageRunSettings(t *testing.T) {
	cat := scenarios.New()
	s, _ := cat.Lookup("channels")
	vals := s.Defaults()
	live := renderPage(t, withSources(PageData{Catalog: cat.All(), Scenario: s, Values: vals, Query: s.Query(vals)}))
	for _, m := range []string{
		`<input type="radio" name="mode" value="live" id="mode-live" checked>`,
		`<input type="radio" name="mode" value="seeded" id="mode-seeded">`,
		`<input type="number" id="seed" name="seed" min="0" max="9007199254740991" step="1" inputmode="numeric" placeholder="any" value=""`,
		`<button type="button" id="new-seed" disabled>New seed</button>`,
		`<select id="processors" name="processors"`,
		`<option value="4" selected>4</option>`,
		`<div class="exports" id="exports"`, `<a id="export-json" class="btn">`, `<a id="export-chrome" class="btn">`,
		`<button type="button" id="export-png" disabled>`,
		`<dialog id="help" aria-labelledby="help-h">`, `<form method="dialog">`,
	} {
		if !strings.Contains(live, m) {
			t.Errorf("live page lacks %s", m)
		}
	}
	i, j := strings.Index(live, `<form id="params"`), strings.Index(live, `</form>`)
	if i < 0 || j < i || !strings.Contains(live[i:j], `name="mode"`) || !strings.Contains(live[i:j], `name="seed"`) || !strings.Contains(live[i:j], `name="processors"`) {
		t.Error("the run settings are not fields of the params form")
	}
	if strings.Contains(live, `id="find"`) {
		t.Error("a scenario without searches offers Find")
	}

	seeded := renderPage(t, withSources(PageData{Catalog: cat.All(), Scenario: s, Values: vals,
		Query:    s.Query(vals) + "&mode=seeded&seed=9007199254740991&processors=2",
		Settings: scenarios.Settings{Mode: "seeded", Seed: 1<<53 - 1, Processors: 2},
		Searches: []scenarios.Search{{Want: "deadlock", Label: "Find a deadlock"}, {Want: "lost-update", Label: "Find a lost update"}}}))
	for _, m := range []string{
		`<input type="radio" name="mode" value="live" id="mode-live">`,
		`<input type="radio" name="mode" value="seeded" id="mode-seeded" checked>`,
		`value="9007199254740991" aria-describedby="h-seed"`,
		`<option value="2" selected>2</option>`,
		`<div class="find" id="find" data-tries="200">`,
		`<button type="button" id="find-deadlock" data-want="deadlock" disabled>Find a deadlock</button>`,
		`<button type="button" id="find-lost-update" data-want="lost-update" disabled>Find a lost update</button>`,
		`<p class="help" id="find-result" role="status">`,
		`&amp;mode=seeded&amp;seed=9007199254740991&amp;processors=2">`,
	} {
		if !strings.Contains(seeded, m) {
			t.Errorf("seeded page lacks %s", m)
		}
	}
	if strings.Count(seeded, " selected>") != 2 { // the processors and the speed
		t.Errorf("seeded page selects %d options, want 2", strings.Count(seeded, " selected>"))
	}
}

func TestRunSettingHelpers(t *testing.T) {
	for _, tt := range []struct {
		mode string
		seed uint64
		want string
	}{
		{"", 0, ""}, {"live", 0, ""}, {"live", 12, "12"}, {"seeded", 0, "0"}, {"seeded", 7, "7"}, {"bogus", 0, ""},
	} {
		if got := seedText(tt.mode, tt.seed); got != tt.want {
			t.Errorf("seedText(%q, %d) = %q, want %q", tt.mode, tt.seed, got, tt.want)
		}
	}
	for in, want := range map[int]int{0: 4, -1: 4, 1: 1, 8: 8, 9: 4} {
		if got := processors(in); got != want {
			t.Errorf("processors(%d) = %d, want %d", in, got, want)
		}
	}
	if runMode("") != "live" || runMode("seeded") != "seeded" || runMode("SEEDED") != "live" {
		t.Error("runMode does not default to live")
	}
}

// withSources fills d's highlighted sources as the server does.
func withSources(d PageData) PageData {
	h := NewHighlighter()
	d.GoLines = h.Lines(d.Scenario.Source, d.Scenario.SourceLine, "go")
	d.RustLines = h.Lines(d.Scenario.Rust, 1, "rust")
	return d
}

// A param that has no effect under the other settings is dimmed by the server too, so the
// page without JavaScript shows the same; its row says when it applies, for the script.
func TestPageOnlyWhen(t *testing.T) {
	cat := scenarios.New()
	s, _ := cat.Lookup("atomic-counter")
	row := regexp.MustCompile(`<div class="([^"]*)"([^>]*)><div class="param-head"><label for="p-gap">`)
	for method, off := range map[string]bool{"atomic": true, "mutex": false, "load-store": false} {
		vals, problems := s.Check(map[string]string{"method": method})
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		html := renderPage(t, withSources(PageData{Catalog: cat.All(), Scenario: s, Values: vals, Query: s.Query(vals)}))
		m := row.FindStringSubmatch(html)
		if m == nil {
			t.Fatalf("method=%s: no row for the gap slider", method)
		}
		if got := m[1] == "param off"; got != off || !strings.HasPrefix(m[1], "param") {
			t.Errorf("method=%s: the gap row's class is %q, want it dimmed: %v", method, m[1], off)
		}
		for _, attr := range []string{`data-only-param="method"`, `data-only-in="mutex load-store"`} {
			if !strings.Contains(m[2], attr) {
				t.Errorf("method=%s: the gap row lacks %s (has %s)", method, attr, m[2])
			}
		}
		if !strings.Contains(html, `name="gap" min="0" max="200" step="5" value="20"`) || strings.Contains(html, `name="gap" disabled`) {
			t.Errorf("method=%s: the gap slider is not an enabled field of the form: a GET form would drop it", method)
		}
		if strings.Count(html, "data-only-param") != 1 {
			t.Errorf("method=%s: %d rows say when they apply, want gap's alone", method, strings.Count(html, "data-only-param"))
		}
	}
}

// The page gives its script the table of the settings links carry, so that the script holds
// no limits of its own, and renders its fields from the same table.
func TestPageGivesItsScriptTheSettingsTable(t *testing.T) {
	html, _ := pageHTML(t, "channels", nil)
	m := regexp.MustCompile(`<div class="run-settings" id="run-settings" data-settings="([^"]*)">`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("the run settings carry no table")
	}
	var table []struct {
		Name string  `json:"name"`
		Max  float64 `json:"max"`
	}
	if err := json.Unmarshal([]byte(stdhtml.UnescapeString(m[1])), &table); err != nil {
		t.Fatalf("the table is not JSON: %v", err)
	}
	var names []string
	for _, st := range table {
		names = append(names, st.Name)
		if st.Name == "seed" && st.Max != scenarios.MaxSeed {
			t.Errorf("the table's largest seed is %g, want %d", st.Max, scenarios.MaxSeed)
		}
	}
	if want := []string{"mode", "seed", "processors", "schedule", "view", "challenge", "at", "zoom"}; !slices.Equal(names, want) {
		t.Errorf("the table names %v, want %v", names, want)
	}
	procs, _ := scenarios.LookupSetting("processors")
	if got := strings.Count(html, `<option value=`) - 5; got != int(procs.Max-procs.Min)+1 { // 5 speeds
		t.Errorf("the page offers %d processors, the table %g–%g", got, procs.Min, procs.Max)
	}
}
