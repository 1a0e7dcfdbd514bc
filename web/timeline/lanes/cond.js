// The Cond lane: each goroutine waiting in Wait, a thin line in its colour on a row of its own,
// ending where a Signal or Broadcast woke it (the arrow from the waker lands on the woken
// goroutine's lane); a Signal is a dot, a Broadcast a ring, and one that found no waiter — lost
// — a struck-out ring.

import { lowerBound, upperBound } from '../../trace/model.js';
import { columnBars, columns, gColor } from '../paint.js';

export const cond = { h: () => 36, kind: (o) => (o.mutexName ? `Cond on ${o.mutexName}` : 'Cond'), paint, hit };

const byT0 = (s) => s.t0;

function paint(tl, { o, top, bot, X, t0, ph, xEnd }) {
  const { ctx, colors: C } = tl;
  paintWaiters(tl, o, top + 4, bot - 12, X, t0, ph, xEnd);
  const y = bot - 5;
  const ws = o.wakes;
  let lastPx = -10;
  for (let i = lowerBound(ws, t0 - 1), last = upperBound(ws, ph); i < last; i++) {
    const w = ws[i];
    const x = X(w.t);
    if (x > xEnd + 5) break;
    if (x - lastPx < 3) {
      i = columns.nextIn(ws, i + 1, last, (n) => !(X(n.t) - lastPx < 3)) - 1; // none before it has room
      continue;
    }
    lastPx = x;
    const g = tl.trace.goroutine(w.g);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    if (w.lost) {
      ctx.strokeStyle = C.muted;
      ctx.arc(x, y, 3.5, 0, Math.PI * 2);
      ctx.moveTo(x - 4.5, y + 4.5);
      ctx.lineTo(x + 4.5, y - 4.5);
      ctx.stroke();
    } else if (w.kind === 'broadcast') {
      ctx.strokeStyle = g ? gColor(tl, g) : C.arrow;
      ctx.arc(x, y, 4, 0, Math.PI * 2);
      ctx.stroke();
    } else {
      ctx.fillStyle = g ? gColor(tl, g) : C.arrow;
      ctx.arc(x, y, 3, 0, Math.PI * 2);
      ctx.fill();
    }
  }
}

/** paintWaiters draws o's waits (o.waiters {g, t0, t1, row}, sorted by t0; o.waiting those
 * still open; o.maxWait the longest that ended) as thin lines between y0 and y1, a row each. */
export function paintWaiters(tl, o, y0, y1, X, t0, ph, xEnd) {
  const { ctx, colors: C } = tl;
  const ws = o.waiters;
  const rows = Math.max(1, Math.floor((y1 - y0) / 4));
  const first = lowerBound(ws, t0 - o.maxWait, byT0);
  const last = upperBound(ws, ph, byT0);
  // of the narrow waits a pixel column of a row holds, the last (columnBars)
  const bars = columnBars((w, xa, xb) => {
    const g = tl.trace.goroutine(w.g);
    ctx.fillStyle = g ? gColor(tl, g, 0.85) : C.blocked;
    ctx.fillRect(xa, y0 + (w.row % rows) * 4, xb - xa, 3);
  });
  const line = (w) => {
    const xa = X(w.t0);
    const done = w.t1 !== null && w.t1 <= ph;
    bars.bar(w.row % rows, xa, Math.max(xa + 1, Math.min(X(done ? w.t1 : ph), xEnd)), w);
  };
  for (let i = first; i < last; i++) {
    if (ws[i].t1 !== null && ws[i].t1 < t0) continue;
    line(ws[i]);
  }
  // waits still open that began before those
  const from = ws[first]?.t0 ?? Infinity;
  for (const w of o.waiting) if (w.t0 < from && w.t0 <= ph) line(w);
  bars.done();
}

/** hit is the wait in Wait on cond o at t, as {e: its cond-wait-begin, span}, or null. */
function hit(tl, o, t, ph) {
  const w = stretchAt(o.waiters, o.waiting, o.maxWait, t, ph);
  return w ? stretchHit(tl, o, w, ph, 'cond-wait-begin', `${tl.trace.gName(w.g)} waits on ${o.name}`) : null;
}

/** stretchAt is the stretch of list (sorted by t0; open those still open; longest, the longest
 * that ended) that covers t, or null. */
export function stretchAt(list, open, longest, t, ph) {
  const covers = (s) => s.t0 <= t && t <= (s.t1 ?? ph);
  for (let i = upperBound(list, t, byT0) - 1; i >= 0 && list[i].t0 >= t - longest; i--) if (covers(list[i])) return list[i];
  return open.find(covers) || null;
}

/** stretchHit is the hit of stretch s on o's lane: the event of kind at its start, and the span. */
export function stretchHit(tl, o, s, ph, kind, what) {
  const evs = tl.trace.events;
  for (let j = lowerBound(evs, s.t0); j < evs.length && evs[j].t === s.t0; j++) {
    const e = evs[j];
    if (e.kind === kind && e.g === s.g && e.obj === o.id) {
      return { e, span: { t0: s.t0, t1: s.t1, open: s.t1 === null, kind: 'blocked', what, until: Math.min(s.t1 ?? ph, ph) } };
    }
  }
  return null;
}
