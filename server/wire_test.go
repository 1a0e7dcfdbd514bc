package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"interleave/scenarios/stage"
)

// countingConn counts the bytes read from the network.
type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// wireRun is a seeded run long enough that its batches are compressed; events is how its
// events are to come.
func wireRun(events string) string {
	return `{"type":"run","scenario":"worker-pool","params":{"tasks":60,"workers":8},"mode":"seeded","seed":3,"events":"` + events + `"}`
}

// dialCounting dials the test server's socket, offering permessage-deflate or not, and
// counts the bytes it reads after the handshake.
func dialCounting(t *testing.T, ts *testServer, offer bool) (*websocket.Conn, *atomic.Int64) {
	t.Helper()
	read := &atomic.Int64{}
	d := websocket.Dialer{
		EnableCompression: offer,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			return countingConn{c, read}, err
		},
	}
	conn, resp, err := d.Dial(ts.wsURL(), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ext := resp.Header.Get("Sec-WebSocket-Extensions")
	if offer != (ext != "") {
		t.Errorf("offered compression %v, the server answered extensions %q", offer, ext)
	}
	read.Store(0) // the handshake aside
	return conn, read
}

// readBinaryRun reads one run's messages up to its end from a socket that asked for binary
// batches: every events message must be a binary batch, every other one JSON text.
func readBinaryRun(t *testing.T, conn *websocket.Conn) (batches int, events []stage.Event, end message) {
	t.Helper()
	var dec stage.BatchDecoder
	meta := read(t, conn)
	if meta.Type != typeMeta {
		t.Fatalf("first message is %q (%s), want meta", meta.Type, meta.Message)
	}
	for {
		_ = conn.SetReadDeadline(time.Now().Add(guard))
		kind, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if kind == websocket.BinaryMessage {
			run, got, err := dec.Decode(data)
			if err != nil {
				t.Fatalf("batch %d: %v", batches+1, err)
			}
			if run != meta.Run {
				t.Fatalf("a batch of run %d inside run %d", run, meta.Run)
			}
			batches++
			events = append(events, got...)
			continue
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if m.Type != typeEnd {
			t.Fatalf("a %q message in a binary run, want only batches and an end: %s", m.Type, data)
		}
		return batches, events, m
	}
}

// A client that offers permessage-deflate, as browsers do, gets a seeded run's batches
// compressed: a long link costs a fraction of its JSON on the wire. One that does not offer
// it gets them as they are. A client that asks for binary batches gets the same events in
// fewer bytes still.
func TestSeededRunsAreCompressedOnTheWire(t *testing.T) {
	ts := newTestServer(t)
	perEvent := map[string]float64{}
	var jsonEvents []byte // the run's events as JSON, as the JSON client got them
	for _, encoding := range []string{"json", "binary"} {
		for _, offer := range []bool{false, true} {
			conn, read := dialCounting(t, ts, offer)
			send(t, conn, wireRun(encoding))
			var n int
			var endReason string
			if encoding == "json" {
				_, _, events, end := readRun(t, conn)
				n, endReason = len(events), end.Reason
				if !offer {
					for _, e := range events {
						jsonEvents = append(jsonEvents, mustMarshal(t, e)...)
					}
				}
			} else {
				_, events, end := readBinaryRun(t, conn)
				n, endReason = len(events), end.Reason
				var got []byte
				for _, e := range events {
					got = append(got, mustMarshal(t, toTestEvent(t, e))...)
				}
				if !bytes.Equal(got, jsonEvents) {
					t.Errorf("binary batches (compressed %v) carry other events than the JSON does", offer)
				}
			}
			if endReason != "done" {
				t.Fatalf("ended %s", endReason)
			}
			perEvent[fmt.Sprintf("%s compressed=%v", encoding, offer)] = float64(read.Load()) / float64(n)
		}
	}
	t.Logf("bytes an event on the wire: JSON %.1f uncompressed, %.1f compressed; binary %.1f uncompressed, %.1f compressed",
		perEvent["json compressed=false"], perEvent["json compressed=true"], perEvent["binary compressed=false"], perEvent["binary compressed=true"])
	if b := perEvent["json compressed=false"]; b < 60 {
		t.Errorf("uncompressed, %.1f bytes an event: is this JSON?", b)
	}
	if b := perEvent["json compressed=true"]; b > 16 {
		t.Errorf("compressed, %.1f bytes an event, want at most 16", b)
	}
	if b := perEvent["binary compressed=true"]; b > 12 {
		t.Errorf("binary batches compressed, %.1f bytes an event, want at most 12", b)
	}
}

// toTestEvent is e as the tests' JSON client reads it.
func toTestEvent(t *testing.T, e stage.Event) event {
	t.Helper()
	var back event
	if err := json.Unmarshal(e.AppendJSON(nil), &back); err != nil {
		t.Fatal(err)
	}
	return back
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A run message that asks for an encoding the server does not have gets an error saying
// which it has, and the connection stays usable; one that asks for none gets JSON.
func TestRunAsksForAnEncodingTheServerHas(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.dial(t)
	send(t, conn, wireRun("msgpack"))
	if m := read(t, conn); m.Type != typeError || m.Message != `events must be json or binary, got "msgpack"` {
		t.Fatalf("got %s %q, want an error naming the encodings", m.Type, m.Message)
	}
	send(t, conn, `{"type":"run","scenario":"worker-pool","params":{"tasks":2},"mode":"seeded","seed":3}`)
	if _, _, events, end := readRun(t, conn); end.Reason != "done" || len(events) == 0 {
		t.Fatalf("a run without events asked for ended %s with %d events", end.Reason, len(events))
	}
}
