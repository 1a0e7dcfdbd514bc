// A trace in the Chrome Trace Event Format, which Perfetto opens, made from the events the
// page received: for live runs, which the server cannot run again. It is the server's
// conversion (stage.ChromeTrace, scenarios/stage/chrome.go) line for line, and a browser test
// holds the two to the same output for one run. Loaded only when someone exports.

const micros = (ns) => ns / 1000;

// A number as Go prints one: what a counter given as text must look like.
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

const BEGINS = new Set(['send-begin', 'recv-begin', 'lock-begin', 'work-begin', 'sleep-begin', 'wait-begin', 'runnable-begin', 'select-begin',
  'acquire-begin', 'group-go-begin', 'group-wait-begin', 'rlock-begin', 'cond-wait-begin', 'once-wait-begin']);
const ENDS = new Set(['send-end', 'recv-end', 'lock-end', 'work-end', 'sleep-end', 'wait-end', 'runnable-end', 'select-end',
  'acquire-end', 'group-go-end', 'group-wait-end', 'rlock-end', 'cond-wait-end', 'once-wait-end']);
// a wake's arrow id is its cond-wait-end's seq past this, apart from every message's
const WAKE_FLOW_BASE = 2 ** 32;
const NOTED = new Set(['panic', 'borrow-error', 'not-sync', 'deadlock']);

/** chromeTrace converts wire events (as the socket sends them) to a Chrome trace object. */
export function chromeTrace(events) {
  const objects = new Map(); // new events, by object
  const open = new Map(); // the -begin each goroutine is in
  const sends = new Map(); // send-begin by message
  const wakes = new Map(); // a Cond's signal or broadcast by its wake
  const fill = new Map(); // values in each buffered channel, as far as the trace shows
  // entry is one trace event; like Go's omitempty, it leaves out a zero tid or id and empty text.
  const entry = (name, ph, ts, more) => {
    const o = { name, ph, ts, pid: 1, ...more };
    for (const k of ['cat', 'tid', 'id', 'bp', 's']) if (!o[k]) delete o[k];
    return o;
  };
  const out = [entry('process_name', 'M', 0, { args: { name: 'interleave run' } })];
  const objName = (obj) => (objects.has(obj) ? objects.get(obj).name ?? '' : `object ${obj}`);
  const counter = (ns, name, value) => out.push(entry(name, 'C', micros(ns), { args: { value } }));
  const numberCounter = (ns, name, text) => {
    const v = Number(text);
    if (DECIMAL.test(text) && Number.isFinite(v)) counter(ns, name, v);
  };
  const instant = (e, name) => out.push(entry(name, 'i', micros(e.t), { tid: e.g, s: 't', args: { line: e.line ?? 0 } }));

  const slice = (begin, end) => {
    let name = '';
    let cat = 'blocked';
    const on = objName(begin.obj);
    switch (begin.kind) {
      case 'send-begin': name = `send ${begin.value ?? ''} on ${on}`; break;
      case 'recv-begin': name = `receive from ${on}`; break;
      case 'lock-begin': name = `lock ${on}`; break;
      case 'wait-begin': name = `wait for ${on}`; break;
      case 'rlock-begin': name = `read-lock ${on}`; break;
      case 'cond-wait-begin': name = `wait on ${on}`; break;
      case 'once-wait-begin': name = `Do on ${on}`; break;
      case 'work-begin': [name, cat] = ['work', 'working']; break;
      case 'sleep-begin': [name, cat] = ['sleep', 'sleeping']; break;
      case 'runnable-begin': [name, cat] = ['waiting for a processor', 'runnable']; break;
      case 'select-begin': name = 'select'; break;
      case 'acquire-begin':
        name = `acquire ${begin.value ?? ''} of ${on}`;
        if (begin.op === 'try') name = `try to ${name}`;
        break;
      case 'group-go-begin': name = `go in ${on}`; break;
      case 'group-wait-begin': name = `wait for ${on}`; break;
    }
    // a nanosecond longer than the stretch, so that a flow landing on its end is inside it
    const dur = micros(end - begin.t) + 0.001;
    out.push(entry(name, 'X', micros(begin.t), { cat, dur, tid: begin.g, args: { line: begin.line ?? 0 } }));
  };

  // ended adds what a finished operation implies: the arrow of a received message, the buffer.
  const ended = (begin, e) => {
    const o = objects.get(e.obj) || {};
    const cap = o.cap ?? 0;
    const buffered = `${o.name ?? ''} buffered`;
    let kind = e.kind;
    if (kind === 'cond-wait-end') {
      // one arrow for each goroutine woken: a broadcast's share their start
      const w = wakes.get(e.msg);
      if (w) {
        const id = WAKE_FLOW_BASE + e.seq;
        out.push(entry('wake', 's', micros(w.t), { cat: 'wake', tid: w.g, id }),
          entry('wake', 'f', micros(e.t), { cat: 'wake', tid: e.g, id, bp: 'e' }));
      }
      return;
    }
    const cases = begin.cases || [];
    if (kind === 'select-end' && e.obj && (e.case ?? 0) < cases.length) {
      // a select's case ran: its send or receive ends as a plain one does
      kind = cases[e.case ?? 0].dir === 'send' ? 'send-end' : 'recv-end';
    }
    if (kind === 'acquire-end') counter(e.t, `${o.name ?? ''} in use`, e.new ?? 0);
    if (kind === 'group-go-end') counter(e.t, `${o.name ?? ''} active`, e.new ?? 0);
    if (kind === 'send-end' && cap > 0) {
      fill.set(e.obj, Math.min((fill.get(e.obj) ?? 0) + 1, cap));
      counter(e.t, buffered, fill.get(e.obj));
    }
    if (kind !== 'recv-end' || e.closed) return;
    if (cap > 0) {
      fill.set(e.obj, Math.max((fill.get(e.obj) ?? 0) - 1, 0));
      counter(e.t, buffered, fill.get(e.obj));
    }
    const send = sends.get(e.msg);
    if (send) {
      out.push(entry('message', 's', micros(send.t), { cat: 'message', tid: send.g, id: e.msg }),
        entry('message', 'f', micros(e.t), { cat: 'message', tid: e.g, id: e.msg, bp: 'e' }));
    }
  };

  let runtimeNamed = false;
  for (const e of events) {
    const k = e.kind;
    if (k === 'go') {
      out.push(entry('thread_name', 'M', 0, { tid: e.child, args: { name: e.name ?? '' } }),
        entry('thread_sort_index', 'M', 0, { tid: e.child, args: { sort_index: e.child } }));
    } else if (k === 'new') {
      objects.set(e.obj, e);
      if (e.objKind === 'atomic' || e.objKind === 'cell') numberCounter(e.t, e.name ?? '', e.value ?? '');
      else if (e.objKind === 'refcell') counter(e.t, `${e.name ?? ''} borrows`, 0);
      else if (e.objKind === 'semaphore') counter(e.t, `${e.name ?? ''} in use`, 0);
      else if (e.objKind === 'errgroup') counter(e.t, `${e.name ?? ''} active`, 0);
    } else if (k === 'cell-set') {
      numberCounter(e.t, objName(e.obj), e.value ?? '');
    } else if (k === 'borrow' || k === 'borrow-mut' || k === 'release') {
      counter(e.t, `${objName(e.obj)} borrows`, e.borrows ?? 0);
    } else if (BEGINS.has(k)) {
      open.set(e.g, e);
      if (k === 'send-begin') sends.set(e.msg, e);
      for (const c of e.cases || []) if (c.dir === 'send' && c.msg) sends.set(c.msg, e);
    } else if (k === 'fire') {
      if (!runtimeNamed) {
        // timers fire on tid 0, which no goroutine of the scenario is
        runtimeNamed = true;
        out.push(entry('thread_name', 'M', 0, { tid: e.g, args: { name: 'runtime (timers)' } }));
      }
      if (e.msg) sends.set(e.msg, e);
      instant(e, `fire ${objName(e.obj)}: ${e.value ?? ''}`);
    } else if (k === 'timer') {
      instant(e, `${e.op ?? ''} ${objName(e.obj)}`);
    } else if (k === 'cancel') {
      instant(e, `cancel ${objName(e.obj)}: ${e.value ?? ''}`);
    } else if (k === 'signal' || k === 'broadcast') {
      if (e.msg) wakes.set(e.msg, e);
      instant(e, `${k} ${objName(e.obj)}${e.op === 'lost' ? ': lost' : ''}`);
    } else if (k === 'trylock') {
      instant(e, `${e.op === 'rlock' ? 'TryRLock' : 'TryLock'} ${objName(e.obj)}: ${e.value ?? ''}`);
    } else if (k === 'once-run') {
      instant(e, `once ${objName(e.obj)}: runs its function`);
    } else if (k === 'once-done') {
      instant(e, `once ${objName(e.obj)}: done`);
    } else if (ENDS.has(k)) {
      const begin = open.get(e.g);
      if (!begin) continue;
      open.delete(e.g);
      slice(begin, e.t);
      ended(begin, e);
    } else if (k === 'atomic') {
      counter(e.t, objName(e.obj), e.new ?? 0);
      instant(e, `${e.op ?? ''} ${objName(e.obj)}: ${e.old ?? 0} → ${e.new ?? 0}`);
    } else if (k === 'sem-release') {
      counter(e.t, `${objName(e.obj)} in use`, e.new ?? 0);
      instant(e, `release ${e.value ?? ''} of ${objName(e.obj)}`);
    } else if (k === 'group-limit') {
      instant(e, `limit ${objName(e.obj)}: ${e.value ?? ''}`);
    } else if (k === 'group-done') {
      counter(e.t, `${objName(e.obj)} active`, e.new ?? 0);
      if (e.op) instant(e, `${e.op} error in ${objName(e.obj)}: ${e.value ?? ''}`);
    } else if (k === 'close') {
      instant(e, `close ${objName(e.obj)}`);
    } else if (k === 'print') {
      instant(e, `print: ${e.value ?? ''}`);
    } else if (NOTED.has(k)) {
      instant(e, `${k}: ${e.value ?? ''}`);
    }
  }
  // stretches still open when the run ended (goroutines blocked at the end) end with it
  if (events.length > 0) {
    const last = events[events.length - 1].t;
    for (let g = 1; open.size > 0 && g <= events.length; g++) {
      if (open.has(g)) {
        slice(open.get(g), last);
        open.delete(g);
      }
    }
  }
  return { traceEvents: out, displayTimeUnit: 'ns' };
}
