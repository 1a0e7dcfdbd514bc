// The result of the run shown.

import { deadlockText, formatDuration } from '../trace/describe.js';
import { runStats } from '../trace/model.js';
import { el } from './dom.js';

const REASONS = {
  done: 'Done',
  panic: 'Panicked',
  truncated: 'Cut short',
  stopped: 'Stopped',
  deadlock: 'Deadlock',
  schedule: 'Replay stopped',
};

/** reasonText names the reason a run ended for a person: "Cut short". */
export const reasonText = (reason) => REASONS[reason] || reason;

function heading() {
  const h = el('h2', '', 'Result');
  h.id = 'summary-h';
  return h;
}

/** stat adds a label and its value to the list dl; title, when given, tells more. */
function stat(dl, label, value, title) {
  const d = document.createElement('div');
  if (title) d.title = title;
  d.append(el('dt', '', label), el('dd', '', value));
  dl.append(d);
}

/** summaryText puts a sentence in box in place of a result: "Running…". */
export function summaryText(box, text) {
  box.replaceChildren(heading(), el('p', 'placeholder', text));
}

/** runInfo says how the run shown was run: "Seeded run · seed 7 · 4 processors". */
function runInfo(shown) {
  const p = el('p', 'run-info');
  if (shown.mode !== 'live') {
    const parts = [shown.mode === 'steer' ? 'Steered run' : 'Seeded run'];
    if (shown.seed !== undefined) {
      parts.push(`seed ${shown.seed}`);
      p.dataset.seed = String(shown.seed);
    }
    if (shown.processors !== undefined) {
      parts.push(`${shown.processors} processor${shown.processors === 1 ? '' : 's'}`);
      p.dataset.processors = String(shown.processors);
    }
    if (shown.schedule) parts.push("the link's schedule first");
    p.textContent = parts.join(' · ');
  } else {
    p.textContent = 'Live run: real goroutines, an interleaving of its own';
  }
  p.dataset.mode = shown.mode;
  return p;
}

/** showSummary puts in box the result of the run of trace, run as shown says, ended by m. */
export function showSummary(box, trace, shown, m) {
  const p = el('p', `reason reason-${m.reason}`);
  p.append(el('strong', '', reasonText(m.reason)), ` — ${m.message}`);
  const parts = [heading(), p, runInfo(shown)];
  const leaks = trace && trace.leaks ? trace.leaks : [];
  if (leaks.length > 0) {
    // blocked when main returned: said first, as the run's outcome
    const n = leaks.length;
    const lp = el('p', 'leak');
    const sw = el('span', 'sw sw-leak');
    sw.setAttribute('aria-hidden', 'true');
    lp.append(sw, `${n} goroutine${n === 1 ? '' : 's'} leaked: ${leaks.map((l) => `${l.g.name}, ${l.doing}`).join('; ')}`);
    lp.title = `Blocked when main returned, with nothing left to let ${n === 1 ? 'it' : 'them'} go: in a program that goes on, such as a server, ${n === 1 ? 'it stays' : 'they stay'} for good`;
    parts.push(lp);
  }
  const dl = el('dl', 'stats');
  const add = (label, value) => stat(dl, label, value);
  for (const s of m.summary) add(s.label, s.value);
  add(shown.mode === 'seeded' ? 'virtual time' : 'scenario time', formatDuration(m.stats.duration));
  add('events', String(m.stats.events));
  add('goroutines', String(m.stats.goroutines));
  add('objects', String(m.stats.objects));
  parts.push(dl);
  if (trace) parts.push(...timeStats(runStats(trace, m.stats.duration)));
  const stuck = trace ? trace.deadlocks : [];
  if (stuck.length > 0) {
    // who waits on what, for good
    const ul = el('ul', 'deadlocks');
    for (const e of stuck) {
      const li = el('li');
      li.append(el('strong', '', trace.gName(e.g)), ` ${deadlockText(trace, e)}`);
      ul.append(li);
    }
    parts.push(el('p', 'deadlock-h', stuck.length === 1 ? 'Blocked for good:' : `Blocked for good (${stuck.length} goroutines):`), ul);
  }
  // the goroutines still alive but not leaked (working, sleeping): cut off with the program
  const rest = m.leftover.filter((s) => !leaks.some((l) => s === `${l.g.name} (${l.doing})`));
  if (rest.length > 0 && stuck.length === 0) {
    const ul = el('ul', 'leftover');
    for (const s of rest) ul.append(el('li', '', s));
    parts.push(el('p', 'leftover-h', m.reason === 'done'
      ? 'Still alive when main returned (Go ends the program there):'
      : 'Still alive when the run ended:'), ul);
  }
  box.replaceChildren(...parts);
}

// timeStats shows where each goroutine's time went, as small stacked bars, and what the
// channels and mutexes went through.
function timeStats(st) {
  const out = [];
  const gs = st.goroutines.filter((r) => r.life > 0);
  // Only seeded runs wait for a processor: a live run's key stays as it always was.
  const PARTS = ['running', 'working', 'runnable', 'blocked', 'sleeping'].filter((k) => k !== 'runnable' || gs.some((r) => r.runnable > 0));
  if (gs.length > 0) {
    const key = el('ul', 'ts-key');
    key.setAttribute('aria-hidden', 'true');
    for (const k of PARTS) {
      const li = el('li');
      li.append(el('span', `sw sw-${k}`), k);
      key.append(li);
    }
    const ul = el('ul', 'ts-goroutines');
    for (const r of gs) {
      const pct = (k) => Math.round((r[k] / r.life) * 100);
      const said = PARTS.filter((k) => r[k] > 0).sort((a, b) => r[b] - r[a]).map((k) => `${pct(k)}% ${k}`);
      const bar = el('span', 'ts-bar');
      bar.setAttribute('role', 'img');
      const text = `${r.g.name}: ${said.join(', ') || 'no time'}`;
      bar.setAttribute('aria-label', text);
      bar.title = `${text} (of ${formatDuration(r.life)}; ${PARTS.filter((k) => r[k] > 0).map((k) => `${k} ${formatDuration(r[k])}`).join(', ')})`;
      for (const k of PARTS) {
        if (r[k] <= 0) continue;
        const seg = el('span', `ts-seg ts-${k}`);
        seg.style.width = `${((r[k] / r.life) * 100).toFixed(2)}%`;
        bar.append(seg);
      }
      const li = el('li');
      li.append(el('span', 'ts-name', r.g.name), bar, el('span', 'ts-life', formatDuration(r.life)));
      ul.append(li);
    }
    out.push(el('h3', 'ts-h', 'Where the time went'), key, ul);
  }
  if (st.channels.length + st.mutexes.length > 0) {
    const dl = el('dl', 'stats obj-stats');
    const add = (label, value, title) => stat(dl, label, value, title);
    for (const c of st.channels) {
      if (c.cap > 0) {
        add(`${c.o.name}: most buffered`, `${c.max} of ${c.cap}`, 'Values surely in the buffer at once: from a send\'s end until its receive began');
      } else {
        add(`${c.o.name}: most buffered`, 'none (unbuffered)', 'An unbuffered channel hands each value over directly');
      }
    }
    for (const x of st.mutexes) {
      add(`${x.o.name}: waited to lock`, formatDuration(x.wait), `Sum of every wait from asking for ${x.o.name} to holding it, over ${x.holds} lock${x.holds === 1 ? '' : 's'}`);
    }
    out.push(dl);
  }
  return out;
}
