// Package templates renders the playground's HTML with templ: the scenario page (picker,
// sliders from the param schema, explanation, Go and Rust source) and the not-found page.
// The pages work without JavaScript; the modules in web/ add the live timeline.
package templates

import "interleave/scenarios"

// PageData is everything the scenario page shows.
type PageData struct {
	Catalog  []*scenarios.Scenario // picker order
	Scenario *scenarios.Scenario
	Values   scenarios.Values // the values the sliders show (already checked)
	Notices  []string         // what was changed in the link's values, one sentence each
	Query    string           // canonical query of Values and the run settings, for the share link
	// The scenario's Go and Rust sources, highlighted (Highlighter.Lines).
	GoLines, RustLines []SrcLine

	// Settings are the link's run settings, checked (scenarios.CheckSettings); the zero value
	// shows the defaults: live, by time. The page renders them with the limits of
	// scenarios.RunSettings, and gives its script that table as JSON.
	Settings scenarios.Settings
	// ViewChosen tells that the link named its view (Settings.View); without one the page's
	// script picks a finished run's axis by how its events crowd.
	ViewChosen bool
	// Searches are the interleavings "Find" can look for in this scenario; empty when it
	// offers none.
	Searches []scenarios.Search
	// Preload are the paths of the modules the page's script imports before it runs: the
	// page names them all at once (modulepreload), so that they load side by side instead
	// of one level of imports after another.
	Preload []string
}

// BadRequestData is the 400 page: why the link cannot be read, its page without the query,
// and what exists.
type BadRequestData struct {
	Message string
	Path    string
	Catalog []*scenarios.Scenario
}

// NotFoundData is the 404 page: what was asked for and what exists.
type NotFoundData struct {
	Path    string
	Catalog []*scenarios.Scenario
}
