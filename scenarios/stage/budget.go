package stage

// A run's events take memory that a server shares among all its runs. A Budget is that share:
// a run asks it for room for BudgetChunk more events whenever its store reaches a multiple of
// BudgetChunk (its first event included), so that the check costs nothing on most events and
// a run holds at most one chunk it has not filled. Giving the room back is the Budget's
// owner's business: it knows when it has let go of the run's events, which may be long after
// the run ends (a slow client still reading them).

// BudgetChunk is how many events a run reserves from its Budget at a time: one storage
// chunk, 32 KB of entries, which the run allocates as it reserves it. (Four chunks at a time
// had a run of a hundred events hold room for 4,096, and 5,000 such runs fill a budget of
// 20 M events that they use a twentieth of.)
const BudgetChunk = entryChunk

// Budget is the room a run may take for its events beyond its own MaxEvents.
type Budget interface {
	// Reserve asks for room for n more events beyond the held ones already recorded. An error
	// refuses it: the run ends truncated with the error's text as its message, its events a
	// whole prefix.
	Reserve(held, n int) error
}

// reserveLocked asks the run's Budget, if it has one, for room for the storage chunk the
// run's next event starts, and halts the run if there is none. It reports whether the run
// goes on. Callers hold r.mu, and call it only at a chunk's first event.
func (r *Run) reserveLocked() bool {
	if r.cfg.Budget == nil {
		return true
	}
	if err := r.cfg.Budget.Reserve(r.n, BudgetChunk); err != nil {
		r.haltLocked(ReasonTruncated, err.Error())
		return false
	}
	return true
}
