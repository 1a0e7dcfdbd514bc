package stage

import (
	"context"
	"slices"
	"strconv"
)

// The rules of the weighted semaphore (semaphore.go) and the errgroup (errgroup.go), which
// Validate checks beside its own:
//
//   - a semaphore's weight in use chains from event to event (each acquire-end's and
//     sem-release's old is the last one's new), does what the event says, and stays within
//     0 and its size;
//   - waiters are served in the order they came (FIFO): an Acquire is not served while one
//     that began waiting before it still waits (one asking for more than the size never
//     queues), a TryAcquire succeeds only when it fits and no one waits, and is refused only
//     when it does not; in a run that ended done or deadlocked, no waiter is left at the front
//     whose weight fits;
//   - an Acquire fails only with a context's error, taking nothing;
//   - an errgroup's goroutines active chain the same way and stay within its limit; Go takes
//     a slot only when there is room, TryGo is refused only when there is none, the limit
//     changes only while none is active, and a Go given its slot starts its goroutine next;
//   - a group has at most one first error, its later errors come after it, and Wait returns
//     when no goroutine of the group is active, with the first error;
//   - a group's context is cancelled by its first error or by Wait (or with its parent), never
//     before, and in a run that ended done or deadlocked it was cancelled when either came.

// semaRules is the state those rules keep, made at the first event they check.
type semaRules struct {
	sems   map[int]*semState
	groups map[int]*groupState
	// ctxGroup is the group whose context each context is.
	ctxGroup map[int]int
	// expectGo is, for each goroutine whose Go was given its slot, the group its next event,
	// a go, starts a goroutine of.
	expectGo map[int]int
	// member is the group each goroutine started by a group's Go belongs to.
	member map[int]int
}

type semState struct {
	name      string
	size, cur int64
	queue     []semRequest // waiting, in the order they began
	requests  map[int]semRequest
}

type semRequest struct {
	g   int
	n   int64
	seq int64
	try bool
}

type groupState struct {
	name          string
	ctx           int
	limit, active int64
	first         string
	firstSeq      int64
	waited        int64 // the seq of the first Wait's end
	tries         map[int]bool
}

// semaEvent checks e against the rules above; Validate calls it for every event, before its
// own checks.
func (v *validator) semaEvent(e *Event) {
	x := v.sema
	if x == nil {
		switch e.Kind {
		case KindNew:
			if e.ObjKind != ObjSemaphore && e.ObjKind != ObjErrGroup {
				return
			}
		case KindAcquireBegin, KindAcquireEnd, KindSemRelease, KindGroupLimit, KindGroupGoBegin, KindGroupGoEnd, KindGroupDone, KindGroupWaitBegin, KindGroupWaitEnd:
		default:
			return
		}
		x = &semaRules{sems: map[int]*semState{}, groups: map[int]*groupState{}, ctxGroup: map[int]int{}, expectGo: map[int]int{}, member: map[int]int{}}
		v.sema = x
	}
	if grp, ok := x.expectGo[e.G]; ok && e.G != 0 {
		delete(x.expectGo, e.G)
		switch e.Kind {
		case KindGo:
			x.member[e.Child] = grp
		case KindPanic, KindDeadlock:
		default:
			v.fail(e, "Go on %s was given its slot, but goroutine %d starts no goroutine next", x.groups[grp].name, e.G)
		}
	}
	switch e.Kind {
	case KindNew:
		switch e.ObjKind {
		case ObjSemaphore:
			x.sems[e.Obj] = &semState{name: e.Name, size: int64(e.Cap), requests: map[int]semRequest{}}
		case ObjErrGroup:
			x.groups[e.Obj] = &groupState{name: e.Name, ctx: e.Parent, limit: -1, tries: map[int]bool{}}
			if e.Parent != 0 {
				x.ctxGroup[e.Parent] = e.Obj
			}
		}
	case KindAcquireBegin, KindAcquireEnd, KindSemRelease:
		if s := x.sems[e.Obj]; s != nil {
			v.semaphore(e, s)
		} else {
			v.object(e, ObjSemaphore)
		}
	case KindGroupLimit, KindGroupGoBegin, KindGroupGoEnd, KindGroupDone, KindGroupWaitBegin, KindGroupWaitEnd:
		if grp := x.groups[e.Obj]; grp != nil {
			v.group(e, grp, e.Obj)
		} else {
			v.object(e, ObjErrGroup)
		}
	case KindCancel:
		v.groupCancel(e)
	}
}

func (v *validator) semaphore(e *Event, s *semState) {
	switch e.Kind {
	case KindAcquireBegin:
		n, err := strconv.ParseInt(e.Value, 10, 64)
		if err != nil || n < 0 {
			v.fail(e, "Acquire on %s asks for %q, not a weight", s.name, e.Value)
		}
		q := semRequest{g: e.G, n: n, seq: e.Seq, try: e.Op == "try"}
		s.requests[e.G] = q
		if !q.try && n <= s.size {
			s.queue = append(s.queue, q)
		}
		return
	case KindSemRelease:
		n, err := strconv.ParseInt(e.Value, 10, 64)
		switch {
		case err != nil || n < 0:
			v.fail(e, "Release on %s gives back %q, not a weight", s.name, e.Value)
		case e.Old != s.cur:
			v.fail(e, "Release on %s steps from %d in use, but %d was", s.name, e.Old, s.cur)
		case e.New != e.Old-n:
			v.fail(e, "Release(%d) on %s goes from %d to %d in use", n, s.name, e.Old, e.New)
		case e.New < 0:
			v.fail(e, "Release(%d) on %s leaves %d in use: releasing more than is held panics", n, s.name, e.New)
		}
		s.cur = e.New
		return
	}
	q, ok := s.requests[e.G]
	if !ok {
		return // an end with no begin, which Validate reports
	}
	delete(s.requests, e.G)
	at := slices.IndexFunc(s.queue, func(w semRequest) bool { return w.g == e.G })
	if at >= 0 {
		s.queue = slices.Delete(s.queue, at, at+1)
	}
	switch {
	case e.Old != s.cur:
		v.fail(e, "Acquire on %s steps from %d in use, but %d was", s.name, e.Old, s.cur)
	case e.Op == "" && e.New != e.Old+q.n, e.Op != "" && e.New != e.Old:
		v.fail(e, "Acquire(%d) on %s (%s) goes from %d to %d in use", q.n, s.name, orServed(e.Op), e.Old, e.New)
	case e.New > s.size:
		v.fail(e, "Acquire(%d) on %s puts %d in use, more than its size %d", q.n, s.name, e.New, s.size)
	case e.Op == "" && at > 0:
		v.fail(e, "Acquire(%d) on %s is served while goroutine %d, which began waiting before it (seq %d), still waits (FIFO)",
			q.n, s.name, s.queue[0].g, s.queue[0].seq)
	case e.Op == "" && q.try && len(s.queue) > 0:
		v.fail(e, "TryAcquire(%d) on %s succeeds while goroutine %d waits", q.n, s.name, s.queue[0].g)
	case e.Op == "refused" && (!q.try || s.size-s.cur >= q.n && len(s.queue) == 0):
		v.fail(e, "%s on %s is refused, but a TryAcquire of it would fit", tryName(q), s.name)
	case e.Op == "canceled" && (q.try || e.Value != context.Canceled.Error() && e.Value != context.DeadlineExceeded.Error()):
		v.fail(e, "%s on %s fails with %q, not a context's error", tryName(q), s.name, e.Value)
	case e.Op != "" && e.Op != "refused" && e.Op != "canceled":
		v.fail(e, "an acquire-end with op %q", e.Op)
	}
	s.cur = e.New
}

func orServed(op string) string {
	if op == "" {
		return "served"
	}
	return op
}

func tryName(q semRequest) string {
	if q.try {
		return "TryAcquire(" + strconv.FormatInt(q.n, 10) + ")"
	}
	return "Acquire(" + strconv.FormatInt(q.n, 10) + ")"
}

func (v *validator) group(e *Event, grp *groupState, id int) {
	x := v.sema
	switch e.Kind {
	case KindGroupLimit:
		n, err := strconv.ParseInt(e.Value, 10, 64)
		switch {
		case err != nil:
			v.fail(e, "SetLimit on %s to %q, not a number", grp.name, e.Value)
		case grp.active != 0:
			v.fail(e, "SetLimit on %s while %d goroutines are active: x/sync panics there", grp.name, grp.active)
		}
		grp.limit = max(n, -1)
	case KindGroupGoBegin:
		grp.tries[e.G] = e.Op == "try"
	case KindGroupGoEnd:
		try := grp.tries[e.G]
		delete(grp.tries, e.G)
		room := grp.limit < 0 || grp.active < grp.limit
		switch {
		case e.Old != grp.active:
			v.fail(e, "Go on %s steps from %d active, but %d were", grp.name, e.Old, grp.active)
		case e.Op == "" && e.New != e.Old+1, e.Op == "refused" && e.New != e.Old:
			v.fail(e, "Go on %s (%s) goes from %d to %d active", grp.name, orServed(e.Op), e.Old, e.New)
		case e.Op == "" && !room:
			v.fail(e, "Go on %s takes a slot while %d of limit %d are active", grp.name, grp.active, grp.limit)
		case e.Op == "refused" && (!try || room):
			v.fail(e, "Go on %s is refused, but a TryGo would have had a slot", grp.name)
		case e.Op != "" && e.Op != "refused":
			v.fail(e, "a group-go-end with op %q", e.Op)
		}
		grp.active = e.New
		if e.Op == "" {
			x.expectGo[e.G] = id
		}
	case KindGroupDone:
		switch {
		case x.member[e.G] != id:
			v.fail(e, "goroutine %d is no goroutine of %s", e.G, grp.name)
		case e.Old != grp.active || e.New != e.Old-1:
			v.fail(e, "a goroutine of %s returns, and the active go from %d to %d, but %d were", grp.name, e.Old, e.New, grp.active)
		case e.Op == "first" && grp.firstSeq != 0:
			v.fail(e, "%s has a second first error (the first at seq %d)", grp.name, grp.firstSeq)
		case e.Op == "later" && grp.firstSeq == 0:
			v.fail(e, "%s drops an error as later, before any first error", grp.name)
		case e.Op == "" && e.Value != "", e.Op != "" && e.Value == "":
			v.fail(e, "a group-done with op %q and error %q", e.Op, e.Value)
		}
		delete(x.member, e.G)
		grp.active = e.New
		if e.Op == "first" && grp.firstSeq == 0 {
			grp.first, grp.firstSeq = e.Value, e.Seq
		}
	case KindGroupWaitEnd:
		switch {
		case grp.active != 0:
			v.fail(e, "Wait on %s returns while %d of its goroutines are active", grp.name, grp.active)
		case e.Value != grp.first:
			v.fail(e, "Wait on %s returns %q, but the first error was %q", grp.name, e.Value, grp.first)
		}
		if grp.waited == 0 {
			grp.waited = e.Seq
		}
	}
}

// groupCancel checks a cancel of a group's context: it comes after the first error or a
// Wait's end, unless the parent was cancelled first.
func (v *validator) groupCancel(e *Event) {
	id, ok := v.sema.ctxGroup[e.Obj]
	if !ok {
		return
	}
	grp := v.sema.groups[id]
	o := v.objects[e.Obj]
	if o == nil {
		return
	}
	if p := v.objects[o.parent]; p != nil && p.cancelled != 0 {
		return
	}
	if grp.firstSeq == 0 && grp.waited == 0 {
		v.fail(e, "the context of %s is cancelled before any error and before Wait returned", grp.name)
	}
}

// semaFinish checks what the rules above leave to the end of the trace.
func (v *validator) semaFinish(end End) {
	x := v.sema
	if x == nil || end.Reason != ReasonDone && end.Reason != ReasonDeadlock {
		return
	}
	for _, s := range x.sems {
		if len(s.queue) > 0 && s.size-s.cur >= s.queue[0].n {
			v.fail(nil, "goroutine %d still waits in Acquire(%d) on %s with %d of %d in use: it fits, and is first",
				s.queue[0].g, s.queue[0].n, s.name, s.cur, s.size)
		}
	}
	for _, grp := range x.groups {
		o := v.objects[grp.ctx]
		if o == nil || o.cancelled != 0 {
			continue
		}
		switch {
		case grp.firstSeq != 0:
			v.fail(nil, "%s's first error (seq %d) did not cancel its context %s", grp.name, grp.firstSeq, o.name)
		case grp.waited != 0:
			v.fail(nil, "Wait on %s returned (seq %d) without cancelling its context %s", grp.name, grp.waited, o.name)
		}
	}
}
