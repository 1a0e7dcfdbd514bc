// The page's script: wires the controls and the socket, through the run state, to the
// timeline and the page's parts (page/). The page works without it; this adds running and
// watching. What the first screen does not need — a run's result, the exports, the search —
// is imported once the page has loaded, and a run waits for it (later, below).

import { crowding, eventsSpan } from './page/axis.js';
import { CodePanel } from './page/code.js';
import { $ } from './page/dom.js';
import { EventLog } from './page/log.js';
import { RunState } from './page/run.js';
import { Socket } from './socket.js';
import { Timeline } from './timeline/timeline.js';
import { formatDuration } from './trace/describe.js';
import { STEP_NS, stepTrace } from './trace/model.js';
import { MAX_SEED, dropSchedule, initURLState, look, paramsQuery, randomSeed, runSettings, setChallenge, setLook, setSchedule, values } from './urlstate.js';

/**
 * typing tells whether keys pressed in el go to a field (text, numbers, sliders, radio
 * groups, check boxes, selects): the page's shortcuts leave those alone.
 */
function typing(el) {
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !['button', 'submit', 'reset', 'image', 'file', 'color'].includes(el.type);
  return false;
}

// The choice to keep single-key shortcuts to the timeline (WCAG 2.1.4) holds for the
// browser, in localStorage; a browser that keeps nothing asks again each time.
const SINGLE_KEYS = 'interleave.single-keys';

function readSingleKeys() {
  try {
    return localStorage.getItem(SINGLE_KEYS) !== 'off';
  } catch {
    return true;
  }
}

function keepSingleKeys(on) {
  try {
    localStorage.setItem(SINGLE_KEYS, on ? 'on' : 'off');
  } catch {
    // nowhere to keep it: it holds for this page
  }
}

function main() {
  document.documentElement.classList.add('js');
  showCurrentScenario();
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
  const seedInput = $('seed');
  const newSeedBtn = $('new-seed');
  const help = $('help');
  const helpBtn = $('show-help');
  const runnableKey = $('legend-runnable');
  const selectKey = $('legend-select');
  // legend items shown only for a run that has what they explain
  const timerKey = $('legend-timer');
  const cancelKey = $('legend-cancel');
  const leakKey = $('legend-leak');
  const wakeKey = $('legend-wake');
  const axisBtn = $('axis');

  const state = new RunState(scenario);
  // The status is a live region: a screen reader says each new sentence. A run's count of
  // events, which changes with every batch, is shown but not said (aria-hidden), and a
  // sentence set again as it was is not set again.
  const statusCount = document.createElement('span');
  statusCount.setAttribute('aria-hidden', 'true');
  let statusText = null;
  const setStatus = (text, kind = '', count = '') => {
    if (text !== statusText) {
      statusText = text;
      status.replaceChildren(text, statusCount);
      status.parentElement.title = text; // the line shows one line of it
    }
    statusCount.textContent = count ? ` ${count}` : '';
    status.className = kind;
  };

  const code = new CodePanel($('code'), $('go-source'), $('rust-source'));
  const log = new EventLog($('log'), () => timeline.playing || timeline.dragging, $('log-say'));
  // events passed by the playhead (by the timeline's own trace, which by event order is a
  // re-timed copy of the run's, event for event)
  const passed = () => (timeline.trace ? timeline.trace.count(timeline.playhead) : 0);
  // Where the page stands travels in a seeded run's link: the playhead, once a person has
  // paused it short of the end or moved it there, and the part in view, once they zoomed
  // (at=, zoom=). A link that says so opens there, paused, instead of playing from the start.
  // Both are in the units of the run's view, which the link carries too (or which the run's
  // crowding chooses again). The address follows a quarter of a second after the last move.
  let linkLook = (() => {
    const l = look(form);
    return l.at !== null || l.zoom ? l : null;
  })();
  let lookTimer = 0;
  function keepLook() {
    clearTimeout(lookTimer);
    lookTimer = setTimeout(writeLook, 250);
  }
  function writeLook() {
    if (linkLook || !state.shown || state.shown.mode !== 'seeded' || state.phase !== 'ended') return;
    if (timeline.dragging) {
      keepLook(); // where it is let go
      return;
    }
    const at = !timeline.playing && timeline.playhead < timeline.endT ? timeline.playhead : null;
    setLook(form, at, timeline.view);
    updateURL();
  }
  let wasPlaying = false;
  let keyStep = false; // a step key is being handled: it says where it went, not "paused"
  const timeline = new Timeline($('timeline'), $('timeline-wrap'), {
    onFrame: (n) => {
      code.follow(state.trace, n);
      log.at(n);
    },
    onState: () => {
      // a pause, by a person (Space, Pause) during a run or a replay, is said
      const playing = timeline.playing;
      if (wasPlaying && !playing && !keyStep && state.trace && (timeline.live || timeline.playhead < timeline.endT)) {
        log.sayAt(passed(), 'Paused at');
      }
      wasPlaying = playing;
      keepLook();
      refresh();
      log.update();
    },
    // a clicked event lights its own line, until the playhead moves on
    onSelect: (e) => {
      if (e && e.line) code.light(e.line);
    },
    onLook: () => keepLook(),
  });



  // The event-order axis, for a finished run: the same run laid out one event per step, so
  // that events at one instant (common in seeded runs' virtual time) can be told and stepped
  // apart. The log, summary and exports keep reading the run by its times. A person's choice
  // (or a link's view) holds for later runs, which are drawn by time while they stream in, and
  // travels in links as view=events (a field of the form, for the page without a script).
  // Until someone chooses, a finished run whose events crowd a few instants opens by event
  // order by itself (page/axis.js), and a note under the timeline, in the hint's place, says
  // so.
  let wantSteps = axisBtn.getAttribute('aria-pressed') === 'true';
  let axisChosen = axisBtn.dataset.chosen === 'true';
  const axisNote = $('axis-note');
  const note = (text) => {
    axisNote.textContent = text;
    axisNote.hidden = text === '';
  };
  function chooseAxis(steps) {
    axisChosen = true;
    note('');
    setAxis(steps);
  }
  function setAxis(steps, auto = false) {
    wantSteps = steps;
    axisBtn.setAttribute('aria-pressed', String(steps));
    if (!auto) {
      const view = form.elements.namedItem('view');
      view.value = steps ? 'events' : 'time';
      view.dataset.chosen = String(axisChosen);
      updateURL();
    }
    const { trace, shown } = state;
    if (steps === (timeline.trace !== trace) || !trace || state.busy) return;
    const end = Math.max(shown.end ? shown.end.stats.duration : 0, trace.lastT);
    const tr = steps ? stepTrace(trace) : trace;
    timeline.swapTrace(tr, steps ? tr.lastT + STEP_NS : end);
  }
  axisBtn.addEventListener('click', () => chooseAxis(!wantSteps));

  // ——— later: the parts a run needs and the first screen does not ———

  let part = null; // {summary: page/summary.js} once the parts are in
  let loading = null;
  let refreshExports = () => {};
  const summaryText = (box, text) => part && part.summary.summaryText(box, text);
  function later() {
    loading ??= Promise.all([import('./page/summary.js'), import('./page/exports.js'), $('find') ? import('./page/find.js') : null, import('./trace/batch.js')])
      .then(([summaryPart, exportsPart, findPart, batchPart]) => {
        socket.readBatches(batchPart.BatchDecoder); // a run's events, then, come as binary batches
        refreshExports = exportsPart.initExports(scenario, state, timeline, setStatus);
        if (findPart) initFindPart(findPart);
        part = { summary: summaryPart };
        refresh();
      });
    return loading;
  }

  // Steering: the scenario's challenge above the timeline, and the choice a steered run waits
  // on under it and its legend, so that the run bar, the challenge and the lanes, where the
  // options are marked too, stay on one screen. A pick goes to the server; Back is a new run
  // of the schedule of the choice before, which the server replays to that very step.
  let lastChoice = null; // the latest choice of the steered run shown
  // The panel and the card (page/steer.js) are made the first time either is needed — a
  // challenge posed, a steered run's first choice — not with the page, which most visits
  // never steer: until then neither is on the page, and there is nothing to hide.
  let steer = null; // the SteerPanel, once made
  let card = null; // the ChallengeCard, once made
  let steering = null;
  function steerParts() {
    steering ??= import('./page/steer.js').then(({ ChallengeCard, SteerPanel }) => {
      steer = new SteerPanel($('exports'), {
        onPick: (c, what) => socket.pick(c.run, what),
        onBack: (schedule) => {
          setSchedule(form, schedule);
          updateURL();
          start();
        },
        onFinish: (c) => socket.finish(c.run),
        onLight: (line) => code.light(line),
        onMarks: (marks) => timeline.setOptions(marks),
      });
      card = new ChallengeCard($('timeline-wrap'), searchChallenge);
    });
    return steering;
  }
  // Steer from here: a finished seeded run, taken over at the playhead — its own schedule,
  // followed for the events up to there, then the person picks.
  const steerHere = document.createElement('button');
  steerHere.type = 'button';
  steerHere.id = 'steer-here';
  steerHere.textContent = 'Steer from here';
  steerHere.title = 'Take this seeded run over at the playhead: you pick who goes next from there';
  steerHere.hidden = true;
  axisBtn.after(steerHere);
  steerHere.addEventListener('click', () => {
    const { shown } = state;
    if (!shown || shown.mode !== 'seeded' || !shown.end) return;
    const from = Math.max(1, timeline.trace.count(timeline.playhead));
    form.querySelector('input[name="mode"][value="steer"]').checked = true;
    setSchedule(form, shown.end.schedule || '');
    updateURL();
    poseChallenge();
    start({ from });
  });
  // searchChallenge asks the server whether challenge id can happen at all, with these settings.
  async function searchChallenge(id) {
    const rs = runSettings(form);
    const seed = rs.seed === null ? '' : `&seed=${rs.seed}`;
    const url = `/api/scenarios/${encodeURIComponent(scenario)}/search?${paramsQuery(form)}&processors=${rs.processors}${seed}&exhaustive=1&want=${encodeURIComponent(id)}`;
    const resp = await fetch(url);
    const body = await resp.json();
    if (!resp.ok) throw new Error(body.error || resp.statusText);
    return body;
  }


  function refresh() {
    const { trace } = state;
    stopBtn.disabled = !state.busy;
    const has = trace !== null && trace.events.length > 0;
    // A live run can be paused from its first moment, before its first events: never a
    // disabled Pause.
    playBtn.disabled = !has && !(trace !== null && timeline.live);
    axisBtn.disabled = !has || state.busy;
    refreshExports(has && !state.running);
    steerHere.hidden = !(state.shown && state.shown.mode === 'seeded' && state.phase === 'ended' && has);
    const playing = timeline.playing;
    playBtn.setAttribute('aria-pressed', String(playing));
    if (playing) playBtn.textContent = 'Pause';
    else if (timeline.ended && timeline.playhead >= timeline.endT) playBtn.textContent = 'Replay';
    else playBtn.textContent = 'Play';
  }

  // ——— socket ———

  const socket = new Socket('/ws');
  socket.addEventListener('open', () => {
    if (!state.busy) setStatus('Ready.');
  });
  socket.addEventListener('close', (ev) => {
    const secs = Math.max(1, Math.round(ev.detail.retryMs / 1000));
    if (state.lost()) {
      if (state.trace) timeline.finish(state.trace.lastT);
      summaryText(summary, 'The connection was lost before the run ended.');
    }
    setStatus(`Not connected to the server (${ev.detail.reason}); trying again in ${secs} s…`, 'error');
    refresh();
  });
  socket.addEventListener('invalid', (ev) => {
    setStatus(`The server sent something this page cannot read: ${ev.detail.message}`, 'error');
  });
  socket.addEventListener('meta', (ev) => {
    const m = ev.detail;
    if (!state.meta(m)) return;
    log.reset(state.trace);
    for (const k of [runnableKey, selectKey, timerKey, cancelKey, leakKey, wakeKey]) k.hidden = true;
    const seeded = state.shown.mode !== 'live';
    // A seeded run arrives far faster than it plays: it is shown from 0 once it is all in. A
    // steered one is shown up to each choice as it comes.
    timeline.startLive(state.trace, m.speed || 1, !seeded);
    lastChoice = null;
    if (seeded && m.seed !== undefined && runSettings(form).seed === null) {
      // the server picked the seed: put it in the field and the link
      seedInput.value = String(m.seed);
      updateURL();
    }
    const doing = state.shown.mode === 'steer' ? 'Steering: the run goes to its first choice…' : seeded ? 'Computing the seeded run…' : 'Running…';
    summaryText(summary, doing);
    setStatus(doing, 'busy');
    refresh();
  });
  socket.addEventListener('choice', (ev) => {
    const m = ev.detail;
    if (!state.takes(m)) return;
    lastChoice = m;
    // The run waits: show all of it so far, the playhead at the decision point. Virtual time
    // stands still between most steps, so it is laid out one event per step until it ends.
    timeline.finish(state.trace.lastT);
    const steps = stepTrace(state.trace);
    timeline.swapTrace(steps, steps.lastT + STEP_NS);
    timeline.seek(timeline.endT);
    summaryText(summary, `Step ${m.step}: waiting for your pick.`);
    steerParts().then(() => {
      if (lastChoice !== m || !state.takes(m)) return; // a later choice or run came first
      const focus = steer.hide() || document.activeElement === document.body || document.activeElement === runBtn;
      steer.show(m, focus);
    });
    setSchedule(form, m.schedule); // the link brings the run back to this step
    updateURL();
    const n = (m.select ? m.cases : m.options).length;
    setStatus(`Step ${m.step}: pick ${m.select ? 'the case to take' : 'who goes next'} — click, press 1–${Math.min(n, 9)}, or ↑/↓ and Enter; Backspace goes back.`);
    refresh();
  });
  socket.addEventListener('events', (ev) => {
    const m = ev.detail;
    if (!state.takes(m)) return;
    const { trace } = state;
    try {
      trace.add(m.events);
    } catch (err) {
      state.cut();
      socket.stop();
      timeline.finish(trace.lastT);
      setStatus(`Stopped reading the run: ${err.message}`, 'error');
      refresh();
      return;
    }
    timeline.dataArrived();
    if (runnableKey.hidden && m.events.some((e) => e.kind === 'runnable-begin')) runnableKey.hidden = false;
    if (selectKey.hidden && m.events.some((e) => e.kind === 'select-begin')) selectKey.hidden = false;
    if (timerKey.hidden && m.events.some((e) => e.kind === 'new' && (e.objKind === 'timer' || e.objKind === 'ticker' || (e.objKind === 'context' && e.dur)))) timerKey.hidden = false;
    if (cancelKey.hidden && m.events.some((e) => e.kind === 'cancel')) cancelKey.hidden = false;
    if (wakeKey.hidden && m.events.some((e) => e.kind === 'signal' || e.kind === 'broadcast')) wakeKey.hidden = false;
    const n = trace.events.length;
    const doing = { seeded: 'Receiving the seeded run…', steer: 'Steering…' }[state.shown.mode] || 'Running…';
    setStatus(doing, 'busy', `${n} event${n === 1 ? '' : 's'}`);
  });
  socket.addEventListener('end', (ev) => {
    if (state.end(ev.detail)) ended(ev.detail);
  });
  // ended shows how the run shown ended.
  function ended(m) {
    const steered = state.shown.mode === 'steer';
    const seeded = state.shown.mode !== 'live';
    if (steered) {
      const hadFocus = steer !== null && steer.hide();
      setSchedule(form, m.schedule || ''); // the link brings back the whole run
      updateURL();
      if (card) card.ended(m, lastChoice ? lastChoice.step : 0, share.getAttribute('href'));
      if (hadFocus) runBtn.focus();
    }
    if (state.trace) {
      state.trace.finish(m); // who leaked, before the timeline or the summary shows them
      leakKey.hidden = state.trace.leaks.length === 0;
    }
    timeline.finish(m.stats.duration);
    note('');
    // A steered run was shown by event order up to its last choice: from its end on, the
    // whole run, laid out as any run is.
    if (steered && timeline.trace !== state.trace) timeline.swapTrace(state.trace, Math.max(m.stats.duration, state.trace.lastT));
    const crowd = state.trace && !axisChosen ? crowding(state.trace) : null;
    if (crowd && crowd.crowded) {
      setAxis(true, true);
      note(`By event order: ${crowd.events} events at ${crowd.instants === 1 ? 'one instant' : `${crowd.instants} instants`}${seeded ? ' of virtual time' : ''} · o for time`);
    } else if (wantSteps && (axisChosen || crowd)) {
      setAxis(axisChosen, !axisChosen);
    }
    if (!seeded && state.trace && timeline.trace === state.trace) {
      // a live run of microseconds, most of them spent before its first operation, opens on
      // its events
      const span = eventsSpan(state.trace, m.stats.duration);
      if (span) {
        timeline.showSpan(span.t0, span.t1);
        note(`Zoomed to the events: ${formatDuration(span.t1 - span.t0)} of ${formatDuration(m.stats.duration)} · 0 for all`);
      }
    }
    if (steered) {
      timeline.seek(timeline.endT); // it was watched step by step
    } else if (linkLook) {
      // The link says where to stand: the playhead first, as seeking brings it into view,
      // then the part of the run the link had in view.
      const { at, zoom } = linkLook;
      linkLook = null;
      timeline.seek(at ?? timeline.endT);
      if (zoom) timeline.showSpan(zoom.t0, zoom.t1);
    } else if (seeded) {
      // The whole run is here: play it from the start by its virtual times (or, for those who
      // asked for less motion, show how it ended).
      if (matchMedia('(prefers-reduced-motion: reduce)').matches) timeline.seek(timeline.endT);
      else timeline.replay();
    }
    part.summary.showSummary(summary, state.trace, state.shown, m);
    const kind = m.reason === 'done' ? '' : m.reason === 'stopped' ? 'warn' : 'error';
    const time = `${formatDuration(m.stats.duration)}${seeded ? ' of virtual time' : ''}`;
    setStatus(`${part.summary.reasonText(m.reason)}: ${m.message}. ${m.stats.events} event${m.stats.events === 1 ? '' : 's'} in ${time}.`, kind);
    refresh();
  }
  socket.addEventListener('error', (ev) => {
    // A refused run gets an error instead of its meta. If the run shown ended meanwhile (a
    // run message stops the one before it), its end was held back for the new run: show it.
    if (!ev.detail.run) {
      const held = state.refused();
      if (held) ended(held);
    }
    // A pick the run could not take: it waits on, so the choice stands.
    if (ev.detail.run === state.run && state.running && lastChoice && steer && steer.waiting) steer.show(lastChoice, true);
    setStatus(ev.detail.message, 'error');
    refresh();
  });

  // ——— controls ———

  // bringTimeline scrolls the page, when Run was pressed far from the timeline (on a phone,
  // where the settings come first, or after reading the code), so that the timeline stands
  // right under the run bar, which stays in view anyway.
  const controls = $('controls');
  const wrap = $('timeline-wrap');
  function bringTimeline() {
    const bar = controls.getBoundingClientRect();
    const top = wrap.getBoundingClientRect().top;
    if (top < bar.bottom || top > window.innerHeight * 0.4) window.scrollBy(0, top - bar.height - 8);
  }

  // A run asked for before the parts it needs have loaded starts once they have, unless Stop
  // came between.
  let waiting = false;
  // start runs the settings the form holds; extra adds settings of a run message alone.
  function start(extra = {}) {
    if (!part) {
      waiting = true;
      setStatus('Starting…', 'busy');
      later().then(() => {
        if (waiting) start(extra);
      });
      return;
    }
    waiting = false;
    const rs = { ...runSettings(form), ...extra };
    steer?.hide();
    if (rs.mode !== 'live' && rs.seedText !== '' && rs.seed === null) {
      setStatus(`The seed must be a whole number from 0 to ${MAX_SEED}.`, 'error');
      seedInput.focus();
      return;
    }
    state.ask();
    const speed = Number(speedSel.value) || 1;
    timeline.setSpeed(speed);
    socket.run(scenario, values(form), speed, rs);
    setStatus(socket.open ? 'Starting…' : 'Connecting…', 'busy');
    refresh();
  }

  // A run a person asks for plays from its start: a link's look was for the run it opened.
  const forgetLook = () => {
    linkLook = null;
    setLook(form, null, null);
    updateURL();
  };
  runBtn.addEventListener('click', () => {
    forgetLook();
    start();
    bringTimeline();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    forgetLook();
    start();
  });
  stopBtn.addEventListener('click', () => {
    steer?.hide();
    waiting = false;
    if (state.stop()) setStatus('Ready.');
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

  // Switching to seeded or steered mode with no seed yet picks one, so the link always
  // names it; steering poses the scenario's challenge.
  const updateURL = initURLState(form, share, (input) => {
    linkLook = null; // the settings changed: the link's look was for another run
    if (input.name === 'mode' && input.value !== 'live' && input.checked && seedInput.value.trim() === '') {
      seedInput.value = String(randomSeed());
      updateURL();
    }
    if (input.name === 'mode' && input.value === 'steer' && input.checked) poseChallenge();
  });

  // The challenge a link names (challenge=…), or in steered mode the scenario's first: the
  // scenario API lists them.
  let challenges = null;
  async function poseChallenge() {
    const rs = runSettings(form);
    const wanted = rs.challenge || new URLSearchParams(location.search).get('challenge') || '';
    if (!wanted && rs.mode !== 'steer') return;
    if (challenges === null) {
      try {
        const resp = await fetch(`/api/scenarios/${encodeURIComponent(scenario)}`);
        challenges = resp.ok ? (await resp.json()).challenges || [] : [];
      } catch {
        challenges = [];
      }
    }
    const c = challenges.find((x) => x.id === wanted) || (wanted ? null : challenges[0]);
    if (wanted && !c) {
      setStatus(`This scenario poses no challenge "${wanted}"${challenges.length ? `; it poses ${challenges.map((x) => x.id).join(', ')}` : ''}.`, 'warn');
      return;
    }
    if (!c) return;
    await steerParts();
    card.pose(c);
    setChallenge(form, c.id);
    updateURL();
  }

  // A new seed, like any change of the settings, drops a link's schedule, made on the old one.
  newSeedBtn.addEventListener('click', () => {
    seedInput.value = String(randomSeed());
    dropSchedule(form);
    updateURL();
    setStatus(`Seed ${seedInput.value}: press Run to see its interleaving.`);
  });

  function initFindPart({ initFind }) {
    const buttons = initFind($('find'), $('find-result'), form, scenario, (seed) => {
      form.querySelector('input[name="mode"][value="seeded"]').checked = true;
      seedInput.value = String(seed);
      dropSchedule(form);
      updateURL();
    }, start);
    for (const b of buttons) b.disabled = false;
  }

  // ——— keyboard ———

  helpBtn.addEventListener('click', () => help.showModal());
  // a click on the backdrop closes the help too
  help.addEventListener('click', (ev) => {
    if (ev.target === help) help.close();
  });

  // Keys that type a character are shortcuts anywhere but in a field, or, turned off, only
  // on the timeline; arrows, Home and End step anywhere but in a field.
  const singleKeysBox = $('single-keys');
  let singleKeys = readSingleKeys();
  singleKeysBox.checked = singleKeys;
  singleKeysBox.addEventListener('change', () => {
    singleKeys = singleKeysBox.checked;
    keepSingleKeys(singleKeys);
  });

  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || help.open) return;
    const el = ev.target;
    if (typing(el)) return;
    if (ev.key.length === 1 && !singleKeys && !(el instanceof Node && wrap.contains(el))) return;
    if (ev.key === '?') {
      ev.preventDefault();
      help.showModal();
      return;
    }
    // Space on a button reached by keyboard presses it; after a click it plays and pauses.
    if (ev.key === ' ' && el instanceof Element && el.matches('button:focus-visible, a:focus-visible')) return;
    if (steer && steer.key(ev)) {
      ev.preventDefault();
      return;
    }
    if (ev.key === 'r' || ev.key === 'R') {
      ev.preventDefault();
      if (!runBtn.disabled) runBtn.click();
      return;
    }
    if (ev.key === 's' || ev.key === 'S') {
      ev.preventDefault();
      if (!stopBtn.disabled) stopBtn.click();
      return;
    }
    if (ev.key === 'o') chooseAxis(!wantSteps);
    else {
      const stepping = ['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(ev.key);
      keyStep = stepping;
      try {
        if (!timeline.key(ev.key)) return;
      } finally {
        keyStep = false;
      }
      ev.preventDefault();
      if (stepping) log.sayAt(passed());
    }
  });

  for (const el of [runBtn, speedSel, copyBtn, newSeedBtn, helpBtn]) el.disabled = false;
  setStatus('Connecting…');
  refresh();
  socket.connect();
  // A seeded link names its interleaving: show it straight away (it takes milliseconds). A
  // steered one goes straight to the step it was shared at.
  const rs = runSettings(form);
  poseChallenge();
  if (rs.mode !== 'live' && rs.seed !== null) {
    timeline.reserve(Math.round(window.innerHeight * 0.5));
    start();
  } else if (document.readyState === 'complete') later();
  else window.addEventListener('load', () => later(), { once: true });
}

// showCurrentScenario scrolls the picker, where it is one row that scrolls sideways (a
// phone), to the page's own scenario.
function showCurrentScenario() {
  const picker = $('picker');
  const current = picker && picker.querySelector('[aria-current="page"]');
  if (!current || picker.scrollWidth <= picker.clientWidth) return;
  picker.scrollLeft = current.offsetLeft - picker.offsetLeft - (picker.clientWidth - current.offsetWidth) / 2;
}

main();
