package main

import (
	"fmt"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"interleave/scenarios"
	"interleave/templates"
)

// paramsFromQuery takes a link's scenario params, leaving out the names that are run settings
// rather than params.
func paramsFromQuery(c echo.Context) map[string]string {
	return scenarios.RawFromQuery(c.QueryParams(), "mode", "seed", "speed")
}

func (a *app) handleHome(c echo.Context) error {
	first := a.catalog.All()[0]
	return c.Redirect(http.StatusFound, "/play/"+first.ID)
}

// handlePlay renders a scenario page. Bad values in the link are clamped and shown as
// notices rather than refused: a pasted link should always open something.
func (a *app) handlePlay(c echo.Context) error {
	s, ok := a.catalog.Lookup(c.Param("id"))
	if !ok {
		return a.renderNotFound(c, c.Request().URL.Path)
	}
	vals, problems := s.Check(paramsFromQuery(c))
	notices := make([]string, len(problems))
	for i, p := range problems {
		notices[i] = noticeFor(s, p)
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return render(c, http.StatusOK, templates.Page(templates.PageData{
		Catalog:  a.catalog.All(),
		Scenario: s,
		Values:   vals,
		Notices:  notices,
		Query:    s.Query(vals),
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
	s, ok := a.catalog.Lookup(c.Param("id"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("unknown scenario %q (there are: %s)", c.Param("id"), scenarioIDs(a.catalog)))
	}
	vals, err := s.Strict(paramsFromQuery(c))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	return c.JSON(http.StatusOK, scenarioResponse{Scenario: s, Values: s.Named(vals), Link: "/play/" + s.ID + "?" + s.Query(vals)})
}
