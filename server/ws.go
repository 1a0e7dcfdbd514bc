package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// Socket timing and sizes.
const (
	writeTimeout = 10 * time.Second
	pongTimeout  = 60 * time.Second
	// defaultPingEvery is how often a session pings its client: often enough that a client
	// answering every ping is never taken for gone (pongTimeout).
	defaultPingEvery = pongTimeout * 9 / 10
	// readLimit is the most bytes of one client message: a run message is well under 1 KB
	// but for a schedule, which may be scenarios.MaxScheduleText long.
	readLimit = scenarios.MaxScheduleText + 8<<10
	// A session's outgoing queue holds at most outQueue messages of about maxMessageBytes:
	// what a stalled client can pin down beyond its run's own bounded storage.
	outQueue = 16
)

// session is one WebSocket connection. The handler upgrades it and returns, so that an idle
// session holds none of the HTTP server's memory for the request (its buffers, its goroutine
// and that goroutine's deep stack): serve reads, on a goroutine of its own, and is all an idle
// session runs. A writer goroutine runs only while messages wait to be written (drain); pings
// go from a timer. Each run has a stream goroutine turning its events into messages
// (stream.go).
type session struct {
	app    *app
	conn   *websocket.Conn
	log    *slog.Logger
	ctx    context.Context // done when the connection or the server goes away
	cancel context.CancelFunc
	out    chan []byte
	client string         // the client's address, for per-address limits
	access *sessionAccess // its access line, written when it ends

	runs    int     // runs started on this connection
	current *stream // the latest run's stream, if any
	// closing, once set, is the close frame the session ends with.
	closing atomic.Pointer[[]byte]
	// writing is set while a drain goroutine writes what is queued; writers counts them.
	writing atomic.Bool
	writers sync.WaitGroup
	pinger  atomic.Pointer[time.Timer]
}

func (a *app) handleSocket(c echo.Context) error {
	conn, err := a.upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		// Upgrade has answered the client already; the access line says how.
		a.log.Debug("websocket upgrade refused", "err", err, "client", c.RealIP())
		return nil
	}
	c.Response().Status = http.StatusSwitchingProtocols // for the access line: gorilla wrote it
	_ = conn.SetCompressionLevel(wireCompression)       // fails only for a level flate has not
	access := &sessionAccess{}
	c.Set(sessionKey, access)
	release, refusal := a.sockets.acquire(c.RealIP())
	if refusal != "" {
		// Upgraded first so that the page can show why: a refused handshake reaches a
		// browser's WebSocket as a bare error. The page retries later, backing off.
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseTryAgainLater, refusal), time.Now().Add(time.Second))
		conn.Close()
		access.ended(sessionSummary{ended: "refused: " + refusal})
		return nil
	}
	ctx, cancel := context.WithCancel(a.ctx)
	s := &session{
		app:    a,
		conn:   conn,
		log:    a.log.With("client", c.RealIP()),
		ctx:    ctx,
		cancel: cancel,
		out:    make(chan []byte, outQueue),
		client: c.RealIP(),
		access: access,
	}
	a.sessions.Add(1)
	go s.serve(release)
	return nil
}

// serve reads client messages until the session ends, then ends its run and says why in a
// close frame.
func (s *session) serve(release func()) {
	defer s.app.sessions.Done()
	// A client that stops reading keeps a writer in a write for up to writeTimeout, and the
	// reader waits for a client for up to pongTimeout: a server that is shutting down closes
	// the connection under them once it has waited long enough.
	stopHalting := context.AfterFunc(s.app.halted, func() { s.conn.NetConn().Close() })
	// However the session ends — the server going away, a failed write — the reader stops.
	stopReading := context.AfterFunc(s.ctx, func() { _ = s.conn.SetReadDeadline(time.Now()) })
	s.conn.SetReadLimit(readLimit)
	_ = s.conn.SetReadDeadline(time.Now().Add(pongTimeout))
	s.conn.SetPongHandler(func(string) error {
		return s.conn.SetReadDeadline(time.Now().Add(pongTimeout))
	})
	s.pingLater()

	// Deferred, so that a panic in the reader still ends the run and the writer.
	ended := "the server failed"
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("socket session failed", "panic", v, "stack", string(debug.Stack()))
		}
		s.cancel()
		stopReading()
		s.stopRun()
		s.writers.Wait()
		if t := s.pinger.Load(); t != nil {
			t.Stop()
		}
		s.goodbye()
		s.conn.Close()
		stopHalting()
		release()
		s.access.ended(sessionSummary{runs: s.runs, ended: ended})
	}()
	ended = s.readLoop()
}

// readLoop handles client messages until the connection fails or the session ends, and says
// why it ended.
func (s *session) readLoop() (ended string) {
	for {
		kind, data, err := s.conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			switch {
			case s.ctx.Err() != nil && s.app.ctx.Err() != nil:
				return "the server shut down"
			case s.ctx.Err() != nil:
				return "a write to the client failed"
			case errors.As(err, &ce):
				return fmt.Sprintf("the client closed it (%d)", ce.Code)
			}
			return "reading failed: " + err.Error()
		}
		_ = s.conn.SetReadDeadline(time.Now().Add(pongTimeout))
		if kind != websocket.TextMessage {
			s.sendError(0, "messages must be JSON text, not binary")
			continue
		}
		if !utf8.Valid(data) {
			// RFC 6455 §8.1: a text frame that is not UTF-8 fails the connection, with 1007.
			s.closeWith(websocket.CloseInvalidFramePayloadData, "a text message must be UTF-8")
			return "a text message that is not UTF-8 (1007)"
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
			if err == nil {
				err = s.app.limits.checkSchedule(req.settings.Schedule)
			}
			if err != nil {
				s.sendError(0, err.Error())
				continue
			}
			s.stopRun()
			s.startRun(req, msg.Events == eventsBinary)
		case typePick:
			s.pick(*msg.Run, msg.G, msg.Case)
		case typeFinish:
			s.finish(msg.Run)
		}
	}
}

// wake makes sure a writer is writing what is queued: a drain goroutine, started if none is
// running.
func (s *session) wake() {
	if s.writing.CompareAndSwap(false, true) {
		s.writers.Add(1)
		go s.drain()
	}
}

// drain writes queued messages until none is left, then ends: a writer runs only while
// there is something to write. A message queued as it finds the queue empty is not left
// behind: it looks again once it has said it is not writing.
func (s *session) drain() {
	defer s.writers.Done()
	for {
		for s.writeQueued() {
		}
		s.writing.Store(false)
		if len(s.out) == 0 || !s.writing.CompareAndSwap(false, true) {
			return
		}
	}
}

// writeQueued writes one queued message, if there is one, and reports whether there was. A
// write that fails ends the session; what is queued after that is dropped.
func (s *session) writeQueued() bool {
	select {
	case msg := <-s.out:
		if s.ctx.Err() != nil {
			return true
		}
		_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		s.conn.EnableWriteCompression(len(msg) >= compressFrom)
		kind := websocket.TextMessage
		if stage.IsBatch(msg) {
			kind = websocket.BinaryMessage
		}
		if err := s.conn.WriteMessage(kind, msg); err != nil {
			s.log.Info("socket write failed", "err", err)
			s.cancel()
			return true
		}
		s.app.buffers.put(msg)
		return true
	default:
		return false
	}
}

// pingLater sends a ping in app.pingEvery, and then again, to keep the connection alive; a timer
// does it, so that an idle session needs no goroutine to wait for it. (A control message may
// be written beside the writer's messages.)
func (s *session) pingLater() {
	s.pinger.Store(time.AfterFunc(s.app.pingEvery, func() {
		if s.ctx.Err() != nil {
			return
		}
		if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)); err != nil {
			s.cancel()
			return
		}
		s.pingLater()
	}))
}

// goodbye writes the close frame the session ends with: the one closeWith chose, or going
// away when the server is shutting down, or a normal closure.
func (s *session) goodbye() {
	reason := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if closing := s.closing.Load(); closing != nil {
		reason = *closing
	} else if s.app.ctx.Err() != nil {
		reason = websocket.FormatCloseMessage(websocket.CloseGoingAway, "the server is restarting; reload the page in a moment")
	}
	_ = s.conn.WriteControl(websocket.CloseMessage, reason, time.Now().Add(time.Second))
}

// closeWith makes the session end with a close frame of code and text, once the reader
// returns.
func (s *session) closeWith(code int, text string) {
	frame := websocket.FormatCloseMessage(code, text)
	s.closing.Store(&frame)
}

// outbox is a session's queue to its writer, as those who queue messages see it.
type outbox struct {
	out  chan<- []byte
	gone <-chan struct{} // closed when the session is over
	wake func()          // starts a writer for what is queued, if none is running; may be nil
	log  *slog.Logger
}

func (s *session) outbox() outbox {
	return outbox{out: s.out, gone: s.ctx.Done(), wake: s.wake, log: s.log}
}

// queued tells the writer a message was put in the queue.
func (o outbox) queued() {
	if o.wake != nil {
		o.wake()
	}
}

// send queues a message for the writer; it waits while the queue is full, which paces
// whoever produces messages to the client. It reports false when the session is over.
func (o outbox) send(msg []byte) bool {
	select {
	case o.out <- msg:
		o.queued()
		return true
	case <-o.gone:
		return false
	}
}

func (o outbox) sendJSON(v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		o.log.Error("encode message", "err", err)
		return false
	}
	return o.send(data)
}

func (s *session) sendError(run int, message string) {
	s.outbox().sendJSON(errorMessage{V: stage.SchemaVersion, Type: typeError, Run: run, Message: message})
}

// startRun starts req and its stream, if the server and the client's address have a run
// slot to spare; if not, it says so and the connection stays usable. binary sends its events
// as binary batches.
func (s *session) startRun(req runRequest, binary bool) {
	release, refusal := s.app.runSlots.acquire(s.client)
	if refusal != "" {
		s.log.Info("run refused", "why", refusal)
		s.sendError(0, refusal)
		return
	}
	s.runs++
	s.app.metrics.runStarted(viaSocket)
	id := s.runs
	cfg := s.app.limits.runConfig(req.settings)
	// The run's events are held until its stream lets go of them, which is when it gives the
	// run's slot back: the slot and the events' room go together.
	lease := s.app.events.lease()
	cfg.Budget = lease
	releaseSlot := release
	release = func() { releaseSlot(); lease.release() }
	s.log.Info("run", "run", id, "scenario", req.scenario.ID, "params", req.scenario.Query(req.values))
	var steer *stage.Steer
	if req.settings.Steered() {
		// It follows the schedule, then waits for picks; the seed chooses once finished.
		steer = stage.NewSteer(stage.SteerConfig{Schedule: req.settings.Schedule, Until: req.settings.From,
			Seed: req.settings.Seed, Idle: s.app.limits.maxSteerIdle, After: s.app.clock.After})
		cfg.Strategy = steer
	}
	ctx, stopRun := context.WithCancel(s.ctx)
	run := req.scenario.Start(ctx, cfg, req.values)
	var solves func() []string
	if steer != nil {
		solves = func() []string { return req.scenario.Solves(run.Outcome()) }
	}
	s.current = newStream(streamConfig{
		run:     run,
		stopRun: stopRun,
		release: release,
		meta:    newMetaMessage(id, req),
		seeded:  req.settings.Seeded(),
		binary:  binary,
		steer:   steer,
		solves:  solves,

		to:         s.outbox(),
		buffers:    s.app.buffers,
		maxBacklog: s.app.limits.maxBacklog,
		clock:      wallClock{},
		log:        s.log,
		slowCuts:   &s.app.slowCuts,
		metrics:    s.app.metrics,
	})
	go s.current.serve()
}

// pick answers the choice the steered run waits on: goroutine g runs next, or the select
// takes its ready case c. A pick the run cannot take gets an error saying why, and the run
// waits on.
func (s *session) pick(run int, g, c *int) {
	steer, err := s.steered(run)
	switch {
	case err != nil:
	case g != nil:
		err = steer.Pick(*g)
	default:
		err = steer.PickCase(*c)
	}
	if err != nil {
		s.sendError(run, err.Error())
	}
}

// finish hands the rest of the steered run to its seed; run, if given, must be the run going.
func (s *session) finish(run *int) {
	id := 0
	if s.current != nil {
		id = s.current.meta.Run
	}
	if run != nil {
		id = *run
	}
	steer, err := s.steered(id)
	if err != nil {
		s.sendError(id, err.Error())
		return
	}
	steer.Finish()
}

// steered is the steer of run, the session's latest, or why there is none.
func (s *session) steered(run int) (*stage.Steer, error) {
	switch {
	case s.current == nil:
		return nil, fmt.Errorf("there is no run to steer: start one with mode steer")
	case s.current.meta.Run != run:
		return nil, fmt.Errorf("run %d is not the run going here (that is run %d)", run, s.current.meta.Run)
	case s.current.steer == nil:
		return nil, fmt.Errorf("run %d is not steered: start it with mode steer", run)
	}
	return s.current.steer, nil
}

// stopRun stops the current run, if any, and waits until its stream has sent its end.
func (s *session) stopRun() {
	if s.current == nil {
		return
	}
	s.current.stop()
	s.current = nil
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

// Messages of compressFrom bytes or more go compressed (permessage-deflate, where the client
// offers it, as browsers do) at wireCompression, flate's level. A seeded run's batches of
// events are JSON of about 80 bytes an event; at level 2 each 32 KB batch shrinks to about
// 12 bytes an event, for about 0.5 µs of CPU an event (level 1: 14 B, 0.45 µs; level 6:
// 10 B, 2 µs). A live run's small messages, a few events each, would gain little for the
// cost of a compressor each, and stay as they are.
const (
	compressFrom    = 1024
	wireCompression = 2
)

// newUpgrader accepts sockets from the page's own origin (gorilla's default check) or from
// the origins listed, and offers permessage-deflate.
func newUpgrader(allowedOrigins []string) *websocket.Upgrader {
	allowed := make(map[string]bool, len(allowedOrigins))
	for _, o := range allowedOrigins {
		allowed[o] = true
	}
	return &websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		WriteBufferPool: &sync.Pool{},
		// Without context takeover (gorilla's only mode), so a compressed message costs
		// no memory between writes.
		EnableCompression: true,
		CheckOrigin: func(r *http.Request) bool {
			origin := r.Header.Get("Origin")
			return origin == "" || sameOrigin(r) || allowed[origin]
		},
	}
}
