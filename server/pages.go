package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	return link{scenario: s, values: vals, settings: set, problems: boundProblems(s, append(problems, more...))}, true
}

// namedUnknown is how many names a scenario does not take its problems name one by one; the
// rest are counted in one more problem, so that an answer stays short whatever was sent.
const namedUnknown = 3

// boundProblems keeps every problem of a name s takes (its params and the run settings,
// bounded in number) and the first namedUnknown of the names it does not take, counting the
// rest in one problem with no name.
func boundProblems(s *scenarios.Scenario, ps scenarios.Problems) scenarios.Problems {
	var out scenarios.Problems
	unknown, countAt := 0, 0
	for _, p := range ps {
		if _, setting := scenarios.LookupSetting(p.Name); setting || s.Param(p.Name) != nil {
			out = append(out, p)
			continue
		}
		if unknown++; unknown <= namedUnknown {
			out = append(out, p)
			countAt = len(out) // the count follows the names, in their place
		}
	}
	if more := unknown - namedUnknown; more > 0 {
		count := scenarios.Problem{Message: fmt.Sprintf("and %s more names that are not parameters of %s", thousands(more), s.ID)}
		out = slices.Insert(out, countAt, count)
	}
	return out
}

// thousands writes n with commas between its groups of three digits: 9,995.
func thousands(n int) string {
	digits := strconv.Itoa(n)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}

// maxQueryParams is the most name=value pairs a query may have: Go's URL parser reads no more.
const maxQueryParams = 10_000

// parseQuery reads a link's or a request's raw query. A query that cannot be read whole — past
// maxQueryParams pairs, or with a bad escape or a semicolon — is an error saying so, rather
// than the pairs that could be read, or none.
func parseQuery(raw string) (url.Values, error) {
	if n := strings.Count(raw, "&") + 1; n > maxQueryParams {
		return nil, fmt.Errorf("the query has %s parameters, more than the %s the server reads", thousands(n), thousands(maxQueryParams))
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("the query cannot be read (%v): it must be name=value pairs joined by &, escaped as in a URL", err)
	}
	return q, nil
}

// requestQuery is the request's query, or a 400 saying why it cannot be read.
func requestQuery(c echo.Context) (url.Values, error) {
	q, err := parseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	return q, nil
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
	if p.Name == "" {
		return p.Message + "; ignored them." // the count of names not taken
	}
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
	if _, ok := cat.Lookup(id); !ok {
		return link{}, fmt.Errorf("unknown scenario %s (there are: %s)", scenarios.QuoteInput(id), scenarioIDs(cat))
	}
	q, err := parseQuery(u.RawQuery)
	if err != nil {
		return link{}, badQuery{err}
	}
	l, _ := resolveLink(cat, id, q)
	return l, nil
}

// badQuery is the error of a link whose query cannot be read: its page answers 400, not 404.
type badQuery struct{ error }

func (e badQuery) Unwrap() error { return e.error }

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

// apiRequest is an API request's scenario, checked params and run settings, and its query.
type apiRequest struct {
	scenario *scenarios.Scenario
	values   scenarios.Values
	settings scenarios.Settings
	query    url.Values
}

// readAPIRequest reads an API request's scenario, params and run settings as the page reads
// its link, but strictly: any problem the page would show as a notice is a 400 naming every
// param and setting at fault. own names the query names that belong to the endpoint rather
// than the scenario. An endpoint that runs seeded says why in seededFor ("a trace is of a
// seeded run"): its mode is seeded when left out, and refused when live.
func (a *app) readAPIRequest(c echo.Context, seededFor string, own ...string) (apiRequest, error) {
	id, err := url.PathUnescape(c.Param("id"))
	s, ok := a.catalog.Lookup(id)
	if err != nil || !ok {
		return apiRequest{}, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("unknown scenario %s (there are: %s)", scenarios.QuoteInput(id), scenarioIDs(a.catalog)))
	}
	q, err := requestQuery(c)
	if err != nil {
		return apiRequest{}, err
	}
	params, raw := scenarios.SplitQuery(q, own...)
	if seededFor != "" && strings.TrimSpace(raw["mode"]) == "" {
		raw["mode"] = string(stage.Seeded)
	}
	vals, problems := s.Check(params)
	set, more := scenarios.CheckSettings(raw, newSeed())
	if problems = boundProblems(s, append(problems, more...)); len(problems) > 0 {
		return apiRequest{}, echo.NewHTTPError(http.StatusBadRequest, problems.Error())
	}
	if err := a.limits.checkSchedule(set.Schedule); err != nil {
		return apiRequest{}, echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	if seededFor != "" && !set.Seeded() {
		return apiRequest{}, echo.NewHTTPError(http.StatusBadRequest,
			fmt.Sprintf("mode must be seeded or left out (%s), got %s", seededFor, scenarios.QuoteInput(raw["mode"])))
	}
	return apiRequest{scenario: s, values: vals, settings: set, query: q}, nil
}

func (a *app) handleHome(c echo.Context) error {
	first := a.catalog.All()[0]
	return c.Redirect(http.StatusFound, "/play/"+first.ID)
}

// handlePlay renders a scenario page. Bad values in the link are clamped and shown as
// notices rather than refused: a pasted link should always open something. Only a query that
// cannot be read at all is a 400 that says so.
func (a *app) handlePlay(c echo.Context) error {
	// The router matches the raw path, so an escaped id arrives escaped.
	id, err := url.PathUnescape(c.Param("id"))
	if _, ok := a.catalog.Lookup(id); err != nil || !ok {
		return a.renderNotFound(c, c.Request().URL.Path)
	}
	q, err := requestQuery(c)
	if err != nil {
		return err
	}
	l, _ := resolveLink(a.catalog, id, q)
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
		Preload:   a.preload,
		// a link that names its view chose it; without one, or with one it cannot take, the
		// page picks (web/page/axis.js)
		ViewChosen: q.Get("view") == string(l.settings.View),
	}))
}

func (a *app) renderNotFound(c echo.Context, path string) error {
	return render(c, http.StatusNotFound, templates.NotFound(templates.NotFoundData{
		Path:    path,
		Catalog: a.catalog.All(),
	}))
}

// renderBadRequest answers a page's link that cannot be read with a page saying why.
func (a *app) renderBadRequest(c echo.Context, message string) error {
	return render(c, http.StatusBadRequest, templates.BadRequest(templates.BadRequestData{
		Message: sentence(message),
		Path:    c.Request().URL.Path,
		Catalog: a.catalog.All(),
	}))
}

// sentence is message as a sentence begins: with a capital.
func sentence(message string) string {
	r, n := utf8.DecodeRuneInString(message)
	return string(unicode.ToUpper(r)) + message[n:]
}

// render sends page, gzipped when the client takes it (compress.go), with an ETag of its
// text: a reload of an unchanged page is a 304.
func render(c echo.Context, status int, page templ.Component) error {
	var buf bytes.Buffer
	if err := page.Render(c.Request().Context(), &buf); err != nil {
		return fmt.Errorf("render %s: %w", c.Request().URL.Path, err)
	}
	body := buf.Bytes()
	return sendRepresentation(c, status, echo.MIMETextHTMLCharsetUTF8, body,
		func() []byte { return gzipBytes(body, pageGzipLevel) }, strongETag(body))
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
	req, err := a.readAPIRequest(c, "")
	if err != nil {
		return err
	}
	s := req.scenario
	return c.JSON(http.StatusOK, scenarioResponse{Scenario: s, Values: s.Named(req.values), Settings: req.settings.Named(), Link: playLink(s, req.values, req.settings)})
}
