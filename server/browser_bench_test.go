package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// The browser benchmark is opt-in:
//
//	go test ./server -run TestBrowserBench -browser.bench -v
//	go test ./server -run TestBrowserBench -browser.bench -browser.bench.tasks 100000 \
//		-browser.bench.link '/play/readers-writers?readers=8&writers=4&rounds=10000&…&mode=seeded&seed=1&processors=4&view=time' -v
//
// It serves the real app with one more scenario, crowd, a worker pool big enough for a trace
// of about 100,000 events, and opens a seeded link to it in headless Chromium: the page loads
// the whole run over the socket, as anyone opening the link would, and replays it. It then
// reports the frame times of the page's timeline while it plays, while a zoomed view is panned
// with the wheel and while the playhead is dragged; how long the default scenario takes from
// pressing Run to the first events drawn; and the bytes of the page's HTML, JavaScript and
// CSS. The figures are reported, not asserted (a timed test fails on a busy machine); only the
// page's size, which does not depend on the machine, must stay within its goal.
var browserBench = flag.Bool("browser.bench", false, "run TestBrowserBench, the browser benchmark (it takes about a minute)")

// benchTasks is the size of the benchmark's link: ten events a task.
var benchTasks = flag.Int("browser.bench.tasks", 10_000, "tasks of the browser benchmark's crowd link (ten events each)")

// benchOther measures another seeded link instead of crowd's: a path and query the test
// server opens, for the lanes of other kinds at their biggest.
var benchOther = flag.String("browser.bench.link", "", "a seeded link (path and query) the browser benchmark measures instead of its crowd link (-browser.bench.tasks then only sets -max-events, to twelve an event)")

// Goals the figures are held against in the report.
const (
	benchFrameGoal = 16 * time.Millisecond  // median frame time, playing and panning
	benchFirstGoal = 300 * time.Millisecond // pressing Run to the first events drawn
	benchPageGoal  = 200 * 1000             // bytes of HTML, JavaScript and CSS, uncompressed
)

// benchLink opens the crowd scenario seeded, laid out by time (as its figures have always
// been): with 10,000 tasks, about 100,000 events and about 4 s of virtual time.
func benchLink() string {
	if *benchOther != "" {
		return *benchOther
	}
	return fmt.Sprintf("/play/crowd?workers=12&tasks=%d&task=1000&jitter=1000&mode=seeded&seed=1&processors=4&view=time", *benchTasks)
}

// crowdScenario is a worker pool grown for the benchmark: a feeder hands tasks through a
// buffered channel to the workers, who work on each, then count it under a mutex and on an
// atomic. Each task is ten events, so 10,000 tasks make a trace of about 100,000.
func crowdScenario() *scenarios.Scenario {
	return scenarios.NewScenario(scenarios.Scenario{
		ID:      "crowd",
		Title:   "Crowd",
		Summary: "A worker pool grown to about 100,000 events, for the browser benchmark.",
		Text:    []string{"A feeder sends tasks on a buffered channel; each worker takes one, works on it, then counts it under the `total` mutex and on the `done` atomic."},
		Params: []scenarios.Param{
			{Name: "workers", Label: "Workers", Min: 1, Max: 32, Step: 1, Default: 12, Help: "goroutines taking tasks"},
			{Name: "tasks", Label: "Tasks", Min: 1, Max: 200_000, Step: 1, Default: 10000, Help: "how many tasks the feeder sends"},
			{Name: "task", Label: "Task time", Min: 0, Max: 10000, Step: 10, Default: 1000, Unit: "µs", Help: "how long a task takes"},
			{Name: "jitter", Label: "Jitter", Min: 0, Max: 10000, Step: 10, Default: 1000, Unit: "µs", Help: "up to this much longer"},
		},
	}, func(g *stage.G, v scenarios.Values) []scenarios.Stat {
		us := func(name string) time.Duration { return time.Duration(v.Int(name)) * time.Microsecond }
		tasks := stage.NewChan[int](g, "tasks", 8)
		total := stage.NewMutex(g, "total")
		done := stage.NewAtomicInt(g, "done", 0)
		wg := stage.NewWaitGroup(g, "workers")
		counted := 0
		for w := range v.Int("workers") {
			wg.Add(g, 1)
			g.Go(fmt.Sprintf("worker %d", w), func(g *stage.G) {
				for range tasks.Range(g) {
					g.Work(us("task") + g.Jitter(us("jitter")))
					total.Lock(g)
					counted++
					total.Unlock(g)
					done.Add(g, 1)
				}
				wg.Done(g)
			})
		}
		g.Go("feeder", func(g *stage.G) {
			for t := range v.Int("tasks") {
				tasks.Send(g, t)
			}
			tasks.Close(g)
		})
		wg.Wait(g)
		return []scenarios.Stat{{Label: "tasks done", Value: strconv.Itoa(counted)}}
	})
}

// benchProbe is put into every page before its own script runs. It wraps the timeline's
// frame and draw (the page's own module, imported by URL: the same instance app.js uses) to
// time them, and notes when a Run click's run first has events drawn. Nothing of the page
// changes for it.
const benchProbe = `(() => {
  const b = window.__bench = { on: false, frames: [], clickAt: 0, firstAt: 0, oldTrace: null, tl: null, finishAt: 0, patched: false };
  addEventListener('click', (ev) => {
    if (!(ev.target instanceof Element) || !ev.target.closest('#run')) return;
    b.clickAt = ev.timeStamp;
    b.firstAt = 0;
    b.oldTrace = b.tl ? b.tl.trace : null;
  }, true);
  import('/web/timeline/timeline.js').then(({ Timeline }) => {
    const P = Timeline.prototype;
    const frame = P.frame, draw = P.draw, finish = P.finish;
    let drawMs = 0;
    P.draw = function () {
      const t = performance.now();
      draw.call(this);
      drawMs += performance.now() - t;
    };
    P.finish = function (d) {
      finish.call(this, d);
      b.finishAt = performance.now();
    };
    P.frame = function (now) {
      b.tl = this;
      drawMs = 0;
      const t = performance.now();
      frame.call(this, now);
      const end = performance.now();
      if (b.on) b.frames.push([now, end - t, drawMs]);
      if (b.clickAt && !b.firstAt && this.trace && this.trace !== b.oldTrace && this.lastCount > 0) b.firstAt = end;
    };
    b.patched = true;
  });
})()`

// frameStats are one phase's frames: the interval between animation frames, the time the
// timeline's frame took (drawing and telling the page), and its draw alone, in ms.
type frameStats struct {
	n                  int
	interval, work, dr []float64
}

// quantile is the nearest-rank q-quantile of xs: 0 is the least, 1 the greatest.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(max(int(math.Ceil(q*float64(len(s))))-1, 0), len(s)-1)]
}

func (f frameStats) row(name string) string {
	q := func(xs []float64) string {
		return fmt.Sprintf("%5.1f / %5.1f", quantile(xs, 0.5), quantile(xs, 0.95))
	}
	return fmt.Sprintf("%-34s %6d   %s ms   %s ms   %s ms", name, f.n, q(f.interval), q(f.work), q(f.dr))
}

// benchPhase collects the frames drawn while act runs.
func benchPhase(t *testing.T, ctx context.Context, act func()) frameStats {
	t.Helper()
	eval[bool](t, ctx, `window.__bench.frames = [], window.__bench.on = true, true`)
	act()
	raw := eval[string](t, ctx, `window.__bench.on = false, JSON.stringify(window.__bench.frames)`)
	var frames [][3]float64
	if err := json.Unmarshal([]byte(raw), &frames); err != nil {
		t.Fatalf("frames: %v", err)
	}
	var f frameStats
	f.n = len(frames)
	for i, fr := range frames {
		if i > 0 {
			f.interval = append(f.interval, fr[0]-frames[i-1][0])
		}
		f.work = append(f.work, fr[1])
		f.dr = append(f.dr, fr[2])
	}
	if f.n < 10 {
		t.Fatalf("only %d frames were drawn", f.n)
	}
	return f
}

// mouse dispatches one mouse event as the input device would.
func mouse(t *testing.T, ctx context.Context, p input.DispatchMouseEventParams) {
	t.Helper()
	if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, p); err != nil {
		t.Fatalf("mouse %s at %.0f,%.0f: %v", p.Type, p.X, p.Y, err)
	}
}

// streamMouse sends a mouse event every 8 ms for dur, as a mouse or trackpad reports them,
// each made by at(time since the first): it does not wait for the page to take one before
// sending the next (the protocol answers a wheel turn only after a frame or two).
func streamMouse(t *testing.T, ctx context.Context, dur time.Duration, at func(time.Duration) input.DispatchMouseEventParams) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	tick := time.NewTicker(8 * time.Millisecond)
	defer tick.Stop()
	for start := time.Now(); time.Since(start) < dur; <-tick.C {
		p := at(time.Since(start))
		wg.Go(func() {
			if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, p); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		t.Fatalf("mouse: %v", first)
	}
}

// settle waits two animation frames: the timeline states what it shows (its data-
// attributes) when it draws, in the frame after the input that changed it.
func settle(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("wait for a frame: %v", err)
	}
}

// canvasBox is the timeline canvas's box in the viewport, scrolled into view.
type canvasBox struct{ X, Y, W, H float64 }

func timelineBox(t *testing.T, ctx context.Context) canvasBox {
	t.Helper()
	raw := eval[string](t, ctx, `(() => { const c = document.getElementById('timeline');
		c.scrollIntoView({block: 'center'}); const r = c.getBoundingClientRect();
		return JSON.stringify({X: r.left, Y: r.top, W: r.width, H: r.height}) })()`)
	var b canvasBox
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		t.Fatalf("canvas box %s: %v", raw, err)
	}
	return b
}

func TestBrowserBench(t *testing.T) {
	if !*browserBench {
		t.Skip("the browser benchmark is opt-in: go test ./server -run TestBrowserBench -browser.bench -v")
	}
	ts := newTestServerWith(t, func(cfg *appConfig) {
		cfg.catalog = scenarios.NewCatalog(append(scenarios.New().All(), crowdScenario())...)
		cfg.limits.maxEvents = max(200_000, 12**benchTasks+1000) // room for the link's run
	})
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: benchProbe}); err != nil {
		t.Fatal(err)
	}
	ready := func() {
		t.Helper()
		waitPage(t, ctx, `window.__bench && window.__bench.patched`, "the probe did not wrap the timeline")
	}

	// ——— the page's size, and Run to the first events drawn, on the landing page ———
	openPage(t, ctx, ts.srv.URL+"/")
	ready()
	var sizes struct {
		HTML, JS, CSS, Other int
		Files                []string
	}
	if err := json.Unmarshal([]byte(eval[string](t, ctx, `(() => {
		const out = {HTML: 0, JS: 0, CSS: 0, Other: 0, Files: []};
		for (const e of performance.getEntriesByType('navigation')) { out.HTML += e.decodedBodySize; out.Files.push(new URL(e.name).pathname + ' ' + e.decodedBodySize); }
		for (const e of performance.getEntriesByType('resource')) {
			const p = new URL(e.name).pathname;
			if (p.startsWith('/api/') || p === '/ws') continue;
			const k = p.endsWith('.js') ? 'JS' : p.endsWith('.css') ? 'CSS' : 'Other';
			out[k] += e.decodedBodySize;
			out.Files.push(p + ' ' + e.decodedBodySize);
		}
		return JSON.stringify(out) })()`)), &sizes); err != nil {
		t.Fatal(err)
	}
	slices.Sort(sizes.Files)
	pageBytes := sizes.HTML + sizes.JS + sizes.CSS
	if sizes.HTML == 0 || sizes.JS == 0 || sizes.CSS == 0 {
		t.Errorf("the page's resources were not all measured: %v", sizes.Files)
	}
	if pageBytes > benchPageGoal {
		t.Errorf("the page's HTML, JavaScript and CSS are %d bytes, over the goal of %d: %v", pageBytes, benchPageGoal, sizes.Files)
	}

	waitPage(t, ctx, `document.getElementById('status').textContent === 'Ready.'`, "the socket did not connect")
	var firsts []float64
	for range 5 {
		click(t, ctx, "#run")
		waitPage(t, ctx, `window.__bench.firstAt > 0`, "no events were drawn after Run")
		firsts = append(firsts, eval[float64](t, ctx, `window.__bench.firstAt - window.__bench.clickAt`))
		if reason, failure := pageRunEnd(t, ctx); !strings.Contains(reason, "reason-done") {
			t.Fatalf("the channels run ended with %q %s", reason, failure)
		}
	}

	// ——— a 100,000-event seeded link ———
	// The JavaScript heap, collected, on the landing page and with the link's run in: what
	// the run holds, per event.
	heapUsed := func() float64 {
		t.Helper()
		if _, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		u, err := chromedp.Call(ctx, cdpruntime.GetHeapUsage, cdp.Empty{})
		if err != nil {
			t.Fatal(err)
		}
		return u.UsedSize
	}
	heapBefore := heapUsed()
	openPage(t, ctx, ts.srv.URL+benchLink())
	ready()
	reason, failure := pageRunEnd(t, ctx)
	if !strings.Contains(reason, "reason-done") {
		t.Fatalf("the crowd run ended with %q %s: %s", reason, failure, eval[string](t, ctx, `document.getElementById("status").textContent`))
	}
	loaded := eval[float64](t, ctx, `window.__bench.finishAt`)
	t.Logf("the whole run was in %.0f ms after the page began loading", loaded)
	stats := eval[string](t, ctx, `document.querySelector('#summary .stats').textContent`)
	events := 0
	lanes := eval[string](t, ctx, `window.__bench.tl.trace.goroutines.length + ' goroutines and ' + window.__bench.tl.trace.objects.length + ' objects'`)
	if _, after, ok := strings.Cut(stats, "events"); ok {
		for _, c := range after {
			if c < '0' || c > '9' {
				break
			}
			events = events*10 + int(c-'0')
		}
	}
	if events < 10**benchTasks && *benchOther == "" {
		t.Fatalf("the benchmark's trace has %d events, want at least %d (summary: %q)", events, 10**benchTasks, stats)
	}
	if n := eval[int](t, ctx, `window.__bench.tl.trace.events.length`); n != events {
		t.Fatalf("the page holds %d events, the summary says %d", n, events)
	}
	heapRun := heapUsed() - heapBefore
	tl := `document.getElementById('timeline').dataset`
	var box canvasBox
	// The link replays the run once it is in; wait for the replay to end, then play it again.
	// (A bigger link than the default replays for longer: ten seconds of virtual time a
	// 25,000 tasks.)
	if *benchOther != "" {
		// Another link's replay may last far longer: End stops it where it would stop.
		eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
		pressKeys(t, ctx, kb.End)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](tl+`.playing === 'false' && document.getElementById('play-pause').textContent === 'Replay'`,
		chromedp.WithPollingTimeout(10*time.Second+time.Duration(*benchTasks)*time.Second/2500))); err != nil {
		t.Fatalf("the replay did not end: %v", err)
	}
	screenshot(t, ctx, "loaded")

	// Playing: the whole run in view, from the start, at 1×.
	playing := benchPhase(t, ctx, func() {
		click(t, ctx, "#play-pause")
		waitPage(t, ctx, tl+`.playing === 'true'`, "Play did not play")
		time.Sleep(3 * time.Second)
	})
	if eval[string](t, ctx, tl+`.playing`) != "true" {
		t.Error("the replay ended before the 3 s measured: the figures are not all of playing")
	}
	screenshot(t, ctx, "playing")

	// Panning: a view of a sixteenth of the run, every event shown, moved by sideways wheel
	// turns over the lanes, right to left, for 3 s.
	eval[bool](t, ctx, `document.activeElement && document.activeElement.blur(), true`)
	pressKeys(t, ctx, kb.End)
	for range 4 {
		pressKeys(t, ctx, "+")
	}
	settle(t, ctx)
	view0 := eval[string](t, ctx, tl+`.view`)
	if view0 == "all" {
		t.Fatal("+ did not zoom in")
	}
	box = timelineBox(t, ctx)
	px, py := box.X+box.W*0.6, box.Y+box.H*0.5
	if id := eval[string](t, ctx, fmt.Sprintf(`(document.elementFromPoint(%f, %f) || {}).id || ''`, px, py)); id != "timeline" {
		t.Fatalf("the point %.0f,%.0f is over #%s, not the timeline", px, py, id)
	}
	panning := benchPhase(t, ctx, func() {
		streamMouse(t, ctx, 3*time.Second, func(time.Duration) input.DispatchMouseEventParams {
			// a sideways swipe, a little off level (the protocol wants both deltas non-zero)
			return input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseWheel, X: px, Y: py, DeltaX: -12, DeltaY: 1}
		})
	})
	settle(t, ctx)
	view1 := eval[string](t, ctx, tl+`.view`)
	if viewStart(t, view1) >= viewStart(t, view0) {
		t.Errorf("panning left moved the view from %s to %s", view0, view1)
	}
	screenshot(t, ctx, "panned")

	// Panning far from the playhead: a 1/256 view at the start of the run (zoomed with
	// Ctrl+wheel at the lanes' left edge, which leaves the playhead at the end), moved right.
	pressKeys(t, ctx, "0")
	settle(t, ctx)
	box = timelineBox(t, ctx)
	px, py = box.X+box.W*0.6, box.Y+box.H*0.5
	zx := box.X + eval[float64](t, ctx, `window.__bench.tl.labelW`) + 2
	for range 4 {
		mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseWheel, X: zx, Y: py, DeltaX: 0.1, DeltaY: -555, Modifiers: 2})
	}
	// The browser answers a Ctrl+wheel turn before the page has it (it comes as a pinch): when
	// frames are quick, two of them may pass before the view changes.
	waitPage(t, ctx, tl+`.view !== 'all'`, "Ctrl+wheel did not zoom")
	settle(t, ctx)
	view2 := eval[string](t, ctx, tl+`.view`)
	if viewStart(t, view2) > 100e6 && *benchOther == "" { // another link's run may be far longer
		t.Fatalf("Ctrl+wheel at the start zoomed to %s", view2)
	}
	panningFar := benchPhase(t, ctx, func() {
		streamMouse(t, ctx, 3*time.Second, func(time.Duration) input.DispatchMouseEventParams {
			return input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseWheel, X: px, Y: py, DeltaX: 3, DeltaY: 0.1}
		})
	})
	settle(t, ctx)
	if view3 := eval[string](t, ctx, tl+`.view`); viewStart(t, view3) <= viewStart(t, view2) {
		t.Errorf("panning right moved the view from %s to %s", view2, view3)
	}
	screenshot(t, ctx, "panned-far")

	// Scrubbing: the whole run in view, the playhead dragged from left to right over 3 s.
	// (From the start: pressing on an event the playhead has passed would pick it instead.)
	pressKeys(t, ctx, "0")
	pressKeys(t, ctx, kb.Home)
	box = timelineBox(t, ctx)
	py = box.Y + box.H*0.5
	left, right := box.X+box.W*0.35, box.X+box.W*0.95
	var ph0 string
	scrubbing := benchPhase(t, ctx, func() {
		mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMousePressed, X: left, Y: py, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1})
		settle(t, ctx)
		ph0 = eval[string](t, ctx, tl+`.playhead`)
		streamMouse(t, ctx, 3*time.Second, func(d time.Duration) input.DispatchMouseEventParams {
			x := left + (right-left)*d.Seconds()/3
			return input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: x, Y: py, Button: input.MouseButtonLeft, Buttons: 1}
		})
		mouse(t, ctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseReleased, X: right, Y: py, Button: input.MouseButtonLeft, Buttons: 0, ClickCount: 1})
	})
	settle(t, ctx)
	if a, b := atoi(t, ph0), atoi(t, eval[string](t, ctx, tl+`.playhead`)); b <= a {
		t.Errorf("dragging right moved the playhead from %d to %d", a, b)
	}

	med := quantile(firsts, 0.5)
	t.Logf("browser benchmark: headless Chromium, --disable-gpu (software rendering), %d×%d window", 1280, 900)
	t.Logf("trace: %d events of %s (%s); the link's whole run was in %.0f ms after the page began loading", events, lanes, benchLink(), loaded)
	t.Logf("JavaScript heap with the run in, collected: %.1f MB more than the landing page's, %.0f B an event", heapRun/1e6, heapRun/float64(events))
	t.Logf("%-34s %6s   %-13s      %-13s      %-13s", "frames (p50 / p95)", "frames", "interval", "frame()", "draw()")
	t.Logf("%s", playing.row("playing, whole run in view"))
	t.Logf("%s", panning.row("panning, 1/16 of the run in view"))
	t.Logf("%s", panningFar.row("panning, 1/256 at the start"))
	t.Logf("%s", scrubbing.row("dragging the playhead"))
	// The goal is the frame's work: at 60 Hz a frame comes every 16.7 ms, and a median
	// interval of 16.7 ms means the page drew at every one.
	t.Logf("frame time goal: median frame() ≤ %v: playing %s, panning %s and %s, dragging %s",
		benchFrameGoal, verdict(quantile(playing.work, 0.5), benchFrameGoal), verdict(quantile(panning.work, 0.5), benchFrameGoal),
		verdict(quantile(panningFar.work, 0.5), benchFrameGoal), verdict(quantile(scrubbing.work, 0.5), benchFrameGoal))
	t.Logf("Run → first events drawn (channels, defaults, %d runs): median %.0f ms, min %.0f, max %.0f, first %.0f; goal ≤ %v: %s",
		len(firsts), med, quantile(firsts, 0), quantile(firsts, 1), firsts[0], benchFirstGoal, verdict(med, benchFirstGoal))
	t.Logf("page (uncompressed): HTML %.1f KB + JS %.1f KB + CSS %.1f KB = %.1f KB; goal ≤ %d KB (other: %.1f KB)",
		kB(sizes.HTML), kB(sizes.JS), kB(sizes.CSS), kB(pageBytes), benchPageGoal/1000, kB(sizes.Other))
	t.Logf("files: %s", strings.Join(sizes.Files, ", "))
}

func kB(n int) float64 { return float64(n) / 1000 }

func verdict(ms float64, goal time.Duration) string {
	if time.Duration(ms*float64(time.Millisecond)) <= goal {
		return "met"
	}
	return "missed"
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

// viewStart reads the start of a zoomed view as the timeline states it ("t0-t1").
func viewStart(t *testing.T, view string) int64 {
	t.Helper()
	a, _, ok := strings.Cut(view, "-")
	if !ok {
		t.Fatalf("the timeline's view is %q, not zoomed", view)
	}
	return atoi(t, a)
}
