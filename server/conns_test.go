package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// dialRaw opens a TCP connection to the test server, closed when the test ends.
func (ts *testServer) dialRaw(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ts.srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponse reads one HTTP response from c, and its body.
func readResponse(t *testing.T, r *bufio.Reader, c net.Conn) (*http.Response, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(guard))
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(body)
}

// expectClosed fails unless the server closes c, having sent nothing more than what r holds
// but perhaps a 4xx saying why.
func expectClosed(t *testing.T, r *bufio.Reader, c net.Conn, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(guard))
	rest, err := io.ReadAll(r)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the server kept the connection open", what)
	}
	if len(rest) > 0 && !strings.HasPrefix(string(rest), "HTTP/1.1 4") {
		t.Errorf("%s: the server sent %q before closing", what, rest)
	}
}

func TestAnIdleKeepAliveConnectionIsClosed(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.idleTimeout = 50 * time.Millisecond })
	c := ts.dialRaw(t)
	r := bufio.NewReader(c)
	if _, err := io.WriteString(c, "GET /static/icon.svg HTTP/1.1\r\nHost: "+c.RemoteAddr().String()+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := readResponse(t, r, c); resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("status %d, close %v: want a 200 that keeps the connection", resp.StatusCode, resp.Close)
	}
	expectClosed(t, r, c, "idle after a request")
}

func TestASlowRequestIsCutOff(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.readTimeout = 100 * time.Millisecond })
	c := ts.dialRaw(t)
	r := bufio.NewReader(c)
	// Half a request line, and nothing more.
	if _, err := io.WriteString(c, "GET /play/channels HTTP/1.1\r\nHo"); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, r, c, "a request that never ends")
}

// A GET with a body is answered without waiting for the body, and its connection closed: a
// client sending a byte now and then is not waited for.
func TestARequestBodySentSlowlyIsNotWaitedFor(t *testing.T) {
	ts := newTestServer(t)
	c := ts.dialRaw(t)
	r := bufio.NewReader(c)
	if _, err := io.WriteString(c, "GET /api/scenarios/channels HTTP/1.1\r\nHost: "+c.RemoteAddr().String()+"\r\nContent-Length: 4000\r\n\r\nx"); err != nil {
		t.Fatal(err)
	}
	resp, body := readResponse(t, r, c)
	if resp.StatusCode != http.StatusOK || !resp.Close || !strings.Contains(body, `"id":"channels"`) {
		t.Fatalf("status %d, close %v, body %.80q: want the answer, closing the connection", resp.StatusCode, resp.Close, body)
	}
	expectClosed(t, r, c, "after answering a request with a body")
}

// TestPlainHTTPConnectionsPerAddressAreCapped opens connections up to the limit: the next is
// answered 503 with a sentence and closed; one given back can be taken again, and a
// connection upgraded to a socket no longer counts.
func TestPlainHTTPConnectionsPerAddressAreCapped(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) { c.limits.maxConnsPerClient = 3 })
	held := make([]net.Conn, 3)
	for i := range held {
		held[i] = ts.dialRaw(t)
	}
	waitFor(t, "the server to accept three connections", func() bool { _, n := ts.app.conns.running("127.0.0.1"); return n == 3 })
	over := ts.dialRaw(t)
	r := bufio.NewReader(over)
	resp, body := readResponse(t, r, over)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "3 connections are open from your address") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("the fourth connection got %d %q (Retry-After %q)", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	expectClosed(t, r, over, "a connection over the limit")

	held[0].Close()
	waitFor(t, "the server to notice a closed connection", func() bool { _, n := ts.app.conns.running("127.0.0.1"); return n == 2 })
	usable := func() {
		t.Helper()
		c := ts.dialRaw(t)
		r := bufio.NewReader(c)
		if _, err := io.WriteString(c, "GET /static/icon.svg HTTP/1.1\r\nHost: "+c.RemoteAddr().String()+"\r\nConnection: close\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if resp, _ := readResponse(t, r, c); resp.StatusCode != http.StatusOK {
			t.Fatalf("a connection within the limit got %d", resp.StatusCode)
		}
		c.Close()
	}
	usable()

	// Sockets count as sockets: three of them leave the plain HTTP connections free.
	held[1].Close()
	held[2].Close()
	waitFor(t, "the server to notice closed connections", func() bool { _, n := ts.app.conns.running("127.0.0.1"); return n == 0 })
	for range 3 {
		ts.dial(t)
	}
	waitFor(t, "the sockets to open", func() bool { _, n := ts.app.sockets.running("127.0.0.1"); return n == 3 })
	usable()
}

// Behind a trusted proxy every client comes from the proxy's address: its connections are
// held to the total only.
func TestAProxysConnectionsAreNotCappedPerAddress(t *testing.T) {
	ts := newTestServerWith(t, func(c *appConfig) {
		c.trustProxy = true
		c.limits.maxConns = 4
		c.limits.maxConnsPerClient = 2
	})
	for range 4 {
		ts.dialRaw(t)
	}
	waitFor(t, "the server to accept four connections", func() bool { n, _ := ts.app.conns.running(""); return n == 4 })
	over := ts.dialRaw(t)
	r := bufio.NewReader(over)
	if resp, body := readResponse(t, r, over); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "4 connections are open, the most it takes") {
		t.Fatalf("the fifth connection got %d %q", resp.StatusCode, body)
	}
}

// TestShutdownIsPromptWhateverTheClientsDo serves the binary's way (run) with clients that
// would hold a graceful shutdown up — a request whose header never ends, a socket that
// reads nothing while its run floods it, an idle keep-alive connection — and stops it: it
// must end cleanly (the process would exit 0), closing them all.
func TestShutdownIsPromptWhateverTheClientsDo(t *testing.T) {
	logs := &logBuffer{}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- run(ctx, []string{"-addr", "127.0.0.1:0"}, logs) }()
	var addr string
	waitFor(t, "the server to start", func() bool {
		line, ok := logs.find("msg=serving")
		_, addr, _ = strings.Cut(line, "url=http://")
		return ok
	})

	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	slow := dial()
	if _, err := io.WriteString(slow, "GET /play/channels HTTP/1.1\r\nHost: "+addr+"\r\n"); err != nil {
		t.Fatal(err)
	}
	idle := dial()
	idleReader := bufio.NewReader(idle)
	if _, err := io.WriteString(idle, "GET /static/icon.svg HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := readResponse(t, idleReader, idle); resp.StatusCode != http.StatusOK {
		t.Fatalf("icon: %d", resp.StatusCode)
	}
	stalled, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	t.Cleanup(func() { stalled.Close() })
	send(t, stalled, `{"type":"run","scenario":"channels","params":{"producers":16,"messages":100,"work":0,"jitter":0,"handle":0},"speed":10}`)

	began := time.Now()
	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("shutting down: %v", err)
		}
	case <-time.After(guard):
		t.Fatal("the server did not shut down")
	}
	t.Logf("shut down in %s", time.Since(began).Round(time.Millisecond))
	expectClosed(t, bufio.NewReader(slow), slow, "a request under way")
	expectClosed(t, idleReader, idle, "an idle connection")
	for {
		_ = stalled.SetReadDeadline(time.Now().Add(guard))
		if _, _, err := stalled.ReadMessage(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("the socket was left open")
			}
			break
		}
	}
}

// TestShutdownDelayServesOnNotReady stops a server run with -shutdown-delay: it answers
// /readyz 503 at once, for a load balancer to stop sending it clients, serves pages on
// meanwhile, and then shuts down as without it.
func TestShutdownDelayServesOnNotReady(t *testing.T) {
	logs := &logBuffer{}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- run(ctx, []string{"-addr", "127.0.0.1:0", "-shutdown-delay", "3s"}, logs) }()
	var addr string
	waitFor(t, "the server to start", func() bool {
		line, ok := logs.find("msg=serving")
		_, addr, _ = strings.Cut(line, "url=http://")
		return ok
	})
	get := func(path string) int {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("/readyz"); code != http.StatusOK {
		t.Fatalf("before the stop /readyz answers %d", code)
	}
	stop()
	waitFor(t, "/readyz to answer 503", func() bool { return get("/readyz") == http.StatusServiceUnavailable })
	if code := get("/play/channels"); code != http.StatusOK {
		t.Errorf("while not ready a page answers %d: it should be served until the delay is over", code)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("shutting down: %v", err)
		}
	case <-time.After(3*time.Second + guard):
		t.Fatal("the server did not shut down after its delay")
	}
	if _, err := http.Get("http://" + addr + "/readyz"); err == nil {
		t.Error("the server still answers after it shut down")
	}
	if _, ok := logs.find("msg=\"not ready: shutting down after the delay\""); !ok {
		t.Error("the log does not say the server is not ready while it waits")
	}
}
