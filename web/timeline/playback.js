// The playhead and the time on screen. While a live run streams the playhead follows it;
// after the end Play replays the run at the chosen speed (scenario time per wall time). The
// view fits the whole run (the domain) unless zoomed in on a part.

import { lowerBound } from '../trace/model.js';
import { select } from './hit.js';
import { layout } from './layout.js';

export const MIN_DOMAIN = 1e6; // 1 ms
export const MIN_FIT = 1e4; // a finished run fills the width, down to 10 µs

/** niceCeil rounds x up to 1, 2 or 5 times a power of ten. */
export function niceCeil(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

// How far a live playhead may run ahead of the newest event while waiting for more, in wall
// time: a run that works quietly still moves; a stalled connection soon stops the playhead.
const LIVE_LEAD_MS = 1500;

/**
 * startLive shows trace as it streams in; runSpeed is the speed the server runs it at. With
 * follow false (a seeded run, which arrives far faster than it plays) the playhead stays at
 * 0 until replay.
 */
export function startLive(tl, trace, runSpeed = 1, follow = true) {
  tl.trace = trace;
  tl.live = true;
  tl.ended = false;
  tl.endT = 0;
  tl.runSpeed = runSpeed;
  tl.playing = follow;
  tl.playhead = 0;
  tl.domain = niceCeil(Math.max(MIN_DOMAIN, 5e8 * runSpeed));
  tl.view = null;
  tl.arrivalWall = performance.now();
  tl.arrivalT = 0;
  tl.lastCount = -1;
  tl.selected = null;
  tl.tip.hidden = true;
  layout(tl, true);
  tl.onState();
}

/**
 * swapTrace shows the same finished run laid out another way (stepTrace's event order, or
 * time), ending at endT: the playhead stays on the same event, and the view fits the run.
 */
export function swapTrace(tl, tr, endT) {
  const n = tl.trace.count(tl.playhead);
  tl.trace = tr;
  tl.playhead = n > 0 ? tr.events[n - 1].t : 0;
  tl.endT = endT;
  tl.domain = Math.max(endT * 1.02, MIN_FIT);
  tl.view = null;
  select(tl, null);
  tl.tip.hidden = true;
  layout(tl, true);
  tl.onState();
}

/** dataArrived is called after events were added to the trace. */
export function dataArrived(tl) {
  if (!tl.trace) return;
  tl.arrivalWall = performance.now();
  tl.arrivalT = tl.trace.lastT;
  layout(tl, false);
  tl.request();
}

/** finish marks the end of the run: durationNs is its length. */
export function finish(tl, durationNs) {
  if (!tl.trace) return;
  const following = tl.live && tl.playing;
  tl.live = false;
  tl.ended = true;
  tl.endT = Math.max(durationNs || 0, tl.trace.lastT);
  tl.domain = Math.max(tl.endT * 1.02, MIN_FIT);
  if (following || tl.playhead > tl.endT) tl.playhead = tl.endT;
  tl.playing = false;
  layout(tl, false);
  tl.request();
  tl.onState();
}

/** maxT is as far as the playhead may go now. */
export function maxT(tl) {
  if (!tl.trace) return 0;
  if (tl.ended) return tl.endT;
  return liveHead(tl, performance.now());
}

export function liveHead(tl, now) {
  const lead = Math.min(now - tl.arrivalWall, LIVE_LEAD_MS);
  return tl.arrivalT + Math.max(0, lead) * 1e6 * tl.runSpeed;
}

export function togglePlay(tl) {
  if (!tl.trace) return;
  if (tl.playing) {
    tl.playing = false;
  } else {
    if (tl.ended && tl.playhead >= tl.endT) tl.playhead = 0;
    tl.playing = true;
    tl.lastFrame = performance.now();
  }
  tl.request();
  tl.onState();
}

/** replay plays a finished run from its start. */
export function replay(tl) {
  if (!tl.trace || !tl.ended) return;
  tl.playhead = 0;
  tl.playing = true;
  tl.lastFrame = performance.now();
  tl.request();
  tl.onState();
}

/** seek moves the playhead to t and pauses. */
export function seek(tl, t) {
  if (!tl.trace) return;
  tl.playing = false;
  tl.playhead = Math.max(0, Math.min(t, maxT(tl)));
  const v = tl.view;
  if (v && (tl.playhead < v.t0 || tl.playhead > v.t1)) {
    pan(tl, tl.playhead - (v.t0 + v.t1) / 2);
  }
  tl.request();
  tl.onState();
}

/** step moves the playhead to the next (dir > 0) or previous event time. */
export function step(tl, dir) {
  const tr = tl.trace;
  if (!tr || tr.events.length === 0) return;
  let t;
  if (dir > 0) {
    const i = tr.count(tl.playhead);
    if (i >= tr.events.length) return;
    t = tr.events[i].t;
  } else {
    const i = lowerBound(tr.events, tl.playhead) - 1;
    t = i >= 0 ? tr.events[i].t : 0;
  }
  seek(tl, t);
}

// advance moves a playing playhead to wall time now (ms) and tells whether it goes on; a
// zoomed view turns the page when the playhead leaves it.
export function advance(tl, now) {
  let again = false;
  if (tl.live && tl.playing) {
    tl.playhead = Math.max(tl.playhead, liveHead(tl, now));
    again = true;
  } else if (tl.ended && tl.playing) {
    tl.playhead += Math.max(0, now - tl.lastFrame) * 1e6 * tl.speed;
    if (tl.playhead >= tl.endT) {
      tl.playhead = tl.endT;
      tl.playing = false;
      tl.onState();
    } else {
      again = true;
    }
  }
  if (tl.live && tl.playhead > tl.domain * 0.9) {
    tl.domain = niceCeil(tl.playhead * 1.4);
  }
  const v = tl.view;
  if (v && tl.playing && tl.playhead > v.t1) {
    const span = v.t1 - v.t0;
    v.t0 = tl.playhead - span * 0.1;
    v.t1 = v.t0 + span;
  }
  return again;
}

// ——— the view ———

/** zoom scales the view by factor (below 1 zooms in) keeping time at in place. */
export function zoom(tl, factor, at) {
  if (!tl.trace) return;
  const [t0, t1] = tl.range();
  const span = t1 - t0;
  const full = tl.domain;
  const next = Math.min(Math.max(span * factor, 1000), full);
  if (next >= full) {
    fitRun(tl);
    return;
  }
  const a = Math.min(Math.max(at, t0), t1);
  let n0 = a - (a - t0) * (next / span);
  n0 = Math.min(Math.max(n0, 0), full - next);
  tl.view = { t0: n0, t1: n0 + next };
  tl.request();
}

export function pan(tl, dt) {
  if (!tl.view) return;
  const span = tl.view.t1 - tl.view.t0;
  const t0 = Math.min(Math.max(tl.view.t0 + dt, 0), Math.max(0, tl.domain - span));
  tl.view = { t0, t1: t0 + span };
  tl.request();
}

/** showSpan shows the time from t0 to t1 (ns), within the run. */
export function showSpan(tl, t0, t1) {
  if (!tl.trace) return;
  const a = Math.max(0, t0);
  const b = Math.min(t1, tl.domain);
  tl.view = b - a >= tl.domain ? null : { t0: a, t1: Math.max(b, a + 1000) };
  tl.request();
}

/** fitRun shows the whole run again. */
export function fitRun(tl) {
  tl.view = null;
  tl.request();
}
