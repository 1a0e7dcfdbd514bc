package scenarios

import (
	"context"
	"net/url"
	"testing"

	"interleave/scenarios/stage"
)

// solutions hold, for every challenge of the catalog, a steered link's query that solves
// it: the settings, and the schedule of picks (here found by seeds, whose schedules are
// picks a person could make).
var solutions = []struct {
	scenario, challenge, query string
}{
	{"atomic-counter", "lose-update", "method=load-store&goroutines=2&adds=1&mode=steer&seed=1&schedule=SpJqko"},
	{"deadlock", "starve-them-all", "philosophers=3&meals=1&mode=steer&seed=4&schedule=SpNEaVEpo"},
	{"channels", "later-first", "producers=3&messages=1&mode=steer&seed=1&schedule=STsqKyFK"},
	{"producer-consumer", "three-at-once", "items=3&mode=steer&seed=1&schedule=Sbbc"},
	{"worker-pool", "one-worker", "workers=2&tasks=3&task=0&jitter=0&mode=steer&seed=72&schedule=SSJ00iIikldOy1ZI"},
	{"select-fairness", "b-first", "messages=2&mode=steer&seed=12&schedule=p-02lSo"},
	{"pipeline", "out-of-order", "items=3&workers=2&square=0&generate=0&mode=steer&seed=1&schedule=SSImTRCELUpCIyRLOnZjntqmqmIeQiea"},
	{"readers-writers", "slip-past", "twice=yes&read=0&write=0&mode=steer&seed=24&schedule=10nTIQlNEptlI0XdKmk1aqiE3tLtg"},
	{"bounded-queue", "empty-take", "check=if&mode=steer&seed=1&schedule=STsiRUylyJNW8siZMirZNvRCNkbImRIhFc"},
	{"refcell", "borrow-while-mut", "share=yes&mode=steer&seed=4&schedule=rg"},
	{"once", "last-loads", "jitter=0&mode=steer&seed=120&schedule=pWmS5aRERNtlTJ"},
	{"semaphore", "held-back", "mode=steer&seed=1&schedule=SStqQiK6NZZkpsymn6Q"},
	// the next four are solved by a setting, not by who runs when: no interleaving of the
	// defaults solves them, which the exhaustive search says
	{"timeout", "in-time", "work=400&mode=steer&seed=1&schedule=S"},
	{"cancel", "all-finish", "deadline=2000&mode=steer&seed=1&schedule=SStqQilshSF"},
	{"ticker", "lose-tick", "gap=150&mode=steer&seed=1&schedule=SbTT006Sqk2g"},
	{"errgroup", "no-error", "failing=0&mode=steer&seed=1&schedule=SScjI5G20SUzd1"},
}

func TestEveryChallengeHasASolvingSchedule(t *testing.T) {
	cat := New()
	solved := map[string]bool{}
	for _, sol := range solutions {
		t.Run(sol.scenario+"/"+sol.challenge, func(t *testing.T) {
			s, ok := cat.Lookup(sol.scenario)
			if !ok {
				t.Fatalf("no scenario %s", sol.scenario)
			}
			c, ok := s.Challenge(sol.challenge)
			if !ok {
				t.Fatalf("%s poses no challenge %s", sol.scenario, sol.challenge)
			}
			q, err := url.ParseQuery(sol.query)
			if err != nil {
				t.Fatal(err)
			}
			params, raw := SplitQuery(q)
			vals, problems := s.Check(params)
			set, more := CheckSettings(raw, 0)
			if problems = append(problems, more...); len(problems) > 0 {
				t.Fatalf("the link %s: %v", sol.query, problems)
			}
			if !set.Steered() || set.Schedule.Len() == 0 {
				t.Fatalf("the link %s is not a steered one with a schedule", sol.query)
			}
			// The schedule is the whole run: the person need pick nothing more.
			steer := stage.NewSteer(stage.SteerConfig{Schedule: set.Schedule, Seed: set.Seed})
			r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: set.Seed, Processors: set.Processors, Strategy: steer}, vals)
			select {
			case ch := <-steer.Choices():
				t.Fatalf("the run waits for a pick at step %d: the schedule does not reach the end", ch.Step)
			case <-r.Done():
			}
			o := r.Outcome()
			if !c.Solved(o) {
				t.Fatalf("the schedule does not solve %q: the run ended %s (%s), %v", c.Title, o.End.Reason, o.End.Message, o.Summary)
			}
			if ids := s.Solves(o); len(ids) == 0 || ids[0] != c.ID {
				t.Errorf("the run solves %v", ids)
			}
			solved[sol.scenario+"/"+sol.challenge] = true
		})
	}
	for _, s := range cat.All() {
		for _, c := range s.Challenges {
			if !solved[s.ID+"/"+c.ID] {
				t.Errorf("%s's challenge %s has no solving schedule here", s.ID, c.ID)
			}
		}
	}
}

func TestChallengesAreWellFormed(t *testing.T) {
	for _, s := range New().All() {
		seen := map[string]bool{}
		for _, c := range s.Challenges {
			switch {
			case !validChallengeID(c.ID):
				t.Errorf("%s: challenge id %q is not lowercase words joined by hyphens", s.ID, c.ID)
			case seen[c.ID]:
				t.Errorf("%s: two challenges are %s", s.ID, c.ID)
			case c.Title == "" || c.Text == "" || c.Solved == nil:
				t.Errorf("%s: challenge %s lacks a title, a sentence or a check", s.ID, c.ID)
			}
			seen[c.ID] = true
		}
	}
}

func validChallengeID(id string) bool {
	if id == "" || id[0] == '-' || id[len(id)-1] == '-' {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}

// Every operation of every scenario says what it is about to do, so that a steered run's
// options read as steps ("load counter"), never as a bare "go on".
func TestEveryStepOfEveryScenarioSaysWhatItDoes(t *testing.T) {
	for _, s := range New().All() {
		t.Run(s.ID, func(t *testing.T) {
			vals := s.Defaults()
			for _, p := range s.Params {
				if p.Unit == "ms" {
					vals[p.Name] = p.Min
				}
			}
			steer := stage.NewSteer(stage.SteerConfig{Seed: 1})
			r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 1, Strategy: steer, MaxEvents: 20_000}, vals)
			for steps := 0; ; steps++ {
				select {
				case c := <-steer.Choices():
					if c.Select != nil { // a select's ready cases
						for _, cs := range c.Cases {
							if cs.Text == "" || cs.Obj == 0 || cs.Line == 0 {
								t.Fatalf("step %d: %s's select offers %+v", c.Step, c.Select.Name, cs)
							}
						}
						if err := steer.PickCase(steps % len(c.Cases)); err != nil {
							t.Fatal(err)
						}
						continue
					}
					for _, o := range c.Options {
						if o.Text == "go on" || o.Text == "" || o.Op == "" {
							t.Fatalf("step %d: %s's option reads %q (op %q)", c.Step, o.Name, o.Text, o.Op)
						}
					}
					// Round robin over the options, so that every goroutine is seen at its steps.
					if err := steer.Pick(c.Options[steps%len(c.Options)].G); err != nil {
						t.Fatal(err)
					}
				case <-r.Done():
					return
				}
			}
		})
	}
}
