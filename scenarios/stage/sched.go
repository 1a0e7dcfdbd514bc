package stage

import "time"

// scheduler is how a run's goroutines take turns: live (the Go runtime's own scheduling, in
// live.go) or seeded (one goroutine at a time, a Strategy choosing who goes next, in
// seeded.go). A run picks one when it starts, and objects pick their live form or their model
// when they are made; operations never ask which scheduler runs them. Two questions every
// operation asks — is there a scheduling point here (G.point), what time is it — are answered
// by Run.seeded, a nil check being cheaper than a call.
type scheduler interface {
	// start is called once, for main, before it runs.
	start(main *G)
	// spawned is called by Go for a new goroutine, before it runs.
	spawned(child *G)
	// waitTurn is called on g's own goroutine before its function runs.
	waitTurn(g *G)
	// exited is called when g's function has returned and the run goes on.
	exited(g *G)
	// span is Work or Sleep of g for d.
	span(g *G, d time.Duration, pc uintptr, k spanKind)
	// jitter is a random duration from 0 to max, max > 0.
	jitter(max time.Duration) time.Duration
	// elapsed is the scenario time since the run started.
	elapsed() time.Duration
	// schedule is the run's schedule so far: seeded runs only. Called under the recorder
	// lock once every goroutine has ended.
	schedule() Schedule
}
