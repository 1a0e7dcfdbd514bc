package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestOnlyAllowedHostsAreAnswered is DNS rebinding: a page from rebind.example, resolving to
// 127.0.0.1, asks the local server for pages, API answers and a socket as its own origin.
func TestOnlyAllowedHostsAreAnswered(t *testing.T) {
	ts := newTestServer(t)
	allowed := newTestServerWith(t, func(c *appConfig) { c.allowedHosts = []string{"Rebind.Example"} })
	_, port, _ := strings.Cut(strings.TrimPrefix(ts.srv.URL, "http://"), ":")
	_, allowedPort, _ := strings.Cut(strings.TrimPrefix(allowed.srv.URL, "http://"), ":")
	for _, tt := range []struct {
		server *testServer
		host   string
		ok     bool
	}{
		{ts, "rebind.example:" + port, false},
		{ts, "rebind.example", false},
		{ts, "127.0.0.1.rebind.example:" + port, false},
		{ts, "localhost:" + port, true},
		{ts, "LOCALHOST.:" + port, true},
		{ts, "app.localhost:" + port, true},
		{ts, "127.0.0.1:" + port, true},
		{ts, "127.1.2.3", true},
		{ts, "[::1]:" + port, true},
		{allowed, "rebind.example:" + allowedPort, true},
		{allowed, "other.example:" + allowedPort, false},
	} {
		for _, path := range []string{"/play/channels", "/api/scenarios/channels", "/static/style.css"} {
			resp, body := get(t, tt.server, path, "Host", tt.host)
			if tt.ok && resp.StatusCode != http.StatusOK {
				t.Errorf("Host %s, %s: %d %.200s, want 200", tt.host, path, resp.StatusCode, body)
			}
			if !tt.ok && (resp.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(body, "this server does not answer to the host")) {
				t.Errorf("Host %s, %s: %d %.200s, want 421 saying why", tt.host, path, resp.StatusCode, body)
			}
		}
		// The socket, from a page of that host: same origin, as a rebinding page is.
		conn, resp, err := websocket.DefaultDialer.Dial(tt.server.wsURL(), http.Header{"Host": {tt.host}, "Origin": {"http://" + tt.host}})
		switch {
		case tt.ok && err != nil:
			t.Errorf("Host %s: the socket was refused: %v", tt.host, err)
		case !tt.ok && (err == nil || resp == nil || resp.StatusCode != http.StatusMisdirectedRequest):
			t.Errorf("Host %s: the socket was not refused with 421 (%v, %v)", tt.host, err, resp)
		}
		if conn != nil {
			conn.Close()
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
}

func TestTheListenAddressHostIsAllowed(t *testing.T) {
	for _, tt := range []struct {
		listen string
		host   string
		ok     bool
	}{
		{"play.example.org:8080", "play.example.org:8080", true},
		{"play.example.org:8080", "PLAY.example.org", true},
		{"192.0.2.7:80", "192.0.2.7", true},
		{"[2001:db8::7]:80", "[2001:db8::7]:80", true},
		{":8080", "192.0.2.7:8080", false},
		{"0.0.0.0:8080", "0.0.0.0:8080", false},
		{"[::]:8080", "[::]:8080", false},
		{"localhost:8080", "rebind.example", false},
		{"", "", false},
	} {
		if got := newHostCheck(tt.listen, nil).allows(tt.host); got != tt.ok {
			t.Errorf("listening on %q, Host %q allowed: %v, want %v", tt.listen, tt.host, got, tt.ok)
		}
	}
}

// RFC 6455 §8.1: a text frame that is not UTF-8 fails the connection with 1007.
func TestATextMessageThatIsNotUTF8ClosesTheSocketWith1007(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"stop","scenario":"`+"\xff\xfe"+`"}`)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(guard))
	_, _, err := conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseInvalidFramePayloadData) || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("got %v, want a close with code %d saying why", err, websocket.CloseInvalidFramePayloadData)
	}
}
