package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"interleave/scenarios"
	"interleave/templates"
)

// paramsFromQuery takes a link's scenario params, leaving out the names that are run settings
// rather than params.
func paramsFromQuery(q url.Values) map[string]string {
	return scenarios.RawFromQuery(q, "mode", "seed", "speed")
}

// link is what a scenario page's link names: the scenario, a usable value for each of its
// params, and notices saying what was changed to get them.
type link struct {
	scenario *scenarios.Scenario
	values   scenarios.Values
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
	return link{scenario: s, values: vals, notices: notices}, true
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
		return link{}, fmt.Errorf("%q is not a scenario link (/play/<scenario>?<params>)", u.Path)
	}
	l, ok := resolveLink(cat, id, u.Query())
	if !ok {
		return link{}, fmt.Errorf("unknown scenario %q (there are: %s)", id, scenarioIDs(cat))
	}
	return l, nil
}

// shareLink is the canonical link to a scenario with values.
func shareLink(s *scenarios.Scenario, vals scenarios.Values) string {
	return "/play/" + s.ID + "?" + s.Query(vals)
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
		Catalog:  a.catalog.All(),
		Scenario: l.scenario,
		Values:   l.values,
		Notices:  l.notices,
		Query:    l.scenario.Query(l.values),
	}))
}

// noticeFor says what the page did about a problem in a link.
func noticeFor(s *scenarios.Scenario, p scenarios.Problem) string {
	if s.Param(p.Param) == nil {
		return p.Message + "; ignored it."
	}
	return fmt.Sprintf("%s; using %d.", p.Message, p.Used)
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
	id, err := url.PathUnescape(c.Param("id"))
	s, ok := a.catalog.Lookup(id)
	if err != nil || !ok {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("unknown scenario %q (there are: %s)", id, scenarioIDs(a.catalog)))
	}
	vals, err := s.Strict(paramsFromQuery(c.QueryParams()))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	return c.JSON(http.StatusOK, scenarioResponse{Scenario: s, Values: s.Named(vals), Link: shareLink(s, vals)})
}
