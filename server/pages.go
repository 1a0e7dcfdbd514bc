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

// paramsFromQuery takes a link's scenario params, leaving out the names that are run settings
// rather than params, and those named in also (an API's own settings).
func paramsFromQuery(q url.Values, also ...string) map[string]string {
	return scenarios.RawFromQuery(q, append([]string{"mode", "seed", "speed", "processors", "view"}, also...)...)
}

// link is what a scenario page's link names: the scenario, a usable value for each of its
// params, and notices saying what was changed to get them.
type link struct {
	scenario *scenarios.Scenario
	values   scenarios.Values
	settings runSettings
	byEvents bool // the run is laid out by event order (view=events), not by time
	notices  []string
}

// resolveLink reads a page link's scenario id and query the way the page does: an unknown
// scenario is not found; bad values are clamped or replaced by defaults, with a notice.
func resolveLink(cat *scenarios.Catalog, id string, q url.Values) (link, bool) {
	s, ok := cat.Lookup(id)
	if !ok {
		return link{}, false
	}
	vals, problems := s.Check(paramsFromQuery(q))
	notices := make([]string, len(problems))
	for i, p := range problems {
		notices[i] = noticeFor(s, p)
	}
	settings, more := settingsFromLink(q)
	byEvents, view := viewFromLink(q)
	return link{scenario: s, values: vals, settings: settings, byEvents: byEvents, notices: append(append(notices, more...), view...)}, true
}

// viewFromLink reads how a link lays its run out: by time, the default, or with view=events
// by event order, as the page's Event order button does.
func viewFromLink(q url.Values) (byEvents bool, notices []string) {
	switch v := q.Get("view"); v {
	case "", "time":
		return false, nil
	case "events":
		return true, nil
	default:
		return false, []string{fmt.Sprintf("view must be time or events, got %s; using time.", scenarios.QuoteInput(v))}
	}
}

// settingsFromLink reads a page link's run settings leniently, as its params are read: a
// live link ignores seed and processors (a form without JavaScript sends them anyway); a
// seeded link without a seed gets a new one.
func settingsFromLink(q url.Values) (runSettings, []string) {
	var notices []string
	switch mode := q.Get("mode"); mode {
	case "", string(stage.Live):
		return runSettings{mode: stage.Live, processors: defaultProcessors}, nil
	case string(stage.Seeded):
	default:
		return runSettings{mode: stage.Live, processors: defaultProcessors},
			[]string{fmt.Sprintf("mode must be live or seeded, got %s; using live.", scenarios.QuoteInput(mode))}
	}
	set := runSettings{mode: stage.Seeded, seed: newSeed(), processors: defaultProcessors}
	if text := strings.TrimSpace(q.Get("seed")); text != "" {
		seed, err := parseSeed(text)
		if err != nil {
			notices = append(notices, fmt.Sprintf("%s; using %d.", err, set.seed))
		} else {
			set.seed = seed
		}
	}
	if text := q.Get("processors"); text != "" {
		n, err := parseProcessors(text)
		if err != nil {
			notices = append(notices, fmt.Sprintf("%s; using %d.", err, set.processors))
		} else {
			set.processors = n
		}
	}
	return set, notices
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

// linkQuery is the query of a link to a scenario with values and run settings.
func linkQuery(s *scenarios.Scenario, vals scenarios.Values, set runSettings) string {
	q := s.Query(vals)
	if set.mode == stage.Seeded {
		q += fmt.Sprintf("&mode=seeded&seed=%d&processors=%d", set.seed, set.processors)
	}
	return q
}

// viewQuery is the end of a link laying its run out by event order, or nothing.
func viewQuery(byEvents bool) string {
	if byEvents {
		return "&view=events"
	}
	return ""
}

// scenarioAndValues reads an API request's scenario and params strictly; settings names the
// query names that belong to the endpoint rather than the scenario.
func (a *app) scenarioAndValues(c echo.Context, settings ...string) (*scenarios.Scenario, scenarios.Values, error) {
	id, err := url.PathUnescape(c.Param("id"))
	s, ok := a.catalog.Lookup(id)
	if err != nil || !ok {
		return nil, nil, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("unknown scenario %s (there are: %s)", scenarios.QuoteInput(id), scenarioIDs(a.catalog)))
	}
	vals, err := s.Strict(paramsFromQuery(c.QueryParams(), settings...))
	if err != nil {
		return nil, nil, echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	return s, vals, nil
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
		Notices:   l.notices,
		Query:     linkQuery(l.scenario, l.values, l.settings) + viewQuery(l.byEvents),
		GoLines:   a.sources[l.scenario.ID].goLines,
		RustLines: a.sources[l.scenario.ID].rustLines,

		Mode:       string(l.settings.mode),
		Seed:       l.settings.seed,
		Processors: l.settings.processors,
		Searches:   l.scenario.Searches,
		ByEvents:   l.byEvents,
	}))
}

// noticeFor says what the page did about a problem in a link: what it used instead (a
// choice by its name), or that it ignored a name it does not know.
func noticeFor(s *scenarios.Scenario, p scenarios.Problem) string {
	if s.Param(p.Name) == nil {
		return p.Message + "; ignored it."
	}
	return fmt.Sprintf("%s; using %s.", p.Message, p.Used)
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

// scenarioResponse is one scenario with a checked set of values and its share link.
type scenarioResponse struct {
	*scenarios.Scenario
	Values map[string]any `json:"values"`
	Link   string         `json:"link"`
}

// handleScenario answers one scenario, checking the params in the query strictly: an API
// caller gets a 400 naming the param and its range rather than a silent clamp.
func (a *app) handleScenario(c echo.Context) error {
	s, vals, err := a.scenarioAndValues(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, scenarioResponse{Scenario: s, Values: s.Named(vals), Link: shareLink(s, vals)})
}
