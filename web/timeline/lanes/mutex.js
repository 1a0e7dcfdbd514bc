// The mutex lane.

import { lowerBound, upperBound } from '../../trace/model.js';
import { columnEnd, fit, gColor, spanEnd } from '../paint.js';

const byT0 = (s) => s.t0;

export const mutex = { h: () => 34, kind: () => 'mutex', paint, hit };

function paint(tl, { o, top, h, X, t0, t1, ph }) {
  const { ctx, colors: C } = tl;
  const hs = o.holds;
  const last = upperBound(hs, ph, (s) => s.t0);
  ctx.font = `11px ${tl.font}`;
  let lastPx = -1;
  for (let i = lowerBound(hs, t0, spanEnd); i < last; i++) {
    const s = hs[i];
    const xa = X(s.t0);
    if (xa > X(t1) + 1) break;
    const released = s.t1 !== null && s.t1 <= ph;
    const xb = Math.max(xa + 1, X(Math.min(released ? s.t1 : ph, t1)));
    if (xb - xa < 2 && Math.floor(xa) === lastPx) {
      // on to the column's last hold (holds do not overlap: only the last can be wide), or past it
      const j = columnEnd(hs, i + 1, last, lastPx, X, byT0);
      i = j - 1 > i ? j - 2 : j - 1;
      continue;
    }
    lastPx = Math.floor(xa);
    const g = tl.trace.goroutine(s.g);
    ctx.fillStyle = g ? gColor(tl, g, 0.8) : C.working;
    ctx.fillRect(xa, top + 5, xb - xa, h - 2);
    if (xb - xa > 30) {
      // the holder, and what the mutex guards: as locked, then as left at the unlock
      // (the colour names the holder: when both do not fit, the value goes first)
      const v = released && s.v1 !== null ? s.v1 : s.v0;
      const name = g ? g.name : '';
      let text = v === null ? name : `${name}: ${v}`;
      if (v !== null && ctx.measureText(text).width > xb - xa - 6) text = v;
      ctx.fillStyle = C.bg;
      ctx.fillText(fit(ctx, text, xb - xa - 6), xa + 3, top + 5 + (h - 2) / 2);
    }
  }
}

/** hit is the hold of mutex o at t, as {e: its lock-end, span}, or null. */
function hit(tl, o, t, ph) {
  const evs = tl.trace.events;
  const hs = o.holds;
  const h = hs[upperBound(hs, t, (x) => x.t0) - 1];
  if (h && t <= (h.t1 ?? ph)) {
    for (let j = lowerBound(evs, h.t0); j < evs.length && evs[j].t === h.t0; j++) {
      const e = evs[j];
      if (e.kind === 'lock-end' && e.g === h.g && e.obj === o.id) {
        return { e, span: { t0: h.t0, t1: h.t1, open: h.t1 === null, kind: 'held', until: Math.min(h.t1 ?? ph, ph) } };
      }
    }
  }
  return null;
}
