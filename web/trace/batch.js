// Binary event batches (Go's stage.BatchEncoder; the README's protocol section has the
// layout): the compact form of an events message, which the page asks the socket for. A
// BatchDecoder turns each batch into the events message decodeMessage makes of the JSON — the
// same event objects, with their keys in the JSON's order — without JSON.parse: its strings
// come from the run's tables, one string for every time a value repeats.

import { SCHEMA_VERSION, fail, checkEvent, checkKind, isKindName } from './decode.js';

/** BATCH_VERSION is the binary batch format this page reads (stage.BatchVersion). */
export const BATCH_VERSION = 1;
const MAGIC = 0xeb;

// The bits of an event's optional fields (stage's batchObj…).
const OBJ = 1;
const MSG = 2;
const VALUE = 4;
const LINE = 8;
const OP = 16;
const OLD_NEW = 32;
const DUR = 64;
const CLOSED = 128;
const BORROWS = 256;
const CASE = 512;
const CASES = 1024; // a select-begin's
const FIELDS = 2047;

/**
 * BatchDecoder decodes one connection's binary batches, run after run: a run's strings are
 * sent once and referred to after, so it must see every batch of a run, in order. A batch of
 * another run starts that run's tables afresh.
 */
export class BatchDecoder {
  constructor() {
    this.run = 0;
    this.nextSeq = 0;
    this.names = []; // kinds and ops
    this.kinds = []; // whether names[i] can be a kind
    this.values = [];
    this.text = new TextDecoder('utf-8', { fatal: true });
    this.b = null;
    this.at = 0;
  }

  /** decode returns the events message of one batch (an ArrayBuffer); it throws a ProtocolError naming what is wrong. */
  decode(buffer) {
    const b = new Uint8Array(buffer);
    this.b = b;
    if (b.length < 2 || b[0] !== MAGIC) fail('a binary message that is not a batch of events');
    if (b[1] !== BATCH_VERSION) fail(`server sends binary batches of version ${b[1]}, this page reads ${BATCH_VERSION}; reload the page`);
    this.at = 2;
    const run = this.uint();
    const first = this.uint();
    if (run === 0 || first === 0 || this.at === b.length) fail(`a batch of run ${run} from event ${first} without events`);
    if (run !== this.run) {
      this.run = run;
      this.nextSeq = first;
      this.names = [];
      this.kinds = [];
      this.values = [];
    }
    if (first !== this.nextSeq) fail(`run ${run} goes on at event ${this.nextSeq}, but a batch begins at ${first}`);
    const events = [];
    let seq = first;
    let t = 0;
    let msg = 0;
    while (this.at < b.length) {
      const k = this.uint();
      let e;
      if (k === 0) {
        e = this.jsonEvent(seq);
      } else {
        const kind = this.kind(k);
        const fields = this.uint();
        if (fields > FIELDS) fail(`event ${seq}: fields ${fields} this page does not know`);
        t += this.int();
        if (t < 0) fail(`event ${seq}: bad time ${t}`);
        const g = this.uint();
        // Read in the batch's order, which is the JSON's.
        const obj = fields & OBJ ? this.uint() : 0;
        if (fields & MSG) msg += this.int();
        const value = fields & VALUE ? this.ref(this.values) : '';
        const line = fields & LINE ? this.uint() : 0;
        const op = fields & OP ? this.ref(this.names) : '';
        let old = 0;
        let nu = 0;
        if (fields & OLD_NEW) {
          old = this.int();
          nu = old + this.int();
        }
        const borrows = fields & BORROWS ? this.int() : 0;
        const cas = fields & CASE ? this.uint() : 0;
        let cases = null;
        if (fields & CASES) {
          const c = this.cases(msg);
          cases = c.cases;
          msg = c.msg;
        }
        const dur = fields & DUR ? this.int() : 0;
        e = makeEvent(fields, seq, t, g, kind, obj, msg, value, line, op, old, nu, borrows, cas, cases, dur);
        checkKind(e);
      }
      t = e.t;
      events.push(e);
      seq++;
    }
    this.nextSeq = seq;
    this.b = null;
    return { v: SCHEMA_VERSION, type: 'events', run, events };
  }

  // cases reads a select-begin's cases; msg is that of the event before, and the last case's
  // message is the next event's msg before.
  cases(msg) {
    const n = this.uint();
    if (n > this.b.length - this.at) fail(`a select of ${n} cases in ${this.b.length - this.at} bytes`);
    const cases = [];
    for (let i = 0; i < n; i++) {
      const c = { dir: this.ref(this.names) };
      const f = this.uint();
      if (f > (OBJ | MSG | VALUE | LINE)) fail(`case fields ${f} this page does not know`);
      if (f & OBJ) c.obj = this.uint();
      if (f & MSG) {
        msg += this.int();
        c.msg = msg;
      }
      if (f & VALUE) c.value = this.ref(this.values);
      if (f & LINE) c.line = this.uint();
      cases.push(c);
    }
    return { cases, msg };
  }

  // kind is the kind a reference k ≥ 1 names: 1 a new name follows, k ≥ 2 the name k − 2.
  kind(k) {
    const i = k === 1 ? this.define(this.names) : k - 2;
    if (!(i < this.names.length)) fail(`kind ${k - 2} was never named`);
    if (!this.kinds[i]) fail(`bad kind ${JSON.stringify(this.names[i])}`);
    return this.names[i];
  }

  // jsonEvent reads an event sent as its JSON, which must be event seq.
  jsonEvent(seq) {
    const bytes = this.bytes();
    let e;
    try {
      e = JSON.parse(this.text.decode(bytes));
    } catch (err) {
      fail(`event ${seq} is not JSON: ${err.message}`);
    }
    checkEvent(e);
    if (e.seq !== seq) fail(`event ${seq} says it is event ${e.seq}`);
    return e;
  }

  // ref reads a reference to a string of table: 0 a new one follows, k ≥ 1 the string k − 1.
  ref(table) {
    const k = this.uint();
    if (k === 0) return table[this.define(table)];
    if (k > table.length) fail(`string ${k - 1} was never sent`);
    return table[k - 1];
  }

  // define reads a new string of table and returns its place; of a name, it notes whether it can be a kind.
  define(table) {
    const bytes = this.bytes();
    let s;
    try {
      s = this.text.decode(bytes);
    } catch (err) {
      fail(`a string that is not UTF-8: ${err.message}`);
    }
    if (table === this.names) this.kinds.push(isKindName(s));
    table.push(s);
    return table.length - 1;
  }

  bytes() {
    const n = this.uint();
    if (n > this.b.length - this.at) fail(`${n} bytes promised, ${this.b.length - this.at} left`);
    const s = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return s;
  }

  // uint reads a uvarint that a number holds exactly.
  uint() {
    const b = this.b;
    let at = this.at;
    if (at >= b.length) fail('a batch cut short');
    let c = b[at++];
    if (c < 0x80) {
      this.at = at;
      return c;
    }
    let x = c & 0x7f;
    let mul = 128;
    for (;;) {
      if (at >= b.length) fail('a batch cut short');
      c = b[at++];
      x += (c & 0x7f) * mul;
      if (c < 0x80) break;
      mul *= 128;
      if (mul > 2 ** 53) fail('a number beyond 2^53');
    }
    if (x > Number.MAX_SAFE_INTEGER) fail('a number beyond 2^53');
    this.at = at;
    return x;
  }

  // int reads a zigzag varint.
  int() {
    const u = this.uint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}

// makeEvent makes the event object with the fields its bits name, in the JSON's order. The
// commonest shapes are written out: an object made whole has its fields in itself, while one
// grown field by field keeps some in a second array, which a million events would feel.
function makeEvent(f, seq, t, g, kind, obj, msg, value, line, op, old, nu, borrows, cas, cases, dur) {
  switch (f) {
    case 0: return { seq, t, g, kind };
    case LINE: return { seq, t, g, kind, line };
    case OBJ: return { seq, t, g, kind, obj };
    case OBJ | LINE: return { seq, t, g, kind, obj, line };
    case OBJ | MSG | LINE: return { seq, t, g, kind, obj, msg, line };
    case OBJ | MSG | VALUE | LINE: return { seq, t, g, kind, obj, msg, value, line };
    case OBJ | VALUE | LINE: return { seq, t, g, kind, obj, value, line };
    case VALUE | LINE: return { seq, t, g, kind, value, line };
    case LINE | DUR: return { seq, t, g, kind, line, dur };
    case OBJ | VALUE | LINE | OP | OLD_NEW: return { seq, t, g, kind, obj, value, line, op, old, new: nu };
    case OBJ | LINE | OP | OLD_NEW: return { seq, t, g, kind, obj, line, op, old, new: nu };
    case OBJ | VALUE | LINE | CLOSED: return { seq, t, g, kind, obj, value, line, closed: true };
    case LINE | CASES: return { seq, t, g, kind, line, cases };
    case OBJ | MSG | LINE | CASE: return { seq, t, g, kind, obj, msg, line, case: cas };
    case OBJ | MSG | VALUE | LINE | CASE: return { seq, t, g, kind, obj, msg, value, line, case: cas };
    default: {
      const e = { seq, t, g, kind };
      if (f & OBJ) e.obj = obj;
      if (f & MSG) e.msg = msg;
      if (f & VALUE) e.value = value;
      if (f & LINE) e.line = line;
      if (f & OP) e.op = op;
      if (f & OLD_NEW) {
        e.old = old;
        e.new = nu;
      }
      if (f & BORROWS) e.borrows = borrows;
      if (f & CASE) e.case = cas;
      if (f & CASES) e.cases = cases;
      if (f & DUR) e.dur = dur;
      if (f & CLOSED) e.closed = true;
      return e;
    }
  }
}
