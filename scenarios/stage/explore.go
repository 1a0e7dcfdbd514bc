package stage

// Exploration walks every schedule of a seeded run, depth first over its choices: each run
// follows a prefix of choices and then takes the first option at every choice past it,
// noting how many options each had; the next run takes the next option at the deepest choice
// that has one left. A seeded run is a function of its choices (and its seed, which then
// drives only Jitter), so the walk meets every schedule once, and how many runs it took is
// how many interleavings the settings have: when the walk ends, nothing else can happen.
//
// It is a strategy maker, not a runner: whoever explores starts each run with the strategy
// it is given and decides how many runs it can afford.
type Exploration struct {
	next []int // the choices the next run follows, as indexes into its options
	last *exploring
	runs int
	done bool
}

// NewExploration begins a walk of every schedule.
func NewExploration() *Exploration { return &Exploration{} }

// Strategy is the strategy of the next run to explore, or nil once every schedule has been
// explored. Each run it is given for must have ended before it is asked again.
func (x *Exploration) Strategy() Strategy {
	if x.last != nil {
		x.advance(x.last)
		x.last = nil
	}
	if x.done {
		return nil
	}
	x.runs++
	x.last = &exploring{x: x}
	return x.last
}

// Runs is how many runs the walk has handed out a strategy for.
func (x *Exploration) Runs() int { return x.runs }

// Done reports whether every schedule has been explored: the last run handed out was the
// last schedule there is. It is known once that run has ended.
func (x *Exploration) Done() bool {
	if x.last != nil {
		x.advance(x.last)
		x.last = nil
	}
	return x.done
}

// advance sets the choices of the run after r: one option further at r's deepest choice
// with options left, or none, and the walk is over.
func (x *Exploration) advance(r *exploring) {
	for k := len(r.taken) - 1; k >= 0; k-- {
		if r.taken[k]+1 < r.widths[k] {
			x.next = append(r.taken[:k:k], r.taken[k]+1)
			return
		}
	}
	x.done = true
}

// exploring is the strategy of one run of an exploration.
type exploring struct {
	x             *Exploration
	taken, widths []int
}

func (s *exploring) Next(runnable []int, _ int) (int, error) {
	if len(runnable) < 2 {
		return 0, nil
	}
	return s.choose(len(runnable)), nil
}

func (s *exploring) Case(n int) (int, error) { return s.choose(n), nil }

// choose takes the walk's choice among n options: the prefix's while it lasts, then the first.
func (s *exploring) choose(n int) int {
	i := 0
	if k := len(s.taken); k < len(s.x.next) {
		i = min(s.x.next[k], n-1) // the same run to here has the same options: never less
	}
	s.taken = append(s.taken, i)
	s.widths = append(s.widths, n)
	return i
}
