package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
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
	outQueue     = 16      // messages waiting for the writer
)

// session is one WebSocket connection. The handler's goroutine reads; writeLoop is the only
// goroutine that writes; each run has a pump goroutine turning its events into messages.
type session struct {
	app  *app
	conn *websocket.Conn
	log  *slog.Logger
	ctx  context.Context // done when the connection or the server goes away
	out  chan []byte

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

	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	s := &session{
		app:  a,
		conn: conn,
		log:  a.log.With("remote", c.RealIP()),
		ctx:  ctx,
		out:  make(chan []byte, outQueue),
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

	s.readLoop()

	cancel()
	s.stopRun()
	<-writerDone
	conn.Close()
	s.log.Info("socket closed", "runs", s.runs)
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

// startRun starts req and its pump.
func (s *session) startRun(req runRequest) {
	s.runs++
	id := s.runs
	ctx, cancel := context.WithCancel(s.ctx)
	p := &runningPump{cancel: cancel, done: make(chan struct{})}
	s.current = p
	cfg := s.app.limits.stageConfig()
	cfg.Mode = req.mode
	cfg.Speed = req.speed
	s.log.Info("run", "run", id, "scenario", req.scenario.ID, "params", req.scenario.Query(req.values))
	run := req.scenario.Start(ctx, cfg, req.values)
	go func() {
		defer close(p.done)
		defer cancel()
		s.pump(id, req, run)
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

// pump streams a run: meta, event batches as they are recorded, then end. It returns only
// after the run has ended, so no scenario goroutine outlives the session.
func (s *session) pump(id int, req runRequest, run *scenarios.Run) {
	defer func() { <-run.Done() }()
	if !s.sendJSON(metaMessage{V: stage.SchemaVersion, Type: typeMeta, Run: id,
		Scenario: req.scenario.ID, Params: req.scenario.Named(req.values), Mode: req.mode, Speed: req.speed}) {
		return
	}
	var (
		sent  int
		batch []stage.Event
		last  time.Time
		timer = time.NewTimer(0)
	)
	defer timer.Stop()
	flush := func() bool {
		for {
			batch = run.Events(sent, batch[:0])
			if len(batch) == 0 {
				return true
			}
			if len(batch) > maxBatch {
				batch = batch[:maxBatch]
			}
			if !s.send(appendEventsMessage(make([]byte, 0, 64+90*len(batch)), id, batch)) {
				return false
			}
			sent += len(batch)
			last = time.Now()
		}
	}
	for done := false; !done; {
		select {
		case <-run.Updated():
		case <-run.Done():
			done = true
		case <-s.ctx.Done():
			return
		}
		// Coalesce into frames: wait out the rest of this one unless a full batch is waiting.
		if wait := time.Until(last.Add(frame)); !done && wait > 0 && run.Len()-sent < maxBatch {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-run.Done():
				done = true
			case <-s.ctx.Done():
				return
			}
		}
		if !flush() {
			return
		}
	}
	if !flush() {
		return
	}
	end := run.End()
	s.log.Info("run ended", "run", id, "reason", end.Reason, "events", end.Events)
	s.sendJSON(newEndMessage(id, end, run.Summary()))
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
