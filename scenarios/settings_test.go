package scenarios

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"interleave/scenarios/stage"
)

// fresh is the seed the tests hand the checker for a seeded run that names none.
const fresh = 777

func TestCheckSettings(t *testing.T) {
	live := Settings{Mode: stage.Live, Speed: 1, View: ByTime}
	seeded := Settings{Mode: stage.Seeded, Seed: fresh, Processors: 4, Speed: 1, View: ByTime}
	with := func(s Settings, change func(*Settings)) Settings {
		change(&s)
		return s
	}
	for _, tc := range []struct {
		name     string
		raw      map[string]string
		want     Settings
		problems []Problem
	}{
		{"nothing is live, by time", nil, live, nil},
		{"empty fields are not given, as a form sends them", map[string]string{"mode": "", "seed": "", "processors": " ", "view": ""}, live, nil},
		{"seeded without a seed takes the fresh one", map[string]string{"mode": "seeded"}, seeded, nil},
		{"a seeded link", map[string]string{"mode": " seeded ", "seed": "40", "processors": "2", "view": "events"},
			with(seeded, func(s *Settings) { s.Seed, s.Processors, s.View = 40, 2, ByEvents }), nil},
		{"the largest seed", map[string]string{"mode": "seeded", "seed": "9007199254740991"},
			with(seeded, func(s *Settings) { s.Seed = MaxSeed }), nil},
		{"live ignores the seed and processors a form sends anyway", map[string]string{"mode": "live", "seed": "abc", "processors": "99"}, live, nil},
		{"a mode is a name, not a number", map[string]string{"mode": "0"}, live,
			[]Problem{{"mode", "0", "live", `mode must be live, seeded or steer, got "0"`}}},
		{"a bad mode is live, so a seed is not read", map[string]string{"mode": "turbo", "seed": "x"}, live,
			[]Problem{{"mode", "turbo", "live", `mode must be live, seeded or steer, got "turbo"`}}},
		{"a seed that is no number gives way to the fresh one", map[string]string{"mode": "seeded", "seed": "abc"}, seeded,
			[]Problem{{"seed", "abc", "777", `seed must be a whole number 0–9007199254740991, got "abc"`}}},
		{"a seed past 2^53-1 is clamped", map[string]string{"mode": "seeded", "seed": "9007199254740992"},
			with(seeded, func(s *Settings) { s.Seed = MaxSeed }),
			[]Problem{{"seed", "9007199254740992", "9007199254740991", "seed must be 0–9007199254740991, got 9007199254740992"}}},
		{"a negative seed is clamped", map[string]string{"mode": "seeded", "seed": "-1"},
			with(seeded, func(s *Settings) { s.Seed = 0 }),
			[]Problem{{"seed", "-1", "0", "seed must be 0–9007199254740991, got -1"}}},
		{"processors are clamped", map[string]string{"mode": "seeded", "seed": "1", "processors": "9"},
			with(seeded, func(s *Settings) { s.Seed, s.Processors = 1, 8 }),
			[]Problem{{"processors", "9", "8", "processors must be 1–8, got 9"}}},
		{"speed", map[string]string{"speed": "0.25"}, with(live, func(s *Settings) { s.Speed = 0.25 }), nil},
		{"speed out of range", map[string]string{"speed": "50"}, with(live, func(s *Settings) { s.Speed = 10 }),
			[]Problem{{"speed", "50", "10", "speed must be 0.1–10, got 50"}}},
		{"speed not a number", map[string]string{"speed": "NaN"}, live,
			[]Problem{{"speed", "NaN", "1", `speed must be a number 0.1–10, got "NaN"`}}},
		{"a steered link", map[string]string{"mode": "steer", "seed": "5", "schedule": "SQ", "challenge": "lose-update"},
			with(seeded, func(s *Settings) {
				s.Mode, s.Seed, s.Schedule, s.Challenge = Steered, 5, mustSchedule(t, "SQ"), "lose-update"
			}), nil},
		{"a challenge is a name", map[string]string{"challenge": "Lose it!"}, live,
			[]Problem{{"challenge", "Lose it!", "", `challenge must be a name of lowercase letters, digits and hyphens, at most 40 long, got "Lose it!"`}}},
		{"a bad view is by time", map[string]string{"view": "zzz"}, live,
			[]Problem{{"view", "zzz", "time", `view must be time or events, got "zzz"`}}},
		{"an unknown name", map[string]string{"colour": "red"}, live,
			[]Problem{{"colour", "red", "", `"colour" is not a run setting (they are mode, seed, processors, schedule, speed, view, challenge, at, zoom, from)`}}},
		{"a schedule, seeded", map[string]string{"mode": "seeded", "seed": "3", "schedule": "SQ"},
			with(seeded, func(s *Settings) { s.Seed, s.Schedule = 3, mustSchedule(t, "SQ") }), nil},
		{"a schedule that is none is left out", map[string]string{"mode": "seeded", "seed": "3", "schedule": "S%Q"},
			with(seeded, func(s *Settings) { s.Seed = 3 }),
			[]Problem{{"schedule", "S%Q", "", `schedule must be the text of a run's schedule, but character 2 is '%', not a letter, digit, - or _`}}},
		{"live ignores a schedule", map[string]string{"schedule": "SQ"}, live, nil},
		{"a seeded link's playhead and zoom", map[string]string{"mode": "seeded", "seed": "3", "at": "1500", "zoom": "100-2000"},
			with(seeded, func(s *Settings) { s.Seed, s.At, s.Zoom = 3, Spot{1500, true}, Window{100, 2000} }), nil},
		{"a playhead at the start is one", map[string]string{"mode": "seeded", "seed": "3", "at": "0", "zoom": "007-08"},
			with(seeded, func(s *Settings) { s.Seed, s.At, s.Zoom = 3, Spot{0, true}, Window{7, 8} }), nil},
		{"a negative playhead is clamped", map[string]string{"mode": "seeded", "seed": "3", "at": "-5"},
			with(seeded, func(s *Settings) { s.Seed, s.At = 3, Spot{0, true} }),
			[]Problem{{"at", "-5", "0", "at must be 0–9007199254740991, got -5"}}},
		{"a zoom is from below to", map[string]string{"mode": "seeded", "seed": "3", "zoom": "20-20"},
			with(seeded, func(s *Settings) { s.Seed = 3 }),
			[]Problem{{"zoom", "20-20", "", `zoom must be two whole numbers from-to, the first below the second, at most 9007199254740991, got "20-20"`}}},
		{"a zoom of other text is none", map[string]string{"mode": "seeded", "seed": "3", "zoom": "+1-5"},
			with(seeded, func(s *Settings) { s.Seed = 3 }),
			[]Problem{{"zoom", "+1-5", "", `zoom must be two whole numbers from-to, the first below the second, at most 9007199254740991, got "+1-5"`}}},
		{"live ignores a playhead and zoom", map[string]string{"at": "x", "zoom": "y"}, live, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, problems := CheckSettings(tc.raw, fresh)
			if set != tc.want {
				t.Errorf("settings %+v, want %+v", set, tc.want)
			}
			if !slices.Equal(problems, tc.problems) {
				t.Errorf("problems\n%+v\nwant\n%+v", problems, tc.problems)
			}
		})
	}
}

func mustSchedule(t *testing.T, text string) stage.Schedule {
	t.Helper()
	s, err := stage.ParseSchedule(text)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A link's settings read back as the same settings, with nothing to say.
func TestSettingsQuery(t *testing.T) {
	for _, tc := range []struct {
		set  Settings
		want string
	}{
		{Settings{Mode: stage.Live, Speed: 1, View: ByTime}, ""},
		{Settings{Mode: stage.Live, Speed: 2, View: ByEvents}, "view=events"},
		{Settings{Mode: stage.Seeded, Seed: 40, Processors: 4, Speed: 1, View: ByTime}, "mode=seeded&seed=40&processors=4"},
		{Settings{Mode: stage.Seeded, Seed: 0, Processors: 1, Speed: 1, View: ByEvents}, "mode=seeded&seed=0&processors=1&view=events"},
		{Settings{Mode: stage.Seeded, Seed: 5, Processors: 2, Speed: 1, View: ByTime, Schedule: mustSchedule(t, "SQ-_")}, "mode=seeded&seed=5&processors=2&schedule=SQ-_"},
		{Settings{Mode: stage.Seeded, Seed: 5, Processors: 2, Speed: 1, View: ByEvents, At: Spot{0, true}, Zoom: Window{10, 9007199254740991}},
			"mode=seeded&seed=5&processors=2&view=events&at=0&zoom=10-9007199254740991"},
	} {
		if got := tc.set.Query(); got != tc.want {
			t.Errorf("%+v: Query = %q, want %q", tc.set, got, tc.want)
		}
		q, err := url.ParseQuery(tc.set.Query())
		if err != nil {
			t.Fatal(err)
		}
		_, raw := SplitQuery(q)
		back, problems := CheckSettings(raw, fresh+1)
		back.Speed = tc.set.Speed // links do not carry the speed
		if back != tc.set || len(problems) > 0 {
			t.Errorf("%q reads back as %+v (%v), want %+v", tc.set.Query(), back, problems, tc.set)
		}
	}
	named, err := json.Marshal(Settings{Mode: stage.Seeded, Seed: MaxSeed, Processors: 2, View: ByTime}.Named())
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"mode":"seeded","processors":2,"seed":9007199254740991,"view":"time"}`; string(named) != want {
		t.Errorf("Named = %s, want %s", named, want)
	}
}

// SplitQuery takes the link settings out of a query and leaves the params; a setting links
// do not carry, and an endpoint's own names, are neither.
func TestSplitQuery(t *testing.T) {
	q := url.Values{"producers": {"3", "9"}, "mode": {"seeded"}, "seed": {"4"}, "speed": {"2"}, "view": {"events"}, "format": {"chrome"}}
	params, settings := SplitQuery(q, "format")
	if want := map[string]string{"producers": "3"}; !maps.Equal(params, want) {
		t.Errorf("params %v, want %v", params, want)
	}
	if want := map[string]string{"mode": "seeded", "seed": "4", "view": "events"}; !maps.Equal(settings, want) {
		t.Errorf("settings %v, want %v", settings, want)
	}
}

// The table is data the page renders and its script reads: every row says what it takes.
func TestRunSettingsTable(t *testing.T) {
	names := map[string]bool{}
	for _, st := range RunSettings() {
		if names[st.Name] || st.Label == "" || st.Help == "" || st.put == nil || st.get == nil {
			t.Errorf("setting %+v: repeated, or without a label, help or accessors", st)
		}
		names[st.Name] = true
		switch st.Kind {
		case KindChoice:
			if !slices.Contains(st.Choices, st.Default) {
				t.Errorf("%s: default %q is not one of %v", st.Name, st.Default, st.Choices)
			}
		case KindSchedule, KindName, KindSpan:
			if st.Default != "" || st.Max <= 0 {
				t.Errorf("%s: default %q, at most %g characters", st.Name, st.Default, st.Max)
			}
		case KindWhole, KindNumber:
			if st.Min > st.Max || st.Choices != nil {
				t.Errorf("%s: range %g–%g, choices %v", st.Name, st.Min, st.Max, st.Choices)
			}
			if st.Default == "" && !st.fresh && !st.optional {
				t.Errorf("%s: no default", st.Name)
			}
			if st.Default != "" {
				if used, problem := st.parse(st.Default, "x"); problem != "" || used != st.Default {
					t.Errorf("%s: its default %q does not check: %s", st.Name, st.Default, problem)
				}
			}
		default:
			t.Errorf("%s: kind %q", st.Name, st.Kind)
		}
	}
	if st, _ := LookupSetting("processors"); st.Default != strconv.Itoa(stage.DefaultProcessors) {
		t.Errorf("processors default %q, the stage's %d", st.Default, stage.DefaultProcessors)
	}
	var linked []string
	for _, st := range LinkSettings() {
		linked = append(linked, st.Name)
	}
	if want := []string{"mode", "seed", "processors", "schedule", "view", "challenge", "at", "zoom"}; !slices.Equal(linked, want) {
		t.Errorf("links carry %v, want %v", linked, want)
	}
}

// FuzzCheckSettings feeds the settings checker arbitrary text for each setting: it never
// panics, what it returns is always usable, its problems agree with what it used, and the
// settings' link reads back as the same settings.
func FuzzCheckSettings(f *testing.F) {
	f.Add("seeded", "40", "4", "1", "events", "", "", "", "")
	f.Add("0", "abc", "9", "NaN", "zzz", "", "colour", "x", "y")
	f.Add(" seeded", "-1", "0", "1e400", "time", "SQ", "", "-3", "5-2")
	f.Add("seeded", "9007199254740992", "+3", "0x1p-2", "", "S%Q", "mode", "012", "01-9007199254740992")
	f.Add("seeded", "1", "2", "1", "events", "", "", "0", "0-1")
	f.Fuzz(func(t *testing.T, mode, seed, processors, speed, view, schedule, other, at, zoom string) {
		raw := map[string]string{"mode": mode, "seed": seed, "processors": processors, "speed": speed, "view": view, "schedule": schedule, "at": at, "zoom": zoom}
		if other != "" {
			raw[other] = "1"
		}
		set, problems := CheckSettings(raw, fresh)
		if set.Mode != stage.Live && set.Mode != stage.Seeded || set.Speed < 0.1 || set.Speed > 10 || set.View != ByTime && set.View != ByEvents {
			t.Fatalf("%q: unusable %+v", raw, set)
		}
		if set.Seeded() && (set.Seed > MaxSeed || set.Processors < 1 || set.Processors > 8) {
			t.Fatalf("%q: unusable seeded %+v", raw, set)
		}
		if set.Zoom != (Window{}) && (set.Zoom.T0 < 0 || set.Zoom.T0 >= set.Zoom.T1 || set.Zoom.T1 > MaxSeed) || set.At.Set && (set.At.T < 0 || set.At.T > MaxSeed) {
			t.Fatalf("%q: unusable playhead or zoom %+v", raw, set)
		}
		if !set.Seeded() && (set.Seed != 0 || set.Processors != 0 || set.Schedule.Len() != 0 || set.At.Set || set.Zoom != (Window{})) {
			t.Fatalf("%q: a live run with %+v", raw, set)
		}
		complained := map[string]bool{}
		for _, pr := range problems {
			complained[pr.Name] = true
			st, known := LookupSetting(pr.Name)
			if pr.Message == "" || pr.Got != raw[pr.Name] || known && !strings.HasPrefix(pr.Message, pr.Name+" must be ") {
				t.Fatalf("%q: problem %+v", raw, pr)
			}
			if known && st.get(set) != pr.Used {
				t.Fatalf("%q: problem %+v, but %s is %q", raw, pr, pr.Name, st.get(set))
			}
		}
		for _, st := range RunSettings() {
			if !complained[st.Name] && st.AppliesTo(set.Mode) && strings.TrimSpace(raw[st.Name]) != "" {
				if used, problem := st.parse(strings.TrimSpace(raw[st.Name]), ""); problem != "" || used != st.get(set) {
					t.Fatalf("%q: %s is %q without a problem", raw, st.Name, st.get(set))
				}
			}
		}
		q, err := url.ParseQuery(set.Query())
		if err != nil {
			t.Fatal(err)
		}
		_, linked := SplitQuery(q)
		back, again := CheckSettings(linked, fresh+1)
		back.Speed = set.Speed
		if back != set || len(again) > 0 {
			t.Fatalf("%q: its link %q reads back as %+v (%v), want %+v", raw, set.Query(), back, again, set)
		}
	})
}
