// The RWMutex lane: the readers holding it, each on a row of its own, the writer holding it
// across the whole lane, and a writer waiting in Lock as a dashed line along the top (while
// it waits, later readers wait too).

import { lowerBound, upperBound } from '../../trace/model.js';
import { columnEnd, fit, gColor, spanEnd } from '../paint.js';
import { stretchAt, stretchHit } from './cond.js';

export const rwmutex = { h: (o) => 30 + 6 * Math.min(Math.max(o.rows, 1), 4), kind: () => 'RWMutex', paint, hit };

const byT0 = (s) => s.t0;

function paint(tl, { o, top, bot, X, t0, t1, ph, xEnd }) {
  const { ctx, colors: C } = tl;
  const y0 = top + 6; // below the waiting writers' line
  const h = bot - y0 - 1;
  const rows = Math.min(Math.max(o.rows, 1), 4);
  const rowH = h / rows;
  ctx.font = `11px ${tl.font}`;
  const draw = (s, y, hh, dash, xa, xb) => {
    const g = tl.trace.goroutine(s.g);
    if (dash) {
      ctx.strokeStyle = g ? gColor(tl, g, 0.9) : C.blocked;
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(xa, y);
      ctx.lineTo(xb, y);
      ctx.stroke();
      ctx.setLineDash([]);
      return;
    }
    ctx.fillStyle = g ? gColor(tl, g, 0.8) : C.working;
    ctx.fillRect(xa, y, xb - xa, hh);
    if (xb - xa > 30 && hh >= 10) {
      const done = s.t1 !== null && s.t1 <= ph;
      const v = done && s.v1 !== null ? s.v1 : s.v0;
      const name = g ? g.name : '';
      ctx.fillStyle = C.bg;
      ctx.fillText(fit(ctx, v === null ? name : `${name}: ${v}`, xb - xa - 6), xa + 3, y + hh / 2);
    }
  };
  // A bar narrower than two pixels that the next on its line starts in the same pixel column
  // would cover is not drawn: each line keeps its last such bar (pending) until one starts in
  // another column, so that a lane costs what the screen shows, not what the run holds. (The
  // bars of a line do not overlap: a reader's row is its own while it holds the lock.)
  const pending = new Map(); // line → {s, y, hh, dash, xa, xb}
  const flush = (line) => {
    const p = pending.get(line);
    if (p) draw(p.s, p.y, p.hh, p.dash, p.xa, p.xb);
    pending.delete(line);
  };
  const bar = (s, line, y, hh, dash) => {
    const xa = X(s.t0);
    if (xa > xEnd + 1) return;
    const done = s.t1 !== null && s.t1 <= ph;
    const xb = Math.max(xa + 1, Math.min(X(done ? s.t1 : ph), xEnd));
    const p = pending.get(line);
    if (p && Math.floor(p.xa) !== Math.floor(xa)) flush(line);
    if (xb - xa < 2) {
      pending.set(line, { s, y, hh, dash, xa, xb });
      return;
    }
    pending.delete(line); // one in its column that this one covers
    draw(s, y, hh, dash, xa, xb);
  };
  // writers waiting, then holding
  const ws = o.writerWaits;
  const first = lowerBound(ws, t0 - o.maxWriterWait, byT0);
  for (let i = first, last = upperBound(ws, ph, byT0); i < last; i++) {
    if (ws[i].t1 !== null && ws[i].t1 < t0) continue;
    bar(ws[i], 'wait', top + 2, 0, true);
  }
  for (const w of o.writing) if (w.t0 < (ws[first]?.t0 ?? Infinity) && w.t0 <= ph) bar(w, 'wait', top + 2, 0, true);
  flush('wait');
  // a writer's holds do not overlap: a column of them is its last, found without a walk
  const hs = o.holds;
  const lastHold = upperBound(hs, ph, byT0);
  let lastPx = -1;
  for (let i = lowerBound(hs, t0, spanEnd); i < lastHold; i++) {
    const s = hs[i];
    const xa = X(s.t0);
    if (xa > xEnd + 1) break;
    const done = s.t1 !== null && s.t1 <= ph;
    const xb = Math.max(xa + 1, Math.min(X(done ? s.t1 : ph), xEnd));
    if (xb - xa < 2 && Math.floor(xa) === lastPx) {
      const j = columnEnd(hs, i + 1, lastHold, lastPx, X, byT0);
      i = j - 1 > i ? j - 2 : j - 1;
      continue;
    }
    lastPx = Math.floor(xa);
    draw(s, y0, h, false, xa, xb);
  }
  // readers, from the earliest that may still be in view
  const rs = o.reads;
  for (let i = lowerBound(rs, t0 - o.maxRead, byT0), last = upperBound(rs, ph, byT0); i < last; i++) {
    const s = rs[i];
    if (s.t1 !== null && s.t1 < t0) continue;
    bar(s, s.row % rows, y0 + (s.row % rows) * rowH, Math.max(2, rowH - 1), false);
  }
  // read holds still open that began before that
  const from = rs[lowerBound(rs, t0 - o.maxRead, byT0)]?.t0 ?? Infinity;
  for (const s of o.readers) if (s.t0 < from && s.t0 <= ph) bar(s, s.row % rows, y0 + (s.row % rows) * rowH, Math.max(2, rowH - 1), false);
  for (const line of [...pending.keys()]) flush(line);
}

/** hit is, at t, the writer holding the lock, or else a reader holding it or a writer waiting
 * for it, as {e, span}, or null. */
function hit(tl, o, t, ph) {
  const tr = tl.trace;
  const held = (h, kind, what) => {
    const x = stretchHit(tl, o, h, ph, kind, what);
    if (x) x.span.kind = 'held';
    return x;
  };
  const ww = stretchAt(o.writerWaits, o.writing, o.maxWriterWait, t, ph);
  const waiting = ww ? `${tr.gName(ww.g)} waits to write ${o.name}` : '';
  const hs = o.holds;
  const w = hs[upperBound(hs, t, byT0) - 1];
  let x = null;
  if (w && t <= (w.t1 ?? ph)) x = held(w, 'lock-end', `${o.name} held by ${tr.gName(w.g)}, to write`) || held(w, 'trylock', `${o.name} held by ${tr.gName(w.g)}, to write`);
  const r = x ? null : stretchAt(o.reads, o.readers, o.maxRead, t, ph);
  if (r) x = held(r, 'rlock-end', `${o.name} read by ${tr.gName(r.g)}`) || held(r, 'trylock', `${o.name} read by ${tr.gName(r.g)}`);
  if (!x) return ww ? stretchHit(tl, o, ww, ph, 'lock-begin', waiting) : null;
  // a holder, and the writer waiting meanwhile: the reason later readers wait
  if (waiting) x.span.note = waiting;
  return x;
}
