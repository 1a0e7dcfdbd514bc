package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// The golden protocol fixture is written from Go: one server message per line, as the socket
// sends them. This test feeds it through the page's own decoder (web/trace/) in a real
// browser and checks the model the decoder builds against what the messages say, then draws
// every run on a timeline, so a change on either side that the other does not follow fails
// here.

const protocolFixture = "protocol.golden.jsonl"

// A line the fixture marks as malformed must be refused by the decoder.
var malformedMark = regexp.MustCompile(`"_malformed"\s*:\s*true`)

// decoderReport is what the in-page check returns.
type decoderReport struct {
	Problems  []string `json:"problems"`
	Runs      int      `json:"runs"`
	Events    int      `json:"events"`
	Malformed int      `json:"malformed"`
	Drawn     int      `json:"drawn"`
	Runnable  int      `json:"runnable"` // runnable spans checked
	// selects checked, by what they did
	Selects struct {
		Woken    int `json:"woken"`    // waited, then received what a send sent
		Default  int `json:"default"`  // took the default
		Sent     int `json:"sent"`     // ran a send case, received by a plain receive
		Closed   int `json:"closed"`   // found a channel closed
		Deadlock int `json:"deadlock"` // blocked in a select for good
	} `json:"selects"`
	// timers, contexts and leaks checked, by what they did
	Timers struct {
		Fired     int `json:"fired"`     // a fire whose tick was received
		InSelect  int `json:"inSelect"`  // of those, received by a select
		Dropped   int `json:"dropped"`   // a ticker's tick dropped
		Drained   int `json:"drained"`   // a tick a Stop or Reset took out of the channel
		Stopped   int `json:"stopped"`   // a stop
		Cancelled int `json:"cancelled"` // a context cancelled by a goroutine
		Cascaded  int `json:"cascaded"`  // one cancelled with its parent
		Deadlines int `json:"deadlines"` // one cancelled by its deadline
		Leaked    int `json:"leaked"`    // a goroutine left blocked when main returned
	} `json:"timers"`
	// semaphores' and errgroups' events checked, by what they did
	Sema struct {
		Served   int `json:"served"`   // an Acquire that waited, then got its weight
		Canceled int `json:"canceled"` // one its context ended
		Refused  int `json:"refused"`  // a TryAcquire or a TryGo refused
		Released int `json:"released"` // a Release
		Members  int `json:"members"`  // a goroutine started by a group's Go
		Slotted  int `json:"slotted"`  // a Go that waited for a slot
		First    int `json:"first"`    // a group's first error
		Later    int `json:"later"`    // an error dropped
		Waited   int `json:"waited"`   // a Wait that returned the first error
	} `json:"sema"`
	// RWMutexes, Conds and Onces checked, by what they did
	Syncs struct {
		Readers   int `json:"readers"`   // read holds shown, two at once among them
		Together  int `json:"together"`  // read holds that overlapped another
		Writers   int `json:"writers"`   // writers that waited in Lock, then held it
		Tries     int `json:"tries"`     // TryRLocks, taken or kept out
		Wakes     int `json:"wakes"`     // goroutines woken, each with its arrow
		Lost      int `json:"lost"`      // signals no one waited for
		OnceWaits int `json:"onceWaits"` // Dos that waited for the function
		RLockDead int `json:"rlockDead"` // a deadlock in RLock behind a waiting writer
	} `json:"syncs"`
}

func TestBrowserDecoderReadsTheGoldenFixture(t *testing.T) {
	path := filepath.Join("testdata", protocolFixture)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is not there yet; nothing to check", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	var marked int
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := string(bytes.TrimSpace(sc.Bytes()))
		if line == "" {
			continue
		}
		if malformedMark.MatchString(line) {
			marked++
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(lines) == 0 {
		t.Fatalf("%s is empty", path)
	}
	arg, err := json.Marshal(lines)
	if err != nil {
		t.Fatal(err)
	}

	ts := newTestServer(t)
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.srv.URL+"/"),
		chromedp.WaitReady("#timeline"),
	); err != nil {
		t.Fatal(err)
	}
	rep, err := chromedp.Run(ctx, chromedp.Evaluate[decoderReport](
		"("+decoderCheckJS+")("+string(arg)+")", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run the decoder in the page: %v", err)
	}
	for _, p := range rep.Problems {
		t.Error(p)
	}
	if rep.Runs == 0 {
		t.Errorf("%s holds no run (no meta message)", path)
	}
	if rep.Malformed != marked {
		t.Errorf("the page saw %d lines marked malformed, Go counted %d", rep.Malformed, marked)
	}
	if rep.Drawn != rep.Runs {
		t.Errorf("drew %d of %d runs", rep.Drawn, rep.Runs)
	}
	// The seeded runs' waits for a processor are what the fixture has them for.
	if rep.Runnable < 2 {
		t.Errorf("the page found %d runnable spans in the fixture, want one closed and one left open", rep.Runnable)
	}
	// And the selects, one of each sort.
	if s := rep.Selects; s.Woken == 0 || s.Default == 0 || s.Sent == 0 || s.Closed == 0 || s.Deadlock == 0 {
		t.Errorf("the page checked selects %+v in the fixture, want at least one of each", s)
	}
	// And timers, tickers, contexts and leaks, one of each sort.
	if s := rep.Timers; s.Fired == 0 || s.InSelect == 0 || s.Dropped == 0 || s.Drained == 0 || s.Stopped == 0 ||
		s.Cancelled == 0 || s.Cascaded == 0 || s.Deadlines == 0 || s.Leaked == 0 {
		t.Errorf("the page checked timers %+v in the fixture, want at least one of each", s)
	}
	// And the weighted semaphore's and the errgroup's, one of each sort.
	if s := rep.Sema; s.Served == 0 || s.Canceled == 0 || s.Refused < 2 || s.Released == 0 || s.Members == 0 ||
		s.Slotted == 0 || s.First == 0 || s.Later == 0 || s.Waited == 0 {
		t.Errorf("the page checked semaphores and errgroups %+v in the fixture, want at least one of each", s)
	}
	// And the RWMutex, the Cond and the Once, one of each sort.
	if s := rep.Syncs; s.Readers == 0 || s.Together == 0 || s.Writers == 0 || s.Tries < 2 || s.Wakes == 0 || s.Lost == 0 || s.OnceWaits == 0 || s.RLockDead == 0 {
		t.Errorf("the page checked RWMutexes, Conds and Onces %+v in the fixture, want at least one of each", s)
	}
	t.Logf("%d lines: %d runs, %d events, %d lines marked malformed", len(lines), rep.Runs, rep.Events, rep.Malformed)
	screenshot(t, ctx, "fixture")
}

// decoderCheckJS is an async function of the fixture's lines that decodes them with the
// page's decoder and returns a decoderReport.
const decoderCheckJS = `async (lines) => {
  // the page's trace modules, as one namespace
  const P = Object.assign({}, ...await Promise.all(['decode', 'model', 'describe'].map((m) => import('/web/trace/' + m + '.js'))));
  const T = await import('/web/timeline/timeline.js');
  const problems = [];
  // Each connection numbers its runs from 1, so a fixture of several sessions repeats run
  // numbers: a meta starts a new run, and later lines of that number belong to it.
  const runs = new Map(); // run number → the latest run so numbered: {trace, fed, end, line, broken}
  const all = [];
  let malformed = 0;
  let events = 0;
  let runnable = 0;
  const selects = { woken: 0, default: 0, sent: 0, closed: 0, deadlock: 0 };
  const timers = { fired: 0, inSelect: 0, dropped: 0, drained: 0, stopped: 0, cancelled: 0, cascaded: 0, deadlines: 0, leaked: 0 };
  const sema = { served: 0, canceled: 0, refused: 0, released: 0, members: 0, slotted: 0, first: 0, later: 0, waited: 0 };
  const syncs = { readers: 0, together: 0, writers: 0, tries: 0, wakes: 0, lost: 0, onceWaits: 0, rlockDead: 0 };
  const say = (n, text) => problems.push('line ' + n + ': ' + text);

  lines.forEach((line, i) => {
    const n = i + 1;
    if (/"_malformed"\s*:\s*true/.test(line)) {
      // Decoded where it stands: on top of the run so far, which it must not be able to join.
      malformed++;
      try {
        const m = P.decodeMessage(line);
        if (m.type === 'events') {
          const r = runs.get(m.run);
          const tr = new P.Trace();
          if (r) tr.add(r.fed);
          tr.add(m.events);
        }
        say(n, 'marked malformed, but the decoder accepted it');
      } catch (e) {
        if (!(e instanceof P.ProtocolError)) say(n, 'the malformed line threw ' + e.name + ', not a ProtocolError: ' + e.message);
      }
      return;
    }
    let m;
    try {
      m = P.decodeMessage(line);
    } catch (e) {
      say(n, 'the decoder refused it: ' + e.message);
      return;
    }
    const r = runs.get(m.run);
    switch (m.type) {
      case 'meta': {
        if (r && !r.end) say(n, 'a meta for run ' + m.run + ' before the end of the run so numbered');
        const run = { id: m.run, trace: new P.Trace(), fed: [], end: null, line: n, broken: false };
        runs.set(m.run, run);
        all.push(run);
        break;
      }
      case 'events':
        if (!r) {
          say(n, 'events of run ' + m.run + ' before its meta');
          return;
        }
        if (r.end) say(n, 'events of run ' + m.run + ' after its end');
        events += m.events.length;
        if (r.broken) return;
        try {
          r.trace.add(m.events);
          r.fed.push(...m.events);
        } catch (e) {
          r.broken = true;
          say(n, 'run ' + m.run + ': ' + e.message);
        }
        break;
      case 'end':
        if (!r) {
          say(n, 'end of run ' + m.run + ' before its meta');
          return;
        }
        r.end = m;
        r.endLine = n;
        if (!r.broken) r.trace.finish(m);
        break;
    }
  });

  for (const r of all) {
    const run = 'run ' + r.id + ' (line ' + r.line + ')';
    const bad = (text) => problems.push(run + ': ' + text);
    const tr = r.trace;
    if (r.broken) continue;
    if (tr.events.length !== r.fed.length) bad('the trace holds ' + tr.events.length + ' events of the ' + r.fed.length + ' sent');
    if (r.end) {
      const s = r.end.stats;
      if (s.events !== tr.events.length) bad('the end says ' + s.events + ' events, the decoder holds ' + tr.events.length);
      const exact = r.end.reason === 'done';
      if (exact ? s.goroutines !== tr.goroutines.length : s.goroutines < tr.goroutines.length) bad('the end says ' + s.goroutines + ' goroutines, the decoder has ' + tr.goroutines.length + ' lanes');
      if (exact ? s.objects !== tr.objects.length : s.objects < tr.objects.length) bad('the end says ' + s.objects + ' objects, the decoder has ' + tr.objects.length + ' lanes');
    } else {
      bad('no end message');
    }

    // every lane a go or new event names exists, in order, with its name and kind
    const sendBegins = new Map(); // msg → the send-begin, or the select-begin of the send case, that offered it
    const recvEnds = []; // recv-ends and the select-ends of receive cases, but for closed channels
    const selectBegun = new Map(); // goroutine → its select-begin waiting for its end
    const selectPairs = []; // [select-begin, its select-end or null]
    const stepEvents = new Map(); // object → its atomic / wg-add events
    for (const e of tr.events) {
      switch (e.kind) {
        case 'go': {
          const g = tr.goroutine(e.child);
          if (!g) bad('event ' + e.seq + ' starts goroutine ' + e.child + ', which has no lane');
          else if (tr.goroutines[g.lane] !== g || (e.name && g.name !== e.name)) bad('goroutine ' + e.child + ' has lane ' + g.lane + ' named ' + JSON.stringify(g.name));
          break;
        }
        case 'new': {
          const o = tr.object(e.obj);
          if (!o) bad('event ' + e.seq + ' makes object ' + e.obj + ', which has no lane');
          else if (tr.objects[o.lane] !== o || (e.name && o.name !== e.name) || o.kind !== e.objKind) bad('object ' + e.obj + ' has lane ' + o.lane + ': ' + o.kind + ' ' + JSON.stringify(o.name));
          break;
        }
        case 'send-begin':
          sendBegins.set(e.msg, e);
          break;
        case 'fire':
          // the runtime's send into the timer's channel
          if (e.msg) sendBegins.set(e.msg, e);
          break;
        case 'recv-end':
          if (!e.closed) recvEnds.push(e);
          break;
        case 'select-begin':
          for (const c of e.cases) if (c.dir === 'send' && c.obj !== undefined) sendBegins.set(c.msg, e);
          selectBegun.set(e.g, e);
          break;
        case 'select-end': {
          const b = selectBegun.get(e.g);
          selectBegun.delete(e.g);
          if (!b) {
            bad('event ' + e.seq + ' ends a select that did not begin');
            break;
          }
          selectPairs.push([b, e]);
          if (b.cases[e.case].dir === 'recv' && !e.closed) recvEnds.push(e);
          break;
        }
        case 'atomic':
        case 'wg-add':
          if (!stepEvents.has(e.obj)) stepEvents.set(e.obj, []);
          stepEvents.get(e.obj).push(e);
          break;
      }
    }

    // every receive has its arrow, from its send-begin
    // (a fire's arrow leaves its timer's lane: the runtime has none)
    const sendArrows = tr.arrows.filter((a) => !a.cancel && !a.wake);
    const arrows = new Map(sendArrows.map((a) => [a.msg, a]));
    if (sendArrows.length !== recvEnds.length) bad(sendArrows.length + ' arrows for ' + recvEnds.length + ' receives');
    for (const e of recvEnds) {
      const a = arrows.get(e.msg);
      const s = sendBegins.get(e.msg);
      if (!s) bad('event ' + e.seq + ' receives message ' + e.msg + ', which no send-begin sent');
      else if (!a) bad('event ' + e.seq + ' receives message ' + e.msg + ' without an arrow');
      else if (a.from !== s.g || a.t0 !== s.t || a.to !== e.g || a.t1 !== e.t || a.obj !== e.obj || a.fromObj !== (s.kind === 'fire' ? s.obj : 0) || a.toObj) bad('the arrow of message ' + e.msg + ' runs ' + JSON.stringify(a) + ', not from event ' + s.seq + ' to event ' + e.seq);
    }

    // timers and tickers: every fire, dropped tick, stop and reset is on the lane; a tick
    // received is an arrow from the fire, one a Stop or Reset took out is none and leaves the
    // buffer; each sentence says what happened
    const said = (e, want) => {
      const text = P.describe(tr, e);
      if (text !== want) bad('the log says ' + JSON.stringify(text) + ' for event ' + e.seq + ', not ' + JSON.stringify(want));
    };
    const received = new Set(recvEnds.map((e) => e.msg));
    for (const e of tr.events) {
      const o = e.obj !== undefined ? tr.object(e.obj) : null;
      if (e.kind === 'fire') {
        const f = o.fires.find((x) => x.seq === e.seq);
        if (!f || f.dropped !== (e.op === 'dropped') || f.t !== e.t) bad(o.name + ' does not show the fire of event ' + e.seq + ': ' + JSON.stringify(f));
        if (e.op === 'dropped') {
          timers.dropped++;
          said(e, 'a tick of ' + o.name + ' is dropped: the last one was not taken');
          continue;
        }
        said(e, 'the ' + o.kind + ' ' + o.name + ' fires (due at ' + P.formatDuration(P.parseGoDuration(e.value)) + ')');
        const p = P.partner(tr, e);
        if (received.has(e.msg)) {
          timers.fired++;
          if (!p || p.msg !== e.msg || P.partner(tr, p) !== e) bad('the fire at event ' + e.seq + ' is paired with ' + JSON.stringify(p) + ', not its receive');
          if (p && p.kind === 'select-end') {
            timers.inSelect++;
            const b = tr.selectBegin(p);
            said(p, tr.gName(p.g) + "'s select took " + o.name + (p.t > b.t ? ' after ' + P.formatDuration(p.t - b.t) : ''));
          }
        } else if (!p || p.kind !== 'timer') {
          bad('the fire at event ' + e.seq + ', never received, is paired with ' + JSON.stringify(p) + ', not the Stop or Reset that took it out');
        }
      } else if (e.kind === 'timer') {
        const op = o.ops.find((x) => x.seq === e.seq);
        if (!op || op.op !== e.op) bad(o.name + ' does not show the ' + e.op + ' of event ' + e.seq);
        if (e.op === 'stop') timers.stopped++;
        if (e.msg) {
          timers.drained++;
          const step = o.fill.find((x) => x.seq === e.seq);
          if (!step || step.d !== -1 || step.n !== 0) bad('the tick ' + o.name + "'s " + e.op + ' at event ' + e.seq + ' took out still fills its buffer: ' + JSON.stringify(o.fill));
          if (tr.arrows.some((a) => a.msg === e.msg)) bad('the tick ' + e.op + ' took out of ' + o.name + ' has an arrow');
        }
        const who = tr.gName(e.g);
        const drained = e.msg ? '; its tick, never received, is taken out' : '';
        if (o.kind === 'ticker') said(e, who + ' stops ticker ' + o.name + drained);
        else if (e.op === 'stop' && e.value === 'true') said(e, who + ' stops timer ' + o.name + ': it had not fired' + drained);
        else {
          // not pending: it fired, or was stopped, before
          const before = tr.events.filter((x) => x.seq < e.seq && x.obj === e.obj && (x.kind === 'fire' || x.kind === 'timer')).pop();
          const was = before && before.kind === 'timer' ? 'it was already stopped' : 'it had already fired';
          const set = e.op === 'reset' ? 'resets timer ' + o.name + ' to fire in ' + P.formatDuration(e.dur) : 'stops timer ' + o.name;
          said(e, who + ' ' + set + ': ' + was + drained);
        }
      } else if (e.kind === 'cancel') {
        // a cancel marks and closes the context, and has an arrow from whoever cancelled it:
        // its parent's lane when it went with its parent, the goroutine, or none for a deadline
        const parent = o.parent ? tr.object(o.parent) : null;
        const cascade = !!parent && !!parent.cancel && parent.cancel.seq < e.seq;
        const a = tr.arrows.find((x) => x.cancel && x.toObj === o.id);
        if (!o.cancel || o.cancel.seq !== e.seq || o.closed !== e.t) bad(o.name + ' does not show its cancel at event ' + e.seq);
        if (cascade) {
          timers.cascaded++;
          if (!a || a.fromObj !== parent.id || a.t0 !== e.t || a.t1 !== e.t) bad(o.name + ', cancelled with ' + parent.name + ', has the arrow ' + JSON.stringify(a));
          said(e, o.name + ' is cancelled with its parent ' + parent.name + ': ' + e.value);
        } else if (e.g === 0) {
          timers.deadlines++;
          if (a) bad(o.name + "'s deadline passing has the arrow " + JSON.stringify(a));
          said(e, o.name + "'s deadline passes: " + e.value);
        } else {
          timers.cancelled++;
          if (!a || a.from !== e.g || a.fromObj || a.t0 !== e.t) bad(o.name + ', cancelled by ' + tr.gName(e.g) + ', has the arrow ' + JSON.stringify(a));
          said(e, tr.gName(e.g) + ' cancels ' + o.name + ': ' + e.value);
        }
        const p = P.partner(tr, e);
        if (p && !(p.closed && p.obj === e.obj)) bad('the cancel at event ' + e.seq + ' is paired with ' + JSON.stringify(p));
      }
    }
    // RWMutexes, Conds and Onces: every read hold is on its lane, apart from the others open
    // with it; a writer's wait in Lock ends where it holds the lock; each goroutine a Signal
    // or Broadcast woke has an arrow from it, and a lost one none; a Do that waited ends after
    // the function returned; each sentence says what happened
    for (const o of tr.objects) {
      if (o.kind === 'rwmutex') {
        const rl = tr.events.filter((e) => e.obj === o.id && (e.kind === 'rlock-end' || (e.kind === 'trylock' && e.op === 'rlock' && e.value === 'true')));
        if (o.reads.length !== rl.length) bad(o.name + ' shows ' + o.reads.length + ' read holds for ' + rl.length + ' read locks');
        o.reads.forEach((h, i) => {
          syncs.readers++;
          const with_ = o.reads.filter((x) => x !== h && x.t0 <= h.t0 && (x.t1 === null || x.t1 > h.t0));
          if (with_.length > 0) syncs.together++;
          if (with_.some((x) => x.row === h.row)) bad(o.name + "'s read hold " + i + ' shares its row with another open with it');
        });
        for (const w of o.writerWaits) {
          const held = o.holds.find((h) => h.g === w.g && h.t0 === w.t1);
          if (w.t1 !== null && !held) bad(o.name + ': ' + tr.gName(w.g) + "'s wait in Lock ends at " + w.t1 + ', where it does not hold the lock');
          if (held) syncs.writers++;
        }
        for (const e of tr.events.filter((x) => x.obj === o.id && x.kind === 'trylock')) {
          syncs.tries++;
          said(e, e.value === 'true' ? tr.gName(e.g) + ' tries ' + o.name + ' to read and holds it' : tr.gName(e.g) + ' tries ' + o.name + ' to read: it is taken, and ' + tr.gName(e.g) + ' does not wait');
        }
      } else if (o.kind === 'cond') {
        for (const w of o.wakes) {
          const e = tr.events.find((x) => x.seq === w.seq);
          const woken = tr.events.filter((x) => x.kind === 'cond-wait-end' && x.obj === o.id && e.msg && x.msg === e.msg);
          const arrows = tr.arrows.filter((a) => a.wake && a.obj === o.id && a.t0 === w.t && a.from === w.g);
          if (woken.length !== w.n || arrows.length !== woken.length || !woken.every((x) => arrows.some((a) => a.to === x.g && a.t1 === x.t))) bad(o.name + ': the ' + w.kind + ' at event ' + w.seq + ' woke ' + woken.length + ' with arrows ' + JSON.stringify(arrows));
          syncs.wakes += woken.length;
          if (w.lost) {
            syncs.lost++;
            said(e, tr.gName(e.g) + ' ' + (e.kind === 'signal' ? 'signals ' + o.name + ', but no one waits: the signal is lost' : 'broadcasts on ' + o.name + ', but no one waits: it is lost'));
          }
          for (const x of woken) {
            said(x, tr.gName(x.g) + ' is woken on ' + o.name + ' by ' + tr.gName(e.g) + "'s " + (e.kind === 'broadcast' ? 'Broadcast' : 'Signal') + '; it locks ' + o.mutexName + ' again');
            if (P.partner(tr, x) !== e || P.partner(tr, e) !== woken[0]) bad('the wake at event ' + x.seq + ' is not paired with its ' + e.kind);
          }
        }
      } else if (o.kind === 'once') {
        for (const w of o.waiters) {
          if (w.t1 === null) continue;
          syncs.onceWaits++;
          if (!o.run || o.run.t1 === null || o.run.t1 > w.t1) bad(o.name + ': a Do returns at ' + w.t1 + ' before its function did: ' + JSON.stringify(o.run));
        }
      }
    }
    for (const d of tr.events.filter((e) => e.kind === 'deadlock' && e.op === 'rlock')) {
      syncs.rlockDead++;
      said(d, tr.gName(d.g) + ' is deadlocked in RLock on ' + tr.oName(d.obj) + d.value.slice(('blocked in RLock on ' + tr.oName(d.obj)).length));
      if (!tr.object(d.obj).marks.some((m) => m.kind === 'deadlock' && m.g === d.g)) bad(tr.oName(d.obj) + ' has no deadlock mark for ' + tr.gName(d.g));
    }

    const cancelArrows = tr.arrows.filter((a) => a.cancel).length;
    const reached = tr.events.filter((e) => e.kind === 'cancel' && (e.g !== 0 || tr.object(tr.object(e.obj).parent)?.cancel?.seq < e.seq)).length;
    if (cancelArrows !== reached) bad(cancelArrows + ' cancel arrows for ' + reached + ' contexts a goroutine or a parent cancelled');

    // a run that ended with main's return and goroutines still blocked: each of those leaked,
    // its lane ends in a leak mark, and the trace lists it as the end message says
    if (r.end && r.end.reason === 'done') {
      const blocked = tr.goroutines.filter((g) => g.exit === null && g.open && g.open.kind === P.BLOCKED);
      if (tr.leaks.length !== blocked.length) bad(tr.leaks.length + ' leaks for ' + blocked.length + ' goroutines left blocked');
      for (const g of blocked) {
        timers.leaked++;
        const m = g.marks[g.marks.length - 1];
        const l = tr.leaks.find((x) => x.g === g);
        if (!m || m.kind !== 'leak' || m.t !== tr.lastT) bad(g.name + "'s lane does not end in a leak mark: " + JSON.stringify(m));
        if (!l || !r.end.leftover.includes(g.name + ' (' + l.doing + ')')) bad(g.name + ' leaked ' + JSON.stringify(l && l.doing) + ', which the end does not say: ' + JSON.stringify(r.end.leftover));
      }
    }

    // every -begin is a span of its kind on its goroutine's lane, ended by the goroutine's next
    // event (its -end, or a panic) or open (a deadlock, or a run that stopped there); where the
    // time went adds up to each life, and a wait for a processor counts as runnable, not running
    const SPAN_KINDS = { send: P.BLOCKED, recv: P.BLOCKED, lock: P.BLOCKED, wait: P.BLOCKED, select: P.BLOCKED, work: P.WORK, sleep: P.SLEEP, runnable: P.RUNNABLE,
      acquire: P.BLOCKED, 'group-go': P.BLOCKED, 'group-wait': P.BLOCKED,
      rlock: P.BLOCKED, 'cond-wait': P.BLOCKED, 'once-wait': P.BLOCKED };
    const own = new Map(tr.goroutines.map((g) => [g.id, []]));
    for (const e of tr.events) if (own.has(e.g)) own.get(e.g).push(e);
    const st = P.runStats(tr, r.end ? r.end.stats.duration : tr.lastT);
    tr.goroutines.forEach((g, gi) => {
      const evs = own.get(g.id);
      const begins = [];
      evs.forEach((e, i) => {
        if (e.kind.endsWith('-begin') && SPAN_KINDS[e.kind.slice(0, -6)]) begins.push([e, evs[i + 1]]);
      });
      if (g.spans.length !== begins.length) bad(g.name + ' has ' + g.spans.length + ' spans for ' + begins.length + ' begins');
      let waited = 0;
      begins.forEach(([b, next], i) => {
        const s = g.spans[i];
        if (!s) return;
        const kind = SPAN_KINDS[b.kind.slice(0, -6)];
        const t1 = !next || next.kind === 'deadlock' ? null : next.t;
        if (s.seq !== b.seq || s.kind !== kind || s.t0 !== b.t || s.t1 !== t1) bad(g.name + "'s span " + JSON.stringify(s) + ' does not match event ' + b.seq + ' (' + kind + ', ' + b.t + '–' + t1 + ')');
        if (kind !== P.RUNNABLE) return;
        runnable++;
        waited += (s.t1 ?? g.exit ?? Math.max(r.end.stats.duration, tr.lastT)) - s.t0;
        const said = [P.describe(tr, b), next ? P.describe(tr, next) : ''].join(' / ');
        if (!/waits for a processor/.test(said) || (next && !/gets a processor/.test(said))) bad('the log says ' + JSON.stringify(said) + ' for event ' + b.seq + ' and its end');
        const p = P.partner(tr, b);
        if ((p && p.seq) !== (next && next.kind === 'runnable-end' ? next.seq : null)) bad('event ' + b.seq + ' is paired with ' + JSON.stringify(p));
      });
      const row = st.goroutines[gi];
      const sum = row.running + row.working + row.runnable + row.blocked + row.sleeping;
      if (row.runnable !== waited || sum !== row.life) bad(g.name + ': where the time went ' + JSON.stringify({ ...row, g: undefined }) + ' for ' + waited + ' ns waiting for a processor');
    });

    // a select waits on each of its cases' channels, on that channel's lane, from its begin to
    // its end (or the end of the run); the waits on the channel of the case that ran are
    // marked; its sentences say what it did, and its partner is the other side of what it did
    for (const b of selectBegun.values()) selectPairs.push([b, null]);
    const waitsSeen = new Map(tr.objects.map((o) => [o.id, 0]));
    for (const [b, e] of selectPairs) {
      const g = tr.goroutine(b.g);
      const chans = [...new Set(b.cases.filter((c) => c.obj !== undefined).map((c) => c.obj))];
      const ran = e ? b.cases[e.case] : null;
      for (const id of chans) {
        const o = tr.object(id);
        const w = (o.waits.get(b.g) || []).find((x) => x.seq === b.seq);
        waitsSeen.set(id, waitsSeen.get(id) + 1);
        const want = { t0: b.t, t1: e ? e.t : null, chosen: !!ran && ran.obj === id };
        if (!w) bad(g.name + "'s select at event " + b.seq + ' has no wait on the lane of ' + o.name);
        else if (w.t0 !== want.t0 || w.t1 !== want.t1 || w.chosen !== want.chosen) bad(g.name + "'s wait on " + o.name + ' ' + JSON.stringify(w) + ' is not ' + JSON.stringify(want));
      }
      const said = [P.describe(tr, b), e ? P.describe(tr, e) : ''];
      if (!said[0].startsWith(g.name + (b.cases.some((c) => c.dir === 'default') ? ' selects' : ' waits in a select'))) bad('the log says ' + JSON.stringify(said[0]) + ' for event ' + b.seq);
      if (!e) {
        const d = tr.events.find((x) => x.kind === 'deadlock' && x.g === b.g);
        if (!d) continue;
        selects.deadlock++;
        const text = P.describe(tr, d);
        if (!text.startsWith(g.name + ' is deadlocked in select: ') || text.includes('::')) bad('the log says ' + JSON.stringify(text) + ' for a deadlock in a select');
        for (const id of chans) if (!tr.object(id).marks.some((m) => m.kind === 'deadlock' && m.g === b.g)) bad(tr.oName(id) + ' has no deadlock mark for ' + g.name + ', which waits on it for good');
        continue;
      }
      const p = P.partner(tr, e);
      const pb = P.partner(tr, b);
      let want;
      let words;
      if (ran.dir === 'default') {
        selects.default++;
        [want, words] = [b, "'s select took the default"];
      } else if (e.closed) {
        selects.closed++;
        // a context's Done is closed by its cancel
        const ctx = tr.object(e.obj).kind === 'context';
        [want, words] = [tr.events.find((x) => x.kind === (ctx ? 'cancel' : 'close') && x.obj === e.obj), "'s select " + (ctx ? 'saw ' + tr.oName(e.obj) + ' cancelled' : 'found ' + tr.oName(e.obj) + ' closed')];
      } else if (ran.dir === 'recv') {
        if (e.t > b.t) selects.woken++;
        [want, words] = [sendBegins.get(e.msg), "'s select took " + tr.oName(e.obj)];
      } else {
        want = recvEnds.find((x) => x.msg === e.msg);
        if (want && want.kind === 'recv-end') selects.sent++;
        words = "'s select sent " + ran.value + ' on ' + tr.oName(e.obj);
        if (pb !== want) bad('event ' + b.seq + ', a select whose send case ran, is paired with ' + JSON.stringify(pb) + ', not with the receive');
        if (want && P.partner(tr, want) !== b) bad('the receive at event ' + want.seq + ' is paired with ' + JSON.stringify(P.partner(tr, want)) + ', not with the select that sent it');
      }
      if (!want || p !== want) bad('event ' + e.seq + ' is paired with ' + JSON.stringify(p) + ', not ' + JSON.stringify(want));
      if (!said[1].startsWith(g.name + words)) bad('the log says ' + JSON.stringify(said[1]) + ' for event ' + e.seq + ', not "' + g.name + words + '…"');
    }
    for (const o of tr.objects) {
      if (!P.CHANNELS.has(o.kind)) continue;
      let n = 0;
      for (const ws of o.waits.values()) n += ws.length;
      if (n !== waitsSeen.get(o.id)) bad(o.name + ' shows ' + n + ' waits in selects, the events have ' + waitsSeen.get(o.id));
    }

    // a semaphore's weight in use steps as its acquires and releases say, each Acquire is a
    // waiter on its lane, and the sentences say what each did; an errgroup's goroutines active
    // step likewise, the goroutines its Go started are its members, and its errors are marked
    for (const o of tr.objects) {
      if (o.kind === 'semaphore') {
        const evs = tr.events.filter((e) => e.obj === o.id && (e.kind === 'acquire-end' || e.kind === 'sem-release'));
        if (o.steps.length !== evs.length || o.steps.some((s, i) => s.old !== evs[i].old || s.new !== evs[i].new || s.t !== evs[i].t)) bad(o.name + ' steps ' + JSON.stringify(o.steps) + ' are not its events');
        const asks = tr.events.filter((e) => e.obj === o.id && e.kind === 'acquire-begin');
        if (o.waiters.length !== asks.length) bad(o.name + ' shows ' + o.waiters.length + ' Acquires for ' + asks.length);
        for (const e of evs) {
          const who = tr.gName(e.g);
          if (e.kind === 'sem-release') {
            sema.released++;
            said(e, who + ' releases ' + e.value + ' of ' + o.name + ': ' + e.old + ' → ' + e.new + ' in use of ' + o.size);
          } else if (e.op === 'canceled') {
            sema.canceled++;
            said(e, who + ' gives up on ' + o.name + ': ' + e.value + '; it takes nothing');
          } else if (e.op === 'refused') {
            sema.refused++;
          } else {
            const w = o.waiters.find((x) => x.g === e.g && x.t1 === e.t && x.op === 'acquired');
            if (!w) bad(o.name + ' shows no waiter served at event ' + e.seq);
            else if (w.t1 > w.t0 || tr.events.some((x) => x.g === e.g && x.seq < e.seq && x.seq > w.seq)) sema.served++;
            said(e, who + ' acquires ' + (e.new - e.old) + ' of ' + o.name + ': ' + e.old + ' → ' + e.new + ' in use of ' + o.size);
          }
        }
      }
      if (o.kind !== 'errgroup') continue;
      const evs = tr.events.filter((e) => e.obj === o.id && ((e.kind === 'group-go-end' && e.op !== 'refused') || e.kind === 'group-done'));
      if (o.steps.length !== evs.length || o.steps.some((s, i) => s.old !== evs[i].old || s.new !== evs[i].new)) bad(o.name + ' steps ' + JSON.stringify(o.steps) + ' are not its events');
      const members = tr.goroutines.filter((g) => g.group === o.id).map((g) => g.id);
      const done = tr.events.filter((e) => e.obj === o.id && e.kind === 'group-done').map((e) => e.g);
      if (JSON.stringify(members) !== JSON.stringify(o.members) || done.some((g) => !members.includes(g))) bad(o.name + ' has members ' + JSON.stringify(o.members) + ', its goroutines returning are ' + JSON.stringify(done));
      sema.members += members.length;
      sema.slotted += o.goers.length;
      for (const e of tr.events) {
        if (e.obj !== o.id) continue;
        const who = tr.gName(e.g);
        if (e.kind === 'group-go-end' && e.op === 'refused') {
          sema.refused++;
          said(e, who + "'s TryGo on " + o.name + ' is refused: ' + e.old + ' of its limit active');
        } else if (e.kind === 'group-done' && e.op === 'first') {
          sema.first++;
          if (o.first?.g !== e.g) bad(o.name + "'s first error is " + JSON.stringify(o.first));
          said(e, who + ' returns the first error of ' + o.name + ': ' + e.value + "; it cancels the group's context");
        } else if (e.kind === 'group-done' && e.op === 'later') {
          sema.later++;
        } else if (e.kind === 'group-wait-end' && e.value) {
          sema.waited++;
          if (e.value !== o.first?.value) bad(o.name + "'s Wait returns " + e.value + ', its first error was ' + JSON.stringify(o.first));
          said(e, who + "'s Wait on " + o.name + ' returns the first error: ' + e.value);
        }
      }
    }

    // atomic values and waitgroup counters chain, step by step, as their ops say
    for (const o of tr.objects) {
      if (o.kind === 'chan' && o.cap > 0) {
        const over = o.fill.find((f) => f.n < 0 || f.n > o.cap);
        if (over) bad('channel ' + o.name + ' shows ' + over.n + ' buffered of ' + o.cap);
      }
      if (o.kind !== 'atomic' && o.kind !== 'waitgroup') continue;
      const evs = stepEvents.get(o.id) || [];
      if (o.steps.length !== evs.length) bad(o.name + ' has ' + o.steps.length + ' steps for ' + evs.length + ' events');
      let v = o.initial;
      o.steps.forEach((s, i) => {
        const e = evs[i];
        const at = o.name + ' step ' + (i + 1) + (e ? ' (event ' + e.seq + ')' : '');
        if (s.old !== v) bad(at + ' starts from ' + s.old + ', but the step before left ' + v);
        if (e && (s.old !== e.old || s.new !== e.new || s.op !== e.op)) bad(at + ' does not match its event');
        const arg = Number(s.value);
        let want = s.new;
        switch (s.op) {
          case 'add': case 'done': want = s.old + arg; break;
          case 'load': want = s.old; break;
          case 'store': case 'swap': want = arg; break;
          case 'cas': {
            const [from, to] = String(s.value).split('→').map(Number);
            want = s.old === from ? to : s.old;
            break;
          }
        }
        if (s.new !== want) bad(at + ': ' + s.op + ' ' + s.value + ' takes ' + s.old + ' to ' + s.new + ', not ' + want);
        if (o.kind === 'waitgroup' && s.new < 0) bad(at + ': the counter goes below zero');
        v = s.new;
      });
    }
  }

  // every run draws, whole and halfway
  let drawn = 0;
  let last = null;
  for (const r of all) {
    if (r.broken) continue;
    const wrap = document.createElement('div');
    const canvas = document.createElement('canvas');
    wrap.className = 'fixture-run';
    wrap.append(canvas);
    if (last) last.remove();
    document.body.prepend(wrap);
    last = wrap;
    try {
      const tl = new T.Timeline(canvas, wrap);
      tl.startLive(r.trace, 1);
      tl.dataArrived();
      tl.draw();
      tl.finish(r.end ? r.end.stats.duration : r.trace.lastT);
      tl.draw();
      tl.seek(tl.endT / 2);
      tl.draw();
      tl.seek(tl.endT);
      tl.draw();
      drawn++;
    } catch (e) {
      problems.push('run ' + r.id + ' (line ' + r.line + '): drawing it threw ' + e.name + ': ' + e.message);
    }
  }
  return { problems, runs: all.length, events, malformed, drawn, runnable, selects, timers, sema, syncs };
}`
