package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// Socket timing. A frame is how long events may wait to be batched: one display frame at
// 60 Hz, so batching is never visible.
const (
	frame        = 16 * time.Millisecond
	maxBatch     = 2000 // events in one message at most
	writeTimeout = 10 * time.Second
	pongTimeout  = 60 * time.Second
	pingEvery    = pongTimeout * 9 / 10
	readLimit    = 4 << 10 // bytes in one client message; a run message is well under 1 KB
	// A session's outgoing queue holds at most outQueue messages of about maxMessageBytes:
	// what a stalled client can pin down beyond its run's own bounded storage.
	outQueue        = 16
	maxMessageBytes = 32 << 10
)

// session is one WebSocket connection. The handler's goroutine reads; writeLoop is the only
// goroutine that writes; each run has a pump goroutine turning its events into messages.
type session struct {
	app    *app
	conn   *websocket.Conn
	log    *slog.Logger
	ctx    context.Context // done when the connection or the server goes away
	out    chan []byte
	client string // the client's address, for per-address limits

	runs    int          // runs started on this connection
	current *runningPump // the run in progress, if any
}

type runningPump struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (a *app) handleSocket(c echo.Context) error {
	conn, err := a.upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		// Upgrade has answered the client already.
		a.log.Info("websocket upgrade refused", "err", err, "remote", c.RealIP())
		return nil
	}
	a.sessions.Add(1)
	defer a.sessions.Done()
	release, refusal := a.sockets.acquire(c.RealIP())
	if refusal != "" {
		// Upgraded first so that the page can show why: a refused handshake reaches a
		// browser's WebSocket as a bare error. The page retries later, backing off.
		a.log.Info("socket refused", "why", refusal, "remote", c.RealIP())
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseTryAgainLater, refusal), time.Now().Add(time.Second))
		conn.Close()
		return nil
	}
	defer release()

	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	s := &session{
		app:    a,
		conn:   conn,
		log:    a.log.With("remote", c.RealIP()),
		ctx:    ctx,
		out:    make(chan []byte, outQueue),
		client: c.RealIP(),
	}
	s.log.Info("socket open")
	conn.SetReadLimit(readLimit)
	_ = conn.SetReadDeadline(time.Now().Add(pongTimeout))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(pongTimeout))
	})

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		s.writeLoop(cancel)
	}()
	// Deferred, so that a panic in the reader still ends the run and the writer.
	defer func() {
		cancel()
		s.stopRun()
		<-writerDone
		conn.Close()
		s.log.Info("socket closed", "runs", s.runs)
	}()

	s.readLoop()
	return nil
}

// readLoop handles client messages until the connection fails or the session ends.
func (s *session) readLoop() {
	for {
		kind, data, err := s.conn.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) && s.ctx.Err() == nil {
				s.log.Info("socket read ended", "err", err)
			}
			return
		}
		_ = s.conn.SetReadDeadline(time.Now().Add(pongTimeout))
		if kind != websocket.TextMessage {
			s.sendError(0, "messages must be JSON text, not binary")
			continue
		}
		msg, err := decodeClientMessage(data)
		if err != nil {
			s.sendError(0, err.Error())
			continue
		}
		switch msg.Type {
		case typeStop:
			s.stopRun()
		case typeRun:
			req, err := checkRun(s.app.catalog, msg)
			if err != nil {
				s.sendError(0, err.Error())
				continue
			}
			s.stopRun()
			s.startRun(req)
		}
	}
}

// writeLoop is the connection's only writer: queued messages, and pings to keep it alive.
// When the session ends it says why in a close frame.
func (s *session) writeLoop(fail context.CancelFunc) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case msg := <-s.out:
			_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := s.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				s.log.Info("socket write failed", "err", err)
				fail()
				return
			}
			s.app.buffers.put(msg)
		case <-ping.C:
			if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)); err != nil {
				fail()
				return
			}
		case <-s.ctx.Done():
			reason := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			if s.app.ctx.Err() != nil {
				reason = websocket.FormatCloseMessage(websocket.CloseGoingAway, "the server is restarting; reload the page in a moment")
			}
			_ = s.conn.WriteControl(websocket.CloseMessage, reason, time.Now().Add(time.Second))
			// Unblock the reader, which may be waiting for a client that never answers.
			_ = s.conn.SetReadDeadline(time.Now())
			return
		}
	}
}

// send queues a message for the writer; it waits while the queue is full, which paces
// whoever produces messages to the client. It reports false when the session is over.
func (s *session) send(msg []byte) bool {
	select {
	case s.out <- msg:
		return true
	case <-s.ctx.Done():
		return false
	}
}

func (s *session) sendJSON(v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode message", "err", err)
		return false
	}
	return s.send(data)
}

func (s *session) sendError(run int, message string) {
	s.sendJSON(errorMessage{V: stage.SchemaVersion, Type: typeError, Run: run, Message: message})
}

// startRun starts req and its pump, if the server and the client's address have a run slot
// to spare; if not, it says so and the connection stays usable.
func (s *session) startRun(req runRequest) {
	release, refusal := s.app.runSlots.acquire(s.client)
	if refusal != "" {
		s.log.Info("run refused", "why", refusal)
		s.sendError(0, refusal)
		return
	}
	s.runs++
	id := s.runs
	ctx, cancel := context.WithCancel(s.ctx)
	p := &runningPump{cancel: cancel, done: make(chan struct{})}
	s.current = p
	cfg := s.app.limits.runConfig(req.settings)
	s.log.Info("run", "run", id, "scenario", req.scenario.ID, "params", req.scenario.Query(req.values))
	run := req.scenario.Start(ctx, cfg, req.values)
	runDone := run.Done()
	go func() {
		defer close(p.done)
		defer release()
		defer cancel()
		defer func() {
			// A bug in the pump must not take the server down with it.
			if v := recover(); v != nil {
				s.log.Error("run pump panicked", "run", id, "panic", v, "stack", string(debug.Stack()))
				cancel()
				<-runDone
				release()
				s.sendError(id, "the server failed while sending this run; please run it again")
			}
		}()
		s.pump(id, req, run, release)
	}()
}

// stopRun stops the current run, if any, and waits until its pump has sent its end.
func (s *session) stopRun() {
	if s.current == nil {
		return
	}
	s.current.cancel()
	<-s.current.done
	s.current = nil
}

// handed says what became of a message given to the writer.
type handed int

const (
	queued  handed = iota // the writer has it
	gone                  // the session is over
	tooSlow               // the queue stayed full while the live run got maxBacklog events ahead
)

// stream is a run's pump state: how much of the run the writer has been given.
type stream struct {
	s   *session
	id  int
	run *scenarios.Run

	seeded     bool  // the run is seeded: it is paced, never cut (see handOver)
	sent       int   // events handed to the writer
	lastT      int64 // t of the last event handed
	goroutines int   // go events handed
	objects    int   // new events handed
	batch      []stage.Event
}

// pump streams a run: meta, event batches as they are recorded, then end. It returns only
// after the run has ended, so no scenario goroutine outlives the session. It gives the run's
// slot back (release) as soon as the run has ended, before its end message is queued: a
// client that has read the end may start another run at once.
func (s *session) pump(id int, req runRequest, run *scenarios.Run, release func()) {
	runDone := run.Done()
	defer func() { <-runDone }()
	if !s.sendJSON(newMetaMessage(id, req)) {
		return
	}
	p := &stream{s: s, id: id, run: run, seeded: req.settings.Seeded()}
	var (
		last  time.Time
		timer = time.NewTimer(0)
	)
	defer timer.Stop()
	for done := false; !done; {
		select {
		case <-run.Updated():
		case <-runDone:
			done = true
		case <-s.ctx.Done():
			return
		}
		// Coalesce into frames: wait out the rest of this one unless a full batch is waiting.
		if wait := time.Until(last.Add(frame)); !done && wait > 0 && run.Len()-p.sent < maxBatch {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-runDone:
				done = true
			case <-s.ctx.Done():
				return
			}
		}
		before := p.sent
		switch p.flush() {
		case gone:
			return
		case tooSlow:
			p.cutShort(release)
			return
		}
		if p.sent > before {
			last = time.Now()
		}
	}
	if p.flush() != queued {
		// A finished run is never cut: what remains is bounded and the client gets it all.
		return
	}
	end := run.End()
	release()
	s.log.Info("run ended", "run", id, "reason", end.Reason, "events", end.Events)
	s.sendJSON(newEndMessage(id, end, run.Summary()))
}

// flush hands every event recorded so far to the writer, in messages of at most maxBatch
// events and about maxMessageBytes.
func (p *stream) flush() handed {
	for {
		p.batch = p.run.Events(p.sent, p.batch[:0])
		if len(p.batch) == 0 {
			return queued
		}
		if len(p.batch) > maxBatch {
			p.batch = p.batch[:maxBatch]
		}
		msg, n := appendEventsMessage(p.s.app.buffers.get(), p.id, p.batch, maxMessageBytes)
		if h := p.handOver(msg); h != queued {
			return h
		}
		for i := range p.batch[:n] {
			switch p.batch[i].Kind {
			case stage.KindGo:
				p.goroutines++
			case stage.KindNew:
				p.objects++
			}
		}
		p.lastT = p.batch[n-1].T
		p.sent += n
	}
}

// handOver queues msg for the writer. While the queue is full the pump waits, which paces it
// to the client, but a live run goes on recording meanwhile: once more than maxBacklog of its
// events wait behind a full queue, the client cannot keep up and handOver says so. A finished
// run is a fixed amount and is only paced. So is a seeded run: it is computed as fast as the
// CPU goes, far ahead of any connection, to an end bounded by the event limit, and being
// behind it says nothing about the client. (One that stops reading altogether is ended by
// the writer's deadline.)
func (p *stream) handOver(msg []byte) handed {
	select {
	case p.s.out <- msg:
		return queued
	default:
	}
	updated, runDone := p.run.Updated(), p.run.Done()
	if p.seeded {
		updated, runDone = nil, nil
	}
	for {
		select {
		case p.s.out <- msg:
			return queued
		case <-p.s.ctx.Done():
			return gone
		case <-runDone:
			updated, runDone = nil, nil
		case <-updated:
			if p.run.Len()-p.sent > p.s.app.limits.maxBacklog {
				select {
				case <-p.run.Done():
					updated, runDone = nil, nil
				default:
					return tooSlow
				}
			}
		}
	}
}

// cutShort ends a live run whose client cannot keep up: it stops the run, drops the events
// the client never got (the trace it has is a true prefix), and ends with truncated.
func (p *stream) cutShort(release func()) {
	queued := len(p.s.out)
	p.run.Stop()
	<-p.run.Done()
	release()
	waiting := p.run.Len() - p.sent
	// The events the client will never get can go now; only the end is left to send.
	p.run, p.batch = nil, nil
	p.s.app.slowCuts.Add(1)
	p.s.log.Info("run cut short: client too slow", "run", p.id, "queued", queued, "sent", p.sent, "waiting", waiting)
	p.s.sendJSON(endMessage{
		V: stage.SchemaVersion, Type: typeEnd, Run: p.id,
		Reason:   stage.ReasonTruncated,
		Message:  fmt.Sprintf("the connection could not keep up with the run: %d events were waiting to be sent, so it was stopped after %d; a lower speed or a faster connection helps", waiting, p.sent),
		Stats:    endStats{Events: p.sent, Goroutines: p.goroutines, Objects: p.objects, Duration: p.lastT},
		Leftover: []string{}, Summary: []scenarios.Stat{},
	})
}

// bufferPool recycles the buffers events are encoded into: the writer gives each message's
// buffer back once it is written.
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any {
		b := make([]byte, 0, 4<<10)
		return &b
	}}}
}

func (p *bufferPool) get() []byte { return (*p.pool.Get().(*[]byte))[:0] }

func (p *bufferPool) put(b []byte) {
	if cap(b) <= 2*maxMessageBytes {
		b = b[:0]
		p.pool.Put(&b)
	}
}

// newUpgrader accepts sockets from the page's own origin (gorilla's default check) or from
// the origins listed.
func newUpgrader(allowedOrigins []string) *websocket.Upgrader {
	allowed := make(map[string]bool, len(allowedOrigins))
	for _, o := range allowedOrigins {
		allowed[o] = true
	}
	return &websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin: func(r *http.Request) bool {
			origin := r.Header.Get("Origin")
			return origin == "" || sameOrigin(r) || allowed[origin]
		},
	}
}
