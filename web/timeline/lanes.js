// The object lanes: their painters by objKind, and what every object lane has. A painter is
// {h(o): lane height, kind(o): the label's second line, paint(tl, lane), and optionally
// hit(tl, o, t, ph): the stretch at t}. A new lane kind is a module in lanes/ and one line in
// LANES.

import { lowerBound, upperBound } from '../trace/model.js';
import { atomic } from './lanes/atomic.js';
import { cell } from './lanes/cell.js';
import { chan } from './lanes/chan.js';
import { cond } from './lanes/cond.js';
import { context } from './lanes/context.js';
import { errgroup } from './lanes/errgroup.js';
import { mutex } from './lanes/mutex.js';
import { once } from './lanes/once.js';
import { refcell } from './lanes/refcell.js';
import { semaphore } from './lanes/semaphore.js';
import { rwmutex } from './lanes/rwmutex.js';
import { timer } from './lanes/timer.js';
import { waitgroup } from './lanes/waitgroup.js';
import { deadlockMark, errorMark, fit, warnMark } from './paint.js';

export const LANES = { chan, mutex, atomic, waitgroup, cell, refcell, timer, ticker: timer, context, rwmutex, cond, once, semaphore, errgroup };

// a kind this page does not know (a newer server's): a lane with its name and marks
const OTHER = { h: () => 34, kind: (o) => o.kind, paint() {} };

/** laneOf is the painter of object o's lane. */
export const laneOf = (o) => LANES[o.kind] || OTHER;

// paintObject draws object o's lane at top; its painter gets the lane {o, top, bot, h, X, t0,
// t1, ph, xStart, xEnd}: h the height to fill above bot, xStart–xEnd the object's life in view.
export function paintObject(tl, o, top, { X, t0, t1, ph }) {
  if (o.t > ph) return;
  const ctx = tl.ctx;
  const p = laneOf(o);
  const LH = p.h(o);
  const bot = top + LH - 4;
  const xStart = X(Math.max(o.t, t0));
  const xEnd = X(Math.min(ph, t1));
  ctx.fillStyle = tl.colors.grid;
  ctx.fillRect(xStart, bot, Math.max(0, xEnd - xStart), 1);
  const lane = { o, top, bot, h: LH - 8, X, t0, t1, ph, xStart, xEnd };
  p.paint(tl, lane);
  paintMarks(tl, lane);
}

export function objectLabel(tl, o, top, ph) {
  const { ctx, colors: C } = tl;
  ctx.globalAlpha = o.t <= ph ? 1 : 0.45;
  ctx.font = `600 12px ${tl.font}`;
  ctx.fillStyle = C.text;
  ctx.fillText(fit(ctx, o.name, tl.labelW - 14), 8, top + 11);
  ctx.font = `11px ${tl.font}`;
  ctx.fillStyle = C.muted;
  ctx.fillText(fit(ctx, laneOf(o).kind(o), tl.labelW - 14), 8, top + 25);
  ctx.globalAlpha = 1;
}

// paintMarks draws what stands out on an object's lane: Rust's not-Sync warnings, refused
// borrows and deadlocks.
function paintMarks(tl, { o, top, bot, X, t0, ph, xEnd }) {
  const ms = o.marks;
  const last = upperBound(ms, ph);
  let lastPx = -10;
  for (let i = lowerBound(ms, t0 - 1); i < last; i++) {
    const m = ms[i];
    if (m.kind === 'close') continue; // drawn with the channel
    const x = X(m.t);
    if (x > xEnd + 8) break;
    if (x - lastPx < 4) continue;
    lastPx = x;
    if (m.kind === 'warn') warnMark(tl, x, top + 9);
    else if (m.kind === 'deadlock') deadlockMark(tl, x, (top + bot) / 2);
    else errorMark(tl, x, (top + bot) / 2, top, bot);
  }
}
