package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"interleave/scenarios"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// chroma's regexp engine keeps a coarse clock goroutine running for about a second
		// after a match, then it ends by itself; every test server highlights the catalog.
		goleak.IgnoreAnyFunction("github.com/dlclark/regexp2/v2.runClock"))
}

// guard bounds how long a test waits for something that should happen promptly; it only
// turns a hang into a failure and is never the thing asserted.
const guard = 10 * time.Second

type testServer struct {
	app *app
	srv *httptest.Server
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerWith(t, nil)
}

// newTestServerWith starts a test server whose config configure may change first.
func newTestServerWith(t *testing.T, configure func(*appConfig)) *testServer {
	t.Helper()
	cfg := appConfig{
		catalog: scenarios.New(),
		log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		limits:  defaultLimits(),
	}
	if configure != nil {
		configure(&cfg)
	}
	return startTestServer(t, newApp(cfg), nil)
}

// startTestServer serves a on loopback as the binary does (its HTTP server and connection
// limits); wrap, if given, wraps the listener.
func startTestServer(t *testing.T, a *app, wrap func(net.Listener) net.Listener) *testServer {
	t.Helper()
	srv := httptest.NewUnstartedServer(a.echo)
	srv.Config = a.newHTTPServer()
	if wrap != nil {
		srv.Listener = wrap(srv.Listener)
	}
	srv.Listener = a.limitConns(srv.Listener)
	srv.Start()
	ts := &testServer{app: a, srv: srv}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		a.stop()
		done := make(chan struct{})
		go func() { a.sessions.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			t.Error("sessions did not end after the server stopped")
		}
		ts.srv.Close()
	})
	return ts
}

// waitSessionsEnd waits for every session of ts to end, as one does once its client has left
// (a session returns only after its run has ended and its stream let go of it).
func (ts *testServer) waitSessionsEnd(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() { ts.app.sessions.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(guard):
		t.Fatal("the session did not end after its client left")
	}
}

func (ts *testServer) wsURL() string { return "ws" + strings.TrimPrefix(ts.srv.URL, "http") + "/ws" }

func (ts *testServer) dial(t *testing.T) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(ts.wsURL(), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	resp.Body.Close()
	t.Cleanup(func() { conn.Close() })
	return conn
}

// message is any server message, decoded loosely for checking.
type message struct {
	V        int               `json:"v"`
	Type     string            `json:"type"`
	Run      int               `json:"run"`
	Scenario string            `json:"scenario"`
	Params   map[string]any    `json:"params"`
	Events   []json.RawMessage `json:"events"`
	Reason   string            `json:"reason"`
	Message  string            `json:"message"`
	Stats    endStats          `json:"stats"`
	Leftover []string          `json:"leftover"`
	Summary  []scenarios.Stat  `json:"summary"`
}

type event struct {
	Seq    int64  `json:"seq"`
	T      int64  `json:"t"`
	G      int    `json:"g"`
	Kind   string `json:"kind"`
	Obj    int    `json:"obj"`
	Msg    int64  `json:"msg"`
	Value  string `json:"value"`
	Child  int    `json:"child"`
	Name   string `json:"name"`
	Closed bool   `json:"closed"`
}

func read(t *testing.T, conn *websocket.Conn) message {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(guard))
	var m message
	if err := conn.ReadJSON(&m); err != nil {
		t.Fatalf("read: %v", err)
	}
	if m.V != 1 {
		t.Fatalf("message %q has version %d, want 1", m.Type, m.V)
	}
	return m
}

func send(t *testing.T, conn *websocket.Conn, text string) {
	t.Helper()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(text)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// readRun reads one run's messages up to its end and returns them with its events decoded.
func readRun(t *testing.T, conn *websocket.Conn) (meta message, batches int, events []event, end message) {
	t.Helper()
	meta = read(t, conn)
	if meta.Type != typeMeta {
		t.Fatalf("first message is %q (%s), want meta", meta.Type, meta.Message)
	}
	for {
		m := read(t, conn)
		if m.Run != meta.Run {
			t.Fatalf("message %q for run %d inside run %d", m.Type, m.Run, meta.Run)
		}
		switch m.Type {
		case typeEvents:
			batches++
			for _, raw := range m.Events {
				var e event
				if err := json.Unmarshal(raw, &e); err != nil {
					t.Fatalf("event %s: %v", raw, err)
				}
				events = append(events, e)
			}
		case typeEnd:
			return meta, batches, events, m
		default:
			t.Fatalf("unexpected %q message in a run: %s", m.Type, m.Message)
		}
	}
}

func TestSocketStreamsAWholeRun(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"channels","params":{"producers":8,"messages":2,"work":0},"mode":"live","speed":10}`)
	meta, batches, events, end := readRun(t, conn)

	if meta.Scenario != "channels" || meta.Params["producers"] != 8.0 || meta.Params["buffer"] != 0.0 {
		t.Errorf("meta = %+v, want channels with producers 8 and the default buffer 0", meta)
	}
	if end.Reason != "done" {
		t.Fatalf("end reason %q (%s), want done", end.Reason, end.Message)
	}
	if end.Stats.Events != len(events) {
		t.Errorf("end counts %d events, stream had %d", end.Stats.Events, len(events))
	}
	if batches >= len(events)/4 {
		t.Errorf("%d events came in %d messages: events are not batched", len(events), batches)
	}
	producers := 0
	sends := map[int64]event{}
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: the stream lost or reordered events", i, e.Seq)
		}
		switch e.Kind {
		case "go":
			if strings.HasPrefix(e.Name, "producer ") {
				producers++
			}
		case "send-begin":
			sends[e.Msg] = e
		case "recv-end":
			if e.Closed {
				continue
			}
			s, ok := sends[e.Msg]
			if !ok {
				t.Errorf("recv-end seq %d of msg %d comes before any send of it", e.Seq, e.Msg)
			} else if s.Value != e.Value {
				t.Errorf("msg %d sent %q, received %q", e.Msg, s.Value, e.Value)
			}
		}
	}
	if producers != 8 {
		t.Errorf("%d producer goroutines started, want 8", producers)
	}
	if len(end.Summary) == 0 || end.Summary[0].Value != "16" {
		t.Errorf("summary = %+v, want 16 messages received", end.Summary)
	}
}

func TestSocketChoiceParamsTravelByName(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"atomic-counter","params":{"method":"load-store","work":0,"gap":0,"adds":2},"speed":10}`)
	meta, _, _, end := readRun(t, conn)
	if meta.Params["method"] != "load-store" {
		t.Errorf("meta params %v, want method load-store", meta.Params)
	}
	if end.Reason != "done" {
		t.Errorf("ended %q: %s", end.Reason, end.Message)
	}
	send(t, conn, `{"type":"run","scenario":"atomic-counter","params":{"method":"telepathy"}}`)
	if m := read(t, conn); m.Type != typeError || !strings.Contains(m.Message, `method must be atomic, mutex or load-store, got "telepathy"`) {
		t.Errorf("got %s %q", m.Type, m.Message)
	}
	send(t, conn, `{"type":"run","scenario":"atomic-counter","params":{"method":true}}`)
	if m := read(t, conn); m.Type != typeError || !strings.Contains(m.Message, "method must be a number or a name, got true") {
		t.Errorf("got %s %q", m.Type, m.Message)
	}
}

func TestSocketBadMessagesGetAnErrorAndTheConnectionStaysUsable(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	tests := []struct {
		name, msg, want string
	}{
		{"not JSON", `run please`, "not JSON"},
		{"no type", `{}`, `no "type"`},
		{"unknown type", `{"type":"dance"}`, `unknown message type "dance"`},
		{"unknown field", `{"type":"run","scenario":"channels","colour":"red"}`, `colour`},
		{"unknown scenario", `{"type":"run","scenario":"nope"}`, `unknown scenario "nope" (there are: channels, worker-pool, producer-consumer, cell, refcell, atomic-counter, deadlock, timeout, select-fairness, pipeline, cancel, ticker, readers-writers, bounded-queue, once, semaphore, errgroup)`},
		{"out of range", `{"type":"run","scenario":"channels","params":{"producers":500}}`, "producers must be 1–16, got 500"},
		{"not a number", `{"type":"run","scenario":"channels","params":{"producers":"many"}}`, `producers must be a whole number 1–16, got "many"`},
		{"fraction", `{"type":"run","scenario":"channels","params":{"producers":1.5}}`, `producers must be a whole number 1–16, got "1.5"`},
		{"unknown param", `{"type":"run","scenario":"channels","params":{"workers":3}}`, `channels has no parameter "workers"`},
		{"bad mode", `{"type":"run","scenario":"channels","mode":"turbo"}`, `mode must be live, seeded or steer, got "turbo"`},
		{"mode as a number", `{"type":"run","scenario":"channels","mode":0}`, `mode must be live, seeded or steer, got "0"`},
		{"zero processors", `{"type":"run","scenario":"channels","mode":"seeded","processors":0}`, "processors must be 1–8, got 0"},
		{"every problem at once", `{"type":"run","scenario":"channels","params":{"producers":500},"mode":"seeded","seed":-1,"speed":0}`,
			"producers must be 1–16, got 500; seed must be 0–9007199254740991, got -1; speed must be 0.1–10, got 0"},
		{"bad speed", `{"type":"run","scenario":"channels","speed":50}`, "speed must be 0.1–10, got 50"},
		{"two objects", `{"type":"stop"}{"type":"stop"}`, "one JSON object per message"},
		// What was sent is repeated only in part: 40 characters, marked as cut.
		{"long scenario", `{"type":"run","scenario":"` + strings.Repeat("x", 3000) + `"}`, `unknown scenario "` + strings.Repeat("x", 40) + `…" (there are:`},
		{"long value", `{"type":"run","scenario":"channels","params":{"producers":"` + strings.Repeat("9x", 1500) + `"}}`, `got "` + strings.Repeat("9x", 20) + `…"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send(t, conn, tt.msg)
			m := read(t, conn)
			if m.Type != typeError || !strings.Contains(m.Message, tt.want) || len(m.Message) > 400 {
				t.Errorf("got %s %.500q, want an error containing %q, under 400 bytes", m.Type, m.Message, tt.want)
			}
		})
	}
	if err := conn.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if m := read(t, conn); m.Type != typeError || !strings.Contains(m.Message, "JSON text") {
		t.Errorf("binary message: got %s %q", m.Type, m.Message)
	}

	send(t, conn, `{"type":"run","scenario":"atomic-counter","params":{"work":0}}`)
	_, _, _, end := readRun(t, conn)
	if end.Reason != "done" {
		t.Errorf("run after bad messages ended %q (%s)", end.Reason, end.Message)
	}
}

func TestSocketStopEndsTheRun(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"channels","params":{"work":1000,"messages":10}}`)
	if m := read(t, conn); m.Type != typeMeta {
		t.Fatalf("got %q, want meta", m.Type)
	}
	if m := read(t, conn); m.Type != typeEvents {
		t.Fatalf("got %q, want events", m.Type)
	}
	send(t, conn, `{"type":"stop"}`)
	for {
		m := read(t, conn)
		if m.Type == typeEnd {
			if m.Reason != "stopped" {
				t.Errorf("end reason %q, want stopped", m.Reason)
			}
			return
		}
	}
}

func TestSocketSecondRunStopsTheFirst(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"channels","params":{"work":1000,"messages":10}}`)
	if m := read(t, conn); m.Type != typeMeta || m.Run != 1 {
		t.Fatalf("got %q run %d, want meta of run 1", m.Type, m.Run)
	}
	send(t, conn, `{"type":"run","scenario":"atomic-counter","params":{"work":0}}`)
	for {
		m := read(t, conn)
		if m.Type == typeEnd {
			if m.Run != 1 || m.Reason != "stopped" {
				t.Fatalf("first end is run %d %q, want run 1 stopped", m.Run, m.Reason)
			}
			break
		}
	}
	meta, _, _, end := readRun(t, conn)
	if meta.Run != 2 || meta.Scenario != "atomic-counter" || end.Reason != "done" {
		t.Errorf("second run: meta %+v, end %q", meta, end.Reason)
	}
}

func TestSocketClientThatVanishesCancelsItsRun(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"channels","params":{"work":1000,"messages":10,"producers":16}}`)
	if m := read(t, conn); m.Type != typeMeta {
		t.Fatalf("got %q, want meta", m.Type)
	}
	conn.Close()
	ts.waitSessionsEnd(t)
	// The session returns only after its run has ended; goleak (TestMain) checks that every
	// scenario goroutine is gone.
}

func TestSocketRefusesOtherOrigins(t *testing.T) {
	ts := newTestServer(t)
	_, resp, err := websocket.DefaultDialer.Dial(ts.wsURL(), http.Header{"Origin": {"https://elsewhere.example"}})
	if err == nil {
		t.Fatal("a socket from another origin was accepted")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("got %v, want 403", resp)
	}
	resp.Body.Close()
	conn, resp, err := websocket.DefaultDialer.Dial(ts.wsURL(), http.Header{"Origin": {ts.srv.URL}})
	if err != nil {
		t.Fatalf("the page's own origin was refused: %v", err)
	}
	resp.Body.Close()
	conn.Close()
}

func TestSocketOversizedMessageClosesWithPolicyCode(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"`+strings.Repeat("x", readLimit)+`"}`)
	_ = conn.SetReadDeadline(time.Now().Add(guard))
	_, _, err := conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("got %v, want a close with code %d", err, websocket.CloseMessageTooBig)
	}
}

func TestShutdownClosesSessionsWithAMessage(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, `{"type":"run","scenario":"channels","params":{"work":1000,"messages":10}}`)
	if m := read(t, conn); m.Type != typeMeta {
		t.Fatalf("got %q, want meta", m.Type)
	}
	if err := ts.app.shutdown(&http.Server{}); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for {
		_ = conn.SetReadDeadline(time.Now().Add(guard))
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !asCloseError(err, &ce) || ce.Code != websocket.CloseGoingAway || !strings.Contains(ce.Text, "restarting") {
			t.Fatalf("got %v, want a going-away close saying the server is restarting", err)
		}
		return
	}
}

func asCloseError(err error, target **websocket.CloseError) bool {
	ce, ok := err.(*websocket.CloseError)
	if ok {
		*target = ce
	}
	return ok
}

// A run message carries exactly the settings the table marks for the socket, each under its
// JSON name.
func TestRunMessagesCarryTheSocketSettings(t *testing.T) {
	var want []string
	for _, st := range scenarios.RunSettings() {
		if st.Socket {
			want = append(want, st.Name)
		}
	}
	var got []string
	for name := range (clientMessage{}).settings() {
		got = append(got, name)
	}
	if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("run messages carry %v, the table marks %v", got, want)
	}
	for _, name := range want {
		msg := `{"type":"run","scenario":"channels","` + name + `":null}`
		if _, err := decodeClientMessage([]byte(msg)); err != nil {
			t.Errorf("%s: %v", msg, err)
		}
	}
}
