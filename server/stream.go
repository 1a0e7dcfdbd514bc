package main

import (
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"sync/atomic"
	"time"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// A stream turns one run's events into the messages its client reads — meta, events in
// batches, end — and queues them for the session's writer. It is a loop of small steps, each
// tested alone with a fake run and a hand-moved clock (stream_test.go):
//
//   - wait: wake-ups coalesce into frames (frameWait);
//   - flush: what is waiting goes out in messages of bounded size (nextMessage);
//   - handOver: a full queue paces the stream, and may cut a live run short (slowCut);
//   - finish and cutShort: the end message, after the run's slot is given back;
//   - in a steered run, choose: at a choice, the events before it, then the choice message.

// Batching. A frame is how long events may wait to be batched: one display frame at 60 Hz,
// so batching is never visible.
const (
	frame           = 16 * time.Millisecond
	maxBatch        = 2000     // events in one message at most
	maxMessageBytes = 32 << 10 // a message takes no more events once it is this long
)

// runSource is what a stream reads of its run.
type runSource interface {
	Len() int
	// EventsN appends at most n of the events from index from on to dst.
	EventsN(from, n int, dst []stage.Event) []stage.Event
	// Updated receives after new events were recorded; one token may cover many.
	Updated() <-chan struct{}
	Done() <-chan struct{}
	End() stage.End
	Stop()
	Summary() []scenarios.Stat
}

var _ runSource = (*scenarios.Run)(nil)

// clock is the time a stream batches by: the wall clock in the server, a fake in tests.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// streamConfig is what a stream is given: its run, where its messages go and what of the
// server it uses.
type streamConfig struct {
	run runSource
	// stopRun stops the run without holding on to it: the stream lets go of a run it cuts
	// short, and of a run that has ended, so that their storage can go.
	stopRun func()
	release func() // gives the run's slot back; it may be called more than once
	meta    metaMessage
	seeded  bool // the run is seeded: it is paced, never cut (see slowCut)
	binary  bool // events go as binary batches (stage.BatchEncoder), not JSON
	// steer steers the run, if it is steered: its choices go to the client as they come,
	// and solves, at its end, names the scenario's challenges it solved.
	steer  *stage.Steer
	solves func() []string

	to         outbox
	buffers    *bufferPool
	maxBacklog int // events a live run may get ahead of a full queue before it is cut
	clock      clock
	log        *slog.Logger
	slowCuts   *atomic.Int64 // counts the runs cut short
	metrics    *metrics      // counts events sent and runs ended; may be nil
}

// stream is a run being streamed to its client.
type stream struct {
	streamConfig
	sent      tally     // what the writer has been given
	flushedAt time.Time // when the last flush that handed events over ended
	batch     []stage.Event
	batches   *stage.BatchEncoder // a binary stream's encoder, which keeps the run's strings
	choice    stage.Choice        // the choice a steered run waits on, once wait has taken it
	counted   bool                // the run's end is counted in metrics
	done      chan struct{}       // closed when serve returns
}

func newStream(cfg streamConfig) *stream {
	st := &stream{streamConfig: cfg, done: make(chan struct{})}
	if cfg.binary {
		st.batches = stage.NewBatchEncoder()
	}
	return st
}

// stop stops the run and waits until the stream has sent its end.
func (st *stream) stop() {
	st.stopRun()
	<-st.done
}

// serve streams the run: meta, event batches as they are recorded, then end. It returns
// only after the run has ended, so that no scenario goroutine outlives the session. The run's
// slot is given back as soon as the run has ended, before its end message is queued: a client
// that has read the end may start another run at once.
func (st *stream) serve() {
	ended := st.run.Done()
	defer close(st.done)
	defer st.release()
	defer st.stopRun()
	// Nothing needs the run once the stream is over, though the session keeps the stream.
	defer func() { st.run, st.batch, st.batches = nil, nil, nil }()
	defer st.recoverFrom(ended)
	st.pump()
	<-ended
	st.countEnd("") // a session that went away before the end was sent
}

// countEnd counts the run's end in metrics, once: the reason its client was told, or the
// run's own.
func (st *stream) countEnd(told stage.Reason) {
	if st.counted || st.run == nil {
		return
	}
	st.counted = true
	if told == "" {
		told = st.run.End().Reason
	}
	st.metrics.runEnded(viaSocket, told, st.run.Len())
}

// recoverFrom keeps a bug in the stream from taking the server down: the run is stopped and
// the client told.
func (st *stream) recoverFrom(ended <-chan struct{}) {
	v := recover()
	if v == nil {
		return
	}
	st.log.Error("run stream panicked", "run", st.meta.Run, "panic", v, "stack", string(debug.Stack()))
	st.stopRun()
	<-ended
	st.release()
	st.countEnd("")
	st.to.sendJSON(errorMessage{V: stage.SchemaVersion, Type: typeError, Run: st.meta.Run,
		Message: "the server failed while sending this run; please run it again"})
}

// pump is the stream's loop: wait, flush, and at the run's end finish.
func (st *stream) pump() {
	if !st.to.sendJSON(st.meta) {
		return
	}
	for {
		switch st.wait() {
		case sessionOver:
			return
		case runEnded:
			st.finish()
			return
		case choiceWaiting:
			if !st.choose(st.choice) {
				return
			}
			continue
		}
		switch st.flush() {
		case gone:
			return
		case tooSlow:
			st.cutShort()
			return
		}
	}
}

// woke says why a stream's wait ended.
type woke int

const (
	eventsWaiting woke = iota // new events, and their frame is up
	runEnded                  // the run has ended; what it recorded may still wait
	sessionOver               // nobody is listening any more
	choiceWaiting             // a steered run waits for a pick: its choice is in st.choice
)

// wait waits for new events and then, so that wake-ups coalesce into frames, for the rest
// of the frame the last flush began (frameWait). A steered run's choice ends the wait at
// once: the run records nothing until it is answered.
func (st *stream) wait() woke {
	var choices <-chan stage.Choice // nil, never ready, unless the run is steered
	if st.steer != nil {
		choices = st.steer.Choices()
	}
	select {
	case <-st.run.Updated():
	case <-st.run.Done():
		return runEnded
	case <-st.to.gone:
		return sessionOver
	case st.choice = <-choices:
		return choiceWaiting
	}
	wait := frameWait(st.clock.Now(), st.flushedAt, st.run.Len()-st.sent.events)
	if wait <= 0 {
		return eventsWaiting
	}
	select {
	case <-st.clock.After(wait):
		return eventsWaiting
	case <-st.run.Done():
		return runEnded
	case <-st.to.gone:
		return sessionOver
	}
}

// frameWait is how long events that are waiting wait to be sent: until a frame has passed
// since the last flush, unless a whole batch is waiting already.
func frameWait(now, flushedAt time.Time, waiting int) time.Duration {
	if waiting >= maxBatch {
		return 0
	}
	return max(flushedAt.Add(frame).Sub(now), 0)
}

// flush hands every event recorded so far to the writer, a message at a time (nextMessage).
func (st *stream) flush() handed { return st.flushTo(math.MaxInt) }

// flushTo is flush of the first upTo events at most.
func (st *stream) flushTo(upTo int) handed {
	before := st.sent.events
	for {
		// A message holds at most maxBatch events: a long backlog is read a message at a
		// time, not whole for every message.
		st.batch = st.run.EventsN(st.sent.events, min(maxBatch, upTo-st.sent.events), st.batch[:0])
		if len(st.batch) == 0 {
			break
		}
		msg, n := st.nextMessage(st.buffers.get())
		if h := st.handOver(msg); h != queued {
			return h
		}
		st.sent.add(st.batch[:n])
		st.metrics.sent(n)
	}
	if st.sent.events > before {
		st.flushedAt = st.clock.Now()
	}
	return queued
}

// nextMessage encodes the first of st.batch that fit one message into buf, as JSON or, for
// a client that asked for them, as a binary batch (which holds the same events).
func (st *stream) nextMessage(buf []byte) ([]byte, int) {
	if st.batches != nil {
		return st.batches.AppendBatch(buf, st.meta.Run, st.batch, maxMessageBytes)
	}
	return nextMessage(buf, st.meta.Run, st.batch)
}

// nextMessage encodes into buf the first of events that fit one message: at most maxBatch,
// and no more once the message passes maxMessageBytes (it holds at least one). It returns the
// message and how many events it holds.
func nextMessage(buf []byte, run int, events []stage.Event) ([]byte, int) {
	return appendEventsMessage(buf, run, events[:min(len(events), maxBatch)], maxMessageBytes)
}

// tally counts the events a stream has handed to the writer: the stats of a run cut short.
type tally struct {
	events     int
	goroutines int   // go events among them
	objects    int   // new events among them
	lastT      int64 // the t of the last
}

func (t *tally) add(events []stage.Event) {
	for i := range events {
		switch events[i].Kind {
		case stage.KindGo:
			t.goroutines++
		case stage.KindNew:
			t.objects++
		}
	}
	if len(events) > 0 {
		t.lastT = events[len(events)-1].T
	}
	t.events += len(events)
}

func (t tally) stats() endStats {
	return endStats{Events: t.events, Goroutines: t.goroutines, Objects: t.objects, Duration: t.lastT}
}

// handed says what became of a message given to the writer.
type handed int

const (
	queued  handed = iota // the writer has it
	gone                  // the session is over
	tooSlow               // the queue stayed full while the live run got maxBacklog events ahead
)

// handOver queues msg for the writer. While the queue is full the stream waits, which paces
// it to the client; a live run meanwhile goes on recording, and handOver watches how far it
// gets ahead (slowCut). (A client that stops reading altogether is ended by the writer's
// deadline.)
func (st *stream) handOver(msg []byte) handed {
	select {
	case st.to.out <- msg:
		st.to.queued()
		return queued
	default:
	}
	updated, ended := st.run.Updated(), st.run.Done()
	if st.seeded {
		updated, ended = nil, nil // never cut: nothing to watch
	}
	for {
		select {
		case st.to.out <- msg:
			st.to.queued()
			return queued
		case <-st.to.gone:
			return gone
		case <-ended:
			updated, ended = nil, nil // finished: never cut
		case <-updated:
			if slowCut(st.seeded, isClosed(st.run.Done()), st.run.Len()-st.sent.events, st.maxBacklog) {
				return tooSlow
			}
		}
	}
}

// slowCut is the rule for a run whose client's queue is full: cut it short once it is more
// than maxBacklog events ahead of what the writer was given, if it is live and still going.
// A finished run is a fixed amount and is only paced. So is a seeded run: it is computed as
// fast as the CPU goes, far ahead of any connection, to an end bounded by the event limit,
// and being behind it says nothing about the client.
func slowCut(seeded, finished bool, ahead, maxBacklog int) bool {
	return !seeded && !finished && ahead > maxBacklog
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// finish sends what is left of a run that has ended, gives its slot back, then sends its end.
func (st *stream) finish() {
	if st.flush() != queued {
		return // the session is over: a finished run is never cut
	}
	end := st.run.End()
	st.release()
	st.countEnd(end.Reason)
	st.log.Info("run ended", "run", st.meta.Run, "reason", end.Reason, "events", end.Events)
	msg := newEndMessage(st.meta.Run, end, st.run.Summary())
	if st.solves != nil {
		msg.Solved = st.solves()
	}
	st.to.sendJSON(msg)
}

// choose sends a steered run's choice: the events recorded before it, then the choice
// itself. It reports false when the session is over.
func (st *stream) choose(c stage.Choice) bool {
	if st.flushTo(c.Events) != queued {
		return false // a steered run is seeded: never cut
	}
	return st.to.sendJSON(newChoiceMessage(st.meta.Run, c))
}

// cutShort ends a live run whose client cannot keep up: it stops the run, drops the events
// the client never got (the trace it has is a true prefix), and ends with truncated.
func (st *stream) cutShort() {
	queued := len(st.to.out)
	st.run.Stop()
	<-st.run.Done()
	st.release()
	waiting := st.run.Len() - st.sent.events
	st.countEnd(stage.ReasonTruncated)
	// The events the client will never get can go now; only the end is left to send.
	st.run, st.batch, st.batches = nil, nil, nil
	st.log.Info("run cut short: client too slow", "run", st.meta.Run, "queued", queued, "sent", st.sent.events, "waiting", waiting)
	st.slowCuts.Add(1) // after the log line, so that whoever sees the count finds the line
	st.to.sendJSON(cutEndMessage(st.meta.Run, st.sent, waiting))
}

// cutEndMessage is the end of a run cut short because its client could not keep up: sent is
// what the client gets, waiting what it will not.
func cutEndMessage(run int, sent tally, waiting int) endMessage {
	return endMessage{
		V: stage.SchemaVersion, Type: typeEnd, Run: run,
		Reason:   stage.ReasonTruncated,
		Message:  fmt.Sprintf("the connection could not keep up with the run: %d events were waiting to be sent, so it was stopped after %d; a lower speed or a faster connection helps", waiting, sent.events),
		Stats:    sent.stats(),
		Leftover: []string{}, Summary: []scenarios.Stat{},
	}
}
