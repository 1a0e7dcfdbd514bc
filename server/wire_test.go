package main

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
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

// A client that offers permessage-deflate, as browsers do, gets a seeded run's batches
// compressed: a long link costs a fraction of its JSON on the wire. One that does not offer
// it gets them as they are.
func TestSeededRunsAreCompressedOnTheWire(t *testing.T) {
	ts := newTestServer(t)
	const run = `{"type":"run","scenario":"worker-pool","params":{"tasks":60,"workers":8},"mode":"seeded","seed":3}`
	perEvent := map[bool]float64{}
	for _, offer := range []bool{false, true} {
		var read atomic.Int64
		d := websocket.Dialer{
			EnableCompression: offer,
			NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				return countingConn{c, &read}, err
			},
		}
		conn, resp, err := d.Dial(ts.wsURL(), nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer conn.Close()
		ext := resp.Header.Get("Sec-WebSocket-Extensions")
		if offer != (ext != "") {
			t.Errorf("offered compression %v, the server answered extensions %q", offer, ext)
		}
		read.Store(0) // the handshake aside
		send(t, conn, run)
		_, _, events, end := readRun(t, conn)
		if end.Reason != "done" {
			t.Fatalf("ended %s: %s", end.Reason, end.Message)
		}
		perEvent[offer] = float64(read.Load()) / float64(len(events))
	}
	t.Logf("bytes an event on the wire: %.1f uncompressed, %.1f compressed", perEvent[false], perEvent[true])
	if perEvent[false] < 60 {
		t.Errorf("uncompressed, %.1f bytes an event: is this JSON?", perEvent[false])
	}
	if perEvent[true] > 16 {
		t.Errorf("compressed, %.1f bytes an event, want at most 16 (%.1f uncompressed)", perEvent[true], perEvent[false])
	}
}
