// The page's script: wires the controls, the socket, the timeline, the event log, the
// summary and the code panel. The page works without it; this adds running and watching.

import { Trace, describe, formatDuration } from './protocol.js';
import { Socket } from './socket.js';
import { Timeline } from './timeline.js';
import { initURLState, values } from './urlstate.js';

const LOG_CAP = 500;
const LOG_EVERY_MS = 150;
const LOG_BURST = 100; // while playing, a jump of more events than this shows only the newest
const REASONS = {
  done: 'Done',
  panic: 'Panicked',
  truncated: 'Cut short',
  stopped: 'Stopped',
  deadlock: 'Deadlock',
};

const $ = (id) => document.getElementById(id);

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

  const logNote = document.createElement('p');
  logNote.className = 'log-note';
  logNote.hidden = true;
  log.before(logNote);

  let trace = null;
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

  // While the playhead moves the log catches up a few times a second: nobody reads sixty
  // updates a second, and a screen reader should not be asked to.
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
  });

  function updateLog() {
    if (timeline.playing) {
      if (!logTimer) {
        logTimer = setTimeout(() => {
          logTimer = 0;
          fillLog(logN, timeline.playing ? LOG_BURST : LOG_CAP);
        }, LOG_EVERY_MS);
      }
      return;
    }
    clearTimeout(logTimer);
    logTimer = 0;
    fillLog(logN);
  }

  function refresh() {
    stopBtn.disabled = !(running || asked > 0);
    const has = trace !== null && trace.events.length > 0;
    playBtn.disabled = !has;
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
    const el = line ? code.querySelector(`.line[data-line="${line}"]`) : null;
    if (el === lit) return;
    if (lit) lit.classList.remove('lit');
    if (el) el.classList.add('lit');
    lit = el;
  }

  // ——— summary ———

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
    parts.push(p);
    const dl = document.createElement('dl');
    dl.className = 'stats';
    const add = (label, value) => {
      const d = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      d.append(dt, dd);
      dl.append(d);
    };
    for (const s of m.summary) add(s.label, s.value);
    add('scenario time', formatDuration(m.stats.duration));
    add('events', String(m.stats.events));
    add('goroutines', String(m.stats.goroutines));
    add('objects', String(m.stats.objects));
    parts.push(dl);
    if (m.leftover.length > 0) {
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

  function summaryText(text) {
    const h = document.createElement('h2');
    h.id = 'summary-h';
    h.textContent = 'Result';
    const p = document.createElement('p');
    p.className = 'placeholder';
    p.textContent = text;
    summary.replaceChildren(h, p);
  }

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
    clearTimeout(logTimer);
    logTimer = 0;
    logN = 0;
    logged = 0;
    log.replaceChildren();
    logNote.hidden = true;
    timeline.startLive(trace, m.speed || 1);
    summaryText('Running…');
    setStatus('Running…', 'busy');
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
    setStatus(`Running… ${trace.events.length} events`, 'busy');
  });
  socket.addEventListener('end', (ev) => {
    const m = ev.detail;
    if (m.run !== run || !trace || asked > 0) return;
    running = false;
    timeline.finish(m.stats.duration);
    showSummary(m);
    const kind = m.reason === 'done' ? '' : m.reason === 'stopped' ? 'warn' : 'error';
    setStatus(`${REASONS[m.reason] || m.reason}: ${m.message}. ${m.stats.events} events in ${formatDuration(m.stats.duration)}.`, kind);
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
    asked++;
    const speed = Number(speedSel.value) || 1;
    timeline.setSpeed(speed);
    socket.run(scenario, values(form), speed);
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

  initURLState(form, share);

  for (const el of [runBtn, speedSel, copyBtn]) el.disabled = false;
  setStatus('Connecting…');
  refresh();
  socket.connect();
}

main();
