package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// The stream's steps, each tested alone: a fakeRun stands in for the stage, a channel for the
// writer's queue and handClock for the time, which moves only when the test says so.

// fakeRun is a run a test records into by hand.
type fakeRun struct {
	mu      sync.Mutex
	events  []stage.Event
	updated chan struct{}
	done    chan struct{}
	end     stage.End
	summary []scenarios.Stat
	stopped bool
}

func newFakeRun() *fakeRun {
	// Like the stage's: one token stands for however many events came since the last read.
	return &fakeRun{updated: make(chan struct{}, 1), done: make(chan struct{})}
}

// add appends n events of kind, each 1 µs after the one before; record also signals.
func (r *fakeRun) add(n int, kind stage.Kind) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range n {
		seq := int64(len(r.events) + 1)
		r.events = append(r.events, stage.Event{Seq: seq, T: seq * 1000, G: 1, Kind: kind})
	}
}

func (r *fakeRun) record(n int, kind stage.Kind) {
	r.add(n, kind)
	select {
	case r.updated <- struct{}{}:
	default:
	}
}

// finish ends the run for reason, if it has not ended yet.
func (r *fakeRun) finish(reason stage.Reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.done:
		return
	default:
	}
	last := r.events[len(r.events)-1]
	r.end = stage.End{Reason: reason, Message: message, Events: len(r.events), Goroutines: 1, Duration: last.T}
	close(r.done)
}

func (r *fakeRun) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func (r *fakeRun) EventsN(from, n int, dst []stage.Event) []stage.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(dst, r.events[from:min(len(r.events), from+n)]...)
}

func (r *fakeRun) Updated() <-chan struct{} { return r.updated }
func (r *fakeRun) Done() <-chan struct{}    { return r.done }

func (r *fakeRun) End() stage.End {
	<-r.done
	return r.end
}

func (r *fakeRun) Stop() {
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	r.finish(stage.ReasonStopped, "stopped before the end")
}

func (r *fakeRun) wasStopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}

func (r *fakeRun) Summary() []scenarios.Stat {
	<-r.done
	return r.summary
}

// handClock is a clock the test moves: After reports each wait it is asked for on asked,
// and what it returns fires when the test sends on fire.
type handClock struct {
	mu    sync.Mutex
	now   time.Time
	asked chan time.Duration
	fire  chan time.Time
}

// newHandClock keeps the waits asked for and takes one firing ahead, for tests that call a
// step directly; a test that runs the stream on its own goroutine swaps in unbuffered ones.
func newHandClock() *handClock {
	return &handClock{now: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC), asked: make(chan time.Duration, 8), fire: make(chan time.Time, 1)}
}

func (c *handClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *handClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *handClock) After(d time.Duration) <-chan time.Time {
	c.asked <- d
	return c.fire
}

// waitsAsked drains the waits asked for so far.
func (c *handClock) waitsAsked() []time.Duration {
	var d []time.Duration
	for {
		select {
		case w := <-c.asked:
			d = append(d, w)
		default:
			return d
		}
	}
}

// stillClock is a clock whose time stands still and whose every wait is over at once.
type stillClock struct{}

func (stillClock) Now() time.Time { return time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC) }
func (stillClock) After(time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	c <- time.Time{}
	return c
}

const testBacklog = 100

// streamRig is what a test stream is given, for the test to look at.
type streamRig struct {
	out   chan []byte
	gone  chan struct{}
	logs  *logBuffer
	cuts  atomic.Int64
	clock *handClock

	mu sync.Mutex
	// releases counts calls of release; queuedAtRelease is how many messages were queued
	// at the first.
	releases, queuedAtRelease int
}

// newTestStream is a stream of run (run 7 of its connection, live) whose queue holds
// queue messages.
func newTestStream(run runSource, queue int) (*stream, *streamRig) {
	rig := &streamRig{
		out:   make(chan []byte, queue),
		gone:  make(chan struct{}),
		logs:  &logBuffer{},
		clock: newHandClock(),
	}
	log := slog.New(slog.NewTextHandler(rig.logs, nil))
	st := newStream(streamConfig{
		run:     run,
		stopRun: run.Stop,
		release: func() {
			rig.mu.Lock()
			defer rig.mu.Unlock()
			if rig.releases++; rig.releases == 1 {
				rig.queuedAtRelease = len(rig.out)
			}
		},
		meta:       metaMessage{V: stage.SchemaVersion, Type: typeMeta, Run: 7, Scenario: "test", Mode: stage.Live, Speed: 1},
		to:         outbox{out: rig.out, gone: rig.gone, log: log},
		buffers:    newBufferPool(),
		maxBacklog: testBacklog,
		clock:      rig.clock,
		log:        log,
		slowCuts:   &rig.cuts,
	})
	return st, rig
}

func (rig *streamRig) released() (calls, queuedAtFirst int) {
	rig.mu.Lock()
	defer rig.mu.Unlock()
	return rig.releases, rig.queuedAtRelease
}

// queued takes every message queued so far.
func (rig *streamRig) queued(t *testing.T) []message {
	t.Helper()
	var ms []message
	for {
		select {
		case data := <-rig.out:
			ms = append(ms, decodeMessage(t, data))
		default:
			return ms
		}
	}
}

func decodeMessage(t *testing.T, data []byte) message {
	t.Helper()
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("message %.200s: %v", data, err)
	}
	return m
}

// seqs are the seq numbers of the events in ms, in order.
func seqs(t *testing.T, ms []message) []int64 {
	t.Helper()
	var s []int64
	for _, m := range ms {
		for _, raw := range m.Events {
			var e event
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			s = append(s, e.Seq)
		}
	}
	return s
}

func upTo(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(i + 1)
	}
	return s
}

// await receives from c; guard only turns a hang into a failure.
func await[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(guard):
		t.Fatalf("gave up waiting for %s", what)
		var zero T
		return zero
	}
}

func TestFrameWait(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		flushedAt time.Time
		now       time.Time
		waiting   int
		want      time.Duration
	}{
		{"the first events go at once", time.Time{}, t0, 1, 0},
		{"5 ms after a flush: the rest of its frame", t0, t0.Add(5 * time.Millisecond), 1, 11 * time.Millisecond},
		{"at once after a flush: a whole frame", t0, t0, 10, frame},
		{"a frame after a flush: at once", t0, t0.Add(frame), 1, 0},
		{"long after a flush: at once", t0, t0.Add(time.Second), 1, 0},
		{"nearly a whole batch waits its frame", t0, t0.Add(5 * time.Millisecond), maxBatch - 1, 11 * time.Millisecond},
		{"a whole batch goes at once", t0, t0.Add(5 * time.Millisecond), maxBatch, 0},
	}
	for _, tt := range tests {
		if got := frameWait(tt.now, tt.flushedAt, tt.waiting); got != tt.want {
			t.Errorf("%s: waits %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestStreamWaitCoalescesWakeUpsIntoFrames(t *testing.T) {
	run := newFakeRun()
	st, rig := newTestStream(run, outQueue)
	st.flushedAt = rig.clock.Now()
	rig.clock.advance(5 * time.Millisecond)

	// Events recorded within a frame of the last flush wait out the rest of it, and go in
	// one message.
	for range 3 {
		run.record(2, stage.KindPrint)
	}
	rig.clock.fire <- time.Time{}
	if w := st.wait(); w != eventsWaiting {
		t.Fatalf("woke %v, want eventsWaiting", w)
	}
	if asked := rig.clock.waitsAsked(); !slices.Equal(asked, []time.Duration{11 * time.Millisecond}) {
		t.Errorf("waited %v, want the rest of the frame (11ms)", asked)
	}
	if h := st.flush(); h != queued {
		t.Fatalf("flush: %v", h)
	}
	if ms := rig.queued(t); len(ms) != 1 || !slices.Equal(seqs(t, ms), upTo(6)) {
		t.Errorf("%d messages with events %v, want one with events 1–6", len(ms), seqs(t, ms))
	}

	// A whole batch goes without waiting.
	run.record(maxBatch, stage.KindPrint)
	if w := st.wait(); w != eventsWaiting {
		t.Fatalf("woke %v, want eventsWaiting", w)
	}
	if asked := rig.clock.waitsAsked(); len(asked) != 0 {
		t.Errorf("a whole batch waited %v", asked)
	}
	st.flush()
	rig.queued(t)

	// The run's end ends a wait, and so does the session's.
	run.record(1, stage.KindPrint)
	run.finish(stage.ReasonDone, "main ended")
	if w := st.wait(); w != runEnded {
		t.Errorf("woke %v at the run's end, want runEnded", w)
	}
	other, otherRig := newTestStream(newFakeRun(), outQueue)
	close(otherRig.gone)
	if w := other.wait(); w != sessionOver {
		t.Errorf("woke %v when the session was over, want sessionOver", w)
	}
}

func TestNextMessageBatchesBySize(t *testing.T) {
	small := func(n int) []stage.Event {
		ev := make([]stage.Event, n)
		for i := range ev {
			ev[i] = stage.Event{Seq: int64(i + 1), G: 1, Kind: stage.KindPrint}
		}
		return ev
	}
	valued := func(n, size int) []stage.Event {
		ev := small(n)
		for i := range ev {
			ev[i].Value = strings.Repeat("v", size)
		}
		return ev
	}
	// No message reaches maxBatch events before it passes maxMessageBytes: the smallest
	// event takes more than 16 bytes.
	tests := []struct {
		name   string
		events []stage.Event
		want   int // events the first message takes; 0: as the byte limit says
	}{
		{"a few events go in one", small(10), 10},
		{"many small events fill a message by bytes", small(maxBatch + 500), 0},
		{"large events fill a message by bytes", valued(200, 1000), 0},
		{"an event larger than a message goes alone", valued(3, 2*maxMessageBytes), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, n := nextMessage(nil, 7, tt.events)
			m := decodeMessage(t, msg)
			if m.Type != typeEvents || m.Run != 7 || len(m.Events) != n {
				t.Fatalf("message %s of run %d holds %d events, nextMessage says %d", m.Type, m.Run, len(m.Events), n)
			}
			if n > maxBatch {
				t.Errorf("took %d events, more than maxBatch", n)
			}
			if tt.want != 0 {
				if n != tt.want {
					t.Errorf("took %d events, want %d", n, tt.want)
				}
				return
			}
			shorter, _ := appendEventsMessage(nil, 7, tt.events[:n-1], 1<<30)
			if n >= len(tt.events) || len(msg) < maxMessageBytes || len(shorter) >= maxMessageBytes {
				t.Errorf("took %d of %d events into %d bytes (%d without the last): want it to stop once past %d", n, len(tt.events), len(msg), len(shorter), maxMessageBytes)
			}
		})
	}
}

func TestStreamFlushHandsOverEverythingInBatches(t *testing.T) {
	const total = 5000
	run := newFakeRun()
	st, rig := newTestStream(run, outQueue)
	run.record(1, stage.KindGo)
	run.record(2, stage.KindNew)
	run.record(total-3, stage.KindPrint)
	if h := st.flush(); h != queued {
		t.Fatalf("flush: %v", h)
	}
	var ms []message
	for len(rig.out) > 0 {
		data := <-rig.out
		if len(data) < maxMessageBytes && len(rig.out) > 0 {
			t.Errorf("message %d, of %d bytes, is not full but not the last", len(ms)+1, len(data))
		}
		ms = append(ms, decodeMessage(t, data))
	}
	if len(ms) < 2 || !slices.Equal(seqs(t, ms), upTo(total)) {
		t.Errorf("%d messages, want every event in order in a few", len(ms))
	}
	want := tally{events: total, goroutines: 1, objects: 2, lastT: total * 1000}
	if st.sent != want {
		t.Errorf("tally %+v, want %+v", st.sent, want)
	}
	if !st.flushedAt.Equal(rig.clock.Now()) {
		t.Errorf("flushedAt %v, want the clock's now %v", st.flushedAt, rig.clock.Now())
	}
}

func TestSlowCut(t *testing.T) {
	tests := []struct {
		name             string
		seeded, finished bool
		ahead            int
		want             bool
	}{
		{"a live run more than maxBacklog ahead is cut", false, false, testBacklog + 1, true},
		{"a live run exactly maxBacklog ahead is not", false, false, testBacklog, false},
		{"a finished run is never cut", false, true, 10 * testBacklog, false},
		{"a seeded run is never cut", true, false, 10 * testBacklog, false},
	}
	for _, tt := range tests {
		if got := slowCut(tt.seeded, tt.finished, tt.ahead, testBacklog); got != tt.want {
			t.Errorf("%s: slowCut = %v", tt.name, got)
		}
	}
}

func TestStreamHandOver(t *testing.T) {
	// blocked returns a stream whose queue is full and a run whose tokens the test hands
	// over one by one, and starts handOver.
	blocked := func(t *testing.T) (*fakeRun, *streamRig, chan handed) {
		run := newFakeRun()
		run.updated = make(chan struct{})
		st, rig := newTestStream(run, 1)
		rig.out <- []byte(`{"filler":true}`)
		result := make(chan handed, 1)
		go func() { result <- st.handOver([]byte(`{"msg":true}`)) }()
		return run, rig, result
	}
	// signal hands handOver a token; it fails if handOver has returned instead.
	signal := func(t *testing.T, run *fakeRun, result chan handed) {
		t.Helper()
		select {
		case run.updated <- struct{}{}:
		case h := <-result:
			t.Fatalf("handOver returned %v with %d events ahead of a full queue", h, run.Len())
		}
	}

	t.Run("a queue with room takes the message", func(t *testing.T) {
		st, rig := newTestStream(newFakeRun(), 1)
		if h := st.handOver([]byte(`{}`)); h != queued || len(rig.out) != 1 {
			t.Errorf("got %v with %d queued", h, len(rig.out))
		}
	})
	t.Run("a full queue paces a live run up to maxBacklog ahead", func(t *testing.T) {
		run, rig, result := blocked(t)
		run.add(testBacklog, stage.KindPrint)
		signal(t, run, result)
		signal(t, run, result) // taken only once the first has been judged
		<-rig.out
		if h := await(t, result, "handOver"); h != queued {
			t.Errorf("once the queue had room: %v, want queued", h)
		}
		if m := <-rig.out; string(m) != `{"msg":true}` {
			t.Errorf("queued %s", m)
		}
	})
	t.Run("a full queue cuts a live run more than maxBacklog ahead", func(t *testing.T) {
		run, _, result := blocked(t)
		run.add(testBacklog, stage.KindPrint)
		signal(t, run, result)
		signal(t, run, result)
		run.add(1, stage.KindPrint)
		// The second token may be judged after this event already; if not, one more.
		select {
		case run.updated <- struct{}{}:
		case h := <-result:
			result <- h
		}
		if h := await(t, result, "handOver"); h != tooSlow {
			t.Errorf("got %v, want tooSlow", h)
		}
	})
	t.Run("a session that ends ends the wait", func(t *testing.T) {
		_, rig, result := blocked(t)
		close(rig.gone)
		if h := await(t, result, "handOver"); h != gone {
			t.Errorf("got %v, want gone", h)
		}
	})
}

func TestStreamCutShort(t *testing.T) {
	run := newFakeRun()
	st, rig := newTestStream(run, outQueue)
	run.record(1, stage.KindGo)
	run.record(1, stage.KindNew)
	run.record(8, stage.KindPrint)
	st.flush()
	run.add(testBacklog+50, stage.KindPrint)

	st.cutShort()
	if !run.wasStopped() || rig.cuts.Load() != 1 || st.run != nil {
		t.Errorf("after the cut: run stopped %v, cuts counted %d, run let go %v", run.wasStopped(), rig.cuts.Load(), st.run == nil)
	}
	ms := rig.queued(t)
	if calls, at := rig.released(); calls == 0 || at != len(ms)-1 {
		t.Errorf("slot released %d times, first with %d of %d messages queued: want it released before the end", calls, at, len(ms))
	}
	end := ms[len(ms)-1]
	wantMessage := fmt.Sprintf("the connection could not keep up with the run: %d events were waiting to be sent, so it was stopped after 10; a lower speed or a faster connection helps", testBacklog+50)
	if end.Type != typeEnd || end.Run != 7 || end.Reason != "truncated" || end.Message != wantMessage {
		t.Errorf("end %s of run %d: %s %q", end.Type, end.Run, end.Reason, end.Message)
	}
	if want := (endStats{Events: 10, Goroutines: 1, Objects: 1, Duration: 10_000}); end.Stats != want {
		t.Errorf("end stats %+v, want those of the events sent, %+v", end.Stats, want)
	}
	if end.Leftover == nil || end.Summary == nil {
		t.Errorf("leftover %v and summary %v must be lists, even empty", end.Leftover, end.Summary)
	}
	line, _ := rig.logs.find("run cut short: client too slow")
	if logField(t, line, "sent") != 10 || logField(t, line, "waiting") != testBacklog+50 || logField(t, line, "queued") != len(ms)-1 {
		t.Errorf("log: %s", line)
	}
}

// TestStreamServes runs a stream through a run's life by hand: meta at once, the first
// events at once, later ones a frame after the last message, the rest and the end once the
// run has ended, with the slot given back before the end. The test records events only
// while the stream waits, never while it may be reading them.
func TestStreamServes(t *testing.T) {
	run := newFakeRun()
	run.updated = make(chan struct{}) // taken only when the stream waits for events
	st, rig := newTestStream(run, outQueue)
	rig.clock.asked = make(chan time.Duration)
	rig.clock.fire = make(chan time.Time)
	run.summary = []scenarios.Stat{{Label: "lines", Value: "9"}}
	next := func() message {
		t.Helper()
		return decodeMessage(t, await(t, rig.out, "a message"))
	}
	wake := func() {
		t.Helper()
		select {
		case run.updated <- struct{}{}:
		case <-time.After(guard):
			t.Fatal("the stream does not wait for events")
		}
	}
	go st.serve()

	if m := next(); m.Type != typeMeta || m.Run != 7 || m.Scenario != "test" {
		t.Fatalf("first message %+v, want run 7's meta", m)
	}
	run.add(3, stage.KindPrint)
	wake()
	if m := next(); !slices.Equal(seqs(t, []message{m}), upTo(3)) {
		t.Fatalf("first events %v, want 1–3 at once", seqs(t, []message{m}))
	}
	// Woken right after that message (by a token left from reading those events, say), it
	// waits out a frame; what is recorded meanwhile goes in one message.
	wake()
	if d := await(t, rig.clock.asked, "a wait"); d != frame {
		t.Errorf("woken right after a message it waited %v, want a frame", d)
	}
	for range 4 {
		run.add(1, stage.KindPrint)
	}
	rig.clock.advance(frame)
	rig.clock.fire <- time.Time{}
	if m := next(); !slices.Equal(seqs(t, []message{m}), []int64{4, 5, 6, 7}) {
		t.Errorf("second batch %v, want 4–7 in one message", seqs(t, []message{m}))
	}

	run.add(2, stage.KindPrint)
	run.finish(stage.ReasonDone, "main ended")
	await(t, st.done, "the stream to end with its run")
	ms := rig.queued(t)
	if len(ms) != 2 || !slices.Equal(seqs(t, ms), []int64{8, 9}) {
		t.Fatalf("after the end: %d messages with events %v, want 8–9 then the end", len(ms), seqs(t, ms))
	}
	end := ms[1]
	if end.Type != typeEnd || end.Reason != "done" || end.Message != "main ended" || end.Stats.Events != 9 ||
		len(end.Summary) != 1 || end.Summary[0].Value != "9" || end.Leftover == nil {
		t.Errorf("end %+v", end)
	}
	if calls, at := rig.released(); calls == 0 || at != 1 {
		t.Errorf("slot released %d times, first with %d messages queued: want it before the end", calls, at)
	}
	if st.run != nil {
		t.Error("the stream holds on to its run after it is over")
	}
}

func TestStreamStopEndsTheRun(t *testing.T) {
	run := newFakeRun()
	st, rig := newTestStream(run, outQueue)
	run.record(1, stage.KindGo)
	go st.serve()
	st.stop()
	ms := rig.queued(t)
	if end := ms[len(ms)-1]; end.Type != typeEnd || end.Reason != "stopped" {
		t.Errorf("last message %s %q, want the stopped end", end.Type, end.Reason)
	}
}

// panickingRun is a run whose events cannot be read.
type panickingRun struct{ *fakeRun }

func (panickingRun) EventsN(int, int, []stage.Event) []stage.Event { panic("a bug in the stream") }

func TestStreamRecoversFromAPanic(t *testing.T) {
	run := newFakeRun()
	st, rig := newTestStream(panickingRun{run}, outQueue)
	run.record(1, stage.KindGo)
	go st.serve()
	await(t, st.done, "the stream to end") // the run goes on by itself: only the stream can end it
	ms := rig.queued(t)
	if len(ms) != 2 || ms[0].Type != typeMeta {
		t.Fatalf("%d messages, want meta and an error", len(ms))
	}
	if e := ms[1]; e.Type != typeError || e.Run != 7 || e.Message != "the server failed while sending this run; please run it again" {
		t.Errorf("got %s for run %d: %q", e.Type, e.Run, e.Message)
	}
	if calls, _ := rig.released(); !run.wasStopped() || calls == 0 {
		t.Errorf("run stopped %v, slot released %d times", run.wasStopped(), calls)
	}
	if _, ok := rig.logs.find("run stream panicked"); !ok {
		t.Error("the panic was not logged")
	}
}

// TestStreamOfARealRun streams runs of the stage: what the client gets is meta, the run's
// whole trace in order, then its end. A seeded run's trace is checked byte for byte against
// the same run made again.
func TestStreamOfARealRun(t *testing.T) {
	tests := []struct {
		scenario string
		params   map[string]string
		seeded   bool
	}{
		{"flood", map[string]string{"lines": "5000"}, true}, // several messages
		{"worker-pool", nil, true},
		{"calm", map[string]string{"lines": "10"}, false},
	}
	cat := testCatalog()
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			s, ok := cat.Lookup(tt.scenario)
			if !ok {
				s, _ = scenarios.New().Lookup(tt.scenario)
			}
			vals, err := s.Strict(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			cfg := defaultLimits().runConfig(scenarios.Settings{Mode: stage.Live, Speed: 1})
			if tt.seeded {
				cfg = defaultLimits().runConfig(scenarios.Settings{Mode: stage.Seeded, Seed: 3, Processors: 2, Speed: 1})
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			run := s.Start(ctx, cfg, vals)
			st, rig := newTestStream(run, 2) // a short queue: the stream is paced by its reader
			st.stopRun, st.seeded, st.clock = cancel, tt.seeded, stillClock{}
			go st.serve()
			var ms []message
			for data := range rig.out {
				m := decodeMessage(t, data)
				ms = append(ms, m)
				if m.Type == typeEnd || m.Type == typeError {
					break
				}
			}
			<-st.done

			if ms[0].Type != typeMeta || ms[len(ms)-1].Type != typeEnd {
				t.Fatalf("messages from %s to %s, want meta to end", ms[0].Type, ms[len(ms)-1].Type)
			}
			var got []json.RawMessage
			for _, m := range ms[1 : len(ms)-1] {
				if m.Type != typeEvents {
					t.Fatalf("a %s message between meta and end", m.Type)
				}
				got = append(got, m.Events...)
			}
			end := ms[len(ms)-1]
			if end.Reason != "done" || end.Stats.Events != len(got) || !slices.Equal(seqs(t, ms), upTo(len(got))) {
				t.Errorf("end %s counts %d events; %d streamed, want all of them in order", end.Reason, end.Stats.Events, len(got))
			}
			if !tt.seeded {
				return
			}
			again := s.Start(context.Background(), cfg, vals)
			<-again.Done()
			events := again.Events(0, nil)
			if len(got) != len(events) {
				t.Fatalf("streamed %d events, the run has %d", len(got), len(events))
			}
			for i := range events {
				if w := events[i].AppendJSON(nil); string(got[i]) != string(w) {
					t.Fatalf("event %d streamed as %s, recorded as %s", i, got[i], w)
				}
			}
		})
	}
}

// A stream asked for binary batches sends its events as batches, and only them: meta and end
// stay JSON, and the batches, decoded, are the run's events in order, a whole run of them.
func TestStreamOfARealRunInBinaryBatches(t *testing.T) {
	for _, seeded := range []bool{true, false} {
		t.Run(fmt.Sprintf("seeded=%v", seeded), func(t *testing.T) {
			s, _ := testCatalog().Lookup("flood")
			vals, err := s.Strict(map[string]string{"lines": "5000"})
			if err != nil {
				t.Fatal(err)
			}
			cfg := defaultLimits().runConfig(scenarios.Settings{Mode: stage.Live, Speed: 1})
			if seeded {
				cfg = defaultLimits().runConfig(scenarios.Settings{Mode: stage.Seeded, Seed: 3, Processors: 2, Speed: 1})
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			run := s.Start(ctx, cfg, vals)
			st, rig := newTestStream(run, 2)
			st.stopRun, st.seeded, st.clock = cancel, seeded, stillClock{}
			st.binary, st.batches = true, stage.NewBatchEncoder()
			// The live run floods as fast as it can print, faster than this reader decodes on
			// a busy machine: a slow client's cut, which other tests test, is not this one's.
			st.maxBacklog = 1 << 20
			go st.serve()
			var dec stage.BatchDecoder
			var got []stage.Event
			var kinds []string // of the messages, a batch as "batch"
			for data := range rig.out {
				if stage.IsBatch(data) {
					run, events, err := dec.Decode(data)
					if err != nil || run != 7 {
						t.Fatalf("batch %d of run %d: %v", len(kinds), run, err)
					}
					got = append(got, events...)
					kinds = append(kinds, "batch")
					continue
				}
				m := decodeMessage(t, data)
				kinds = append(kinds, m.Type)
				if m.Type == typeEnd {
					if m.Reason != "done" || m.Stats.Events != len(got) {
						t.Errorf("end %s (%s) counts %d events; %d streamed", m.Reason, m.Message, m.Stats.Events, len(got))
					}
					break
				}
			}
			<-st.done
			if len(kinds) < 4 || kinds[0] != typeMeta || slices.ContainsFunc(kinds[1:len(kinds)-1], func(k string) bool { return k != "batch" }) {
				t.Fatalf("messages %v, want meta, batches (more than one), end", kinds)
			}
			for i := range got {
				if got[i].Seq != int64(i+1) {
					t.Fatalf("event %d has seq %d", i+1, got[i].Seq)
				}
			}
			if !seeded {
				return
			}
			again := s.Start(context.Background(), cfg, vals)
			<-again.Done()
			if want := stage.AppendEvents(nil, again.Events(0, nil)); !bytes.Equal(stage.AppendEvents(nil, got), want) {
				t.Errorf("the batches decode to other events than the run recorded")
			}
		})
	}
}
