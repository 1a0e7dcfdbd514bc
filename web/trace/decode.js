// The wire protocol's checks (the schema is Go's: stage.SchemaVersion, stage.Event): a
// malformed server message is refused with a ProtocolError rather than drawn as nonsense.

export const SCHEMA_VERSION = 1;

const TYPES = new Set(['meta', 'events', 'choice', 'end', 'error']);
const REASONS = new Set(['done', 'panic', 'truncated', 'stopped', 'deadlock', 'schedule']);
const ATOMIC_OPS = new Set(['add', 'load', 'store', 'swap', 'cas']);
const WG_OPS = new Set(['add', 'done']);
const CASE_DIRS = new Set(['recv', 'send', 'default']);
const TIMER_OPS = new Set(['stop', 'reset']);
// the ops of the semaphore's and the errgroup's ends, and of their begins (absent: none)
const END_OPS = {
  'acquire-end': new Set(['canceled', 'refused']),
  'group-go-end': new Set(['refused']),
  'group-done': new Set(['first', 'later']),
  'sem-release': new Set(),
};
const TRY_OPS = new Set(['lock', 'rlock']);

/** ProtocolError is a message the browser cannot use. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** fail throws a ProtocolError saying msg. */
export function fail(msg) {
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
        if (typeof v !== 'number' && typeof v !== 'string') fail(`meta param ${k} is neither a number nor a choice`);
      }
      if (!(m.speed === undefined || (typeof m.speed === 'number' && m.speed > 0))) fail('meta speed is not a positive number');
      if (!(m.mode === undefined || typeof m.mode === 'string')) fail('meta mode is not text');
      if (!(m.seed === undefined || (isInt(m.seed) && m.seed >= 0))) fail('meta seed is not a whole number');
      if (!(m.processors === undefined || (isInt(m.processors) && m.processors > 0))) fail('meta processors is not a count');
      if (!(m.schedule === undefined || typeof m.schedule === 'string')) fail('meta schedule is not text');
      break;
    case 'events':
      if (!Array.isArray(m.events)) fail('events message without an events array');
      for (const e of m.events) checkEvent(e);
      break;
    case 'choice':
      // A steered run waits for a pick: who can run, and what each would do next.
      if (!(isInt(m.step) && m.step > 0)) fail('choice message without its step');
      if (typeof m.schedule !== 'string') fail('choice message without the schedule so far');
      if (!(m.back === undefined || typeof m.back === 'string')) fail('choice back is not a schedule');
      if (m.select === undefined) {
        if (!(Array.isArray(m.options) && m.options.length > 1)) fail('choice message without two or more options');
        m.options.forEach((o, i) => checkOption(o, `choice option ${i}`));
      } else {
        // a select with several cases ready: the goroutine in it, and its cases
        checkOption(m.select, 'choice select');
        if (!(Array.isArray(m.cases) && m.cases.length > 1)) fail('choice of a select without two or more cases');
        m.cases.forEach((c, i) => checkCaseOption(c, i));
      }
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
      if (!(m.schedule === undefined || typeof m.schedule === 'string')) fail('end schedule is not text');
      if (m.solved == null) m.solved = [];
      if (!(Array.isArray(m.solved) && m.solved.every((s) => typeof s === 'string'))) fail('end solved is not a list of challenge ids');
      break;
    case 'error':
      if (!(typeof m.message === 'string' && m.message !== '')) fail('error message without text');
      break;
  }
  return m;
}

// FIELD_TYPES says what each optional field of an event holds. An event is checked by its
// own keys (five to eight), not by every field there could be: a million-event link spends
// its time here.
const FIELD_TYPES = new Map([
  ...['seq', 't', 'g', 'obj', 'msg', 'line', 'child', 'cap', 'old', 'new', 'dur', 'borrows', 'case', 'parent'].map((f) => [f, 'int']),
  ...['kind', 'value', 'name', 'op', 'objKind'].map((f) => [f, 'string']),
  ['closed', 'boolean'],
]);
const KIND_NAME = /^[a-z][a-z0-9-]*$/;
// Kinds that touch an object and must say which.
const OBJ_REQUIRED = new Set(['recv-begin', 'close', 'lock-begin', 'lock-end', 'unlock',
  'wait-begin', 'wait-end', 'cell-get', 'cell-set', 'not-sync', 'cancel', 'group-limit', 'group-wait-begin', 'group-wait-end',
  'rlock-begin', 'rlock-end', 'runlock', 'cond-wait-begin', 'once-run', 'once-done', 'once-wait-begin', 'once-wait-end']);

/** isKindName says whether name can be a kind. */
export const isKindName = (name) => KIND_NAME.test(name);

/**
 * checkEvent checks an event's fields. A kind this page does not know passes when its
 * common fields are sound: a newer server may add kinds, and the trace skips them.
 */
export function checkEvent(e) {
  if (!isObj(e)) fail('an event is not an object');
  if (!isInt(e.seq) || e.seq <= 0) fail(`event with bad seq ${JSON.stringify(e.seq)}`);
  const at = () => `event ${e.seq}`;
  if (!(isInt(e.t) && e.t >= 0)) fail(`${at()}: bad time ${JSON.stringify(e.t)}`);
  if (!(isInt(e.g) && e.g >= 0)) fail(`${at()}: bad goroutine ${JSON.stringify(e.g)}`);
  if (!(typeof e.kind === 'string' && KIND_NAME.test(e.kind))) fail(`${at()}: bad kind ${JSON.stringify(e.kind)}`);
  for (const f in e) {
    const want = FIELD_TYPES.get(f);
    if (want === undefined) continue; // a field of a kind's own (cases), or a newer server's
    const v = e[f];
    if (want === 'int' ? !isInt(v) : typeof v !== want) {
      fail(`${at()}: ${f} is not ${want === 'int' ? 'an integer' : want === 'string' ? 'text' : 'true/false'}`);
    }
  }
  checkKind(e);
}

/**
 * checkKind checks what an event's kind asks of it, its fields' types known to be right (as
 * a binary batch's are, which holds only integers and text where each belongs).
 */
export function checkKind(e) {
  const at = () => `event ${e.seq}`;
  const needObj = () => {
    if (!(isInt(e.obj) && e.obj > 0)) fail(`${at()}: ${e.kind} without an object`);
  };
  switch (e.kind) {
    case 'go':
      if (!(isInt(e.child) && e.child > 0)) fail(`${at()}: go without a child`);
      break;
    case 'new':
      needObj();
      if (!(typeof e.objKind === 'string' && e.objKind !== '')) fail(`${at()}: new without an objKind`);
      if (e.cap !== undefined && e.cap < 0) fail(`${at()}: negative cap`);
      break;
    case 'atomic':
      needObj();
      if (!ATOMIC_OPS.has(e.op)) fail(`${at()}: unknown atomic op ${JSON.stringify(e.op)}`);
      if (!(isInt(e.old) && isInt(e.new))) fail(`${at()}: atomic without old and new`);
      break;
    case 'wg-add':
      needObj();
      if (!WG_OPS.has(e.op)) fail(`${at()}: unknown waitgroup op ${JSON.stringify(e.op)}`);
      if (!(isInt(e.old) && isInt(e.new))) fail(`${at()}: wg-add without old and new`);
      break;
    case 'borrow': case 'borrow-mut': case 'release': case 'borrow-error':
      needObj();
      if (!(isInt(e.borrows) && e.borrows >= -1)) fail(`${at()}: ${e.kind} without borrows`);
      break;
    case 'send-begin': case 'send-end': case 'recv-end':
      if (!isInt(e.obj)) fail(`${at()}: ${e.kind} without a channel`);
      if ((e.kind !== 'recv-end' || !e.closed) && !(isInt(e.msg) && e.msg > 0)) fail(`${at()}: ${e.kind} without a message id`);
      break;
    case 'fire':
      // a tick delivered (a message, like a send's), or one a ticker dropped
      needObj();
      if (e.op === undefined ? !(isInt(e.msg) && e.msg > 0) : e.op !== 'dropped') fail(`${at()}: a fire neither delivered nor dropped`);
      break;
    case 'timer':
      needObj();
      if (!TIMER_OPS.has(e.op)) fail(`${at()}: unknown timer op ${JSON.stringify(e.op)}`);
      if (e.value !== 'true' && e.value !== 'false') fail(`${at()}: a timer ${e.op} that does not say whether it was pending`);
      break;
    case 'acquire-begin': case 'group-go-begin':
      needObj();
      if (!(e.op === undefined || e.op === 'try')) fail(`${at()}: unknown ${e.kind} op ${JSON.stringify(e.op)}`);
      if (e.kind === 'acquire-begin' && !/^\d+$/.test(e.value ?? '')) fail(`${at()}: acquire-begin without its weight`);
      break;
    case 'acquire-end': case 'sem-release': case 'group-go-end': case 'group-done':
      needObj();
      if (!(e.op === undefined || END_OPS[e.kind].has(e.op))) fail(`${at()}: unknown ${e.kind} op ${JSON.stringify(e.op)}`);
      if (!(isInt(e.old) && isInt(e.new) && e.old >= 0 && e.new >= 0)) fail(`${at()}: ${e.kind} without the counts before and after`);
      break;
    case 'trylock':
      needObj();
      if (!TRY_OPS.has(e.op)) fail(`${at()}: unknown trylock op ${JSON.stringify(e.op)}`);
      if (e.value !== 'true' && e.value !== 'false') fail(`${at()}: a trylock that does not say whether it took the lock`);
      break;
    case 'signal': case 'broadcast':
      // a wake, which the cond-wait-end of each goroutine it woke carries, or lost
      needObj();
      if (e.op === undefined ? !(isInt(e.msg) && e.msg > 0) : e.op !== 'lost') fail(`${at()}: a ${e.kind} that neither wakes anyone nor is lost`);
      if (!/^\d+$/.test(e.value ?? '')) fail(`${at()}: a ${e.kind} that does not say how many it woke`);
      break;
    case 'cond-wait-end':
      needObj();
      if (!(isInt(e.msg) && e.msg > 0)) fail(`${at()}: cond-wait-end without the wake that woke it`);
      break;
    case 'select-begin':
      if (!Array.isArray(e.cases)) fail(`${at()}: select-begin without its cases`);
      e.cases.forEach((c, i) => checkCase(c, `${at()}: case ${i}`));
      if (e.cases.filter((c) => c.dir === 'default').length > 1) fail(`${at()}: a select with more than one default`);
      break;
    case 'select-end':
      if (!(isInt(e.case) && e.case >= 0)) fail(`${at()}: select-end without the case it took`);
      if (e.obj !== undefined && !e.closed && !(isInt(e.msg) && e.msg > 0)) fail(`${at()}: select-end on a channel without a message id`);
      break;
    default:
      if (OBJ_REQUIRED.has(e.kind)) needObj();
  }
}

// checkOption checks one option of a choice: a goroutine, its name, and its next step.
function checkOption(o, at) {
  if (!isObj(o)) fail(`${at} is not an object`);
  if (!(isInt(o.g) && o.g > 0)) fail(`${at}: bad goroutine ${JSON.stringify(o.g)}`);
  for (const f of ['name', 'op', 'text']) {
    if (typeof o[f] !== 'string') fail(`${at}: ${f} is not text`);
  }
  for (const f of ['obj', 'line']) {
    if (o[f] !== undefined && !(isInt(o[f]) && o[f] > 0)) fail(`${at}: ${f} is not a positive integer`);
  }
}

// checkCaseOption checks the i-th ready case of a select's choice.
function checkCaseOption(c, i) {
  const at = `choice case ${i}`;
  if (!isObj(c)) fail(`${at} is not an object`);
  if (c.case !== i) fail(`${at}: case is ${JSON.stringify(c.case)}, not its place ${i}`);
  if (c.dir !== 'recv' && c.dir !== 'send') fail(`${at}: unknown direction ${JSON.stringify(c.dir)}`);
  if (typeof c.text !== 'string') fail(`${at}: text is not text`);
  for (const f of ['obj', 'line']) {
    if (c[f] !== undefined && !(isInt(c[f]) && c[f] > 0)) fail(`${at}: ${f} is not a positive integer`);
  }
}

// checkCase checks one case of a select-begin: a default names no channel; a send on a
// channel offers a message (a case on a nil channel names none, and never runs).
function checkCase(c, at) {
  if (!isObj(c)) fail(`${at} is not an object`);
  if (!CASE_DIRS.has(c.dir)) fail(`${at}: unknown direction ${JSON.stringify(c.dir)}`);
  for (const f of ['obj', 'msg', 'line']) {
    if (c[f] !== undefined && !(isInt(c[f]) && c[f] > 0)) fail(`${at}: ${f} is not a positive integer`);
  }
  if (c.value !== undefined && typeof c.value !== 'string') fail(`${at}: value is not text`);
  if (c.dir === 'default' && c.obj !== undefined) fail(`${at}: a default on a channel`);
  if (c.dir === 'send' && c.obj !== undefined && c.msg === undefined) fail(`${at}: a send case without a message id`);
}
