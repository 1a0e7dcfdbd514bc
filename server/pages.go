package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"interleave/scenarios"
	"interleave/scenarios/stage"
	"interleave/templates"
)

// link is what a scenario page's link names: the scenario, a usable value for each of its
// params, its run settings, and the problems found getting them.
type link struct {
	scenario *scenarios.Scenario
	values   scenarios.Values
	settings scenarios.Settings
	problems scenarios.Problems // params' first, then settings'
}

// resolveLink reads a page link's scenario id and query the way the page does: an unknown
// scenario is not found; bad values and settings are clamped or replaced by defaults, and the
// problems say so. A seeded link without a seed gets a new one.
func resolveLink(cat *scenarios.Catalog, id string, q url.Values) (link, bool) {
	s, ok := cat.Lookup(id)
	if !ok {
		return link{}, false
	}
	params, settings := scenarios.SplitQuery(q)
	vals, problems := s.Check(params)
	set, more := scenarios.CheckSettings(settings, newSeed())
	return link{scenario: s, values: vals, settings: set, problems: append(problems, more...)}, true
}

// notices are the sentences the page shows about the link's problems.
func (l link) notices() []string {
	notices := make([]string, len(l.problems))
	for i, p := range l.problems {
		notices[i] = noticeFor(p)
	}
	return notices
}

// noticeFor says what the page did about a problem in a link: what it used instead (a
// choice by its name), or that it ignored a name it does not know.
func noticeFor(p scenarios.Problem) string {
	if p.Used == "" {
		return p.Message + "; ignored it."
	}
	return fmt.Sprintf("%s; using %s.", p.Message, p.Used)
}

// parseShareLink reads a share link, "/play/<id>?<params>" alone or in a full URL, as the
// page it leads to does.
func parseShareLink(cat *scenarios.Catalog, raw string) (link, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return link{}, fmt.Errorf("not a link: %w", err)
	}
	id, ok := strings.CutPrefix(u.Path, "/play/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return link{}, fmt.Errorf("%s is not a scenario link (/play/<scenario>?<params>)", scenarios.QuoteInput(u.Path))
	}
	l, ok := resolveLink(cat, id, u.Query())
	if !ok {
		return link{}, fmt.Errorf("unknown scenario %s (there are: %s)", scenarios.QuoteInput(id), scenarioIDs(cat))
	}
	return l, nil
}

// shareLink is the canonical link to a scenario with values.
func shareLink(s *scenarios.Scenario, vals scenarios.Values) string {
	return "/play/" + s.ID + "?" + s.Query(vals)
}

// linkQuery is the query of a link to a scenario with values and run settings: the params in
// param order, then the settings a link names.
func linkQuery(s *scenarios.Scenario, vals scenarios.Values, set scenarios.Settings) string {
	q := s.Query(vals)
	if more := set.Query(); more != "" {
		q += "&" + more
	}
	return q
}

// playLink is the page of a scenario with values and run settings.
func playLink(s *scenarios.Scenario, vals scenarios.Values, set scenarios.Settings) string {
	return "/play/" + s.ID + "?" + linkQuery(s, vals, set)
}

// readAPIRequest reads an API request's scenario, params and run settings as the page reads
// its link, but strictly: any problem the page would show as a notice is a 400 naming every
// param and setting at fault. own names the query names that belong to the endpoint rather
// than the scenario. An endpoint that runs seeded says why in seededFor ("a trace is of a
// seeded run"): its mode is seeded when left out, and refused when live.
func (a *app) readAPIRequest(c echo.Context, seededFor string, own ...string) (*scenarios.Scenario, scenarios.Values, scenarios.Settings, error) {
	var set scenarios.Settings
	id, err := url.PathUnescape(c.Param("id"))
	s, ok := a.catalog.Lookup(id)
	if err != nil || !ok {
		return nil, nil, set, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("unknown scenario %s (there are: %s)", scenarios.QuoteInput(id), scenarioIDs(a.catalog)))
	}
	params, raw := scenarios.SplitQuery(c.QueryParams(), own...)
	if seededFor != "" && strings.TrimSpace(raw["mode"]) == "" {
		raw["mode"] = string(stage.Seeded)
	}
	vals, problems := s.Check(params)
	set, more := scenarios.CheckSettings(raw, newSeed())
	if problems = append(problems, more...); len(problems) > 0 {
		return nil, nil, set, echo.NewHTTPError(http.StatusBadRequest, problems.Error())
	}
	if seededFor != "" && !set.Seeded() {
		return nil, nil, set, echo.NewHTTPError(http.StatusBadRequest,
			fmt.Sprintf("mode must be seeded or left out (%s), got %s", seededFor, scenarios.QuoteInput(raw["mode"])))
	}
	return s, vals, set, nil
}

func (a *app) handleHome(c echo.Context) error {
	first := a.catalog.All()[0]
	return c.Redirect(http.StatusFound, "/play/"+first.ID)
}

// handlePlay renders a scenario page. Bad values in the link are clamped and shown as
// notices rather than refused: a pasted link should always open something.
func (a *app) handlePlay(c echo.Context) error {
	// The router matches the raw path, so an escaped id arrives escaped.
	id, err := url.PathUnescape(c.Param("id"))
	if err != nil {
		return a.renderNotFound(c, c.Request().URL.Path)
	}
	l, ok := resolveLink(a.catalog, id, c.QueryParams())
	if !ok {
		return a.renderNotFound(c, c.Request().URL.Path)
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return render(c, http.StatusOK, templates.Page(templates.PageData{
		Catalog:   a.catalog.All(),
		Scenario:  l.scenario,
		Values:    l.values,
		Notices:   l.notices(),
		Query:     linkQuery(l.scenario, l.values, l.settings),
		GoLines:   a.sources[l.scenario.ID].goLines,
		RustLines: a.sources[l.scenario.ID].rustLines,
		Settings:  l.settings,
		Searches:  l.scenario.Searches,
	}))
}

func (a *app) renderNotFound(c echo.Context, path string) error {
	return render(c, http.StatusNotFound, templates.NotFound(templates.NotFoundData{
		Path:    path,
		Catalog: a.catalog.All(),
	}))
}

func render(c echo.Context, status int, page templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return page.Render(c.Request().Context(), c.Response().Writer)
}

// handleCatalog lists every scenario with its schema, text and sources.
func (a *app) handleCatalog(c echo.Context) error {
	return c.JSON(http.StatusOK, a.catalog.All())
}

// scenarioResponse is one scenario with a checked set of values and run settings, and the
// link to its page with them.
type scenarioResponse struct {
	*scenarios.Scenario
	Values   map[string]any `json:"values"`
	Settings map[string]any `json:"settings"`
	Link     string         `json:"link"`
}

// handleScenario answers one scenario, checking the query as the page reads it but strictly:
// where the page would open with a notice, an API caller gets a 400 naming the param or
// setting and what it takes, rather than a silent clamp. A seeded query without a seed gets a
// new one, as the page does.
func (a *app) handleScenario(c echo.Context) error {
	s, vals, set, err := a.readAPIRequest(c, "")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, scenarioResponse{Scenario: s, Values: s.Named(vals), Settings: set.Named(), Link: playLink(s, vals, set)})
}
