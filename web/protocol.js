// The wire protocol: checks every server message and turns a run's events into a trace the
// timeline can draw. The schema is defined in Go (stage.SchemaVersion, stage.Event); this file
// refuses anything else rather than drawing nonsense.

export const SCHEMA_VERSION = 1;

export const KINDS = new Set([
  'go', 'exit', 'new',
  'send-begin', 'send-end', 'recv-begin', 'recv-end', 'close',
  'lock-begin', 'lock-end', 'unlock',
  'atomic',
  'work-begin', 'work-end', 'sleep-begin', 'sleep-end',
  'print', 'panic',
]);

const TYPES = new Set(['meta', 'events', 'end', 'error']);
const REASONS = new Set(['done', 'panic', 'truncated', 'stopped', 'deadlock']);
const OBJ_KINDS = new Set(['chan', 'mutex', 'atomic']);
const ATOMIC_OPS = new Set(['add', 'load', 'store', 'swap', 'cas']);

/** ProtocolError is a message the browser cannot use. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProtocolError';
  }
}

function fail(msg) {
  throw new ProtocolError(msg);
}

const isInt = (x) => Number.isSafeInteger(x);
const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);


/**
 * decodeMessage parses (when given text) and checks one server message. It returns the
 * message object; it throws a ProtocolError naming what is wrong.
 */
export function decodeMessage(data) {
  let m = data;
  if (typeof data === 'string') {
    try {
      m = JSON.parse(data);
    } catch (e) {
      fail(`server message is not JSON: ${e.message}`);
    }
  }
  if (!isObj(m)) fail('server message is not a JSON object');
  if (m.v !== SCHEMA_VERSION) fail(`server speaks protocol version ${JSON.stringify(m.v)}, this page understands ${SCHEMA_VERSION}; reload the page`);
  if (!TYPES.has(m.type)) fail(`unknown server message type ${JSON.stringify(m.type)}`);
  const t = m.type;
  if (t !== 'error' && !(isInt(m.run) && m.run > 0)) fail(`${t} message without a run number`);
  switch (t) {
    case 'meta':
      if (typeof m.scenario !== 'string') fail('meta message without a scenario');
      if (!isObj(m.params)) fail('meta message without params');
      for (const [k, v] of Object.entries(m.params)) {
        if (typeof v !== 'number') fail(`meta param ${k} is not a number`);
      }
      if (!(m.speed === undefined || (typeof m.speed === 'number' && m.speed > 0))) fail('meta speed is not a positive number');
      break;
    case 'events':
      if (!Array.isArray(m.events)) fail('events message without an events array');
      for (const e of m.events) checkEvent(e);
      break;
    case 'end':
      if (!REASONS.has(m.reason)) fail(`end message with unknown reason ${JSON.stringify(m.reason)}`);
      if (typeof m.message !== 'string') fail('end message without a message');
      if (!isObj(m.stats)) fail('end message without stats');
      for (const k of ['events', 'goroutines', 'objects', 'duration']) {
        if (!(isInt(m.stats[k]) && m.stats[k] >= 0)) fail(`end stats.${k} is not a count`);
      }
      if (m.leftover == null) m.leftover = [];
      if (!(Array.isArray(m.leftover) && m.leftover.every((s) => typeof s === 'string'))) fail('end leftover is not a list of text');
      if (m.summary == null) m.summary = [];
      if (!(Array.isArray(m.summary) && m.summary.every((s) => isObj(s) && typeof s.label === 'string' && typeof s.value === 'string'))) fail('end summary is not a list of {label, value}');
      break;
    case 'error':
      if (!(typeof m.message === 'string' && m.message !== '')) fail('error message without text');
      break;
  }
  return m;
}

const INT_FIELDS = ['obj', 'msg', 'line', 'child', 'cap', 'old', 'new', 'dur'];
const TEXT_FIELDS = ['value', 'name', 'op'];

function checkEvent(e) {
  if (!isObj(e)) fail('an event is not an object');
  if (!isInt(e.seq) || e.seq <= 0) fail(`event with bad seq ${JSON.stringify(e.seq)}`);
  const at = () => `event ${e.seq}`;
  if (!(isInt(e.t) && e.t >= 0)) fail(`${at()}: bad time ${JSON.stringify(e.t)}`);
  if (!(isInt(e.g) && e.g >= 0)) fail(`${at()}: bad goroutine ${JSON.stringify(e.g)}`);
  if (!KINDS.has(e.kind)) fail(`${at()}: unknown kind ${JSON.stringify(e.kind)}`);
  for (const f of INT_FIELDS) {
    if (e[f] !== undefined && !isInt(e[f])) fail(`${at()}: ${f} is not an integer`);
  }
  for (const f of TEXT_FIELDS) {
    if (e[f] !== undefined && typeof e[f] !== 'string') fail(`${at()}: ${f} is not text`);
  }
  if (e.closed !== undefined && typeof e.closed !== 'boolean') fail(`${at()}: closed is not true/false`);
  switch (e.kind) {
    case 'go':
      if (!(isInt(e.child) && e.child > 0)) fail(`${at()}: go without a child`);
      break;
    case 'new':
      if (!(isInt(e.obj) && e.obj > 0)) fail(`${at()}: new without an object`);
      if (!OBJ_KINDS.has(e.objKind)) fail(`${at()}: new with unknown objKind ${JSON.stringify(e.objKind)}`);
      break;
    case 'atomic':
      if (!isInt(e.obj)) fail(`${at()}: atomic without an object`);
      if (!ATOMIC_OPS.has(e.op)) fail(`${at()}: unknown atomic op ${JSON.stringify(e.op)}`);
      break;
    case 'send-begin': case 'send-end': case 'recv-end':
      if (!isInt(e.obj)) fail(`${at()}: ${e.kind} without a channel`);
      if ((e.kind !== 'recv-end' || !e.closed) && !(isInt(e.msg) && e.msg > 0)) fail(`${at()}: ${e.kind} without a message id`);
      break;
    case 'recv-begin': case 'close': case 'lock-begin': case 'lock-end': case 'unlock':
      if (!isInt(e.obj)) fail(`${at()}: ${e.kind} without an object`);
      break;
  }
}

// Span kinds on a goroutine lane.
export const WORK = 'work';
export const SLEEP = 'sleep';
export const BLOCKED = 'blocked';

const BEGINS = {
  'send-begin': ['send', BLOCKED],
  'recv-begin': ['recv', BLOCKED],
  'lock-begin': ['lock', BLOCKED],
  'work-begin': ['work', WORK],
  'sleep-begin': ['sleep', SLEEP],
};
const ENDS = {
  'send-end': 'send', 'recv-end': 'recv', 'lock-end': 'lock', 'work-end': 'work', 'sleep-end': 'sleep',
};

/**
 * Trace is a run's events and what the timeline draws from them: lanes of goroutines and
 * objects, spans, arrows, mutex holds and atomic steps. add is linear in the events given;
 * every list it builds is sorted by time, so a view can binary-search it.
 */
export class Trace {
  constructor() {
    this.events = [];
    /** goroutine lanes in creation order; main comes first. */
    this.goroutines = [];
    this.gById = new Map();
    /** object lanes in creation order. */
    this.objects = [];
    this.oById = new Map();
    /** arrows from a send-begin to its recv-end, in recv-end order: {msg, from, to, t0, t1, value} */
    this.arrows = [];
    this.sends = new Map(); // msg → {g, t, value, obj, inBuffer, received}
    this.lastSeq = 0;
    this.lastT = 0;
  }

  goroutine(id) {
    return this.gById.get(id);
  }

  object(id) {
    return this.oById.get(id);
  }

  /** gName names goroutine id for a person. */
  gName(id) {
    const g = this.gById.get(id);
    return g ? g.name : `goroutine ${id}`;
  }

  oName(id) {
    const o = this.oById.get(id);
    return o ? o.name : `object ${id}`;
  }

  /** add appends checked events, in order. It throws a ProtocolError on events that break the model. */
  add(events) {
    for (const e of events) this.addOne(e);
  }

  addOne(e) {
    const at = () => `event ${e.seq} (${e.kind})`;
    if (e.seq <= this.lastSeq) fail(`${at()} comes after event ${this.lastSeq}: events out of order`);
    if (e.t < this.lastT) fail(`${at()} goes back in time`);
    this.lastSeq = e.seq;
    this.lastT = e.t;
    this.events.push(e);

    if (e.kind === 'go') {
      if (this.gById.has(e.child)) fail(`${at()} starts goroutine ${e.child} twice`);
      if (!(e.g === 0 || this.gById.has(e.g))) fail(`${at()}: goroutine ${e.g} was never started`);
      const g = {
        id: e.child, name: e.name || `goroutine ${e.child}`, parent: e.g, lane: this.goroutines.length,
        start: e.t, exit: null, exitKind: null, spans: [], open: null, marks: [],
      };
      this.goroutines.push(g);
      this.gById.set(g.id, g);
      return;
    }
    const g = this.gById.get(e.g);
    if (!g) fail(`${at()}: goroutine ${e.g} was never started`);
    if (g.exit !== null) fail(`${at()}: goroutine ${g.name} already ended`);
    let o;
    if (e.kind !== 'new' && e.obj !== undefined) {
      o = this.oById.get(e.obj);
      if (!o) fail(`${at()}: object ${e.obj} was never made`);
    }

    const begin = BEGINS[e.kind];
    if (begin) {
      if (g.open) fail(`${at()}: ${g.name} is already in ${g.open.op}`);
      // cw, cs, cb: time spent working, sleeping and blocked before this span (the spans
      // before it are all closed), so a view can total any run of spans in O(1).
      const span = { op: begin[0], kind: begin[1], t0: e.t, t1: null, obj: e.obj, seq: e.seq, cw: 0, cs: 0, cb: 0 };
      const prev = g.spans.length > 0 ? g.spans[g.spans.length - 1] : null;
      if (prev) {
        const d = prev.t1 - prev.t0;
        span.cw = prev.cw + (prev.kind === WORK ? d : 0);
        span.cs = prev.cs + (prev.kind === SLEEP ? d : 0);
        span.cb = prev.cb + (prev.kind === BLOCKED ? d : 0);
      }
      g.spans.push(span);
      g.open = span;
    }
    const end = ENDS[e.kind];
    if (end) {
      if (!(g.open && g.open.op === end)) fail(`${at()}: ${g.name} was not in ${end}`);
      g.open.t1 = e.t;
      g.open = null;
    }

    switch (e.kind) {
      case 'exit':
      case 'panic':
        g.exit = e.t;
        g.exitKind = e.kind;
        if (g.open) {
          g.open.t1 = e.t; // a panic inside an operation ends it
          g.open = null;
        }
        if (e.kind === 'panic') g.marks.push({ t: e.t, kind: 'panic', value: e.value || '' });
        break;
      case 'print':
        g.marks.push({ t: e.t, kind: 'print', value: e.value || '' });
        break;
      case 'new': {
        if (this.oById.has(e.obj)) fail(`${at()} makes object ${e.obj} twice`);
        const obj = {
          id: e.obj, kind: e.objKind, name: e.name || `${e.objKind} ${e.obj}`, lane: this.objects.length,
          t: e.t, cap: e.cap || 0,
          // chan: buffer occupancy steps, receives, close time
          fill: [], recvs: [], closed: null, n: 0,
          // mutex: holder spans {g, t0, t1}
          holds: [], holder: null,
          // atomic: value steps {t, g, op, old, new, value}
          initial: 0, steps: [], min: 0, max: 0,
        };
        if (e.objKind === 'atomic') {
          const v = Number(e.value);
          obj.initial = Number.isFinite(v) ? v : 0;
        }
        obj.min = obj.initial;
        obj.max = obj.initial;
        this.objects.push(obj);
        this.oById.set(obj.id, obj);
        break;
      }
      case 'send-begin':
        if (o.kind !== 'chan') fail(`${at()}: ${o.name} is not a channel`);
        this.sends.set(e.msg, { g: e.g, t: e.t, value: e.value ?? '', obj: e.obj, inBuffer: false, ended: false, received: false });
        break;
      case 'send-end': {
        const s = this.sends.get(e.msg);
        if (!(s && !s.ended)) fail(`${at()}: message ${e.msg} was never sent`);
        s.ended = true;
        // A send that ended before its receive left the value in the buffer. Live recording
        // lags the real operations a little (a receive may have taken a value before its
        // recv-end is written), so the count shown is kept within the buffer's size.
        if (!s.received && o.cap > 0) {
          s.inBuffer = true;
          o.n++;
          o.fill.push({ t: e.t, n: Math.min(o.n, o.cap) });
        }
        if (s.received) this.sends.delete(e.msg); // paired both ways; keep the map small
        break;
      }
      case 'recv-end': {
        if (o.kind !== 'chan') fail(`${at()}: ${o.name} is not a channel`);
        if (e.closed) {
          o.recvs.push({ t: e.t, g: e.g, value: e.value ?? '', closed: true });
          break;
        }
        const s = this.sends.get(e.msg);
        if (!s) fail(`${at()}: message ${e.msg} was never sent`);
        if (s.received) fail(`${at()}: message ${e.msg} received twice`);
        s.received = true;
        if (s.inBuffer) {
          o.n--;
          o.fill.push({ t: e.t, n: Math.min(o.n, o.cap) });
        }
        o.recvs.push({ t: e.t, g: e.g, value: e.value ?? s.value, closed: false });
        this.arrows.push({ msg: e.msg, from: s.g, to: e.g, t0: s.t, t1: e.t, value: e.value ?? s.value, obj: e.obj });
        if (s.ended) this.sends.delete(e.msg);
        break;
      }
      case 'close':
        o.closed = e.t;
        break;
      case 'lock-end':
        if (o.kind !== 'mutex') fail(`${at()}: ${o.name} is not a mutex`);
        if (o.holder !== null) fail(`${at()}: ${o.name} is already held by ${this.gName(o.holder.g)}`);
        o.holder = { g: e.g, t0: e.t, t1: null };
        o.holds.push(o.holder);
        break;
      case 'unlock':
        if (o.kind !== 'mutex') fail(`${at()}: ${o.name} is not a mutex`);
        if (o.holder === null) fail(`${at()}: ${o.name} is not locked`);
        o.holder.t1 = e.t;
        o.holder = null;
        break;
      case 'atomic':
        if (o.kind !== 'atomic') fail(`${at()}: ${o.name} is not an atomic`);
        o.steps.push({ t: e.t, g: e.g, op: e.op, old: e.old ?? 0, new: e.new ?? 0, value: e.value ?? '' });
        g.marks.push({ t: e.t, kind: 'atomic', value: e.op });
        o.min = Math.min(o.min, e.old ?? 0, e.new ?? 0);
        o.max = Math.max(o.max, e.old ?? 0, e.new ?? 0);
        break;
    }
  }

  /** count is how many events have t ≤ t: the events a playhead at t has passed. */
  count(t) {
    return upperBound(this.events, t, (e) => e.t);
  }
}

/** upperBound is the number of leading items of sorted list whose key is ≤ x. */
export function upperBound(list, x, key) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(list[mid]) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** lowerBound is the number of leading items of sorted list whose key is < x. */
export function lowerBound(list, x, key) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(list[mid]) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** formatDuration renders nanoseconds for a person: "300 ms", "1.25 s", "12 µs". */
export function formatDuration(ns) {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${trim(ns / 1e9)} s`;
  if (a >= 1e6) return `${trim(ns / 1e6)} ms`;
  if (a >= 1e3) return `${trim(ns / 1e3)} µs`;
  return `${ns} ns`;
}

function trim(x) {
  const s = x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** describe tells what event e did, as a sentence: "producer 2 sends 2 on ch". */
export function describe(trace, e) {
  const who = e.kind === 'go' && e.g === 0 ? '' : trace.gName(e.g);
  const obj = e.obj !== undefined ? trace.oName(e.obj) : '';
  switch (e.kind) {
    case 'go':
      return e.g === 0 ? `${e.name || 'main'} starts` : `${who} starts ${trace.gName(e.child)}`;
    case 'exit':
      return `${who} returns`;
    case 'new': {
      const o = trace.object(e.obj);
      if (e.objKind === 'chan') return `${who} makes channel ${obj} (${e.cap ? `buffer ${e.cap}` : 'unbuffered'})`;
      if (e.objKind === 'atomic') return `${who} makes atomic ${obj} = ${o ? o.initial : e.value}`;
      return `${who} makes ${e.objKind} ${obj}`;
    }
    case 'send-begin':
      return `${who} sends ${e.value ?? ''} on ${obj}`;
    case 'send-end':
      return `${who} finished sending on ${obj}`;
    case 'recv-begin':
      return `${who} receives from ${obj}`;
    case 'recv-end':
      return e.closed ? `${who} got ${e.value ?? 'the zero value'}: ${obj} is closed` : `${who} got ${e.value ?? ''} from ${obj}`;
    case 'close':
      return `${who} closes ${obj}`;
    case 'lock-begin':
      return `${who} asks for ${obj}`;
    case 'lock-end':
      return `${who} holds ${obj}`;
    case 'unlock':
      return `${who} unlocks ${obj}`;
    case 'atomic':
      switch (e.op) {
        case 'add': return `${who} adds ${e.value} to ${obj}: ${e.old ?? 0} → ${e.new ?? 0}`;
        case 'load': return `${who} loads ${obj}: ${e.new ?? 0}`;
        case 'store': return `${who} stores ${e.value} in ${obj} (was ${e.old ?? 0})`;
        case 'swap': return `${who} swaps ${e.value} into ${obj} (was ${e.old ?? 0})`;
        default: {
          const want = (e.value ?? '').split('→')[0];
          return want === String(e.old ?? 0)
            ? `${who} compare-and-swaps ${obj}: ${e.old ?? 0} → ${e.new ?? 0}`
            : `${who}'s compare-and-swap on ${obj} fails: expected ${want}, found ${e.old ?? 0}`;
        }
      }
    case 'work-begin':
      return e.dur ? `${who} works for ${formatDuration(e.dur)}` : `${who} works`;
    case 'work-end':
      return `${who} finished working`;
    case 'sleep-begin':
      return e.dur ? `${who} sleeps for ${formatDuration(e.dur)}` : `${who} sleeps`;
    case 'sleep-end':
      return `${who} wakes up`;
    case 'print':
      return `${who} prints: ${e.value ?? ''}`;
    case 'panic':
      return `${who} panics: ${e.value ?? ''}`;
  }
  return `${who} ${e.kind}`;
}
