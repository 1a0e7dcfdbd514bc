// The Once lane: the first Do running the function, a bar in its goroutine's colour, and the
// other Dos waiting for it to return, thin lines on rows below; past the bar, the once is done.

import { fit, gColor } from '../paint.js';
import { paintWaiters, stretchAt, stretchHit } from './cond.js';

export const once = { h: () => 34, kind: () => 'Once', paint, hit };

function paint(tl, { o, top, bot, X, t0, ph, xEnd }) {
  const { ctx, colors: C } = tl;
  const r = o.run;
  if (r && r.t0 <= ph) {
    const xa = X(r.t0);
    const done = r.t1 !== null && r.t1 <= ph;
    const xb = Math.max(xa + 1, Math.min(X(done ? r.t1 : ph), xEnd));
    if (xb >= X(t0) - 1) {
      const g = tl.trace.goroutine(r.g);
      ctx.fillStyle = g ? gColor(tl, g, 0.8) : C.working;
      ctx.fillRect(xa, top + 4, xb - xa, 12);
      if (xb - xa > 30) {
        ctx.font = `11px ${tl.font}`;
        ctx.fillStyle = C.bg;
        ctx.fillText(fit(ctx, `${g ? g.name : ''} runs it`, xb - xa - 6), xa + 3, top + 10);
      }
    }
    if (done && X(r.t1) <= xEnd) {
      // done: a bar where it returned
      ctx.fillStyle = C.text;
      ctx.fillRect(X(r.t1) - 1, top + 2, 2, 16);
    }
  }
  paintWaiters(tl, o, top + 19, bot, X, t0, ph, xEnd);
}

/** hit is, at t, the function running or a Do waiting for it, as {e, span}, or null. */
function hit(tl, o, t, ph) {
  const r = o.run;
  if (r && r.t0 <= t && t <= (r.t1 ?? ph)) {
    const x = stretchHit(tl, o, r, ph, 'once-run', `${tl.trace.gName(r.g)} runs ${o.name}'s function`);
    const n = o.waiters.filter((w) => w.t0 <= t && t <= (w.t1 ?? ph)).length;
    if (x && n > 0) x.span.note = `${n} other Do${n === 1 ? '' : 's'} waiting for it`;
    return x;
  }
  const w = stretchAt(o.waiters, o.waiting, o.maxWait, t, ph);
  return w ? stretchHit(tl, o, w, ph, 'once-wait-begin', `${tl.trace.gName(w.g)} waits in ${o.name}.Do`) : null;
}
