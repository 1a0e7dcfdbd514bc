package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"interleave/scenarios"
)

// The idle-session measure is opt-in:
//
//	go test ./server -run IdleSessions -idle.sessions=10000
//
// It serves the real app and has a child process — this test binary again — open that many
// WebSocket sessions and hold them without a run, so that what the server pays for each is
// measured on the server alone: its resident memory, Go heap and goroutine stacks, and its
// goroutines, before and with the sessions open. (The load test's clients share its process,
// and its per-session memory counts both ends.)
var idleSessions = flag.Int("idle.sessions", 0, "idle WebSocket sessions for TestIdleSessions; 0 skips it")

// idleClientsEnv, set to "URL N", makes TestIdleSessions the child: it opens N sessions to
// URL, says "ready" on its standard output, and holds them until its standard input closes.
const idleClientsEnv = "INTERLEAVE_IDLE_CLIENTS"

func TestIdleSessions(t *testing.T) {
	if spec := os.Getenv(idleClientsEnv); spec != "" {
		holdIdleClients(t, spec)
		return
	}
	n := *idleSessions
	if n <= 0 {
		t.Skip("opt-in: go test ./server -run IdleSessions -idle.sessions=10000")
	}
	if err := raiseOpenFiles(uint64(n + 1024)); err != nil {
		t.Fatalf("%d sessions: %v", n, err)
	}
	a := newApp(appConfig{catalog: scenarios.New(), log: slog.New(slog.NewTextHandler(io.Discard, nil)), limits: sessionsLimits(n)})
	ts := startTestServer(t, a, nil)

	before := measureServer()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	clients := startClients(t, 5*time.Minute, "^TestIdleSessions$", idleClientsEnv, fmt.Sprintf("%s %d", ts.wsURL(), n))
	ready := strings.TrimPrefix(clients.await("ready"), "ready ")
	if got, _ := strconv.Atoi(ready); got != n {
		t.Fatalf("the clients' process opened %q sessions of %d", ready, n)
	}
	for open, _ := a.sockets.running(""); open < n; open, _ = a.sockets.running("") {
		if ctx.Err() != nil {
			t.Fatalf("the server holds %d sessions of %d", open, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Let every session settle into waiting, as a session left idle does.
	time.Sleep(time.Second)
	with := measureServer()

	per := func(a, b uint64) float64 { return (float64(b) - float64(a)) / float64(n) / 1024 }
	t.Logf("%d idle sessions, on the server alone: %.1f KiB a session resident (RSS %d → %d MiB); Go heap in use %.1f KiB, goroutine stacks %.1f KiB; %.2f goroutines a session (%d → %d)",
		n, per(before.rss, with.rss), before.rss>>20, with.rss>>20,
		per(before.heap, with.heap), per(before.stacks, with.stacks),
		float64(with.goroutines-before.goroutines)/float64(n), before.goroutines, with.goroutines)
}

// serverMemory is what the test process holds, collected first so that only what is in use
// counts.
type serverMemory struct {
	rss, heap, stacks uint64
	goroutines        int
}

func measureServer() serverMemory {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return serverMemory{rss: procStatus("VmRSS"), heap: ms.HeapInuse, stacks: ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

// holdIdleClients is the child's part: spec is "URL N".
func holdIdleClients(t *testing.T, spec string) {
	url, count, _ := strings.Cut(spec, " ")
	n, err := strconv.Atoi(count)
	if err != nil {
		t.Fatalf("%s=%q: %v", idleClientsEnv, spec, err)
	}
	if err := raiseOpenFiles(uint64(n + 1024)); err != nil {
		t.Fatalf("%d sessions: %v", n, err)
	}
	dialer := &websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256, WriteBufferPool: &sync.Pool{}, HandshakeTimeout: time.Minute}
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []string
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			conn, resp, err := dialer.Dial(url, nil)
			if err != nil {
				mu.Lock()
				failed = append(failed, err.Error())
				mu.Unlock()
				return
			}
			resp.Body.Close()
			conns[i] = conn
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d of %d sessions failed to open; the first: %s", len(failed), n, failed[0])
	}
	// Each connection's reader answers the server's pings, as a browser does.
	for _, c := range conns {
		go func() {
			for {
				if _, _, err := c.NextReader(); err != nil {
					return
				}
			}
		}()
	}
	fmt.Printf("ready %d\n", n)
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}
