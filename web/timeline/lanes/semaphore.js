// The lane of a weighted semaphore: the weight in use stepping between 0 and its size (a
// faint line at the top is the size), and below it each Acquire that waited, as a band in
// its goroutine's colour from its ask to its end — a dot where it was served, a cross where
// its context ended it first — stacked in the order they came, which is the order they are
// served in.

import { eventBySeq, upperBound } from '../../trace/model.js';
import { gColor } from '../paint.js';
import { paintSteps } from './atomic.js';

export const semaphore = {
  h: () => 70,
  kind: (o) => `semaphore, size ${o.size}`,
  paint,
  hit,
};

// ROWS is how many waiters stack before the rows start again, and BANDS the height they
// take at the bottom of the lane, under the steps.
const ROWS = 4;
export const BANDS = ROWS * 5 + 2;

function paint(tl, lane) {
  const { bot, X, xStart, xEnd } = lane;
  const ctx = tl.ctx;
  const color = tl.colors.atomic;
  // the weight in use above, the waiters below
  const steps = { ...lane, bot: bot - BANDS, h: lane.h - BANDS };
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.25;
  // the size: what the weight in use never passes
  ctx.fillRect(xStart, steps.bot - 2 - (steps.h - 14) - 0.5, Math.max(0, xEnd - xStart), 1);
  ctx.globalAlpha = 1;
  paintSteps(tl, steps, color);
  paintWaiters(tl, lane, lane.o.waiters, (w) => !w.try, bot - BANDS + 3, X);
}

/**
 * paintWaiters draws, from y down, the waits of list ({g, t0, t1, op}, sorted by t0) that
 * show(w) keeps, each a band in its goroutine's colour; one still waiting runs to the
 * playhead. Shared with the errgroup's lane.
 */
export function paintWaiters(tl, { t0, t1, ph, xEnd }, list, show, y, X) {
  const { ctx, colors: C } = tl;
  const last = upperBound(list, Math.min(ph, t1), (w) => w.t0);
  let row = 0;
  for (let i = 0; i < last; i++) {
    const w = list[i];
    if (!show(w)) continue;
    const over = w.t1 !== null && w.t1 <= ph;
    // one served in the critical section of its ask never waited: no band
    if (over && w.t1 === w.t0) continue;
    const r = row++ % ROWS;
    if (over && w.t1 < t0) continue;
    const g = tl.trace.goroutine(w.g);
    const xa = X(w.t0);
    const xb = over ? Math.min(X(w.t1), xEnd) : xEnd;
    const yy = y + r * 5;
    ctx.fillStyle = g ? gColor(tl, g, 0.5) : C.blocked;
    ctx.fillRect(xa, yy, Math.max(1, xb - xa), 3);
    if (!over || w.t1 > t1) continue;
    ctx.fillStyle = g ? gColor(tl, g) : C.blocked;
    if (w.op === 'canceled') {
      ctx.fillRect(xb - 3, yy + 1, 6, 1.5); // ended by its context: a bar across its end
      ctx.fillRect(xb - 0.75, yy - 2, 1.5, 7);
    } else {
      ctx.beginPath();
      ctx.arc(xb, yy + 1.5, 2.5, 0, Math.PI * 2);
      ctx.fill();
    }
  }
}

/** hit is, at t on semaphore o's lane, an Acquire waiting there (its begin), or null. */
function hit(tl, o, t, ph) {
  for (const w of o.waiters) {
    if (w.try || w.t0 > t) continue;
    const end = w.t1 ?? ph;
    if (t > end || end === w.t0) continue;
    const e = eventBySeq(tl.trace, w.seq);
    const how = w.t1 === null ? 'still waiting' : w.op === 'canceled' ? 'its context ended the wait; it took nothing' : 'then served';
    return e && {
      e,
      span: { t0: w.t0, t1: w.t1, open: w.t1 === null, kind: 'waiting', until: Math.min(end, ph), what: `${tl.trace.gName(w.g)} waits for ${w.n} of ${o.name}`, note: how },
    };
  }
  return null;
}
