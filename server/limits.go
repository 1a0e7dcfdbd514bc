package main

import (
	"errors"
	"flag"
	"fmt"
	"sync"
	"time"

	"interleave/scenarios/stage"
)

// limits bound what the server does for anyone. Each is a flag (see addFlags); the defaults
// are safe for a public server on a small machine.
type limits struct {
	maxEvents int // events one run may record; it then ends as truncated
	// maxEventsTotal is how many events the runs in progress may hold at once, all of them
	// together: a run that cannot get room for more ends as truncated (eventBudget).
	maxEventsTotal int
	maxGoroutines  int           // goroutines one run may start
	maxRunTime     time.Duration // wall-clock time one live run may take
	// maxSteerIdle is how long a steered run waits for a pick before it ends stopped; the
	// waiting does not count against maxRunTime.
	maxSteerIdle time.Duration

	maxRuns          int // runs going at once on the whole server
	maxRunsPerClient int // runs going at once from one client address
	// Open sockets, on the whole server and from one client address: each holds a few
	// goroutines and buffers even while idle.
	maxSockets          int
	maxSocketsPerClient int
	// Plain HTTP connections open at once, on the whole server and from one address; a
	// connection upgraded to a socket counts as a socket instead.
	maxConns          int
	maxConnsPerClient int
	// A request is read within readTimeout and answered within writeTimeout; a keep-alive
	// connection idle for idleTimeout is closed.
	readTimeout, writeTimeout, idleTimeout time.Duration
	// maxBacklog is how many recorded events a live run may get ahead of a client whose
	// outgoing queue is full before the run is ended as truncated: the client cannot keep up.
	maxBacklog int

	apiRate    float64       // API requests per second per client address, sustained
	apiBurst   int           // API requests one address may make at once
	apiTimeout time.Duration // how long an API handler may take
}

func defaultLimits() limits {
	return limits{
		maxEvents:           1_250_000,
		maxEventsTotal:      20_000_000,
		maxGoroutines:       64,
		maxRunTime:          60 * time.Second,
		maxSteerIdle:        10 * time.Minute,
		maxRuns:             1000,
		maxRunsPerClient:    10,
		maxSockets:          10_000,
		maxSocketsPerClient: 256,
		maxConns:            10_000,
		maxConnsPerClient:   256,
		readTimeout:         10 * time.Second,
		writeTimeout:        60 * time.Second,
		idleTimeout:         30 * time.Second,
		maxBacklog:          2000,
		apiRate:             5,
		apiBurst:            20,
		apiTimeout:          5 * time.Second,
	}
}

// addFlags registers a flag for every limit, with l's values as defaults.
func (l *limits) addFlags(fs *flag.FlagSet) {
	fs.IntVar(&l.maxEvents, "max-events", l.maxEvents, "events one run may record before it ends as truncated")
	fs.IntVar(&l.maxEventsTotal, "max-events-total", l.maxEventsTotal, "events all runs in progress may hold at once (about 44 bytes each); a run that cannot get room for more ends as truncated")
	fs.IntVar(&l.maxGoroutines, "max-goroutines", l.maxGoroutines, "goroutines one run may start")
	fs.DurationVar(&l.maxRunTime, "max-run-time", l.maxRunTime, "wall-clock time one live run may take")
	fs.DurationVar(&l.maxSteerIdle, "max-steer-idle", l.maxSteerIdle, "time a steered run waits for a pick before it ends stopped (it holds a run slot meanwhile)")
	fs.IntVar(&l.maxRuns, "max-runs", l.maxRuns, "runs going at once on the server; more are refused with a message")
	fs.IntVar(&l.maxRunsPerClient, "max-runs-per-client", l.maxRunsPerClient, "runs going at once from one client address")
	fs.IntVar(&l.maxSockets, "max-sockets", l.maxSockets, "sockets open at once on the server; more are closed with a message")
	fs.IntVar(&l.maxSocketsPerClient, "max-sockets-per-client", l.maxSocketsPerClient, "sockets open at once from one client address (a socket per tab)")
	fs.IntVar(&l.maxConns, "max-conns", l.maxConns, "plain HTTP connections open at once on the server; more are answered 503 and closed")
	fs.IntVar(&l.maxConnsPerClient, "max-conns-per-client", l.maxConnsPerClient, "plain HTTP connections open at once from one address (behind -trust-proxy, not counted for the proxy's)")
	fs.DurationVar(&l.readTimeout, "read-timeout", l.readTimeout, "time a client may take to send a request")
	fs.DurationVar(&l.writeTimeout, "write-timeout", l.writeTimeout, "time a request may take from being read to its answer written (more than -api-timeout)")
	fs.DurationVar(&l.idleTimeout, "idle-timeout", l.idleTimeout, "time a keep-alive connection may wait for its next request")
	fs.IntVar(&l.maxBacklog, "max-backlog", l.maxBacklog, "events a live run may get ahead of a client that cannot keep up before it ends as truncated")
	fs.Float64Var(&l.apiRate, "api-rate", l.apiRate, "API requests per second one client address may make, sustained")
	fs.IntVar(&l.apiBurst, "api-burst", l.apiBurst, "API requests one client address may make at once")
	fs.DurationVar(&l.apiTimeout, "api-timeout", l.apiTimeout, "time an API request may take")
}

func (l limits) check() error {
	switch {
	case l.maxEvents < 100:
		return fmt.Errorf("-max-events must be at least 100, got %d", l.maxEvents)
	case l.maxEventsTotal < l.maxEvents:
		return fmt.Errorf("-max-events-total must be at least -max-events (%d), so that one run can reach it, got %d", l.maxEvents, l.maxEventsTotal)
	case l.maxGoroutines < 2 || l.maxGoroutines > stage.MaxGoroutinesCap:
		return fmt.Errorf("-max-goroutines must be 2–%d, got %d", stage.MaxGoroutinesCap, l.maxGoroutines)
	case l.maxRunTime < time.Second:
		return fmt.Errorf("-max-run-time must be at least 1s, got %s", l.maxRunTime)
	case l.maxSteerIdle < time.Second:
		return fmt.Errorf("-max-steer-idle must be at least 1s, got %s", l.maxSteerIdle)
	case l.maxRuns < 1:
		return fmt.Errorf("-max-runs must be at least 1, got %d", l.maxRuns)
	case l.maxRunsPerClient < 1 || l.maxRunsPerClient > l.maxRuns:
		return fmt.Errorf("-max-runs-per-client must be 1–%d (-max-runs), got %d", l.maxRuns, l.maxRunsPerClient)
	case l.maxSockets < 1:
		return fmt.Errorf("-max-sockets must be at least 1, got %d", l.maxSockets)
	case l.maxSocketsPerClient < 1 || l.maxSocketsPerClient > l.maxSockets:
		return fmt.Errorf("-max-sockets-per-client must be 1–%d (-max-sockets), got %d", l.maxSockets, l.maxSocketsPerClient)
	case l.maxConns < 1:
		return fmt.Errorf("-max-conns must be at least 1, got %d", l.maxConns)
	case l.maxConnsPerClient < 1 || l.maxConnsPerClient > l.maxConns:
		return fmt.Errorf("-max-conns-per-client must be 1–%d (-max-conns), got %d", l.maxConns, l.maxConnsPerClient)
	case l.readTimeout < time.Second:
		return fmt.Errorf("-read-timeout must be at least 1s, got %s", l.readTimeout)
	case l.idleTimeout < time.Second:
		return fmt.Errorf("-idle-timeout must be at least 1s, got %s", l.idleTimeout)
	case l.maxBacklog < 100:
		return fmt.Errorf("-max-backlog must be at least 100, got %d", l.maxBacklog)
	case l.apiRate <= 0:
		return fmt.Errorf("-api-rate must be above 0, got %g", l.apiRate)
	case l.apiBurst < 1:
		return fmt.Errorf("-api-burst must be at least 1, got %d", l.apiBurst)
	case l.apiTimeout < 10*time.Millisecond:
		return fmt.Errorf("-api-timeout must be at least 10ms, got %s", l.apiTimeout)
	case l.writeTimeout <= l.apiTimeout:
		return fmt.Errorf("-write-timeout must be more than -api-timeout (%s), so that an answer can be written after it, got %s", l.apiTimeout, l.writeTimeout)
	}
	return nil
}

// checkSchedule refuses a schedule longer than any run within the limits could follow: a
// choice is followed by an event of the goroutine chosen, or by its start, so a run makes at
// most as many choices as it may record events and start goroutines.
func (l limits) checkSchedule(s stage.Schedule) error {
	if most := l.maxEvents + l.maxGoroutines; s.Len() > most {
		return fmt.Errorf("the schedule has %d choices, but a run here records at most %d events and starts at most %d goroutines, and so makes at most %d choices",
			s.Len(), l.maxEvents, l.maxGoroutines, most)
	}
	return nil
}

func (l limits) stageConfig() stage.Config {
	return stage.Config{MaxEvents: l.maxEvents, MaxGoroutines: l.maxGoroutines, MaxDuration: l.maxRunTime}
}

// slots counts what is going on at once — runs, open sockets or connections — on the whole server and
// per client address, up to a limit for each.
type slots struct {
	max, perClient int
	// The sentences that refuse a slot, for a person: the server is full, the address is;
	// and the flags of those limits, which name the refusals counted in counts.
	busy, full           string
	busyLimit, fullLimit string
	counts               *metrics

	mu       sync.Mutex
	total    int
	byClient map[string]int
}

func newSlots(max, perClient int, limit, busy, full string) *slots {
	return &slots{max: max, perClient: perClient, busy: busy, full: full,
		busyLimit: limit, fullLimit: limit + "-per-client", byClient: make(map[string]int)}
}

// newRunSlots counts runs.
func newRunSlots(max, perClient int) *slots {
	return newSlots(max, perClient, "max-runs",
		fmt.Sprintf("the server is busy: %d runs are going, the most it takes at once; try again in a moment", max),
		fmt.Sprintf("%d runs are already going from your address, the most one address may run at once; stop one (or close a tab) and try again", perClient))
}

// newSocketSlots counts open sockets. Its sentences end up as WebSocket close reasons, which
// must fit in 123 bytes.
func newSocketSlots(max, perClient int) *slots {
	return newSlots(max, perClient, "max-sockets",
		fmt.Sprintf("the server is full (%d connections); retrying", max),
		fmt.Sprintf("%d pages of this site are open from your address, the most it serves; close one", perClient))
}

// acquire takes a slot for client, or says in a sentence for the person why there is none.
// release gives the slot back; it may be called more than once.
func (r *slots) acquire(client string) (release func(), refusal string) {
	return r.acquireAs(client, true)
}

// acquireAs is acquire, holding client to the limit per client only if perClient is set.
func (r *slots) acquireAs(client string, perClient bool) (release func(), refusal string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.total >= r.max:
		r.counts.refused(r.busyLimit)
		return nil, r.busy
	case perClient && r.byClient[client] >= r.perClient:
		r.counts.refused(r.fullLimit)
		return nil, r.full
	}
	r.total++
	r.byClient[client]++
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.total--
			if r.byClient[client]--; r.byClient[client] == 0 {
				delete(r.byClient, client)
			}
		})
	}, ""
}

// running reports what is going on the server and from client.
func (r *slots) running(client string) (total, fromClient int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total, r.byClient[client]
}

// eventBudget is the memory budget across runs: it caps the events held at once by every run
// in progress (-max-events-total), since -max-events bounds one run but not a thousand of
// them. Each run takes a lease, which reserves room as the run grows (stage.BudgetChunk
// events at a time, so that small runs never come back for more) and gives it all back when
// the server lets go of the run's events: when its stream has queued the last of them or its
// client has gone, when the trace API has written them, when the search has looked at them.
type eventBudget struct {
	max    int
	counts *metrics // counts refusals; may be nil

	mu   sync.Mutex
	held int
}

func newEventBudget(max int) *eventBudget { return &eventBudget{max: max} }

// take reserves n events if they fit.
func (b *eventBudget) take(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held+n > b.max {
		return false
	}
	b.held += n
	return true
}

func (b *eventBudget) give(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held -= n
}

// holding is how many events the budget has reserved for runs.
func (b *eventBudget) holding() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.held
}

// lease opens one run's share of the budget. The run reserves through it (it is the run's
// stage.Budget); release gives the share back.
func (b *eventBudget) lease() *eventLease { return &eventLease{budget: b} }

// eventLease is one run's share of an eventBudget.
type eventLease struct {
	budget *eventBudget

	mu       sync.Mutex
	held     int
	released bool
	cut      bool // a Reserve was refused: the run ended short for want of room
}

var _ stage.Budget = (*eventLease)(nil)

// Reserve takes room for n more events for the run, or says why there is none. A lease
// already released reserves nothing more.
func (l *eventLease) Reserve(held, n int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released || !l.budget.take(n) {
		l.cut = true
		l.budget.counts.refused("max-events-total")
		if held == 0 {
			return errors.New("the server is holding as many events as it may for all runs (-max-events-total), so this run could not start; try again in a moment")
		}
		return fmt.Errorf("the server is holding as many events as it may for all runs (-max-events-total); this run stopped at %s events", thousands(held))
	}
	l.held += n
	return nil
}

// wasCut tells whether the budget refused the run room, which ended it truncated: what the
// other runs held decided that, so its trace is not the link's.
func (l *eventLease) wasCut() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut
}

// release gives the run's share back; it may be called more than once.
func (l *eventLease) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.released {
		l.released = true
		l.budget.give(l.held)
		l.held = 0
	}
}
