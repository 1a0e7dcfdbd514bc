package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// The exhaustive search: rather than trying seeds, it walks every schedule of one seed
// (stage.Exploration), depth first, so that for small settings it can say that what it did
// not find cannot happen at all — and, past its budget, honestly that it looked at so many
// and is no proof.

// maxExhaustiveTries is the most schedules an exhaustive search walks; the time budget of a
// search (searchBudget, or the request's deadline) usually comes first.
const maxExhaustiveTries = 50_000

// wanted is what a search looks for: one of the scenario's searches or challenges.
type wanted struct {
	what  string // for its messages: "lost update", or a challenge as "a solution to …"
	shows func(r *scenarios.Run, end stage.End, summary []scenarios.Stat) bool
}

// lookForWant finds want among the scenario's searches and challenges.
func lookForWant(s *scenarios.Scenario, want string) (wanted, error) {
	if se, ok := s.Search(want); ok {
		return wanted{what: strings.ReplaceAll(want, "-", " "),
			shows: func(_ *scenarios.Run, end stage.End, summary []scenarios.Stat) bool { return se.Showed(end, summary) }}, nil
	}
	if ch, ok := s.Challenge(want); ok {
		return wanted{what: fmt.Sprintf("solution to %q", ch.Title),
			shows: func(r *scenarios.Run, _ stage.End, _ []scenarios.Stat) bool { return ch.Solved(r.Outcome()) }}, nil
	}
	var wants []string
	for _, se := range s.Searches {
		wants = append(wants, se.Want)
	}
	for _, ch := range s.Challenges {
		wants = append(wants, ch.ID)
	}
	if len(wants) == 0 {
		return wanted{}, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("%s offers no search", s.ID))
	}
	return wanted{}, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("want must be %s for %s, got %s", orList(wants), s.ID, scenarios.QuoteInput(want)))
}

// orList joins names as a sentence does: "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// searchExhaustively walks the schedules of the request's seed until one shows what is
// wanted, all are walked, tries are spent or ctx is done (limit names which deadline it has).
func (a *app) searchExhaustively(c echo.Context, ctx context.Context, req apiRequest, want wanted, tries int, limit string) error {
	s, vals, set := req.scenario, req.values, req.settings
	if set.Schedule.Len() > 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "an exhaustive search walks every schedule: leave schedule out")
	}
	if _, raw := scenarios.SplitQuery(req.query); strings.TrimSpace(raw["seed"]) == "" {
		set.Seed = 1 // it drives only Jitter here: any will do, but the answer's link names it
	}
	x := stage.NewExploration()
	tried := 0
	for ; tried < tries && ctx.Err() == nil; tried++ {
		strategy := x.Strategy()
		if strategy == nil {
			break
		}
		a.metrics.runStarted(viaSearch)
		cfg := a.limits.runConfig(set)
		cfg.Strategy = strategy
		lease := a.events.lease()
		cfg.Budget = lease
		r := s.Start(ctx, cfg, vals)
		end, summary := r.End(), r.Summary()
		a.metrics.runEnded(viaSearch, end.Reason, end.Events)
		shows := end.Reason != stage.ReasonStopped && want.shows(r, end, summary)
		lease.release()
		if end.Reason == stage.ReasonStopped {
			break // out of time mid-run: that schedule was not walked
		}
		a.metrics.tried()
		if shows {
			found := set
			found.Schedule = end.Schedule
			return c.JSON(http.StatusOK, searchResult{Found: true, Exhaustive: true, Seed: set.Seed, Tries: tried + 1,
				Seeds: [2]uint64{set.Seed, set.Seed}, Link: playLink(s, vals, found)})
		}
	}
	if err := c.Request().Context().Err(); err != nil && tried == 0 {
		return err
	}
	res := searchResult{Exhaustive: true, Seed: set.Seed, Tries: tried, Seeds: [2]uint64{set.Seed, set.Seed}}
	switch {
	case x.Done() && tried > 0:
		res.All = true
		res.Message = fmt.Sprintf("explored all %s interleavings: none is a %s, so it cannot happen with these settings", thousands(tried), want.what)
	case tried >= tries:
		res.Message = fmt.Sprintf("explored %s interleavings, none a %s — not a proof: the search stopped at its %s tries", thousands(tried), want.what, thousands(tries))
	default:
		res.Stopped = limit
		res.Message = fmt.Sprintf("explored %s interleavings, none a %s — not a proof: the search stopped after %s", thousands(tried), want.what, a.limitText(limit))
	}
	return c.JSON(http.StatusOK, res)
}
