// The lane of an errgroup: its goroutines active, stepping (a faint line marks its limit),
// the Go calls that waited for a slot and the Waits, as bands in their goroutines' colours,
// and its errors: the first, which Wait returns and which cancels the group's context (whose
// own lane shows the cancel), as a red mark with its text; a later one, dropped, as a small
// one.

import { eventBySeq, upperBound } from '../../trace/model.js';
import { PAD_R, errorMark, fit, labelOnBg } from '../paint.js';
import { paintSteps } from './atomic.js';
import { BANDS, paintWaiters } from './semaphore.js';

export const errgroup = {
  h: () => 70,
  kind: (o) => (o.ctx ? `errgroup, context ${o.ctxName}` : 'errgroup'),
  paint,
  hit,
};

function paint(tl, lane) {
  const { o, top, bot, X, t0, ph, xStart, xEnd } = lane;
  const { ctx, colors: C } = tl;
  const color = tl.colors.wg;
  // the goroutines active above, the waits below
  const steps = { ...lane, bot: bot - BANDS, h: lane.h - BANDS };
  if (o.limit > 0 && o.limit <= o.max) {
    ctx.fillStyle = color;
    ctx.globalAlpha = 0.25;
    const y = steps.bot - 2 - (o.limit / (o.max || 1)) * (steps.h - 14);
    ctx.fillRect(xStart, y - 0.5, Math.max(0, xEnd - xStart), 1);
    ctx.globalAlpha = 1;
  }
  paintSteps(tl, steps, color);
  const waits = [...o.goers, ...o.waits].sort((a, b) => a.t0 - b.t0);
  paintWaiters(tl, lane, waits, () => true, bot - BANDS + 3, X);
  // the errors: the first with its text
  const last = upperBound(o.errors, ph);
  for (let i = 0; i < last; i++) {
    const err = o.errors[i];
    if (err.t < t0) continue;
    const x = X(err.t);
    if (x > xEnd + 8) break;
    if (err.op !== 'first') {
      ctx.fillStyle = C.panic;
      ctx.globalAlpha = 0.6;
      ctx.fillRect(x - 1, top + 6, 2, bot - top - 6);
      ctx.globalAlpha = 1;
      continue;
    }
    const y = (top + bot - BANDS) / 2;
    errorMark(tl, x, y, top, bot);
    ctx.font = `700 10px ${tl.font}`;
    // right of the mark, or left of it where the lane ends first
    const full = `first error: ${err.value}`;
    const right = tl.cssW - PAD_R - x - 16;
    const left = x - tl.labelW - 16;
    const text = fit(ctx, full, Math.max(40, Math.max(right, left)));
    const w = ctx.measureText(text).width + 6;
    const lx = w <= right + 6 || right >= left ? x + 9 : x - 9 - w;
    labelOnBg(ctx, C, text, lx, y - 6, w, 12, 3, 0.85, 3, C.panic);
  }
}

/**
 * hit is, at t on group o's lane, a Go waiting for a slot or a Wait (its begin); else the
 * first error once it came (its group-done); or null.
 */
function hit(tl, o, t, ph) {
  const tr = tl.trace;
  for (const w of o.waits) {
    const end = w.t1 ?? ph;
    if (w.t0 > t || t > end || end === w.t0) continue;
    const e = eventBySeq(tr, w.seq);
    const how = w.t1 === null ? 'its goroutines are still active' : w.value ? `it returned ${w.value}` : 'it returned nil';
    return e && { e, span: { t0: w.t0, t1: w.t1, open: w.t1 === null, kind: 'waiting', until: Math.min(end, ph), what: `${tr.gName(w.g)} waits for ${o.name}`, note: how } };
  }
  for (const w of o.goers) {
    if (w.t0 > t || t > w.t1) continue;
    const evs = tr.events;
    const e = evs.find((x) => x.kind === 'group-go-end' && x.g === w.g && x.t === w.t1 && x.obj === o.id);
    return e && { e, span: { t0: w.t0, t1: w.t1, open: false, kind: 'waiting', until: w.t1, what: `${tr.gName(w.g)} waits in Go for a slot of ${o.name}`, note: `its limit is ${o.limit}` } };
  }
  const f = o.first;
  if (f && f.t <= ph && t >= f.t) {
    const e = tr.events.find((x) => x.kind === 'group-done' && x.op === 'first' && x.obj === o.id);
    return e && { e, span: { t0: f.t, t1: null, open: true, kind: 'error', until: ph, what: `${o.name} failed: ${f.value}`, note: 'Wait returns this error; the group\'s context is cancelled' } };
  }
  return null;
}
