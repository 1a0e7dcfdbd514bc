package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"interleave/scenarios"
)

// The load test is opt-in:
//
//	go test ./server -run Load -load.sessions=1000
//
// It serves the real app on 127.0.0.1 and has a child process — this test binary again —
// open that many WebSocket sessions at once, each making -load.runs live runs one after
// another and reading every message. The child reports how many sessions were held to the
// end, the errors and the lag of events; this process, the server alone, reports its memory
// and CPU. With the clients in a process of their own each process holds one socket a
// session, so a session count near the open-file limit is reached, and the server's figures
// are its own.
var (
	loadSessions = flag.Int("load.sessions", 0, "concurrent WebSocket sessions for TestLoad; 0 skips it")
	loadRuns     = flag.Int("load.runs", 2, "runs each load session makes, one after another")
	loadRun      = flag.String("load.run", `{"type":"run","scenario":"channels","params":{"producers":4,"messages":5,"buffer":0,"work":1000,"jitter":200,"handle":20},"mode":"live","speed":10}`, "the run message each load session sends")
	loadRamp     = flag.Duration("load.ramp", time.Second, "sessions start their first run spread over this time")
	loadTimeout  = flag.Duration("load.timeout", 3*time.Minute, "the whole load test must end within this")
)

// lagHistogram counts lags in 1 ms buckets from -1 s to +9 s; the ends collect the rest.
type lagHistogram struct {
	buckets [10_001]atomic.Int64
}

func (h *lagHistogram) add(d time.Duration) {
	i := min(max(int(d.Milliseconds())+1000, 0), len(h.buckets)-1)
	h.buckets[i].Add(1)
}

// quantile returns the lag below which q of the events arrived, to the millisecond.
func (h *lagHistogram) quantile(q float64) (time.Duration, int64) {
	var total int64
	for i := range h.buckets {
		total += h.buckets[i].Load()
	}
	if total == 0 {
		return 0, 0
	}
	want := max(int64(math.Ceil(q*float64(total))), 1)
	var seen int64
	for i := range h.buckets {
		if seen += h.buckets[i].Load(); seen >= want {
			return time.Duration(i-1000) * time.Millisecond, total
		}
	}
	return time.Duration(len(h.buckets)-1001) * time.Millisecond, total
}

// loadMessage is a server message as a load client reads it: only what it measures.
type loadMessage struct {
	Type    string  `json:"type"`
	Run     int     `json:"run"`
	Speed   float64 `json:"speed"`
	Reason  string  `json:"reason"`
	Message string  `json:"message"`
}

var eventsPrefix = []byte(`{"v":1,"type":"events",`)

// eventTimes finds every event's "t" in an events message. The key cannot occur inside a
// JSON string, where quotes are escaped.
func eventTimes(data []byte) ([]int64, error) {
	var ts []int64
	key := []byte(`"t":`)
	for {
		i := bytes.Index(data, key)
		if i < 0 {
			return ts, nil
		}
		data = data[i+len(key):]
		end := bytes.IndexAny(data, ",}")
		if end < 0 {
			return nil, fmt.Errorf("no end to a t")
		}
		t, err := strconv.ParseInt(string(data[:end]), 10, 64)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
		data = data[end:]
	}
}

type loadStats struct {
	held, truncated atomic.Int64
	events          atomic.Int64
	errMu           sync.Mutex
	errs            []string
	errCount        int
	// lag against two starts: when the client sent run (an upper bound of the run's real
	// start) and when meta arrived (a lower bound).
	lagSent, lagMeta lagHistogram
}

func (s *loadStats) fail(session int, format string, args ...any) {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	s.errCount++
	if len(s.errs) < 10 {
		s.errs = append(s.errs, fmt.Sprintf("session %d: %s", session, fmt.Sprintf(format, args...)))
	}
}

// sessionsLimits are the default limits with room for n sessions from one address, each
// with a run, as the load tests' clients are.
func sessionsLimits(n int) limits {
	lim := defaultLimits()
	lim.maxConns = max(lim.maxConns, n+64)
	lim.maxConnsPerClient = lim.maxConns
	lim.maxRuns = max(lim.maxRuns, n)
	lim.maxRunsPerClient = lim.maxRuns // every session comes from 127.0.0.1
	lim.maxSockets = max(lim.maxSockets, n)
	lim.maxSocketsPerClient = lim.maxSockets
	return lim
}

// loadClientsEnv, set to "URL N", makes TestLoad the child: it opens N sessions to URL,
// says "connected" on its standard output, waits for a line on its standard input, makes the
// sessions' runs and writes its loadReport as one line of JSON.
const loadClientsEnv = "INTERLEAVE_LOAD_CLIENTS"

// loadReport is what the clients' process measured.
type loadReport struct {
	Held, Events, Truncated int64
	Errors                  int
	FirstErrors             []string
	Connected, Took         time.Duration
	// Lags from sending run and from meta's arrival: p50, p99 and the largest.
	LagSent, LagMeta [3]time.Duration
	CPUTicks         int64 // the clients' process, over the runs
}

func TestLoad(t *testing.T) {
	if spec := os.Getenv(loadClientsEnv); spec != "" {
		runLoadClients(t, spec)
		return
	}
	n := *loadSessions
	if n <= 0 {
		t.Skip("opt-in: go test ./server -run Load -load.sessions=1000")
	}
	if raceEnabled && n > 500 {
		t.Skip("the race detector allows 8128 goroutines; run the load test without -race")
	}
	if err := raiseOpenFiles(uint64(n + 1024)); err != nil {
		t.Fatalf("%d sessions: %v", n, err)
	}
	a := newApp(appConfig{catalog: scenarios.New(), log: slog.New(slog.NewTextHandler(io.Discard, nil)), limits: sessionsLimits(n)})
	ts := startTestServer(t, a, nil)
	if host, _, _ := net.SplitHostPort(ts.srv.Listener.Addr().String()); host != "127.0.0.1" {
		t.Fatalf("the test server listens on %s, not loopback", host)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *loadTimeout+time.Minute)
	defer cancel()

	before := measureServer()
	clients := startClients(t, *loadTimeout+time.Minute, "^TestLoad$", loadClientsEnv, fmt.Sprintf("%s %d", ts.wsURL(), n),
		fmt.Sprintf("-load.runs=%d", *loadRuns), "-load.run="+*loadRun,
		fmt.Sprintf("-load.ramp=%s", *loadRamp), fmt.Sprintf("-load.timeout=%s", *loadTimeout))
	if line := clients.await("connected"); line == "" {
		t.Fatal("the clients' process ended before its sessions were open")
	}
	for open, _ := a.sockets.running(""); open < n; open, _ = a.sockets.running("") {
		if ctx.Err() != nil {
			t.Fatalf("the server holds %d sessions of %d", open, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	idle := measureServer()

	peak := startSampler(ctx, func() int { n, _ := a.runSlots.running(""); return n })
	cpuBefore := cpuTicks()
	clients.say("go")
	line := clients.await("{")
	cpuAfter := cpuTicks()
	cancel()
	peakRSS, peakHeap, peakGoroutines, peakRuns := peak()
	var r loadReport
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("the clients' report %q: %v", line, err)
	}

	t.Logf("sessions %d (connected in %s), runs each %d: %s", n, r.Connected.Round(time.Millisecond), *loadRuns, *loadRun)
	t.Logf("held to the end: %d/%d; errors: %d; runs cut for slow clients: %d; runs going at once: up to %d; events: %d in %s (%.0f/s)",
		r.Held, n, r.Errors, a.slowCuts.Load(), peakRuns, r.Events, r.Took.Round(time.Millisecond), float64(r.Events)/r.Took.Seconds())
	t.Logf("lag from sending run: p50 %s, p99 %s, max %s; from meta's arrival: p50 %s, p99 %s",
		r.LagSent[0], r.LagSent[1], r.LagSent[2], r.LagMeta[0], r.LagMeta[1])
	t.Logf("the server's memory: RSS peak %d MiB (%d MiB before, %d MiB with every session open and idle: %.1f KiB a session), Go heap in use peak %d MiB, goroutines peak %d",
		peakRSS>>20, before.rss>>20, idle.rss>>20, (float64(idle.rss)-float64(before.rss))/float64(n)/1024, peakHeap>>20, peakGoroutines)
	if busy := cpuAfter.busy - cpuBefore.busy; busy > 0 {
		own := cpuAfter.process - cpuBefore.process
		took := r.Took.Seconds()
		t.Logf("cpu: the server %.1f cores on average, the clients' process %.1f; the machine's %d cores were %.0f%% busy, %.0f%% with other work",
			float64(own)/100/took, float64(r.CPUTicks)/100/took, runtime.NumCPU(),
			100*float64(busy)/float64(cpuAfter.total-cpuBefore.total),
			100*float64(busy-own-r.CPUTicks)/float64(cpuAfter.total-cpuBefore.total))
	}
	for _, e := range r.FirstErrors {
		t.Error(e)
	}
	if r.Held != int64(n) {
		t.Errorf("%d of %d sessions were not held to the end", int64(n)-r.Held, n)
	}
}

// runLoadClients is the child's part of TestLoad: spec is "URL N".
func runLoadClients(t *testing.T, spec string) {
	url, count, _ := strings.Cut(spec, " ")
	n, err := strconv.Atoi(count)
	if err != nil {
		t.Fatalf("%s=%q: %v", loadClientsEnv, spec, err)
	}
	if err := raiseOpenFiles(uint64(n + 1024)); err != nil {
		t.Fatalf("%d sessions: %v", n, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *loadTimeout)
	defer cancel()
	dialer := &websocket.Dialer{
		ReadBufferSize:   1024,
		WriteBufferSize:  512,
		WriteBufferPool:  &sync.Pool{},
		HandshakeTimeout: 30 * time.Second,
	}
	stats := &loadStats{}
	conns := make([]*websocket.Conn, n)
	began := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			conn, resp, err := dialer.DialContext(ctx, url, nil)
			if err != nil {
				stats.fail(i, "dial: %v", err)
				return
			}
			resp.Body.Close()
			conns[i] = conn
		}()
	}
	wg.Wait()
	connected := time.Since(began)
	fmt.Println("connected")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatalf("waiting for the word to start: %v", err)
	}

	began = time.Now()
	cpuBefore := cpuTicks()
	for i, conn := range conns {
		if conn == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			// Unblock a read when the test runs out of time.
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			defer stop()
			select {
			case <-time.After(*loadRamp * time.Duration(i) / time.Duration(n)):
			case <-ctx.Done():
				stats.fail(i, "out of time before the first run")
				return
			}
			for range *loadRuns {
				if !loadSession(ctx, i, conn, stats) {
					return
				}
			}
			stats.held.Add(1)
		}()
	}
	wg.Wait()
	r := loadReport{
		Held: stats.held.Load(), Events: stats.events.Load(), Truncated: stats.truncated.Load(),
		Errors: stats.errCount, FirstErrors: stats.errs,
		Connected: connected, Took: time.Since(began), CPUTicks: cpuTicks().process - cpuBefore.process,
	}
	for i, q := range []float64{0.5, 0.99, 1} {
		r.LagSent[i], _ = stats.lagSent.quantile(q)
		r.LagMeta[i], _ = stats.lagMeta.quantile(q)
	}
	line, _ := json.Marshal(r)
	fmt.Println(string(line))
}

// clientsProcess is a child process of this test binary that plays clients of the test's
// server (TestLoad, TestIdleSessions), told what to do through its environment and its
// standard input, and saying how it goes on its standard output, a line at a time.
type clientsProcess struct {
	t     *testing.T
	stdin io.WriteCloser
	lines *bufio.Scanner
}

// startClients starts the child running the test run names, with env set to spec and the
// flags args. When the test ends its standard input is closed, and it must then end well;
// it is killed if it is still going after limit.
func startClients(t *testing.T, limit time.Duration, run, env, spec string, args ...string) *clientsProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	child := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=" + run}, args...)...)
	child.Env = append(os.Environ(), env+"="+spec)
	child.Stderr = os.Stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		cancel()
		t.Fatalf("start the clients' process: %v", err)
	}
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 1<<20)
	t.Cleanup(func() {
		stdin.Close()
		go io.Copy(io.Discard, stdout)
		if err := child.Wait(); err != nil {
			t.Errorf("the clients' process: %v", err)
		}
		cancel()
	})
	return &clientsProcess{t: t, stdin: stdin, lines: lines}
}

// await returns the child's next line that starts with prefix, or "" if it ends first.
func (c *clientsProcess) await(prefix string) string {
	for c.lines.Scan() {
		if line := c.lines.Text(); strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

// say writes a line to the child.
func (c *clientsProcess) say(line string) {
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		c.t.Fatalf("tell the clients' process %q: %v", line, err)
	}
}

// loadSession makes one run on conn and reads it to its end, recording lags.
func loadSession(ctx context.Context, i int, conn *websocket.Conn, stats *loadStats) bool {
	sent := time.Now()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(*loadRun)); err != nil {
		stats.fail(i, "send run: %v", err)
		return false
	}
	var metaAt time.Time
	speed := 1.0
	for {
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, data, err := conn.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			stats.fail(i, "read: %v", err)
			return false
		}
		at := time.Now()
		if bytes.HasPrefix(data, eventsPrefix) {
			// The hot path: only the events' times, without decoding the rest (the client's
			// cost is this process's cost too).
			ts, err := eventTimes(data)
			if err != nil {
				stats.fail(i, "events message %.80s: %v", data, err)
				return false
			}
			for _, t := range ts {
				offset := time.Duration(float64(t) / speed)
				stats.lagSent.add(at.Sub(sent.Add(offset)))
				stats.lagMeta.add(at.Sub(metaAt.Add(offset)))
			}
			stats.events.Add(int64(len(ts)))
			continue
		}
		var m loadMessage
		if err := json.Unmarshal(data, &m); err != nil {
			stats.fail(i, "message %.80s: %v", data, err)
			return false
		}
		switch m.Type {
		case typeMeta:
			metaAt, speed = at, m.Speed
		case typeEnd:
			if m.Reason != "done" {
				stats.fail(i, "run ended %q: %s", m.Reason, m.Message)
				return false
			}
			return true
		default:
			stats.fail(i, "%s message: %s", m.Type, m.Message)
			return false
		}
	}
}

// startSampler samples the process's RSS, Go heap and goroutines, and the runs going, until
// ctx is done; peak returns the highest of each.
func startSampler(ctx context.Context, runs func() int) (peak func() (rss, heap uint64, goroutines, running int)) {
	var mu sync.Mutex
	var maxRSS, maxHeap uint64
	var maxG, maxRuns int
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss := procStatus("VmRSS")
		mu.Lock()
		maxRSS, maxHeap, maxG = max(maxRSS, rss), max(maxHeap, ms.HeapInuse), max(maxG, runtime.NumGoroutine())
		maxRuns = max(maxRuns, runs())
		mu.Unlock()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				sample()
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() (uint64, uint64, int, int) {
		<-done
		sample()
		mu.Lock()
		defer mu.Unlock()
		return maxRSS, maxHeap, maxG, maxRuns
	}
}

// procStatus reads a "kB" field of /proc/self/status in bytes; 0 where there is no /proc.
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// ticks are CPU times in clock ticks (USER_HZ, 100 on Linux): this process's, and the
// machine's busy and total time over all cores. Zero where there is no /proc.
type ticks struct{ process, busy, total int64 }

func cpuTicks() ticks {
	var t ticks
	if stat, err := os.ReadFile("/proc/self/stat"); err == nil {
		// Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
			f := strings.Fields(string(stat[i+1:]))
			if len(f) > 12 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				s, _ := strconv.ParseInt(f[12], 10, 64)
				t.process = u + s
			}
		}
	}
	if stat, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(stat), "\n")
		for i, f := range strings.Fields(line)[1:] {
			n, _ := strconv.ParseInt(f, 10, 64)
			t.total += n
			if i != 3 && i != 4 { // idle, iowait
				t.busy += n
			}
		}
	}
	return t
}
