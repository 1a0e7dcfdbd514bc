package scenarios

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"interleave/scenarios/stage"
)

// Run settings say how to run a scenario, beside its params: the mode, a seeded run's seed and
// processors, the speed, and how the page lays the run out. Like params they are described
// once, as data (RunSettings, the table the page also gets as JSON, so that its script holds
// no copies of the limits), and checked once (CheckSettings), for page links, the HTTP API and
// the socket alike. A new setting is one more row in the table and one more field of Settings.

// MaxSeed is the largest seed: 2^53−1, the largest integer a browser's number, and so a JSON
// number read by one, holds exactly.
const MaxSeed = 1<<53 - 1

// View is how the page lays a finished run out.
type View string

// Views.
const (
	ByTime   View = "time"   // events where they happened in time
	ByEvents View = "events" // one event per step, in seq order (the Event order button)
)

// Settings are a run's checked settings. A setting that does not apply to the mode keeps its
// zero value: a live run has no seed.
type Settings struct {
	Mode stage.Mode
	// Seeded runs only: the seed of the scheduler's choices, and how many goroutines may be in
	// Work at once.
	Seed       uint64
	Processors int
	// Speed is scenario time per wall time: the pace of a live run, and of a seeded run's
	// playback.
	Speed float64
	View  View
	// Schedule, in a seeded run, makes its first choices of who runs next: the schedule of a
	// run made by hand, or a prefix of one; past its end the seed chooses.
	Schedule stage.Schedule
	// Challenge is the id of the scenario's challenge the page poses (challenge.go), if any:
	// checked here as a name, and against the scenario's challenges where it is shown.
	Challenge string
	// From, in a steered run, cuts its schedule where the run has recorded that many events,
	// so that the person picks from there (0: the whole schedule is followed).
	From int
	// At and Zoom, in a seeded link, are where the page stands once the run is in: the
	// playhead, paused, and the part of the run in view, in the units of the run's view
	// (nanoseconds of virtual time, or event-order steps). Without them the run plays from its
	// start with all of it in view.
	At   Spot
	Zoom Window
}

// Spot is a playhead a link opens a finished run at; the zero Spot is none.
type Spot struct {
	T   int64
	Set bool
}

// Window is the part of a run a link opens in view, T0 < T1; the zero Window is none, the
// whole run.
type Window struct{ T0, T1 int64 }

// String is the window as a link carries it, "T0-T1", or "" for none.
func (w Window) String() string {
	if w == (Window{}) {
		return ""
	}
	return strconv.FormatInt(w.T0, 10) + "-" + strconv.FormatInt(w.T1, 10)
}

// parseWindow reads "T0-T1": two whole numbers, 0 ≤ T0 < T1 ≤ most.
func parseWindow(text string, most int64) (Window, bool) {
	a, b, ok := strings.Cut(text, "-")
	t0, err0 := strconv.ParseInt(a, 10, 64)
	t1, err1 := strconv.ParseInt(b, 10, 64)
	if !ok || err0 != nil || err1 != nil || a[0] == '+' || b == "" || b[0] == '+' || t0 < 0 || t0 >= t1 || t1 > most {
		return Window{}, false
	}
	return Window{t0, t1}, true
}

// Steered is the mode of a seeded run with a person choosing who goes next: it follows its
// schedule, then waits for a pick at every point where more than one goroutine could run
// (stage.Steer). The stage runs it as Seeded; the server steers it over the socket.
const Steered stage.Mode = "steer"

// Seeded reports whether the settings are of a run on the seeded scheduler: seeded or
// steered.
func (s Settings) Seeded() bool { return s.Mode == stage.Seeded || s.Mode == Steered }

// Steered reports whether the settings are of a steered run.
func (s Settings) Steered() bool { return s.Mode == Steered }

// SettingKind says what text a setting takes.
type SettingKind string

// Setting kinds.
const (
	KindChoice SettingKind = "choice" // one of Choices, by name
	KindWhole  SettingKind = "whole"  // a whole number Min–Max
	KindNumber SettingKind = "number" // a number Min–Max
	// KindSchedule is a seeded run's schedule in its text form (stage.Schedule), at most
	// MaxScheduleText characters.
	KindSchedule SettingKind = "schedule"
	// KindName is an id such as a challenge's: lowercase letters, digits and hyphens, at most
	// Max characters, starting with a letter.
	KindName SettingKind = "name"
	// KindSpan is a part of a run, "T0-T1": whole numbers, 0 ≤ T0 < T1 ≤ Max.
	KindSpan SettingKind = "span"
)

// MaxScheduleText is the longest schedule a link or a message may carry: some 60,000 choices,
// more than the longest run the server records makes.
const MaxScheduleText = 32 << 10

// Setting describes one run setting: what it takes, its default, where it applies and
// travels, and a sentence of help. It is plain data: the page renders its label and help, and
// gives its script the rest as JSON.
type Setting struct {
	Name    string      `json:"name"`
	Label   string      `json:"-"`
	Kind    SettingKind `json:"kind"`
	Choices []string    `json:"choices,omitempty"`
	// Min and Max bound a number (0 for a choice). Every bound is a whole number below 2^53 or
	// a decimal such as 0.1, so a JSON reader gets it exactly as written here.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// Default is the value as text; empty for the seed, which is fresh for every run that
	// names none.
	Default string `json:"default"`
	// Modes are the modes under which the setting has an effect; every mode when empty.
	// Under any other it is not read.
	Modes []stage.Mode `json:"modes,omitempty"`
	// Link: page links and the page's form carry it. Socket: run messages carry it.
	Link   bool `json:"link"`
	Socket bool `json:"socket"`
	// Always: a link names it wherever it applies, even at its default, so that a seeded link
	// replays the same run should a default change.
	Always bool   `json:"always"`
	Help   string `json:"-"` // `backticks` mark code

	fresh    bool                    // takes the caller's fresh seed when not given
	optional bool                    // a number that is none when not given, which is its default
	put      func(*Settings, string) // stores text the kind has checked
	get      func(Settings) string   // the value as a link carries it
}

// RunSettings is the table of run settings, in the order links name them. Mode comes first:
// which of the others apply depends on it.
func RunSettings() []Setting {
	seededOnly := []stage.Mode{stage.Seeded, Steered}
	return []Setting{
		{
			Name: "mode", Label: "Mode", Kind: KindChoice, Choices: []string{string(stage.Live), string(stage.Seeded), string(Steered)},
			Default: string(stage.Live), Link: true, Socket: true,
			Help: "Live runs real goroutines: every run interleaves anew. Seeded runs one goroutine at a time, picked by the seed, in virtual time: the same seed brings back the same interleaving. Steer is seeded with you as the scheduler: at every step you pick who goes next.",
			put:  func(s *Settings, v string) { s.Mode = stage.Mode(v) },
			get:  func(s Settings) string { return string(s.Mode) },
		},
		{
			Name: "seed", Label: "Seed", Kind: KindWhole, Min: 0, Max: MaxSeed,
			Modes: seededOnly, Link: true, Socket: true, Always: true, fresh: true,
			Help: "Decides who runs at every step. Same settings and seed: the same timeline, on any machine.",
			put:  func(s *Settings, v string) { s.Seed, _ = strconv.ParseUint(v, 10, 64) },
			get:  func(s Settings) string { return strconv.FormatUint(s.Seed, 10) },
		},
		{
			// At most 8: enough to show processors queueing and freeing, few enough to tell
			// apart on the timeline.
			Name: "processors", Label: "Processors", Kind: KindWhole, Min: 1, Max: 8,
			Default: strconv.Itoa(stage.DefaultProcessors), Modes: seededOnly, Link: true, Socket: true, Always: true,
			Help: "How many goroutines may work at once, like `GOMAXPROCS`.",
			put:  func(s *Settings, v string) { s.Processors, _ = strconv.Atoi(v) },
			get:  func(s Settings) string { return strconv.Itoa(s.Processors) },
		},
		{
			Name: "schedule", Label: "Schedule", Kind: KindSchedule, Max: MaxScheduleText,
			Modes: seededOnly, Link: true, Socket: true,
			Help: "The choices of who runs next that made this interleaving, replayed before the seed's own (or, steering, before yours): how a link brings back a run made by hand.",
			put:  func(s *Settings, v string) { s.Schedule, _ = stage.ParseSchedule(v) },
			get:  func(s Settings) string { return s.Schedule.String() },
		},
		{
			// Slower than a tenth is a slideshow, faster than 10× hides everything. The page
			// keeps its speed out of links: it is how one watches, not what runs.
			Name: "speed", Label: "Speed", Kind: KindNumber, Min: 0.1, Max: 10, Default: "1", Socket: true,
			Help: "Scenario time per wall-clock time: a live run runs at that pace; a seeded run is computed at once and played back at it.",
			put:  func(s *Settings, v string) { s.Speed, _ = strconv.ParseFloat(v, 64) },
			get:  func(s Settings) string { return strconv.FormatFloat(s.Speed, 'g', -1, 64) },
		},
		{
			Name: "view", Label: "View", Kind: KindChoice, Choices: []string{string(ByTime), string(ByEvents)},
			Default: string(ByTime), Link: true,
			Help: "How a finished run is laid out: by time, or one event after another so that events at one instant stand apart.",
			put:  func(s *Settings, v string) { s.View = View(v) },
			get:  func(s Settings) string { return string(s.View) },
		},
		{
			Name: "challenge", Label: "Challenge", Kind: KindName, Max: 40, Link: true,
			Help: "The scenario's challenge posed above the timeline: an interleaving to make by steering.",
			put:  func(s *Settings, v string) { s.Challenge = v },
			get:  func(s Settings) string { return s.Challenge },
		},
		{
			// Where the page stands, not what runs: links carry them, run messages do not.
			Name: "at", Label: "Playhead", Kind: KindWhole, Min: 0, Max: MaxSeed,
			Modes: []stage.Mode{stage.Seeded}, Link: true, optional: true,
			Help: "Where the playhead stands, paused, once the run is in: nanoseconds of virtual time, or steps by event order. Without it the run plays from its start.",
			put: func(s *Settings, v string) {
				t, err := strconv.ParseInt(v, 10, 64)
				s.At = Spot{T: t, Set: err == nil}
			},
			get: func(s Settings) string {
				if !s.At.Set {
					return ""
				}
				return strconv.FormatInt(s.At.T, 10)
			},
		},
		{
			Name: "zoom", Label: "Zoom", Kind: KindSpan, Max: MaxSeed,
			Modes: []stage.Mode{stage.Seeded}, Link: true,
			Help: "The part of the run in view once it is in, from-to in the playhead's units. Without it all of the run is in view.",
			put:  func(s *Settings, v string) { s.Zoom, _ = parseWindow(v, MaxSeed) },
			get:  func(s Settings) string { return s.Zoom.String() },
		},
		{
			// A run message's only: the page takes a seeded run over at its playhead with the
			// run's schedule and the events up to there; links carry the schedule so far.
			Name: "from", Label: "Steer from", Kind: KindWhole, Min: 0, Max: 10_000_000, Default: "0",
			Modes: []stage.Mode{Steered}, Socket: true,
			Help: "Follow the schedule for the run's first so many events only, then pick who goes next: steering a seeded run from its playhead.",
			put:  func(s *Settings, v string) { s.From, _ = strconv.Atoi(v) },
			get:  func(s Settings) string { return strconv.Itoa(s.From) },
		},
	}
}

// LinkSettings are the settings links carry, in link order: what the page's script is given.
func LinkSettings() []Setting {
	return slices.DeleteFunc(RunSettings(), func(st Setting) bool { return !st.Link })
}

// LookupSetting finds a run setting by name.
func LookupSetting(name string) (Setting, bool) {
	for _, st := range RunSettings() {
		if st.Name == name {
			return st, true
		}
	}
	return Setting{}, false
}

// AppliesTo reports whether the setting has an effect in mode.
func (st Setting) AppliesTo(mode stage.Mode) bool {
	return len(st.Modes) == 0 || slices.Contains(st.Modes, mode)
}

// Range renders the allowed values the way messages show them: "1–8", "live or seeded".
func (st Setting) Range() string {
	if st.Kind == KindChoice {
		return Param{Choices: st.Choices}.Range()
	}
	return formatBound(st.Min) + "–" + formatBound(st.Max)
}

// formatBound writes a bound as the table has it: 9007199254740991, 0.1.
func formatBound(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// parse reads a setting's text (given, not empty) and returns the value to use as text and,
// when the text was not usable as given, a sentence saying why. Numbers out of range are
// clamped, as params are; anything else unusable gives way to def.
func (st Setting) parse(text, def string) (string, string) {
	switch st.Kind {
	case KindSchedule:
		if len(text) > int(st.Max) {
			return def, fmt.Sprintf("%s must be at most %d characters, got %d", st.Name, int(st.Max), len(text))
		}
		if _, err := stage.ParseSchedule(text); err != nil {
			return def, fmt.Sprintf("%s must be the text of a run's schedule, but %v", st.Name, err)
		}
		return text, ""
	case KindSpan:
		w, ok := parseWindow(text, int64(st.Max))
		if !ok {
			return def, fmt.Sprintf("%s must be two whole numbers from-to, the first below the second, at most %s, got %s", st.Name, formatBound(st.Max), QuoteInput(text))
		}
		return w.String(), ""
	case KindName:
		if !isName(text, int(st.Max)) {
			return def, fmt.Sprintf("%s must be a name of lowercase letters, digits and hyphens, at most %d long, got %s", st.Name, int(st.Max), QuoteInput(text))
		}
		return text, ""
	case KindChoice:
		// Unlike a choice param's, a setting's choices have no index: a number is no choice.
		if slices.Contains(st.Choices, text) {
			return text, ""
		}
		return def, fmt.Sprintf("%s must be %s, got %s", st.Name, st.Range(), QuoteInput(text))
	case KindWhole:
		n, err := strconv.ParseInt(text, 10, 64)
		lo, hi := int64(st.Min), int64(st.Max)
		switch {
		case err != nil:
			return def, fmt.Sprintf("%s must be a whole number %s, got %s", st.Name, st.Range(), QuoteInput(text))
		case n < lo || n > hi:
			return strconv.FormatInt(min(max(n, lo), hi), 10), fmt.Sprintf("%s must be %s, got %d", st.Name, st.Range(), n)
		}
		return strconv.FormatInt(n, 10), ""
	default: // KindNumber
		f, err := strconv.ParseFloat(text, 64)
		switch {
		case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
			return def, fmt.Sprintf("%s must be a number %s, got %s", st.Name, st.Range(), QuoteInput(text))
		case f < st.Min || f > st.Max:
			return strconv.FormatFloat(min(max(f, st.Min), st.Max), 'g', -1, 64), fmt.Sprintf("%s must be %s, got %g", st.Name, st.Range(), f)
		}
		return strconv.FormatFloat(f, 'g', -1, 64), ""
	}
}

// CheckSettings is the one place run settings are checked, for every entry point: page
// links, the HTTP API and the socket (whose numbers come as their JSON text). raw maps
// setting names to their text as given. Empty text is not given: a form sends an empty field
// as "seed=". Settings that do not apply to the mode are not read at all, so a live link
// ignores the seed and processors a form without JavaScript sends anyway. fresh is the seed a
// seeded run takes when it names none (or none it can use).
//
// Like Scenario.Check, it returns settings that are always usable — numbers clamped, the rest
// given way to defaults — and the problems it found, each naming the setting, what it got and
// what was used instead: a page shows them as notices, the API and the socket refuse.
func CheckSettings(raw map[string]string, fresh uint64) (Settings, Problems) {
	var set Settings
	var problems Problems
	table := RunSettings()
	for _, st := range table {
		if !st.AppliesTo(set.Mode) { // set.Mode is read by now: mode comes first
			continue
		}
		def := st.Default
		if st.fresh {
			def = strconv.FormatUint(fresh, 10)
		}
		text := strings.TrimSpace(raw[st.Name])
		if text == "" {
			st.put(&set, def)
			continue
		}
		used, problem := st.parse(text, def)
		st.put(&set, used)
		if problem != "" {
			problems = append(problems, Problem{Name: st.Name, Got: raw[st.Name], Used: used, Message: problem})
		}
	}
	var unknown []string
	for name := range raw {
		if !slices.ContainsFunc(table, func(st Setting) bool { return st.Name == name }) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		problems = append(problems, Problem{Name: name, Got: raw[name],
			Message: fmt.Sprintf("%s is not a run setting (they are %s)", QuoteInput(name), settingNames(table))})
	}
	return set, problems
}

// isName reports whether text is a name of at most max characters: a lowercase letter, then
// lowercase letters, digits and hyphens.
func isName(text string, max int) bool {
	if text == "" || len(text) > max || text[0] < 'a' || text[0] > 'z' {
		return false
	}
	for _, r := range text {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func settingNames(table []Setting) string {
	names := make([]string, len(table))
	for i, st := range table {
		names[i] = st.Name
	}
	return strings.Join(names, ", ")
}

// SplitQuery cuts a link's query into its scenario params and its run settings (the first
// value of each name), leaving out the names listed in skip (an API endpoint's own, such as
// format). A setting links do not carry, such as speed, is neither: it is ignored.
func SplitQuery(q url.Values, skip ...string) (params, settings map[string]string) {
	table := RunSettings()
	for _, st := range table {
		skip = append(skip, st.Name)
	}
	settings = make(map[string]string)
	for _, st := range table {
		if vs := q[st.Name]; st.Link && len(vs) > 0 {
			settings[st.Name] = vs[0]
		}
	}
	return RawFromQuery(q, skip...), settings
}

// Query renders the settings a link carries, for the end of its query, in table order: those
// that apply to the mode and differ from their defaults, or are always named. Nothing for a
// live run laid out by time; "mode=seeded&seed=40&processors=4" for a seeded one.
func (s Settings) Query() string {
	var parts []string
	for _, st := range RunSettings() {
		if !st.Link || !st.AppliesTo(s.Mode) {
			continue
		}
		v := st.get(s)
		if v == "" || (!st.Always && v == st.Default) {
			continue
		}
		parts = append(parts, url.QueryEscape(st.Name)+"="+url.QueryEscape(v))
	}
	return strings.Join(parts, "&")
}

// Named renders the settings a link carries that apply to the mode, as an API answers them:
// numbers as JSON numbers, choices by name.
func (s Settings) Named() map[string]any {
	named := map[string]any{}
	for _, st := range RunSettings() {
		if !st.Link || !st.AppliesTo(s.Mode) {
			continue
		}
		v := st.get(s)
		if v == "" {
			continue // none given: a schedule, a challenge, a playhead or a zoom
		}
		switch st.Kind {
		case KindSchedule, KindName, KindSpan:
			named[st.Name] = v
		case KindChoice:
			named[st.Name] = v
		default:
			named[st.Name] = json.Number(v)
		}
	}
	return named
}
