// The sentences of the event log and tooltips.

/** formatDuration renders nanoseconds for a person: "300 ms", "1.25 s", "12 µs". */
export function formatDuration(ns) {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${trim(ns / 1e9)} s`;
  if (a >= 1e6) return `${trim(ns / 1e6)} ms`;
  if (a >= 1e3) return `${trim(ns / 1e3)} µs`;
  return `${ns} ns`;
}

const GO_UNITS = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };

/** parseGoDuration reads a duration as Go prints one ("500ms", "1m30s", "1.5µs") as
 * nanoseconds; null if it is not one. */
export function parseGoDuration(text) {
  const m = typeof text === 'string' && /^(-?)((?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!m) return null;
  let ns = 0;
  for (const [, n, unit] of m[2].matchAll(/([\d.]+)(ns|us|µs|μs|ms|s|m|h)/g)) ns += Number(n) * GO_UNITS[unit];
  return Math.round(m[1] ? -ns : ns);
}

function trim(x) {
  const s = x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** describe tells what event e did, as a sentence: "producer 2 sends 2 on ch". */
export function describe(trace, e) {
  const who = e.kind === 'go' && e.g === 0 ? '' : trace.gName(e.g);
  const obj = e.obj !== undefined ? trace.oName(e.obj) : '';
  const v = e.value ?? '';
  switch (e.kind) {
    case 'go':
      return e.g === 0 ? `${e.name || 'main'} starts` : `${who} starts ${trace.gName(e.child)}`;
    case 'exit':
      return `${who} returns`;
    case 'new': {
      const o = trace.object(e.obj);
      switch (e.objKind) {
        case 'chan': return `${who} makes channel ${obj} (${e.cap ? `buffer ${e.cap}` : 'unbuffered'})`;
        case 'atomic': return `${who} makes atomic ${obj} = ${o ? o.initial : v}`;
        case 'waitgroup': return `${who} makes WaitGroup ${obj}`;
        case 'cell': return `${who} makes Cell ${obj} = ${v}`;
        case 'refcell': return `${who} makes RefCell ${obj} = ${v}`;
        case 'rwmutex': return `${who} makes RWMutex ${obj}`;
        case 'cond': return `${who} makes Cond ${obj} on ${trace.oName(e.parent)}`;
        case 'once': return `${who} makes Once ${obj}`;
        case 'timer': return `${who} makes timer ${obj}, to fire in ${formatDuration(e.dur || 0)}`;
        case 'ticker': return `${who} makes ticker ${obj}, to tick every ${formatDuration(e.dur || 0)}`;
        case 'context': {
          const from = e.parent ? `from ${trace.oName(e.parent)}` : 'from Background';
          return `${who} makes context ${obj} ${from}${e.dur ? `, with a deadline in ${formatDuration(e.dur)}` : ''}`;
        }
        case 'semaphore': return `${who} makes semaphore ${obj} of size ${e.cap ?? 0}`;
        case 'errgroup': return e.parent ? `${who} makes errgroup ${obj} with its context ${trace.oName(e.parent)}` : `${who} makes errgroup ${obj}`;
      }
      return `${who} makes ${e.objKind} ${obj}`;
    }
    case 'send-begin':
      return `${who} sends ${v} on ${obj}`;
    case 'send-end':
      return `${who} finished sending on ${obj}`;
    case 'recv-begin':
      switch (objKind(trace, e.obj)) {
        case 'timer': return `${who} waits for timer ${obj} to fire`;
        case 'ticker': return `${who} waits for a tick of ${obj}`;
        case 'context': return `${who} waits for ${obj} to be cancelled`;
      }
      return `${who} receives from ${obj}`;
    case 'recv-end':
      switch (objKind(trace, e.obj)) {
        case 'timer': case 'ticker': return `${who} takes the tick of ${obj}${dueText(v)}`;
        case 'context': return `${who} sees ${obj} cancelled${whyText(trace, e.obj)}`;
      }
      return e.closed ? `${who} receives the zero value: ${obj} is closed` : `${who} got ${v} from ${obj}`;
    case 'fire':
      if (e.op === 'dropped') return `a tick of ${obj} is dropped: the last one was not taken`;
      return `the ${objKind(trace, e.obj) === 'ticker' ? 'ticker' : 'timer'} ${obj} fires${dueText(v)}`;
    case 'timer':
      return timerText(trace, e, who, obj);
    case 'cancel': {
      const o = trace.object(e.obj);
      if (o && o.cancel && o.cancel.from) return `${obj} is cancelled with its parent ${trace.oName(o.cancel.from)}: ${v}`;
      return e.g === 0 ? `${obj}'s deadline passes: ${v}` : `${who} cancels ${obj}: ${v}`;
    }
    case 'close':
      return `${who} closes ${obj}`;
    case 'select-begin': {
      const ways = casesText(trace, e.cases);
      if (!e.cases.some((c) => c.dir === 'default')) return ways ? `${who} waits in a select: ${ways}` : `${who} waits in a select with no cases, forever`;
      return ways ? `${who} selects without waiting: ${ways}, or the default` : `${who} selects: only the default`;
    }
    case 'select-end':
      return selectEndText(trace, e, who, obj, v);
    case 'lock-begin':
      return objKind(trace, e.obj) === 'rwmutex' ? `${who} asks for ${obj} to write` : `${who} asks for ${obj}`;
    case 'lock-end': {
      const how = objKind(trace, e.obj) === 'rwmutex' ? ' to write' : '';
      return v ? `${who} holds ${obj}${how}, which guards ${v}` : `${who} holds ${obj}${how}`;
    }
    case 'rlock-begin':
      return `${who} asks for ${obj} to read`;
    case 'rlock-end':
      return v ? `${who} holds ${obj} to read, which guards ${v}` : `${who} holds ${obj} to read`;
    case 'runlock':
      return `${who} read-unlocks ${obj}`;
    case 'trylock': {
      const to = e.op === 'rlock' ? 'read' : 'write';
      return v === 'true' ? `${who} tries ${obj} to ${to} and holds it` : `${who} tries ${obj} to ${to}: it is taken, and ${who} does not wait`;
    }
    case 'cond-wait-begin': {
      const m = trace.object(e.obj)?.mutexName;
      return `${who} waits on ${obj}${m ? `, having released ${m}` : ''}`;
    }
    case 'cond-wait-end': {
      const w = trace.object(e.obj)?.wakeBy?.get(e.msg);
      const m = trace.object(e.obj)?.mutexName;
      const by = w ? ` by ${trace.gName(w.g)}'s ${w.kind === 'broadcast' ? 'Broadcast' : 'Signal'}` : '';
      return `${who} is woken on ${obj}${by}${m ? `; it locks ${m} again` : ''}`;
    }
    case 'signal':
      return e.op === 'lost' ? `${who} signals ${obj}, but no one waits: the signal is lost` : `${who} signals ${obj}, waking the goroutine that waited longest`;
    case 'broadcast': {
      if (e.op === 'lost') return `${who} broadcasts on ${obj}, but no one waits: it is lost`;
      const n = Number(v) || 0;
      return `${who} broadcasts on ${obj}, waking ${n === 1 ? 'the one goroutine' : `all ${n} goroutines`} waiting`;
    }
    case 'once-run':
      return `${who} is the first to call ${obj}.Do: it runs the function`;
    case 'once-done':
      return `${who}'s function returns: ${obj} is done`;
    case 'once-wait-begin':
      return `${who} calls ${obj}.Do, whose function another call runs: it returns once that has`;
    case 'once-wait-end':
      return `${who}'s ${obj}.Do returns without running its function`;
    case 'unlock':
      return v ? `${who} unlocks ${obj}, leaving ${v}` : `${who} unlocks ${obj}`;
    case 'atomic':
      switch (e.op) {
        case 'add': return `${who} adds ${v} to ${obj}: ${e.old} → ${e.new}`;
        case 'load': return `${who} loads ${obj}: ${e.new}`;
        case 'store': return `${who} stores ${v} in ${obj} (was ${e.old})`;
        case 'swap': return `${who} swaps ${v} into ${obj} (was ${e.old})`;
        default: {
          const expect = v.split('→')[0];
          return expect === String(e.old)
            ? `${who} compare-and-swaps ${obj}: ${e.old} → ${e.new}`
            : `${who}'s compare-and-swap on ${obj} fails: expected ${expect}, found ${e.old}`;
        }
      }
    case 'wg-add':
      return e.op === 'done'
        ? `${who} calls ${obj}.Done(): ${e.old} → ${e.new}`
        : `${who} adds ${v} to ${obj}: ${e.old} → ${e.new}`;
    case 'wait-begin':
      return `${who} waits for ${obj} to reach zero`;
    case 'wait-end':
      return `${who} stops waiting: ${obj} is zero`;
    case 'acquire-begin':
      return e.op === 'try' ? `${who} tries to acquire ${v} of ${obj}` : `${who} asks ${obj} for ${v}`;
    case 'acquire-end':
      switch (e.op) {
        case 'canceled': return `${who} gives up on ${obj}: ${v || 'its context is done'}; it takes nothing`;
        case 'refused': return `${who}'s TryAcquire on ${obj} is refused: ${e.old} in use${semWaiting(trace, e)}`;
      }
      return `${who} acquires ${(e.new ?? 0) - (e.old ?? 0)} of ${obj}: ${e.old} → ${e.new} in use${semSize(trace, e.obj)}`;
    case 'sem-release':
      return `${who} releases ${v} of ${obj}: ${e.old} → ${e.new} in use${semSize(trace, e.obj)}`;
    case 'group-limit':
      return Number(v) < 0 ? `${who} lifts ${obj}'s limit` : `${who} limits ${obj} to ${v} goroutines at once`;
    case 'group-go-begin':
      return e.op === 'try' ? `${who} tries to start a goroutine in ${obj}` : `${who} starts a goroutine in ${obj}`;
    case 'group-go-end':
      return e.op === 'refused'
        ? `${who}'s TryGo on ${obj} is refused: ${e.old} of its limit active`
        : `${who} has a slot in ${obj}: ${e.old} → ${e.new} active`;
    case 'group-done':
      switch (e.op) {
        case 'first': return `${who} returns the first error of ${obj}: ${v}; it cancels the group's context`;
        case 'later': return `${who} returns an error ${obj} drops, as it has one already: ${v}`;
      }
      return `${who} returns nil to ${obj}: ${e.old} → ${e.new} active`;
    case 'group-wait-begin':
      return `${who} waits for ${obj}'s goroutines`;
    case 'group-wait-end':
      return v ? `${who}'s Wait on ${obj} returns the first error: ${v}` : `${who}'s Wait on ${obj} returns nil`;
    case 'cell-get':
      return `${who} reads ${v} from ${obj}`;
    case 'cell-set':
      return `${who} sets ${obj} to ${v}`;
    case 'borrow':
      return `${who} borrows ${obj} (${borrowText(e.borrows)}): ${v}`;
    case 'borrow-mut':
      return `${who} borrows ${obj} mutably: ${v}`;
    case 'release':
      return e.op === 'mut'
        ? `${who} drops its mutable borrow of ${obj}, which now holds ${v}`
        : `${who} drops a shared borrow of ${obj} (${borrowText(e.borrows)})`;
    case 'borrow-error':
      return `${who} cannot borrow ${obj}: ${v || 'borrow refused'} (${borrowText(e.borrows)}); Rust panics here`;
    case 'not-sync':
      return `${who} touches ${obj} from a second goroutine. ${v}`;
    case 'work-begin':
      return e.dur ? `${who} works for ${formatDuration(e.dur)}` : `${who} works`;
    case 'work-end':
      return `${who} finished working`;
    case 'sleep-begin':
      return e.dur ? `${who} sleeps for ${formatDuration(e.dur)}` : `${who} sleeps`;
    case 'sleep-end':
      return `${who} wakes up`;
    case 'runnable-begin':
      return `${who} waits for a processor`;
    case 'runnable-end':
      return `${who} gets a processor`;
    case 'print':
      return `${who} prints: ${v}`;
    case 'panic':
      return `${who} panics: ${v}`;
    case 'deadlock': {
      const text = deadlockText(trace, e);
      // "blocked in select: receiving from a" reads on after "is deadlocked"
      return (e.op === 'select' || e.op === 'rlock' || e.op === 'once') && text.startsWith('blocked ') ? `${who} is deadlocked ${text.slice(8)}` : `${who} is deadlocked: ${text}`;
    }
  }
  // a kind from a newer server: say what it carries
  return `${who ? `${who}: ` : ''}${e.kind}${obj ? ` on ${obj}` : ''}${v ? ` (${v})` : ''}`;
}

// semSize says a semaphore's size: " of 4".
function semSize(trace, id) {
  const o = trace.object(id);
  return o && o.kind === 'semaphore' ? ` of ${o.size}` : '';
}

// semWaiting says why a TryAcquire found no room: the weight, or someone waiting first.
function semWaiting(trace, e) {
  const o = trace.object(e.obj);
  if (!o || o.kind !== 'semaphore') return '';
  const waiting = o.waiters.some((w) => !w.try && w.t0 <= e.t && (w.t1 === null || w.t1 > e.t) && w.g !== e.g);
  return waiting ? ` of ${o.size}, and others wait first` : ` of ${o.size}`;
}

// objKind is the kind of object id, or ''.
const objKind = (trace, id) => (id === undefined ? '' : trace.object(id)?.kind || '');

// dueText says when a tick (its value) was due: " (due at 500 ms)".
function dueText(v) {
  const due = parseGoDuration(v);
  return due === null ? '' : ` (due at ${formatDuration(due)})`;
}

// whyText says why context id was cancelled: ": context canceled".
function whyText(trace, id) {
  const c = trace.object(id)?.cancel;
  return c && c.why ? `: ${c.why}` : '';
}

// timerText says what a Stop or Reset did: "main stops timer t: it had not fired".
function timerText(trace, e, who, obj) {
  const drained = e.msg ? '; its tick, never received, is taken out' : '';
  const set = e.op === 'reset' ? `resets timer ${obj} to fire in ${formatDuration(e.dur || 0)}` : `stops timer ${obj}`;
  if (objKind(trace, e.obj) === 'ticker') {
    return e.op === 'reset' ? `${who} resets ticker ${obj} to tick every ${formatDuration(e.dur || 0)}${drained}` : `${who} stops ticker ${obj}${drained}`;
  }
  if (e.value === 'true') return `${who} ${set}: it had not fired${drained}`;
  // not pending: it fired, or was stopped, before; its arm before this event says which
  let before = null;
  for (const a of trace.object(e.obj)?.arms || []) if (a.seq < e.seq) before = a;
  const was = before && before.how === 'stop' ? 'it was already stopped' : 'it had already fired';
  return `${who} ${set}: ${was}${drained}`;
}

// caseObj names a select case's object for a person: a timer's and a ticker's channel is
// theirs, a context's is its Done.
function caseObj(trace, id) {
  const name = trace.oName(id);
  switch (objKind(trace, id)) {
    case 'timer': return `timer ${name}`;
    case 'ticker': return `ticker ${name}`;
    case 'context': return `${name}.Done()`;
  }
  return name;
}

// casesText lists what a select's cases would do, the default left out: "receiving from
// results, sending 7 on out".
function casesText(trace, cases) {
  return cases.filter((c) => c.dir !== 'default').map((c) => {
    if (c.obj === undefined) return `${c.dir === 'send' ? 'sending on' : 'receiving from'} a nil channel (never ready)`;
    return c.dir === 'send' ? `sending ${c.value ? `${c.value} ` : ''}on ${trace.oName(c.obj)}` : `receiving from ${caseObj(trace, c.obj)}`;
  }).join(', ');
}

// selectEndText says which case a select took, and after how long it waited, if it did.
function selectEndText(trace, e, who, obj, v) {
  const begin = trace.selectBegin(e);
  const c = begin ? begin.cases[e.case] : null;
  const waited = begin ? (e.wt ?? e.t) - (begin.wt ?? begin.t) : 0;
  const after = waited > 0 ? ` after ${formatDuration(waited)}` : '';
  if (e.obj === undefined) return `${who}'s select took the default`; // a select with a default never waits
  const kind = objKind(trace, e.obj);
  if (kind === 'context') return `${who}'s select saw ${obj} cancelled${after}${whyText(trace, e.obj)}`;
  if (e.closed) return `${who}'s select found ${obj} closed${after}`;
  // a tick's value is the time it was due: the fire said it
  if (kind === 'timer' || kind === 'ticker') return `${who}'s select took ${obj}${after}`;
  if (c && c.dir === 'send') {
    const sent = c.value || v;
    return `${who}'s select sent ${sent ? `${sent} ` : ''}on ${obj}${after}`;
  }
  return `${who}'s select took ${obj}${after}${v ? `: ${v}` : ''}`;
}

const DEADLOCK_OPS = {
  send: 'sending on', recv: 'receiving from', lock: 'locking', wait: 'waiting for', acquire: 'acquiring', go: 'starting a goroutine in',
  rlock: 'read-locking', 'cond-wait': 'waiting on', once: 'in Do on',
};

/**
 * deadlockText says what a deadlock event's goroutine waits for: the server's sentence
 * ("blocked locking fork 1 (held by philosopher 1)"), or one made from its op and object (or
 * its select's cases).
 */
export function deadlockText(trace, e) {
  if (e.value) return e.value;
  const g = trace.goroutine(e.g);
  if (e.op === 'select' && g && g.sel) return `blocked in select: ${casesText(trace, g.sel.cases) || 'no cases'}`;
  const obj = e.obj !== undefined ? trace.oName(e.obj) : 'something';
  return `blocked ${DEADLOCK_OPS[e.op] || e.op || 'on'} ${obj}`;
}

/** borrowText says a RefCell's borrow state: "free", "2 shared", "mutably borrowed". */
export function borrowText(n) {
  if (n < 0) return 'mutably borrowed';
  return n === 0 ? 'free' : `${n} shared`;
}
