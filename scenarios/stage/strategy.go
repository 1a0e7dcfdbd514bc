package stage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Strategy decides, at each scheduling point of a seeded run, which runnable goroutine goes
// next (Config.Strategy). The stage ships three: RandomStrategy (the default, from the seed),
// RoundRobin, and Replay of a recorded Schedule. Whatever a strategy chooses, the run records
// its choices as its schedule.
type Strategy interface {
	// Next returns an index into runnable, the ids of the goroutines ready to run in the order
	// they became ready. current is the id of the goroutine at the scheduling point when it is
	// one of them, else 0. It is asked at every scheduling point, even when only one goroutine
	// can run. An error ends the run as ReasonSchedule, with the error as its message: a
	// strategy that cannot choose, such as a replayed schedule that does not fit the run.
	Next(runnable []int, current int) (int, error)
	// Case returns which of a select's n > 1 ready cases it takes: an index into them in the
	// order the select lists them. An error ends the run as Next's does.
	Case(n int) (int, error)
}

// RandomStrategy picks uniformly among the runnable goroutines with a PRNG seeded from seed.
func RandomStrategy(seed uint64) Strategy {
	return randomStrategy{rand.New(rand.NewPCG(seed, 0x696e7465726c6561))}
}

type randomStrategy struct{ rng *rand.Rand }

func (s randomStrategy) Next(runnable []int, _ int) (int, error) {
	return s.rng.IntN(len(runnable)), nil
}

func (s randomStrategy) Case(n int) (int, error) { return s.rng.IntN(n), nil }

// RoundRobin runs the goroutine that has been runnable longest, so at every scheduling point
// the goroutine there yields to the others: each runs one operation in turn. A select takes
// its first ready case.
func RoundRobin() Strategy { return roundRobin{} }

type roundRobin struct{}

func (roundRobin) Next([]int, int) (int, error) { return 0, nil }

func (roundRobin) Case(int) (int, error) { return 0, nil }

// Replay follows a recorded schedule: at the n-th point where more than one goroutine can
// run, or a select more than one case, it takes the n-th choice of the schedule. Past the schedule's end, then
// chooses. then is asked at every point, the schedule's too, and its choice dropped there:
// a strategy with a random stream, such as RandomStrategy(seed), stays where it would have
// been, so that replaying a prefix of a seed's own schedule with that seed gives the seed's
// whole run again. A choice naming a goroutine that cannot run there ends the run
// (ReasonSchedule) with the step and who could have run.
func Replay(s Schedule, then Strategy) Strategy {
	return &replay{choices: s.choices(), then: then}
}

type replay struct {
	choices []uint32
	step    int // choices followed so far
	order   recency
	then    Strategy
}

func (p *replay) Next(runnable []int, current int) (int, error) {
	i, err := p.then.Next(runnable, current)
	if err != nil || len(runnable) < 2 || p.step == len(p.choices) {
		return i, err
	}
	id := p.order.id(p.choices[p.step])
	p.step++
	for j, r := range runnable {
		if r == id {
			return j, nil
		}
	}
	return 0, fmt.Errorf("step %d picks goroutine %d, but only %s can run there", p.step, id, listInts(runnable))
}

func (p *replay) Case(n int) (int, error) {
	i, err := p.then.Case(n)
	if err != nil || p.step == len(p.choices) {
		return i, err
	}
	c := int(p.choices[p.step])
	p.step++
	if c >= n {
		return 0, fmt.Errorf("step %d picks the select's ready case %d, but only %d are ready there", p.step, c+1, n)
	}
	return c, nil
}

// listInts renders ids in increasing order as a sentence does: "2, 4 and 5".
func listInts(ids []int) string {
	sorted := slices.Sorted(slices.Values(ids))
	parts := make([]string, len(sorted))
	for i, id := range sorted {
		parts[i] = strconv.Itoa(id)
	}
	return andList(parts)
}

// andList joins parts as a sentence does: "a", "a and b", "a, b and c".
func andList(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
