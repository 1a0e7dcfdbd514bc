// The trace model: a run's events as the timeline draws them, the ways to walk it, and the
// run summed up.

import { fail } from './decode.js';
import { deadlockText, parseGoDuration } from './describe.js';

// Span kinds on a goroutine lane.
export const WORK = 'work';
export const SLEEP = 'sleep';
export const BLOCKED = 'blocked';
// Seeded runs only: wanting a processor for Work while every one is busy.
export const RUNNABLE = 'runnable';

const BEGINS = {
  'send-begin': ['send', BLOCKED],
  'recv-begin': ['recv', BLOCKED],
  'lock-begin': ['lock', BLOCKED],
  'work-begin': ['work', WORK],
  'sleep-begin': ['sleep', SLEEP],
  'wait-begin': ['wait', BLOCKED],
  'runnable-begin': ['runnable', RUNNABLE],
  // waiting on every case at once: the span names no channel, its end the one that ran
  'select-begin': ['select', BLOCKED],
  // a weighted semaphore's Acquire; an errgroup's Go at its limit, and its Wait
  'acquire-begin': ['acquire', BLOCKED],
  'group-go-begin': ['group-go', BLOCKED],
  'group-wait-begin': ['group-wait', BLOCKED],
  'rlock-begin': ['rlock', BLOCKED],
  'cond-wait-begin': ['cond-wait', BLOCKED],
  'once-wait-begin': ['once-wait', BLOCKED],
};
const ENDS = {
  'send-end': 'send', 'recv-end': 'recv', 'lock-end': 'lock', 'work-end': 'work', 'sleep-end': 'sleep',
  'wait-end': 'wait', 'runnable-end': 'runnable', 'select-end': 'select',
  'acquire-end': 'acquire', 'group-go-end': 'group-go', 'group-wait-end': 'group-wait',
  'rlock-end': 'rlock', 'cond-wait-end': 'cond-wait', 'once-wait-end': 'once-wait',
};

/** KINDS are the event kinds this page draws: the spans' begins and ends, and these. Others (a
 * newer server's) are kept in the trace and logged, but not drawn. */
export const KINDS = new Set([...Object.keys(BEGINS), ...Object.keys(ENDS), 'go', 'exit', 'new', 'close',
  'unlock', 'atomic', 'wg-add', 'cell-get', 'cell-set', 'borrow', 'borrow-mut', 'release', 'borrow-error',
  'not-sync', 'print', 'panic', 'deadlock', 'fire', 'timer', 'cancel', 'sem-release', 'group-limit', 'group-done',
  'runlock', 'trylock', 'signal', 'broadcast', 'once-run', 'once-done']);

/** CHANNELS are the object kinds a goroutine receives from: a timer's, a ticker's or a
 * context's object is its channel (a context's is its Done). */
export const CHANNELS = new Set(['chan', 'timer', 'ticker', 'context']);

/**
 * Trace is a run's events and what the timeline draws from them: lanes of goroutines and
 * objects, spans, arrows, mutex holds, stepped values and borrow states. add is linear in the
 * events given (a buffered channel's occupancy may look a few steps back); every list it
 * builds is sorted by time, so a view can binary-search it.
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
    /** arrows from a send-begin (or the select-begin of a send case, or a timer's fire) to its
     * receive (a recv-end, or the select-end of a receive case), from a cancel to each
     * context it reached, and from a Cond's signal or broadcast to each goroutine it woke, in
     * receive order: {msg, from, to, t0, t1, value, obj, fromObj, toObj, cancel, wake}; from
     * and to are goroutines, but fromObj (a fire's timer, a cancelled context's parent) and
     * toObj (a cancelled context) name object lanes instead */
    this.arrows = [];
    this.maxArrow = 0; // the longest arrow's t1 − t0: how far past a view an arrow into it begins
    // msg → {g, t, value, obj, ended, endSeq, endT, entered, received}: a send-begin's message,
    // or one a select's send case offers (sent only if that case runs)
    this.sends = new Map();
    /** deadlock events: the goroutines blocked for good when the run ended */
    this.deadlocks = [];
    /** events of kinds this page does not know: kept and logged, not drawn */
    this.skipped = 0;
    // goroutine id → the errgroup whose Go gave it a slot: its next event, a go, starts a
    // goroutine of that group
    this.groupGo = new Map();
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
    if (!KINDS.has(e.kind)) {
      this.skipped++;
      return;
    }

    if (e.kind === 'go') {
      if (this.gById.has(e.child)) fail(`${at()} starts goroutine ${e.child} twice`);
      if (!(e.g === 0 || this.gById.has(e.g))) fail(`${at()}: goroutine ${e.g} was never started`);
      const g = {
        id: e.child, name: e.name || `goroutine ${e.child}`, parent: e.g, lane: this.goroutines.length,
        start: e.t, exit: null, exitKind: null, spans: [], open: null, marks: [], deadlock: null,
        sel: null, // while in a select: {cases, waits}, its begin's cases and its waits on channels
        group: 0, // the errgroup it runs in, started by that group's Go; 0: none
      };
      const grp = this.groupGo.get(e.g);
      if (grp) {
        this.groupGo.delete(e.g);
        g.group = grp.id;
        grp.members.push(g.id);
      }
      this.goroutines.push(g);
      this.gById.set(g.id, g);
      return;
    }
    // The runtime (g 0) fires timers and passes deadlines: those events have an object's lane
    // and no goroutine's.
    const runtime = e.g === 0 && (e.kind === 'fire' || e.kind === 'cancel');
    const g = runtime ? null : this.gById.get(e.g);
    if (!g && !runtime) fail(`${at()}: goroutine ${e.g} was never started`);
    if (g && g.exit !== null) fail(`${at()}: goroutine ${g.name} already ended`);
    let o;
    if (e.kind !== 'new' && e.obj !== undefined) {
      o = this.oById.get(e.obj);
      if (!o) fail(`${at()}: object ${e.obj} was never made`);
    }
    const want = (kind, what) => {
      if (o.kind !== kind) fail(`${at()}: ${o.name} is not ${what}`);
    };
    const wantTimer = () => {
      if (o.kind !== 'timer' && o.kind !== 'ticker') fail(`${at()}: ${o.name} is not a timer`);
    };

    const begin = BEGINS[e.kind];
    if (begin) {
      if (g.open) fail(`${at()}: ${g.name} is already in ${g.open.op}`);
      // cw, cs, cb, cr: time spent working, sleeping, blocked and runnable before this span
      // (the spans before it are all closed), so a view can total any run of spans in O(1).
      const span = { op: begin[0], kind: begin[1], t0: e.t, t1: null, obj: e.obj, seq: e.seq, cw: 0, cs: 0, cb: 0, cr: 0 };
      const prev = g.spans.length > 0 ? g.spans[g.spans.length - 1] : null;
      if (prev) {
        const d = prev.t1 - prev.t0;
        span.cw = prev.cw + (prev.kind === WORK ? d : 0);
        span.cs = prev.cs + (prev.kind === SLEEP ? d : 0);
        span.cb = prev.cb + (prev.kind === BLOCKED ? d : 0);
        span.cr = prev.cr + (prev.kind === RUNNABLE ? d : 0);
      }
      g.spans.push(span);
      g.open = span;
    }
    const end = ENDS[e.kind];
    let ended = null; // the span this event ends
    if (end) {
      if (!(g.open && g.open.op === end)) fail(`${at()}: ${g.name} was not in ${end}`);
      if (g.open.obj !== e.obj && end !== 'select') fail(`${at()}: ${g.name} began its ${end} on ${this.oName(g.open.obj)}`);
      ended = g.open;
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
          if (g.sel) this.endSelect(g, e, -1);
        }
        if (e.kind === 'panic') g.marks.push({ t: e.t, kind: 'panic', value: e.value || '' });
        break;
      case 'print':
        g.marks.push({ t: e.t, kind: 'print', value: e.value || '' });
        break;
      case 'new': {
        if (this.oById.has(e.obj)) fail(`${at()} makes object ${e.obj} twice`);
        // a context's parent is a context; a cond's is its mutex
        const parentKind = e.objKind === 'cond' ? 'mutex' : 'context';
        if ((e.parent !== undefined || e.objKind === 'cond') && this.oById.get(e.parent)?.kind !== parentKind) fail(`${at()}: the parent of ${e.name} is not a ${parentKind}`);
        const obj = newObject(e, this.objects.length, !!this.steps);
        if (obj.parent) obj.parentName = this.oName(obj.parent);
        if (obj.ctx) obj.ctxName = this.oName(obj.ctx);
        if (obj.mutex) obj.mutexName = this.oName(obj.mutex);
        this.objects.push(obj);
        this.oById.set(obj.id, obj);
        break;
      }
      case 'send-begin':
        want('chan', 'a channel');
        if (this.sends.has(e.msg)) fail(`${at()}: message ${e.msg} sent twice`);
        this.sends.set(e.msg, { g: e.g, t: e.t, value: e.value ?? '', obj: e.obj, ended: false, endSeq: 0, endT: 0, entered: false, received: false });
        break;
      case 'send-end': {
        const s = this.sends.get(e.msg);
        if (!(s && !s.ended && s.g === e.g)) fail(`${at()}: message ${e.msg} was never sent`);
        this.sent(s, e, o);
        break;
      }
      case 'recv-end':
        if (!CHANNELS.has(o.kind)) fail(`${at()}: ${o.name} is not a channel`);
        this.received(e, o, ended, at);
        break;
      case 'fire': {
        wantTimer();
        if (g) fail(`${at()}: ${g.name} fires ${o.name}: only the runtime fires timers`);
        const due = parseGoDuration(e.value);
        const dropped = e.op === 'dropped';
        o.fires.push({ t: e.t, seq: e.seq, due, dropped });
        endArm(o, e, 'fire');
        if (o.kind === 'ticker') armTimer(o, e, this.steps || due === null ? null : due + o.period);
        if (dropped) break;
        // the tick is a message sent into the timer's channel, begun and ended at once
        if (this.sends.has(e.msg)) fail(`${at()}: message ${e.msg} sent twice`);
        const s = { g: 0, fromObj: o.id, t: e.t, value: e.value ?? '', obj: e.obj, ended: false, endSeq: 0, endT: 0, entered: false, received: false };
        this.sends.set(e.msg, s);
        this.sent(s, e, o);
        break;
      }
      case 'timer': {
        wantTimer();
        o.ops.push({ t: e.t, seq: e.seq, g: e.g, op: e.op, pending: e.value === 'true', dur: e.dur ?? 0, msg: e.msg ?? 0 });
        endArm(o, e, e.op);
        if (e.op === 'reset') {
          if (o.kind === 'ticker') o.period = e.dur ?? 0;
          armTimer(o, e, this.steps ? null : e.t + (e.dur ?? 0));
        }
        if (e.msg) {
          // a tick delivered and never received: Stop or Reset took it out of the channel
          const s = this.sends.get(e.msg);
          if (!s || s.obj !== o.id || s.received) fail(`${at()}: tick ${e.msg} is not waiting in ${o.name}`);
          if (s.entered) insertStep(o.fill, { t: e.t, seq: e.seq, d: -1, n: 0 });
          this.sends.delete(e.msg);
        }
        break;
      }
      case 'cancel': {
        want('context', 'a context');
        if (o.cancel) fail(`${at()}: ${o.name} cancelled twice`);
        // A context whose parent is cancelled is cancelled with it: the arrow comes from the
        // parent's lane; else from the goroutine that cancelled it (a deadline has none).
        const p = o.parent ? this.oById.get(o.parent) : null;
        const cascade = !!(p && p.cancel);
        o.cancel = { t: e.t, seq: e.seq, g: e.g, why: e.value ?? '', from: cascade ? p.id : 0 };
        o.closed = e.t;
        if (this.steps && !g && !cascade) o.deadline = e.t;
        if (g || cascade) {
          this.arrows.push({ msg: 0, from: cascade ? 0 : e.g, to: 0, t0: e.t, t1: e.t, value: '', obj: o.id, fromObj: cascade ? p.id : 0, toObj: o.id, cancel: true });
        }
        break;
      }
      case 'select-begin':
        this.beginSelect(g, e, at);
        break;
      case 'select-end': {
        const c = g.sel.cases[e.case];
        if (!c) fail(`${at()}: case ${e.case} of a select with ${g.sel.cases.length} cases`);
        if (c.obj !== e.obj) fail(`${at()}: case ${e.case} of the select is ${c.obj === undefined ? 'on no channel' : `on ${this.oName(c.obj)}`}, not on ${this.oName(e.obj)}`);
        if (c.dir !== 'default' && c.obj === undefined) fail(`${at()}: a case on a nil channel ran`);
        this.endSelect(g, e, e.case);
        if (c.dir === 'send') {
          const s = this.sends.get(c.msg);
          if (!s || e.msg !== c.msg) fail(`${at()}: the send case ran with message ${e.msg}, not the ${c.msg} it offered`);
          this.sent(s, e, o);
        } else if (c.dir === 'recv') {
          this.received(e, o, ended, at);
        }
        break;
      }
      case 'close':
        want('chan', 'a channel');
        if (o.closed !== null) fail(`${at()}: ${o.name} closed twice`);
        o.closed = e.t;
        o.marks.push({ t: e.t, g: e.g, kind: 'close', value: `${o.name} closed by ${g.name}` });
        break;
      case 'lock-begin':
        if (o.kind === 'rwmutex') {
          // a writer waits: later readers wait behind it
          o.writing.push({ g: e.g, t0: e.t, t1: null });
          o.writerWaits.push(o.writing[o.writing.length - 1]);
          break;
        }
        want('mutex', 'a mutex');
        break;
      case 'lock-end':
        if (o.kind !== 'rwmutex') want('mutex', 'a mutex');
        if (o.holder !== null) fail(`${at()}: ${o.name} is already held by ${this.gName(o.holder.g)}`);
        if (o.kind === 'rwmutex') {
          if (o.readers.length > 0) fail(`${at()}: ${o.name} is locked for writing while read-locked`);
          const w = endWait(o.writing, e.g);
          if (w) {
            w.t1 = e.t;
            o.maxWriterWait = Math.max(o.maxWriterWait, e.t - w.t0);
          }
        }
        o.holder = { g: e.g, t0: e.t, t1: null, v0: e.value ?? null, v1: null };
        o.holds.push(o.holder);
        break;
      case 'unlock':
        if (o.kind !== 'rwmutex') want('mutex', 'a mutex');
        if (o.holder === null) fail(`${at()}: ${o.name} is not locked`);
        o.holder.t1 = e.t;
        o.holder.v1 = e.value ?? null;
        o.holder = null;
        break;
      case 'rlock-begin':
        want('rwmutex', 'an RWMutex');
        break;
      case 'rlock-end':
        want('rwmutex', 'an RWMutex');
        this.readLocked(o, e, at);
        break;
      case 'runlock': {
        want('rwmutex', 'an RWMutex');
        // a goroutine's own read lock, or (Go allows it) the latest another took
        let i = o.readers.findLastIndex((h) => h.g === e.g);
        if (i < 0) i = o.readers.length - 1;
        if (i < 0) fail(`${at()}: ${o.name} is not read-locked`);
        const h = o.readers[i];
        o.readers.splice(i, 1);
        h.t1 = e.t;
        h.v1 = e.value ?? null;
        o.maxRead = Math.max(o.maxRead, h.t1 - h.t0);
        break;
      }
      case 'trylock':
        want('rwmutex', 'an RWMutex');
        o.tries.push({ t: e.t, g: e.g, op: e.op, ok: e.value === 'true' });
        if (e.value !== 'true') break;
        if (e.op === 'rlock') {
          this.readLocked(o, e, at);
          break;
        }
        if (o.holder !== null || o.readers.length > 0) fail(`${at()}: ${o.name} is already held`);
        o.holder = { g: e.g, t0: e.t, t1: null, v0: null, v1: null };
        o.holds.push(o.holder);
        break;
      case 'cond-wait-begin':
        want('cond', 'a Cond');
        o.waiting.push({ g: e.g, t0: e.t, t1: null, msg: 0, row: freeRow(o.waiting) });
        o.waiters.push(o.waiting[o.waiting.length - 1]);
        break;
      case 'cond-wait-end': {
        want('cond', 'a Cond');
        const w = endWait(o.waiting, e.g);
        if (w) {
          w.t1 = e.t;
          w.msg = e.msg ?? 0;
          o.maxWait = Math.max(o.maxWait, e.t - w.t0);
        }
        const s = o.wakeBy.get(e.msg);
        if (!s) fail(`${at()}: ${g.name} was woken by wake ${e.msg}, which no Signal or Broadcast on ${o.name} made`);
        this.arrows.push({ msg: 0, from: s.g, to: e.g, t0: s.t, t1: e.t, value: '', obj: o.id, fromObj: 0, toObj: 0, wake: true });
        this.maxArrow = Math.max(this.maxArrow, e.t - s.t);
        break;
      }
      case 'signal':
      case 'broadcast': {
        want('cond', 'a Cond');
        const s = { t: e.t, seq: e.seq, g: e.g, kind: e.kind, n: Number(e.value) || 0, lost: e.op === 'lost' };
        o.wakes.push(s);
        if (e.msg) o.wakeBy.set(e.msg, s);
        break;
      }
      case 'once-run':
        want('once', 'a Once');
        if (o.run) fail(`${at()}: ${o.name}'s function runs twice`);
        o.run = { g: e.g, t0: e.t, t1: null };
        break;
      case 'once-done':
        want('once', 'a Once');
        if (!o.run || o.run.g !== e.g) fail(`${at()}: ${g.name} does not run ${o.name}'s function`);
        o.run.t1 = e.t;
        break;
      case 'once-wait-begin':
        want('once', 'a Once');
        o.waiting.push({ g: e.g, t0: e.t, t1: null, row: freeRow(o.waiting) });
        o.waiters.push(o.waiting[o.waiting.length - 1]);
        break;
      case 'once-wait-end': {
        want('once', 'a Once');
        const w = endWait(o.waiting, e.g);
        if (w) {
          w.t1 = e.t;
          o.maxWait = Math.max(o.maxWait, e.t - w.t0);
        }
        break;
      }
      case 'atomic':
      case 'wg-add':
        want(e.kind === 'atomic' ? 'atomic' : 'waitgroup', e.kind === 'atomic' ? 'an atomic' : 'a waitgroup');
        o.steps.push({ t: e.t, g: e.g, op: e.op, old: e.old, new: e.new, value: e.value ?? '' });
        if (e.kind === 'atomic') g.marks.push({ t: e.t, kind: 'atomic', value: e.op });
        o.min = Math.min(o.min, e.old, e.new);
        o.max = Math.max(o.max, e.old, e.new);
        break;
      case 'wait-begin':
      case 'wait-end':
        want('waitgroup', 'a waitgroup');
        break;
      case 'acquire-begin':
        want('semaphore', 'a semaphore');
        o.waiters.push({ g: e.g, n: Number(e.value ?? 0), try: e.op === 'try', t0: e.t, seq: e.seq, t1: null, op: null });
        break;
      case 'acquire-end': {
        want('semaphore', 'a semaphore');
        const w = ended && o.waiters.findLast((x) => x.seq === ended.seq);
        if (w) {
          w.t1 = e.t;
          w.op = e.op || 'acquired';
        }
        o.steps.push({ t: e.t, g: e.g, op: e.op || 'acquire', old: e.old, new: e.new, value: w ? String(w.n) : '' });
        o.max = Math.max(o.max, e.new);
        break;
      }
      case 'sem-release':
        want('semaphore', 'a semaphore');
        o.steps.push({ t: e.t, g: e.g, op: 'release', old: e.old, new: e.new, value: e.value ?? '' });
        break;
      case 'group-limit':
        want('errgroup', 'an errgroup');
        o.limit = Number(e.value);
        o.limits.push({ t: e.t, g: e.g, limit: o.limit });
        o.max = Math.max(o.max, o.limit); // the lane's scale shows the limit
        break;
      case 'group-go-begin':
        want('errgroup', 'an errgroup');
        break;
      case 'group-go-end':
        want('errgroup', 'an errgroup');
        if (e.op === 'refused') {
          o.marks.push({ t: e.t, g: e.g, kind: 'warn', value: `${g.name}'s TryGo refused: ${e.old} of limit ${o.limit} active` });
          break;
        }
        this.groupGo.set(e.g, o);
        o.steps.push({ t: e.t, g: e.g, op: 'go', old: e.old, new: e.new, value: '' });
        o.max = Math.max(o.max, e.new);
        if (ended && ended.t1 > ended.t0) o.goers.push({ g: e.g, t0: ended.t0, t1: e.t });
        break;
      case 'group-done':
        want('errgroup', 'an errgroup');
        o.steps.push({ t: e.t, g: e.g, op: 'done', old: e.old, new: e.new, value: e.value ?? '' });
        if (e.op) {
          const err = { t: e.t, g: e.g, op: e.op, value: e.value ?? '' };
          o.errors.push(err);
          if (e.op === 'first') o.first = err;
          g.marks.push({ t: e.t, kind: 'error', value: `${e.op === 'first' ? 'the first error of' : 'a later error, dropped by'} ${o.name}: ${e.value ?? ''}` });
        }
        break;
      case 'group-wait-begin':
        want('errgroup', 'an errgroup');
        o.waits.push({ g: e.g, t0: e.t, seq: e.seq, t1: null, value: null });
        break;
      case 'group-wait-end': {
        want('errgroup', 'an errgroup');
        const w = ended && o.waits.findLast((x) => x.seq === ended.seq);
        if (w) {
          w.t1 = e.t;
          w.value = e.value ?? '';
        }
        break;
      }
      case 'cell-get':
        want('cell', 'a cell');
        o.reads.push({ t: e.t, g: e.g, value: e.value ?? '' });
        break;
      case 'cell-set':
        want('cell', 'a cell');
        o.steps.push({ t: e.t, g: e.g, value: e.value ?? '' });
        break;
      case 'borrow':
      case 'borrow-mut':
      case 'release':
        want('refcell', 'a RefCell');
        o.steps.push({ t: e.t, g: e.g, kind: e.kind, borrows: e.borrows, value: e.value ?? o.value });
        o.borrows = e.borrows;
        if (e.value !== undefined && e.value !== o.value) {
          o.value = e.value;
          o.changes.push({ t: e.t, g: e.g, value: e.value });
        }
        o.maxShared = Math.max(o.maxShared, e.borrows);
        break;
      case 'borrow-error':
        want('refcell', 'a RefCell');
        o.marks.push({ t: e.t, g: e.g, kind: 'error', value: `${g.name}: ${e.value || 'borrow refused'}` });
        g.marks.push({ t: e.t, kind: 'error', value: `cannot borrow ${o.name}: ${e.value || 'borrow refused'}` });
        break;
      case 'not-sync':
        o.marks.push({ t: e.t, g: e.g, kind: 'warn', value: e.value || `${o.name} is not Sync` });
        break;
      case 'deadlock': {
        // g is blocked for good (its -begin stays open); obj is what it waits on, or in a
        // select every channel it waits on.
        const text = deadlockText(this, e);
        this.deadlocks.push(e);
        g.deadlock = e.t;
        g.marks.push({ t: e.t, kind: 'deadlock', value: text });
        const on = o ? [o] : g.sel ? g.sel.waits.map((w) => this.oById.get(w.obj)) : [];
        for (const x of on) x.marks.push({ t: e.t, g: e.g, kind: 'deadlock', value: `${g.name}: ${text}` });
        break;
      }
    }
  }

  // readLocked notes the read lock e (an rlock-end, or a TryRLock that took it) of RWMutex
  // o: its hold, on the lowest row of the lane no other reader holds.
  readLocked(o, e, at) {
    if (o.holder !== null) fail(`${at()}: ${o.name} is read-locked while ${this.gName(o.holder.g)} holds it`);
    const row = freeRow(o.readers);
    const h = { g: e.g, t0: e.t, t1: null, v0: e.value ?? null, v1: null, row };
    o.readers.push(h);
    o.reads.push(h);
    o.rows = Math.max(o.rows, row + 1);
  }

  // sent notes that message s has been sent, by e (a send-end, or the select-end of the send
  // case that offered it) on channel o.
  sent(s, e, o) {
    s.ended = true;
    s.endSeq = e.seq;
    s.endT = e.t;
    if (s.received) {
      this.sends.delete(e.msg); // paired both ways; keep the map small
    } else if (o.cap > 0) {
      // From here until its receiver begins to receive, the value is surely in the buffer.
      s.entered = true;
      insertStep(o.fill, { t: e.t, seq: e.seq, d: 1, n: 0 });
    }
  }

  // received notes the receive e on channel o (a recv-end, or the select-end of a receive
  // case): its arrow from the send, its tick, the value leaving the buffer. span is the
  // receive's, begun at its recv-begin or select-begin.
  received(e, o, span, at) {
    if (e.closed) {
      o.recvs.push({ t: e.t, g: e.g, value: e.value ?? '', closed: true });
      return;
    }
    const s = this.sends.get(e.msg);
    if (!s || s.obj !== e.obj) fail(`${at()}: message ${e.msg} was never sent on ${o.name}`);
    if (s.received) fail(`${at()}: message ${e.msg} received twice`);
    s.received = true;
    if (s.entered) {
      // The value may have left the buffer any time after the receive began, but not
      // before the send ended: the sure stretch ends at the later of the two.
      const [t, seq] = span.seq > s.endSeq ? [span.t0, span.seq] : [s.endT, s.endSeq];
      insertStep(o.fill, { t, seq, d: -1, n: 0 });
    }
    o.recvs.push({ t: e.t, g: e.g, value: e.value ?? s.value, closed: false });
    this.arrows.push({ msg: e.msg, from: s.g, to: e.g, t0: s.t, t1: e.t, value: e.value ?? s.value, obj: e.obj, fromObj: s.fromObj || 0, toObj: 0 });
    this.maxArrow = Math.max(this.maxArrow, e.t - s.t);
    if (s.ended) this.sends.delete(e.msg);
  }

  // beginSelect notes the select-begin e of g: each send case offers its message, and g
  // waits on each case's channel (one wait a channel, however many cases name it).
  beginSelect(g, e, at) {
    const waits = [];
    for (const c of e.cases) {
      if (c.obj === undefined) continue; // a default, or a nil channel: nothing to wait on
      const o = this.oById.get(c.obj);
      if (!o) fail(`${at()}: object ${c.obj} was never made`);
      if (!CHANNELS.has(o.kind)) fail(`${at()}: ${o.name} is not a channel`);
      if (c.dir === 'send') {
        if (this.sends.has(c.msg)) fail(`${at()}: message ${c.msg} sent twice`);
        this.sends.set(c.msg, { g: e.g, t: e.t, value: c.value ?? '', obj: c.obj, ended: false, endSeq: 0, endT: 0, entered: false, received: false });
      }
      const w = waits.find((x) => x.obj === c.obj);
      if (w) {
        if (w.dir !== c.dir) w.dir = 'both';
        continue;
      }
      const wait = { t0: e.t, t1: null, g: e.g, obj: c.obj, seq: e.seq, dir: c.dir, chosen: false };
      waits.push(wait);
      let list = o.waits.get(e.g);
      if (!list) o.waits.set(e.g, (list = []));
      list.push(wait);
    }
    g.sel = { cases: e.cases, waits };
  }

  // endSelect ends g's select at e, which ran case chosen (-1: none, a panic): its waits end,
  // and the messages of the send cases that did not run were never sent.
  endSelect(g, e, chosen) {
    const { cases, waits } = g.sel;
    g.sel = null;
    const on = chosen >= 0 ? cases[chosen].obj : undefined;
    for (const w of waits) {
      w.t1 = e.t;
      w.chosen = w.obj === on;
    }
    cases.forEach((c, i) => {
      if (i === chosen || c.dir !== 'send' || c.obj === undefined) return;
      if (this.sends.get(c.msg)?.received) fail(`event ${e.seq} (${e.kind}): message ${c.msg} was received, but its case did not run`);
      this.sends.delete(c.msg);
    });
  }

  /** selectBegin is the select-begin that the select-end e ends, or null. */
  selectBegin(e) {
    const g = this.gById.get(e.g);
    const sp = g ? g.spans[lowerBound(g.spans, e.seq, (s) => s.seq) - 1] : null;
    return sp && sp.op === 'select' && sp.t1 === e.t ? eventBySeq(this, sp.seq) : null;
  }

  /**
   * finish notes how the run ended, m being its end message. Goroutines still blocked when
   * main returned have leaked: nobody will ever let them go, and in a program that goes on
   * (a server) they stay for good. Each one's lane ends in a leak mark at main's return, and
   * leaks lists them {g, doing}, doing as the end says it ("blocked sending on result").
   */
  finish(m) {
    if (this.ending) return;
    this.ending = m;
    this.leaks = [];
    if (m.reason !== 'done') return;
    for (const g of this.goroutines) {
      if (g.exit !== null || !g.open || g.open.kind !== BLOCKED) continue;
      const said = m.leftover.find((s) => s.startsWith(`${g.name} (`) && s.endsWith(')'));
      const doing = said ? said.slice(g.name.length + 2, -1) : 'blocked';
      if (doing.startsWith('runnable')) continue; // let go, but main returned before it ran again
      g.marks.push({ t: this.lastT, kind: 'leak', value: `leaked: ${doing} when main returned` });
      this.leaks.push({ g, doing });
    }
  }

  /** count is how many events have t ≤ t: the events a playhead at t has passed. */
  count(t) {
    return upperBound(this.events, t);
  }
}

// newObject is the lane state of the object a new event announces; steps: on the event-order
// axis, where a duration has no length.
function newObject(e, lane, steps) {
  const o = {
    id: e.obj, kind: e.objKind, name: e.name || `${e.objKind} ${e.obj}`, lane, t: e.t, seq: e.seq,
    // conspicuous moments on the lane: close, not-sync, borrow-error {t, g, kind, value}
    marks: [],
  };
  if (CHANNELS.has(e.objKind)) {
    o.cap = e.cap || 0;
    // fill: occupancy steps {t, seq, d, n} (n after the step); recvs: values taken out
    o.fill = [];
    o.recvs = [];
    o.closed = null;
    // waits: goroutine id → its waits in selects on the channel {t0, t1, g, obj, seq (the
    // select-begin's), dir (recv, send or both), chosen (a case on this channel ran)}; one
    // goroutine's waits never overlap, so each list is sorted by t0 and by t1
    o.waits = new Map();
  }
  switch (e.objKind) {
    case 'timer':
    case 'ticker':
      o.dur = e.dur || 0; // the duration (a ticker's period) it was made with
      o.period = e.objKind === 'ticker' ? o.dur : 0; // a ticker's ticks come this far apart
      o.fires = []; // {t, seq, due (ns, from its value; null if unreadable), dropped}
      o.ops = []; // stops and resets {t, seq, g, op, pending, dur, msg (the tick taken out, or 0)}
      // arms: when it was set to fire {t0, seq (of the event that set it), due (on the axis;
      // null on the event-order axis, where only a fire places it), t1 (its fire, stop or
      // reset; null while pending), how}
      o.arms = [];
      armTimer(o, e, steps ? null : e.t + o.dur);
      break;
    case 'context':
      o.parent = e.parent || 0; // the context it was made from (parentName its name); 0: Background
      o.timeout = e.dur || 0; // WithTimeout's or WithDeadline's time to its deadline, ns
      // where the deadline stands on the axis (on the event-order axis: where it passed)
      o.deadline = e.dur && !steps ? e.t + e.dur : null;
      o.cancel = null; // {t, seq, g (0: the runtime, a deadline), why, from (the parent it came with, or 0)}
      break;
    case 'mutex':
      o.holds = []; // {g, t0, t1, v0, v1}: who held it, and what it guarded when locked and unlocked
      o.holder = null;
      break;
    case 'semaphore':
      o.size = e.cap || 0;
      o.initial = 0;
      o.steps = []; // the weight in use {t, g, op (acquire, canceled, refused, release), old, new, value (the weight)}
      o.min = 0;
      o.max = o.size;
      // waiters: each Acquire and TryAcquire {g, n, try, t0, seq (its begin's), t1 (null while
      // it waits), op (acquired, canceled, refused)}, in the order they began
      o.waiters = [];
      break;
    case 'errgroup':
      o.ctx = e.parent || 0; // its context (ctxName its name), made with it; 0: none
      o.limit = -1;
      o.limits = []; // {t, g, limit}
      o.initial = 0;
      o.steps = []; // goroutines active {t, g, op (go, done), old, new, value (done: the error)}
      o.min = 0;
      o.max = 1;
      o.members = []; // the goroutines its Go started
      o.errors = []; // {t, g, op (first, later), value}
      o.first = null;
      o.goers = []; // Go calls that waited for a slot {g, t0, t1}
      o.waits = []; // Wait calls {g, t0, seq, t1 (null while waiting), value (the error returned)}
      break;
    case 'rwmutex':
      o.holds = []; // the writers' holds, as a mutex's
      o.holder = null;
      o.reads = []; // the readers' holds {g, t0, t1, v0, v1, row}, by t0; row: where on the lane
      o.readers = []; // the read holds open now
      o.rows = 0; // the most readers at once
      o.maxRead = 0; // the longest read hold that ended: how far back a view looks for holds
      o.writerWaits = []; // writers waiting in Lock {g, t0, t1}, by t0
      o.writing = []; // those still waiting
      o.maxWriterWait = 0;
      o.tries = []; // TryLock and TryRLock {t, g, op, ok}
      break;
    case 'cond':
      o.mutex = e.parent || 0; // the mutex it is bound to
      o.waiters = []; // waits {g, t0, t1, msg (the wake that ended it), row}, by t0
      o.wakes = []; // signals and broadcasts {t, seq, g, kind, n (how many it woke), lost}
      o.wakeBy = new Map(); // wake → its signal or broadcast
      o.waiting = []; // the waits still open
      o.maxWait = 0; // the longest wait that ended
      break;
    case 'once':
      o.run = null; // the first Do's function {g, t0, t1 (null while it runs)}
      o.waiters = []; // the other Dos {g, t0, t1, row}, by t0
      o.waiting = []; // those still open
      o.maxWait = 0;
      break;
    case 'atomic':
    case 'waitgroup': {
      const v = Number(e.value);
      o.initial = e.objKind === 'atomic' && e.value !== undefined && Number.isSafeInteger(v) ? v : 0;
      o.steps = []; // {t, g, op, old, new, value}
      o.min = o.initial;
      o.max = o.initial;
      break;
    }
    case 'cell':
      o.initial = e.value ?? '';
      o.steps = []; // writes {t, g, value}
      o.reads = []; // reads {t, g, value}
      break;
    case 'refcell':
      o.initial = e.value ?? '';
      o.steps = []; // {t, g, kind, borrows, value}: borrow state after each borrow and release
      o.changes = []; // {t, g, value}: the contents, where they changed
      o.borrows = 0;
      o.value = o.initial;
      o.maxShared = 0;
      break;
  }
  return o;
}

// freeRow is the lowest lane row that none of the open stretches is on: a new reader's or
// waiter's, so that overlapping stretches stand apart.
function freeRow(open) {
  let row = 0;
  while (open.some((s) => s.row === row)) row++;
  return row;
}

// endWait removes g's stretch from the open ones and returns it (undefined if it has none).
function endWait(open, g) {
  const i = open.findIndex((s) => s.g === g);
  return i < 0 ? undefined : open.splice(i, 1)[0];
}

// armTimer notes that event e set timer o to fire at due.
function armTimer(o, e, due) {
  o.arms.push({ t0: e.t, seq: e.seq, due, t1: null, how: null });
}

// endArm ends timer o's pending arm, if any, at event e: fired, stopped or reset.
function endArm(o, e, how) {
  const a = o.arms[o.arms.length - 1];
  if (!a || a.t1 !== null) return;
  a.t1 = e.t;
  a.how = how;
  if (a.due === null && how === 'fire') a.due = e.t;
}

// insertStep puts an occupancy step into fill (sorted by seq) and renumbers what follows. A
// step lands at or near the end: it is as old as the receive that is just ending.
function insertStep(fill, step) {
  let i = fill.length;
  while (i > 0 && fill[i - 1].seq > step.seq) i--;
  fill.splice(i, 0, step);
  for (let j = i; j < fill.length; j++) fill[j].n = (j > 0 ? fill[j - 1].n : 0) + fill[j].d;
}

const byT = (item) => item.t;

/** upperBound is the number of leading items of sorted list whose key (t unless told) is ≤ x. */
export function upperBound(list, x, key = byT) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(list[mid]) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** lowerBound is the number of leading items of sorted list whose key (t unless told) is < x,
 * searched in [lo, hi). */
export function lowerBound(list, x, key = byT, lo = 0, hi = list.length) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(list[mid]) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** STEP_NS is one event's width on the event-order axis: a tenth of a second of playing at 1×. */
export const STEP_NS = 1e8;

/**
 * stepTrace is trace laid out by event order, for runs whose events share instants (a seeded
 * run's virtual time stands still between Work and Sleep): each event at its own step, seq ×
 * STEP_NS, its real time kept as wt. The events keep their order, so an index into one trace's
 * events is the same event in the other.
 */
export function stepTrace(trace) {
  const tr = new Trace();
  tr.steps = true;
  tr.add(trace.events.map((e) => ({ ...e, t: e.seq * STEP_NS, wt: e.t })));
  if (trace.ending) tr.finish(trace.ending);
  return tr;
}

/** eventBySeq is the event numbered seq, or null. */
export function eventBySeq(trace, seq) {
  const evs = trace.events;
  const i = lowerBound(evs, seq, (e) => e.seq);
  return i < evs.length && evs[i].seq === seq ? evs[i] : null;
}

const SPAN_ENDS = Object.fromEntries(Object.entries(ENDS).map(([k, op]) => [`${op}-begin`, k]));
const SPAN_BEGINS = Object.fromEntries(Object.entries(SPAN_ENDS).map(([b, en]) => [en, b]));

/**
 * partner is the event that pairs with e, or null: a send with its receive (by msg), the
 * end of a begin and the begin of an end on the same goroutine, a lock with its unlock, a
 * borrow with its release, a timer's fire with its receive, a cancel with the first receive
 * that found its context done. A select sends and receives as plain sends and receives do: its
 * begin pairs with the receive of the message its send case sent (else with its end), its
 * end with the other side of the case that ran (a default's with its begin).
 */
export function partner(trace, e) {
  const evs = trace.events;
  const i = lowerBound(evs, e.seq, (x) => x.seq);
  const fwd = (ok) => {
    for (let j = i + 1; j < evs.length; j++) if (ok(evs[j])) return evs[j];
    return null;
  };
  const back = (ok) => {
    for (let j = i - 1; j >= 0; j--) if (ok(evs[j])) return evs[j];
    return null;
  };
  const same = (x) => x.g === e.g && x.obj === e.obj;
  // the receive of message msg, and the send that offered it
  const caseOf = (end) => {
    const b = trace.selectBegin(end);
    return b ? b.cases[end.case] : null;
  };
  const receives = (msg) => (x) => x.msg === msg && (x.kind === 'recv-end' || (x.kind === 'select-end' && caseOf(x)?.dir === 'recv'));
  const offers = (msg) => (x) => ((x.kind === 'send-begin' || x.kind === 'fire') && x.msg === msg) || (x.kind === 'select-begin' && x.cases.some((c) => c.dir === 'send' && c.msg === msg));
  // a context's Done is closed by its cancel
  const closer = () => back((x) => (x.kind === 'close' || x.kind === 'cancel') && x.obj === e.obj);
  switch (e.kind) {
    case 'fire':
      // its receive, or the Stop or Reset that took it out unreceived
      return e.msg ? fwd((x) => receives(e.msg)(x) || (x.kind === 'timer' && x.msg === e.msg)) : null;
    case 'timer':
      return e.msg ? back((x) => x.kind === 'fire' && x.msg === e.msg) : null;
    case 'cancel':
      return fwd((x) => x.obj === e.obj && x.closed === true);
    case 'send-begin':
    case 'send-end':
      return fwd(receives(e.msg));
    case 'recv-end':
      return e.closed ? closer() : back(offers(e.msg));
    case 'select-begin': {
      const end = fwd((x) => x.kind === 'select-end' && x.g === e.g);
      const c = end ? e.cases[end.case] : null;
      return (c && c.dir === 'send' && fwd(receives(c.msg))) || end;
    }
    case 'select-end': {
      const c = caseOf(e);
      if (!c || c.dir === 'default') return trace.selectBegin(e);
      // a receiver may finish before the select that sent to it does
      if (c.dir === 'send') return fwd(receives(e.msg)) || back(receives(e.msg)) || trace.selectBegin(e);
      return e.closed ? closer() : back(offers(e.msg));
    }
    case 'lock-end':
      return fwd((x) => x.kind === 'unlock' && same(x));
    case 'unlock':
      return back((x) => x.kind === 'lock-end' && same(x));
    case 'rlock-end':
      return fwd((x) => x.kind === 'runlock' && same(x));
    case 'runlock':
      return back((x) => x.kind === 'rlock-end' && same(x));
    case 'signal':
    case 'broadcast':
      return e.msg ? fwd((x) => x.kind === 'cond-wait-end' && x.msg === e.msg) : null;
    case 'cond-wait-end':
      return back((x) => (x.kind === 'signal' || x.kind === 'broadcast') && x.msg === e.msg && x.obj === e.obj);
    case 'once-run':
      return fwd((x) => x.kind === 'once-done' && same(x));
    case 'once-done':
      return back((x) => x.kind === 'once-run' && same(x));
    case 'borrow':
    case 'borrow-mut':
      return fwd((x) => x.kind === 'release' && same(x) && (x.op === 'mut') === (e.kind === 'borrow-mut'));
    case 'release':
      return back((x) => same(x) && x.kind === (e.op === 'mut' ? 'borrow-mut' : 'borrow'));
  }
  if (SPAN_ENDS[e.kind]) return fwd((x) => x.kind === SPAN_ENDS[e.kind] && x.g === e.g);
  if (SPAN_BEGINS[e.kind]) return back((x) => x.kind === SPAN_BEGINS[e.kind] && x.g === e.g);
  return null;
}

/**
 * runStats sums a run up from its trace, endT being its end: per goroutine the time it spent
 * running, working, runnable, blocked and sleeping over its life (from its go to its exit, or
 * endT); running is what is left, so a wait for a processor is not counted as running; per
 * buffered channel the most values it surely held at once; per mutex (and RWMutex, reading
 * or writing) the time goroutines waited to lock it.
 */
export function runStats(trace, endT) {
  const end = Math.max(endT, trace.lastT);
  const contention = new Map();
  const goroutines = trace.goroutines.map((g) => {
    const stop = g.exit ?? end;
    const life = Math.max(0, stop - g.start);
    const sum = { [WORK]: 0, [SLEEP]: 0, [BLOCKED]: 0, [RUNNABLE]: 0 };
    for (const s of g.spans) {
      const d = Math.max(0, (s.t1 ?? stop) - s.t0);
      sum[s.kind] += d;
      if (s.op === 'lock' || s.op === 'rlock') contention.set(s.obj, (contention.get(s.obj) || 0) + d);
    }
    const busy = sum[WORK] + sum[SLEEP] + sum[BLOCKED] + sum[RUNNABLE];
    return { g, life, working: sum[WORK], sleeping: sum[SLEEP], blocked: sum[BLOCKED], runnable: sum[RUNNABLE], running: Math.max(0, life - busy) };
  });
  const channels = [];
  const mutexes = [];
  for (const o of trace.objects) {
    if (o.kind === 'chan') {
      let max = 0;
      for (const f of o.fill) max = Math.max(max, f.n);
      channels.push({ o, max: Math.min(max, o.cap), cap: o.cap, received: o.recvs.filter((r) => !r.closed).length });
    } else if (o.kind === 'mutex' || o.kind === 'rwmutex') {
      // an RWMutex's read locks count with its write locks
      mutexes.push({ o, wait: contention.get(o.id) || 0, holds: o.holds.length + (o.reads ? o.reads.length : 0) });
    }
  }
  return { goroutines, channels, mutexes };
}
