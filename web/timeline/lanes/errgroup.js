// The lane of an errgroup: its goroutines active, stepping (a faint line marks its limit),
// the Go calls that waited for a slot and the Waits, as bands in their goroutines' colours,
// and its errors: the first, which Wait returns and which cancels the group's context (whose
// own lane shows the cancel), as a red mark with its text; a later one, dropped, as a small
// one.

import { eventBySeq, upperBound } from '../../trace/model.js';
import { PAD_R, errorMark, fit } from '../paint.js';
import { paintSteps } from './atomic.js';
import { paintWaiters } from './semaphore.js';

export const errgroup = {
  h: () => 52,
  kind: (o) => (o.ctx ? `errgroup, context ${o.ctxName}` : 'errgroup'),
  paint,
  hit,
};

function paint(tl, lane) {
  const { o, top, bot, h, X, t0, ph, xStart, xEnd } = lane;
  const { ctx, colors: C } = tl;
  const color = tl.colors.wg;
  if (o.limit > 0 && o.limit <= o.max) {
    ctx.fillStyle = color;
    ctx.globalAlpha = 0.25;
    const y = bot - 2 - (o.limit / (o.max || 1)) * (h - 14);
    ctx.fillRect(xStart, y - 0.5, Math.max(0, xEnd - xStart), 1);
    ctx.globalAlpha = 1;
  }
  paintSteps(tl, lane, color, () => {
    const waits = [...o.goers.map((w) => ({ ...w, op: 'go' })), ...o.waits.map((w) => ({ ...w, op: 'wait' }))].sort((a, b) => a.t0 - b.t0);
    paintWaiters(tl, lane, waits, () => true, top + 12, X);
  });
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
    errorMark(tl, x, (top + bot) / 2, top, bot);
    ctx.font = `700 10px ${tl.font}`;
    const text = fit(ctx, `first error: ${err.value}`, Math.max(40, tl.cssW - PAD_R - x - 12));
    ctx.fillStyle = C.panic;
    ctx.fillText(text, Math.min(x + 9, tl.cssW - PAD_R - ctx.measureText(text).width), top + 8);
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
