// The page's script: wires the controls, the socket, the timeline, the event log, the
// summary and the code panel. The page works without it; this adds running and watching.

import { deadlockText, describe, formatDuration } from './trace/describe.js';
import { STEP_NS, Trace, runStats, stepTrace } from './trace/model.js';
import { Socket } from './socket.js';
import { Timeline } from './timeline/timeline.js';
import { MAX_SEED, initURLState, paramsQuery, randomSeed, runSettings, values } from './urlstate.js';

const LOG_CAP = 500;
const LOG_EVERY_MS = 150;
const LOG_BURST = 100; // while moving, a jump of more events than this shows only the newest
const REASONS = {
  done: 'Done',
  panic: 'Panicked',
  truncated: 'Cut short',
  stopped: 'Stopped',
  deadlock: 'Deadlock',
};

const WANTS = { deadlock: 'a deadlock', 'lost-update': 'a lost update' };

const $ = (id) => document.getElementById(id);

/**
 * typing tells whether keys pressed in el go to a field (text, numbers, sliders, radio
 * groups, selects): the page's shortcuts leave those alone.
 */
function typing(el) {
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !['button', 'submit', 'reset', 'checkbox', 'image', 'file', 'color'].includes(el.type);
  return false;
}

/** download saves href (a URL or an object URL) as file. */
function download(href, file) {
  const a = document.createElement('a');
  a.href = href;
  a.download = file;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}

/** stat adds a label and its value to the list dl; title, when given, tells more. */
function stat(dl, label, value, title) {
  const d = document.createElement('div');
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = value;
  if (title) d.title = title;
  d.append(dt, dd);
  dl.append(d);
}

/** logTime renders an event's time to the microsecond, so close events still read apart. */
function logTime(ns) {
  return ns < 1e10 ? `${(ns / 1e6).toFixed(3)} ms` : `${(ns / 1e9).toFixed(6)} s`;
}

function main() {
  document.documentElement.classList.add('js');
  const play = $('play');
  if (!play) return; // not a scenario page
  const scenario = play.dataset.scenario;
  const form = $('params');
  const runBtn = $('run');
  const stopBtn = $('stop');
  const playBtn = $('play-pause');
  const speedSel = $('speed');
  const status = $('status');
  const share = $('share');
  const copyBtn = $('copy-link');
  const summary = $('summary');
  const log = $('log');
  const code = $('go-source');
  const seedInput = $('seed');
  const newSeedBtn = $('new-seed');
  const findBox = $('find');
  const findResult = $('find-result');
  const findBtns = findBox ? Array.from(findBox.querySelectorAll('button[data-want]')) : [];
  const exportJSON = $('export-json');
  const exportChrome = $('export-chrome');
  const exportPNG = $('export-png');
  const help = $('help');
  const helpBtn = $('show-help');
  const runnableKey = $('legend-runnable');
  const axisBtn = $('axis');

  const logNote = document.createElement('p');
  logNote.className = 'log-note';
  logNote.hidden = true;
  log.before(logNote);

  let trace = null;
  // shown is the run on the timeline as its meta told it: {params, mode, seed, processors},
  // and its end message once it came.
  let shown = null;
  let run = 0; // the server's number of the run shown
  // asked counts runs asked for whose meta has not come: only the newest is shown, and a
  // run stopped before its meta came is not shown at all.
  let asked = 0;
  let running = false;
  let logged = 0; // events[0..logged) have been through the log
  let lit = null; // the lit source line

  const setStatus = (text, kind = '') => {
    status.textContent = text;
    status.className = kind;
  };

  // While the playhead plays or is dragged the log catches up a few times a second: nobody
  // reads sixty updates a second, a screen reader should not be asked to, and rebuilding it
  // at every frame of a drag across a big run would cost more than drawing the frame. A drag's
  // end brings it up to date.
  let logTimer = 0;
  let logN = 0;
  const timeline = new Timeline($('timeline'), $('timeline-wrap'), {
    onFrame: (n) => {
      logN = n;
      lightLine(n);
      updateLog();
    },
    onState: () => {
      refresh();
      updateLog();
    },
    // a clicked event lights its own line, until the playhead moves on
    onSelect: (e) => {
      if (e && e.line) setLit(code.querySelector(`.line[data-line="${e.line}"]`));
    },
  });

  const moving = () => timeline.playing || timeline.dragging;
  function updateLog() {
    if (moving()) {
      if (!logTimer) {
        logTimer = setTimeout(() => {
          logTimer = 0;
          fillLog(logN, moving() ? LOG_BURST : LOG_CAP);
        }, LOG_EVERY_MS);
      }
      return;
    }
    clearTimeout(logTimer);
    logTimer = 0;
    fillLog(logN);
  }

  // The event-order axis, for a finished run: the same run laid out one event per step, so
  // that events at one instant (common in seeded runs' virtual time) can be told and stepped
  // apart. The log, summary and exports keep reading the run by its times. The choice holds
  // for later runs, which are drawn by time while they stream in.
  // It travels in links as view=events (a field of the form, for the page without a script).
  let wantSteps = axisBtn.getAttribute('aria-pressed') === 'true';
  function setAxis(steps) {
    wantSteps = steps;
    axisBtn.setAttribute('aria-pressed', String(steps));
    form.elements.namedItem('view').value = steps ? 'events' : 'time';
    updateURL();
    if (steps === (timeline.trace !== trace) || !trace || running || asked > 0) return;
    const end = Math.max(shown.end ? shown.end.stats.duration : 0, trace.lastT);
    const tr = steps ? stepTrace(trace) : trace;
    timeline.swapTrace(tr, steps ? tr.lastT + STEP_NS : end);
  }
  axisBtn.addEventListener('click', () => setAxis(!wantSteps));

  function refresh() {
    stopBtn.disabled = !(running || asked > 0);
    const has = trace !== null && trace.events.length > 0;
    playBtn.disabled = !has;
    axisBtn.disabled = !has || running || asked > 0;
    refreshExports(has && !running);
    const playing = timeline.playing;
    playBtn.setAttribute('aria-pressed', String(playing));
    if (playing) playBtn.textContent = 'Pause';
    else if (timeline.ended && timeline.playhead >= timeline.endT) playBtn.textContent = 'Replay';
    else playBtn.textContent = 'Play';
  }

  // ——— log and code ———

  function entry(e) {
    const li = document.createElement('li');
    li.value = e.seq;
    li.className = e.closed ? `k-${e.kind} closed` : `k-${e.kind}`;
    const t = document.createElement('time');
    t.textContent = logTime(e.t);
    li.append(t, ' ', describe(trace, e));
    return li;
  }

  // fillLog brings the log to the first n events, showing at least the last keep of them.
  function fillLog(n, keep = LOG_CAP) {
    if (!trace) return;
    n = Math.min(n, trace.events.length);
    const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 30;
    const want = Math.min(n, keep);
    if (n < logged || n - logged > keep || log.children.length + (n - logged) < want) {
      log.replaceChildren();
      logged = n - want;
    }
    if (n > logged) {
      const frag = document.createDocumentFragment();
      for (let i = logged; i < n; i++) frag.append(entry(trace.events[i]));
      log.append(frag);
      logged = n;
    }
    let extra = log.children.length - LOG_CAP;
    while (extra-- > 0) log.firstElementChild.remove();
    const hidden = n - log.children.length;
    logNote.hidden = hidden <= 0;
    logNote.textContent = hidden > 0 ? `Showing the last ${log.children.length} of ${n} events.` : '';
    if (stick) log.scrollTop = log.scrollHeight;
  }

  function lightLine(n) {
    let line = 0;
    for (let i = n - 1; i >= 0 && i >= n - 64; i--) {
      if (trace.events[i].line) {
        line = trace.events[i].line;
        break;
      }
    }
    setLit(line ? code.querySelector(`.line[data-line="${line}"]`) : null);
  }

  function setLit(el) {
    if (el === lit) return;
    if (lit) lit.classList.remove('lit');
    if (el) el.classList.add('lit');
    lit = el;
  }

  // ——— summary ———

  /** runInfo says how the run shown was run: "Seeded run · seed 7 · 4 processors". */
  function runInfo() {
    const p = document.createElement('p');
    p.className = 'run-info';
    if (shown.mode === 'seeded') {
      const parts = ['Seeded run'];
      if (shown.seed !== undefined) {
        parts.push(`seed ${shown.seed}`);
        p.dataset.seed = String(shown.seed);
      }
      if (shown.processors !== undefined) {
        parts.push(`${shown.processors} processor${shown.processors === 1 ? '' : 's'}`);
        p.dataset.processors = String(shown.processors);
      }
      p.textContent = parts.join(' · ');
    } else {
      p.textContent = 'Live run: real goroutines, an interleaving of its own';
    }
    p.dataset.mode = shown.mode;
    return p;
  }

  function showSummary(m) {
    const parts = [];
    const h = document.createElement('h2');
    h.id = 'summary-h';
    h.textContent = 'Result';
    parts.push(h);
    const p = document.createElement('p');
    p.className = `reason reason-${m.reason}`;
    const b = document.createElement('strong');
    b.textContent = REASONS[m.reason] || m.reason;
    p.append(b, ` — ${m.message}`);
    parts.push(p, runInfo());
    const dl = document.createElement('dl');
    dl.className = 'stats';
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
      const dp = document.createElement('p');
      dp.className = 'deadlock-h';
      dp.textContent = stuck.length === 1 ? 'Blocked for good:' : `Blocked for good (${stuck.length} goroutines):`;
      const ul = document.createElement('ul');
      ul.className = 'deadlocks';
      for (const e of stuck) {
        const li = document.createElement('li');
        const who = document.createElement('strong');
        who.textContent = trace.gName(e.g);
        li.append(who, ` ${deadlockText(trace, e)}`);
        ul.append(li);
      }
      parts.push(dp, ul);
    }
    if (m.leftover.length > 0 && stuck.length === 0) {
      const lp = document.createElement('p');
      lp.className = 'leftover-h';
      lp.textContent = m.reason === 'done'
        ? 'Still alive when main returned (Go ends the program there):'
        : 'Still alive when the run ended:';
      const ul = document.createElement('ul');
      ul.className = 'leftover';
      for (const s of m.leftover) {
        const li = document.createElement('li');
        li.textContent = s;
        ul.append(li);
      }
      parts.push(lp, ul);
    }
    summary.replaceChildren(...parts);
  }

  // timeStats shows where each goroutine's time went, as small stacked bars, and what the
  // channels and mutexes went through.
  function timeStats(st) {
    const out = [];
    const gs = st.goroutines.filter((r) => r.life > 0);
    // Only seeded runs wait for a processor: a live run's key stays as it always was.
    const PARTS = ['running', 'working', 'runnable', 'blocked', 'sleeping'].filter((k) => k !== 'runnable' || gs.some((r) => r.runnable > 0));
    if (gs.length > 0) {
      const h = document.createElement('h3');
      h.className = 'ts-h';
      h.textContent = 'Where the time went';
      const key = document.createElement('ul');
      key.className = 'ts-key';
      key.setAttribute('aria-hidden', 'true');
      for (const k of PARTS) {
        const li = document.createElement('li');
        const sw = document.createElement('span');
        sw.className = `sw sw-${k}`;
        li.append(sw, k);
        key.append(li);
      }
      const ul = document.createElement('ul');
      ul.className = 'ts-goroutines';
      for (const r of gs) {
        const pct = (k) => Math.round((r[k] / r.life) * 100);
        const said = PARTS.filter((k) => r[k] > 0).sort((a, b) => r[b] - r[a]).map((k) => `${pct(k)}% ${k}`);
        const li = document.createElement('li');
        const name = document.createElement('span');
        name.className = 'ts-name';
        name.textContent = r.g.name;
        const bar = document.createElement('span');
        bar.className = 'ts-bar';
        bar.setAttribute('role', 'img');
        const text = `${r.g.name}: ${said.join(', ') || 'no time'}`;
        bar.setAttribute('aria-label', text);
        bar.title = `${text} (of ${formatDuration(r.life)}; ${PARTS.filter((k) => r[k] > 0).map((k) => `${k} ${formatDuration(r[k])}`).join(', ')})`;
        for (const k of PARTS) {
          if (r[k] <= 0) continue;
          const seg = document.createElement('span');
          seg.className = `ts-seg ts-${k}`;
          seg.style.width = `${((r[k] / r.life) * 100).toFixed(2)}%`;
          bar.append(seg);
        }
        const life = document.createElement('span');
        life.className = 'ts-life';
        life.textContent = formatDuration(r.life);
        li.append(name, bar, life);
        ul.append(li);
      }
      out.push(h, key, ul);
    }
    if (st.channels.length + st.mutexes.length > 0) {
      const dl = document.createElement('dl');
      dl.className = 'stats obj-stats';
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

  function summaryText(text) {
    const h = document.createElement('h2');
    h.id = 'summary-h';
    h.textContent = 'Result';
    const p = document.createElement('p');
    p.className = 'placeholder';
    p.textContent = text;
    summary.replaceChildren(h, p);
  }

  // ——— exports ———

  // traceQuery is the query of the trace API for the run shown (seeded runs only).
  function traceQuery() {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(shown.params)) q.set(k, String(v));
    if (shown.seed !== undefined) q.set('seed', String(shown.seed));
    if (shown.processors !== undefined) q.set('processors', String(shown.processors));
    return q.toString();
  }

  function fileBase() {
    return shown.mode === 'seeded' && shown.seed !== undefined ? `${scenario}-seed-${shown.seed}` : `${scenario}-live`;
  }

  // refreshExports offers the exports of the run shown once it is complete: a seeded run's
  // as links to the trace API, a live run's JSON built from the events received.
  function refreshExports(ready) {
    const seeded = ready && shown && shown.mode === 'seeded' && shown.seed !== undefined;
    if (ready) {
      const api = `/api/scenarios/${encodeURIComponent(scenario)}/trace?${seeded ? traceQuery() : ''}`;
      exportJSON.href = seeded ? api : '#';
      exportJSON.dataset.local = String(!seeded);
      exportJSON.download = `${fileBase()}.json`;
      exportJSON.title = seeded ? 'The whole seeded trace, from the server' : 'The events this page received, as JSON';
    } else {
      exportJSON.removeAttribute('href');
    }
    exportChrome.hidden = !seeded;
    if (seeded) {
      exportChrome.href = `/api/scenarios/${encodeURIComponent(scenario)}/trace?${traceQuery()}&format=chrome`;
      exportChrome.download = `${fileBase()}.chrome.json`;
      exportChrome.title = 'Chrome Trace Event Format: opens in Perfetto (ui.perfetto.dev) or chrome://tracing';
    } else {
      exportChrome.removeAttribute('href');
    }
    exportPNG.disabled = !ready;
  }

  exportJSON.addEventListener('click', (ev) => {
    if (!exportJSON.hasAttribute('href') || exportJSON.dataset.local !== 'true') return; // a link to the trace API
    ev.preventDefault();
    // A live run cannot be asked for again: save what the page received, in the trace API's shape.
    const end = shown.end ? (({ v, type, run: _, ...rest }) => rest)(shown.end) : null;
    const doc = { v: 1, scenario, params: shown.params, mode: shown.mode, events: trace.events, end };
    const url = URL.createObjectURL(new Blob([JSON.stringify(doc)], { type: 'application/json' }));
    download(url, `${fileBase()}.json`);
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });

  exportPNG.addEventListener('click', async () => {
    try {
      const blob = await timeline.snapshot();
      const url = URL.createObjectURL(blob);
      download(url, `${fileBase()}.png`);
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      setStatus(`Could not make the image: ${err.message}`, 'error');
    }
  });

  // ——— socket ———

  const socket = new Socket('/ws');
  socket.addEventListener('open', () => {
    if (!running && asked === 0) setStatus('Ready.');
  });
  socket.addEventListener('close', (ev) => {
    const secs = Math.max(1, Math.round(ev.detail.retryMs / 1000));
    if (running || asked > 0) {
      running = false;
      asked = 0;
      if (trace) timeline.finish(trace.lastT);
      summaryText('The connection was lost before the run ended.');
    }
    setStatus(`Not connected to the server (${ev.detail.reason}); trying again in ${secs} s…`, 'error');
    refresh();
  });
  socket.addEventListener('invalid', (ev) => {
    setStatus(`The server sent something this page cannot read: ${ev.detail.message}`, 'error');
  });
  socket.addEventListener('meta', (ev) => {
    const m = ev.detail;
    if (asked === 0 || m.scenario !== scenario) return;
    asked--;
    if (asked > 0) return; // a newer run is on its way

    running = true;
    run = m.run;
    trace = new Trace();
    shown = { params: m.params, mode: m.mode === 'seeded' ? 'seeded' : 'live', seed: m.seed, processors: m.processors, end: null };
    clearTimeout(logTimer);
    logTimer = 0;
    logN = 0;
    logged = 0;
    log.replaceChildren();
    logNote.hidden = true;
    runnableKey.hidden = true;
    const seeded = shown.mode === 'seeded';
    // A seeded run arrives far faster than it plays: it is shown from 0 once it is all in.
    timeline.startLive(trace, m.speed || 1, !seeded);
    if (seeded && m.seed !== undefined && runSettings(form).seed === null) {
      // the server picked the seed: put it in the field and the link
      seedInput.value = String(m.seed);
      updateURL();
    }
    summaryText(seeded ? 'Computing the seeded run…' : 'Running…');
    setStatus(seeded ? 'Computing the seeded run…' : 'Running…', 'busy');
    refresh();
  });
  socket.addEventListener('events', (ev) => {
    const m = ev.detail;
    if (!running || m.run !== run) return;
    try {
      trace.add(m.events);
    } catch (err) {
      running = false;
      socket.stop();
      timeline.finish(trace.lastT);
      setStatus(`Stopped reading the run: ${err.message}`, 'error');
      refresh();
      return;
    }
    timeline.dataArrived();
    if (runnableKey.hidden && m.events.some((e) => e.kind === 'runnable-begin')) runnableKey.hidden = false;
    setStatus(`${shown.mode === 'seeded' ? 'Receiving the seeded run…' : 'Running…'} ${trace.events.length} events`, 'busy');
  });
  socket.addEventListener('end', (ev) => {
    const m = ev.detail;
    if (m.run !== run || !trace || asked > 0) return;
    running = false;
    shown.end = m;
    timeline.finish(m.stats.duration);
    if (wantSteps) setAxis(true);
    if (shown.mode === 'seeded') {
      // The whole run is here: play it from the start by its virtual times (or, for those who
      // asked for less motion, show how it ended).
      if (matchMedia('(prefers-reduced-motion: reduce)').matches) timeline.seek(timeline.endT);
      else timeline.replay();
    }
    showSummary(m);
    const kind = m.reason === 'done' ? '' : m.reason === 'stopped' ? 'warn' : 'error';
    const time = `${formatDuration(m.stats.duration)}${shown.mode === 'seeded' ? ' of virtual time' : ''}`;
    setStatus(`${REASONS[m.reason] || m.reason}: ${m.message}. ${m.stats.events} events in ${time}.`, kind);
    refresh();
  });
  socket.addEventListener('error', (ev) => {
    // A refused run gets an error instead of its meta.
    if (asked > 0 && !ev.detail.run) asked--;
    setStatus(ev.detail.message, 'error');
    refresh();
  });

  // ——— controls ———

  function start() {
    const rs = runSettings(form);
    if (rs.mode === 'seeded' && rs.seedText !== '' && rs.seed === null) {
      setStatus(`The seed must be a whole number from 0 to ${MAX_SEED}.`, 'error');
      seedInput.focus();
      return;
    }
    asked++;
    const speed = Number(speedSel.value) || 1;
    timeline.setSpeed(speed);
    socket.run(scenario, values(form), speed, rs);
    setStatus(socket.open ? 'Starting…' : 'Connecting…', 'busy');
    refresh();
  }

  runBtn.addEventListener('click', start);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    start();
  });
  stopBtn.addEventListener('click', () => {
    if (asked > 0 && !running) setStatus('Ready.');
    asked = 0;
    socket.stop();
    refresh();
  });
  playBtn.addEventListener('click', () => timeline.togglePlay());
  speedSel.addEventListener('change', () => timeline.setSpeed(Number(speedSel.value) || 1));
  timeline.setSpeed(Number(speedSel.value) || 1);

  copyBtn.addEventListener('click', async () => {
    const url = new URL(share.getAttribute('href'), location.href).href;
    let ok = false;
    try {
      await navigator.clipboard.writeText(url);
      ok = true;
    } catch {
      // No clipboard API (or no permission): select the link so a keypress copies it.
      const sel = window.getSelection();
      const range = document.createRange();
      range.selectNodeContents(share);
      sel.removeAllRanges();
      sel.addRange(range);
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
    }
    copyBtn.textContent = ok ? 'Copied' : 'Press Ctrl+C';
    setTimeout(() => { copyBtn.textContent = 'Copy link'; }, 1800);
  });

  // ——— run settings ———

  const modeInput = (mode) => form.querySelector(`input[name="mode"][value="${mode}"]`);

  // Switching to seeded mode with no seed yet picks one, so the link always names it.
  const updateURL = initURLState(form, share, (input) => {
    if (input.name === 'mode' && input.value === 'seeded' && input.checked && seedInput.value.trim() === '') {
      seedInput.value = String(randomSeed());
      updateURL();
    }
  });

  newSeedBtn.addEventListener('click', () => {
    seedInput.value = String(randomSeed());
    updateURL();
    setStatus(`Seed ${seedInput.value}: press Run to see its interleaving.`);
  });

  // Find asks the server to try seeds until one shows what is wanted, then runs that seed.
  async function find(want) {
    const rs = runSettings(form);
    const tries = Number(findBox.dataset.tries) || 200;
    const what = WANTS[want] || want;
    const q = [paramsQuery(form), `processors=${rs.processors}`, `want=${encodeURIComponent(want)}`, `tries=${tries}`]
      .filter((x) => x !== '').join('&');
    for (const b of findBtns) b.disabled = true;
    findBox.setAttribute('aria-busy', 'true');
    findResult.className = 'help busy';
    findResult.textContent = `Looking for ${what} in up to ${tries} seeds…`;
    let res;
    let body = {};
    try {
      res = await fetch(`/api/scenarios/${encodeURIComponent(scenario)}/search?${q}`, { headers: { Accept: 'application/json' } });
      body = await res.json().catch(() => ({}));
    } catch (err) {
      res = null;
      body = { error: `the server could not be reached (${err.message})` };
    } finally {
      for (const b of findBtns) b.disabled = false;
      findBox.removeAttribute('aria-busy');
    }
    if (!res || !res.ok) {
      findResult.className = 'help error';
      findResult.textContent = `The search failed: ${body.error || body.message || `the server answered ${res.status}`}`;
      return;
    }
    if (!body.found || !Number.isSafeInteger(body.seed)) {
      findResult.className = 'help warn';
      findResult.textContent = `${body.message ? `${body.message[0].toUpperCase()}${body.message.slice(1)}` : `No ${what.replace(/^an? /, '')} in ${body.tries ?? tries} seeds`}. Other settings may show one.`;
      return;
    }
    modeInput('seeded').checked = true;
    seedInput.value = String(body.seed);
    updateURL();
    findResult.className = 'help ok';
    findResult.textContent = `Found ${what} at seed ${body.seed}${body.tries ? ` after ${body.tries} ${body.tries === 1 ? 'try' : 'tries'}` : ''}; running it.`;
    start();
  }
  for (const b of findBtns) b.addEventListener('click', () => find(b.dataset.want));

  // ——— keyboard ———

  helpBtn.addEventListener('click', () => help.showModal());
  // a click on the backdrop closes the help too
  help.addEventListener('click', (ev) => {
    if (ev.target === help) help.close();
  });
  // The Go and Rust tabs, on screens too narrow for the two side by side: arrows move between
  // them, as in any tab list.
  const codeBox = $('code');
  const tabs = Array.from(codeBox.querySelectorAll('[role="tab"]'));
  const showTab = (tab) => {
    for (const t of tabs) {
      t.setAttribute('aria-selected', String(t === tab));
      t.tabIndex = t === tab ? 0 : -1;
    }
    codeBox.classList.toggle('show-rust', tab.id === 'tab-rust');
  };
  for (const t of tabs) {
    t.addEventListener('click', () => showTab(t));
    t.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
      ev.preventDefault(); // not a step of the timeline
      const next = tabs[(tabs.indexOf(t) + 1) % tabs.length];
      showTab(next);
      next.focus();
    });
  }

  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || help.open) return;
    const el = ev.target;
    if (typing(el)) return;
    if (ev.key === '?') {
      ev.preventDefault();
      help.showModal();
      return;
    }
    // Space on a button reached by keyboard presses it; after a click it plays and pauses.
    if (ev.key === ' ' && el instanceof Element && el.matches('button:focus-visible, a:focus-visible')) return;
    if (ev.key === 'o') setAxis(!wantSteps);
    else if (timeline.key(ev.key)) ev.preventDefault();
  });

  for (const el of [runBtn, speedSel, copyBtn, newSeedBtn, helpBtn, ...findBtns]) el.disabled = false;
  setStatus('Connecting…');
  refresh();
  socket.connect();
  // A seeded link names its interleaving: show it straight away (it takes milliseconds).
  const rs = runSettings(form);
  if (rs.mode === 'seeded' && rs.seed !== null) start();
}

main();
