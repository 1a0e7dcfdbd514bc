package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// The search's own limits. The run settings' are in scenarios.RunSettings.
const (
	defaultTries = 200
	maxTries     = 500
	searchBudget = 5 * time.Second
)

// newSeed picks a seed for a seeded run that came without one.
func newSeed() uint64 { return rand.Uint64N(scenarios.MaxSeed + 1) }

// runConfig is the stage configuration of a run with these settings.
func (l limits) runConfig(set scenarios.Settings) stage.Config {
	cfg := l.stageConfig()
	cfg.Speed = set.Speed
	if set.Seeded() {
		cfg.Mode = stage.Seeded
		cfg.Seed = set.Seed
		cfg.Processors = set.Processors
		if set.Schedule.Len() > 0 {
			// The schedule's choices first, then the seed's own, which it keeps in step.
			cfg.Strategy = stage.Replay(set.Schedule, stage.RandomStrategy(set.Seed))
		}
	}
	return cfg
}

// takeRunSlot holds a run slot for an API request, as a socket run holds one: the API's
// seeded runs count against the same limits. A refusal is a 503 with the sentence.
func (a *app) takeRunSlot(c echo.Context) (release func(), err error) {
	release, refusal := a.runSlots.acquire(c.RealIP())
	if refusal != "" {
		return nil, echo.NewHTTPError(http.StatusServiceUnavailable, refusal)
	}
	return release, nil
}

// runSeeded runs a scenario to its end under the seeded scheduler.
func (a *app) runSeeded(ctx context.Context, s *scenarios.Scenario, vals scenarios.Values, set scenarios.Settings) ([]stage.Event, stage.End, []scenarios.Stat) {
	r := s.Start(ctx, a.limits.runConfig(set), vals)
	<-r.Done()
	return r.Events(0, nil), r.End(), r.Summary()
}

// handleTrace answers a seeded run's whole trace: the socket's events as one JSON document,
// or, with format=chrome, a Chrome trace for Perfetto.
func (a *app) handleTrace(c echo.Context) error {
	req, err := a.readAPIRequest(c, "a trace is of a seeded run", "format")
	if err != nil {
		return err
	}
	s, vals, set := req.scenario, req.values, req.settings
	if _, raw := scenarios.SplitQuery(req.query); strings.TrimSpace(raw["seed"]) == "" {
		st, _ := scenarios.LookupSetting("seed")
		return echo.NewHTTPError(http.StatusBadRequest, "seed is required: a whole number "+st.Range())
	}
	format := req.query.Get("format")
	if format != "" && format != "json" && format != "chrome" {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("format must be json or chrome, got %s", scenarios.QuoteInput(format)))
	}
	release, err := a.takeRunSlot(c)
	if err != nil {
		return err
	}
	events, end, summary := a.runSeeded(c.Request().Context(), s, vals, set)
	release()
	if end.Reason == stage.ReasonSchedule {
		return echo.NewHTTPError(http.StatusBadRequest, end.Message)
	}
	name := fmt.Sprintf("%s-seed%d", s.ID, set.Seed)
	if format == "chrome" {
		data, err := stage.ChromeTrace(events)
		if err != nil {
			return fmt.Errorf("chrome trace of %s: %w", name, err)
		}
		c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.chrome.json"`, name))
		return c.JSONBlob(http.StatusOK, data)
	}
	head, err := json.Marshal(traceHead{V: stage.SchemaVersion, Scenario: s.ID, Params: s.Named(vals),
		Mode: stage.Seeded, Seed: set.Seed, Processors: set.Processors, Schedule: set.Schedule.String(), End: newEndMessage(0, end, summary)})
	if err != nil {
		return fmt.Errorf("encode trace of %s: %w", name, err)
	}
	// {head…, "events": […]}: the events go through the same encoder as the socket's.
	buf := append(head[:len(head)-1], `,"events":`...)
	buf = stage.AppendEvents(buf, events)
	buf = append(buf, '}')
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.json"`, name))
	return c.JSONBlob(http.StatusOK, buf)
}

type traceHead struct {
	V          int            `json:"v"`
	Scenario   string         `json:"scenario"`
	Params     map[string]any `json:"params"`
	Mode       stage.Mode     `json:"mode"`
	Seed       uint64         `json:"seed"`
	Processors int            `json:"processors"`
	Schedule   string         `json:"schedule,omitempty"` // the schedule the run followed, as asked
	End        endMessage     `json:"end"`
}

// searchResult answers a search: the first seed that showed what was wanted, or that none did.
type searchResult struct {
	Found   bool   `json:"found"`
	Seed    uint64 `json:"seed,omitempty"`
	Tries   int    `json:"tries"`
	Link    string `json:"link,omitempty"`
	Message string `json:"message,omitempty"`
}

// handleSearch tries seeds 1, 2, 3… until a run shows what was wanted, within tries and a
// time budget. Exhausting the budget is an answer, not an error.
func (a *app) handleSearch(c echo.Context) error {
	// A seed, if given, is checked and then left aside: the search tries its own.
	req, err := a.readAPIRequest(c, "a search tries seeds", "want", "tries")
	if err != nil {
		return err
	}
	s, vals, set, q := req.scenario, req.values, req.settings, req.query
	want := q.Get("want")
	search, ok := s.Search(want)
	if !ok {
		if len(s.Searches) == 0 {
			return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("%s offers no search", s.ID))
		}
		wants := make([]string, len(s.Searches))
		for i, se := range s.Searches {
			wants[i] = se.Want
		}
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("want must be %s for %s, got %s", strings.Join(wants, " or "), s.ID, scenarios.QuoteInput(want)))
	}
	tries := defaultTries
	if text := q.Get("tries"); text != "" {
		if tries, err = strconv.Atoi(text); err != nil || tries < 1 || tries > maxTries {
			return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("tries must be 1–%d, got %s", maxTries, scenarios.QuoteInput(text)))
		}
	}
	release, err := a.takeRunSlot(c)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Request().Context(), searchBudget)
	defer cancel()
	tried := 0
	for seed := uint64(1); tried < tries && ctx.Err() == nil; seed++ {
		set.Seed = seed
		_, end, summary := a.runSeeded(ctx, s, vals, set)
		if end.Reason == stage.ReasonStopped {
			break // the budget ran out mid-run
		}
		if end.Reason == stage.ReasonSchedule {
			// Every seed replays the same schedule first: it fits none of them.
			return echo.NewHTTPError(http.StatusBadRequest, end.Message)
		}
		tried++
		if search.Showed(end, summary) {
			return c.JSON(http.StatusOK, searchResult{Found: true, Seed: seed, Tries: tried, Link: playLink(s, vals, set)})
		}
	}
	what := strings.ReplaceAll(want, "-", " ")
	msg := fmt.Sprintf("no %s in %d seeds", what, tried)
	if tried < tries {
		msg += fmt.Sprintf(" (the search stops after %s)", searchBudget)
	}
	return c.JSON(http.StatusOK, searchResult{Found: false, Tries: tried, Message: msg})
}
