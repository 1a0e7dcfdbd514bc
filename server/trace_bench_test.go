package main

import (
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	rtmetrics "runtime/metrics"
	"sync"
	"testing"
	"time"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// BenchmarkTraceAPI answers the trace of a seeded ping of 10 k and of 1 M events through the
// API's handler, the HTTP server left out, as JSON and as a Chrome trace, and reports the
// rate and the memory it takes beyond the run's own store: a long trace must cost what a
// short one does, per event.
func BenchmarkTraceAPI(b *testing.B) {
	cfg := appConfig{catalog: testCatalog(), log: slog.New(slog.DiscardHandler), limits: defaultLimits()}
	cfg.limits.maxEvents = 2_000_000
	cfg.limits.maxRunTime = time.Minute
	cfg.limits.apiTimeout = time.Minute
	cfg.limits.apiRate, cfg.limits.apiBurst = 1e6, 1e6
	a := newApp(cfg)
	defer a.stop()
	for _, format := range []string{"json", "chrome"} {
		for _, rounds := range []int{1_250, 125_000} {
			events := 8*rounds + 8 // go, new and exit events besides the rounds' eight
			b.Run(fmt.Sprintf("format=%s/events=%d", format, events), func(b *testing.B) {
				benchTraceAnswer(b, a, fmt.Sprintf("/api/scenarios/ping/trace?rounds=%d&seed=1&format=%s", rounds, format), events)
			})
		}
	}
}

// BenchmarkTraceAPIWorkerPool is BenchmarkTraceAPI for the biggest run a page can ask for:
// worker-pool at 100,000 tasks and 16 workers, seeded, some 1.2 M events (ten a task, and
// the runnable waits of sixteen workers on four processors), within the default limits.
func BenchmarkTraceAPIWorkerPool(b *testing.B) {
	cfg := appConfig{catalog: scenarios.New(), log: slog.New(slog.DiscardHandler), limits: defaultLimits()}
	cfg.limits.apiTimeout = time.Minute
	cfg.limits.apiRate, cfg.limits.apiBurst = 1e6, 1e6
	a := newApp(cfg)
	defer a.stop()
	s, _ := a.catalog.Lookup("worker-pool")
	vals := s.Defaults()
	vals["tasks"], vals["workers"] = 100_000, 16
	r := s.Start(context.Background(), a.limits.runConfig(scenarios.Settings{Mode: stage.Seeded, Seed: 1, Processors: 4, Speed: 1}), vals)
	<-r.Done()
	if r.End().Reason != stage.ReasonDone {
		b.Fatalf("the run ended %s: %s", r.End().Reason, r.End().Message)
	}
	benchTraceAnswer(b, a, "/api/scenarios/worker-pool/trace?"+s.Query(vals)+"&seed=1&processors=4", r.Len())
}

// benchTraceAnswer has a's API answer url, a trace of events events, b.N times, and reports
// its rate, its bytes an event and the peak of the heap one answer takes beyond where it began.
func benchTraceAnswer(b *testing.B, a *app, url string, events int) {
	b.Helper()
	get := func() int64 {
		w := &countingWriter{header: http.Header{}}
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Host = "localhost"
		a.echo.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("%s: %d", url, w.code)
		}
		return w.n
	}
	// The peak of one answer, from a collected heap: over many, it would be the collector's
	// pacing that shows.
	peak := newHeapPeak()
	body := get()
	grown := peak.stop()
	b.ResetTimer()
	for range b.N {
		get()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*events)/b.Elapsed().Seconds()/1e6, "Mevents/s")
	b.ReportMetric(float64(body)/float64(events), "B/event-sent")
	b.ReportMetric(float64(grown)/float64(events), "peakB/event")
}

// countingWriter is a ResponseWriter that counts the body and keeps none of it.
type countingWriter struct {
	header http.Header
	code   int
	n      int64
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += int64(len(p))
	return len(p), nil
}

// heapPeak samples the live heap while a benchmark runs and reports how far it rose above
// where it began.
type heapPeak struct {
	base    uint64
	max     uint64
	stopped chan struct{}
	wg      sync.WaitGroup
}

func newHeapPeak() *heapPeak {
	runtime.GC()
	p := &heapPeak{stopped: make(chan struct{})}
	p.base = heapObjects()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stopped:
				return
			case <-tick.C:
				p.max = max(p.max, heapObjects())
			}
		}
	}()
	return p
}

func (p *heapPeak) stop() uint64 {
	close(p.stopped)
	p.wg.Wait()
	if p.max < p.base {
		return 0
	}
	return p.max - p.base
}

func heapObjects() uint64 {
	s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkWireCompression encodes a seeded worker-pool's event batches as the socket sends
// them, as JSON and as binary batches, and deflates them as it does to a client that takes
// permessage-deflate, at the socket's level; it reports bytes and CPU (encoding and
// deflating) an event.
func BenchmarkWireCompression(b *testing.B) {
	s, _ := scenarios.New().Lookup("worker-pool")
	vals := s.Defaults()
	vals["tasks"], vals["workers"] = 60, 8
	r := s.Start(context.Background(), stage.Config{Mode: stage.Seeded, Seed: 3}, vals)
	<-r.Done()
	events := r.Events(0, nil)
	// Each encoding's start begins a run's encoding (a binary run's string tables) and
	// returns its encoder of the next message.
	type encode func(buf []byte, events []stage.Event) ([]byte, int)
	encodings := []struct {
		name  string
		start func() encode
	}{
		{"json", func() encode {
			return func(buf []byte, events []stage.Event) ([]byte, int) { return nextMessage(buf, 1, events) }
		}},
		{"binary", func() encode {
			enc := stage.NewBatchEncoder()
			return func(buf []byte, events []stage.Event) ([]byte, int) {
				return enc.AppendBatch(buf, 1, events[:min(len(events), maxBatch)], maxMessageBytes)
			}
		}},
	}
	for _, enc := range encodings {
		b.Run("encoding="+enc.name, func(b *testing.B) {
			var out bytes.Buffer
			w, err := flate.NewWriter(&out, wireCompression)
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 2*maxMessageBytes)
			plain, packed := 0, 0
			for range b.N {
				plain, packed = 0, 0
				next := enc.start()
				for from := 0; from < len(events); {
					var n int
					buf, n = next(buf[:0], events[from:])
					from += n
					out.Reset()
					w.Reset(&out)
					_, _ = w.Write(buf)
					_ = w.Flush()
					plain += len(buf)
					packed += out.Len()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
			b.ReportMetric(float64(plain)/float64(len(events)), "B/event")
			b.ReportMetric(float64(packed)/float64(len(events)), "B/event-deflated")
		})
	}
}
