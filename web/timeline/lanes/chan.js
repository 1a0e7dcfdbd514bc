// The channel lane: its buffer filling, the values taken out, its close, and the goroutines
// waiting on it in selects (which the lanes of timers and contexts, channels too, share).

import { eventBySeq, lowerBound, upperBound } from '../../trace/model.js';
import { DENSE, PAD_R, columns, columnEnd, gColor, labelOnBg, roundRect, spanEnd } from '../paint.js';

export const chan = {
  h: (o) => (o.cap > 0 ? 40 : 34),
  kind: (o) => (o.cap ? `chan, buffer ${o.cap}` : 'chan, unbuffered'),
  paint,
  hit: waitHit,
};

const byT = (item) => item.t;
const byN = (f) => f.n;

const WAIT_ROWS = 4; // goroutines waiting on one channel get a row each, then share them

function paint(tl, lane) {
  const { o, top, bot, h, X, t0, ph, xStart, xEnd } = lane;
  const { ctx, colors: C } = tl;
  if (o.cap > 0) {
    // Occupancy as a step area; the lane's height is the capacity. A value counts from its
    // send's end until its receive began: then it was surely in the buffer.
    const cap = o.cap;
    const Y = (n) => bot - (Math.min(Math.max(n, 0), cap) / cap) * h;
    ctx.fillStyle = C.chan;
    ctx.globalAlpha = 0.07;
    ctx.fillRect(xStart, bot - h, xEnd - xStart, h);
    if (cap <= 8 && h / cap >= 4) {
      // one line per slot
      ctx.globalAlpha = 0.18;
      for (let s = 1; s <= cap; s++) ctx.fillRect(xStart, Math.round(Y(s)), xEnd - xStart, 1);
    }
    const fl = o.fill;
    const last = upperBound(fl, ph);
    let i = Math.min(upperBound(fl, t0), last);
    const shown = columns.nextIn(fl, i, last, (f) => X(f.t) > xEnd);
    let n = i > 0 ? fl[i - 1].n : 0;
    ctx.beginPath();
    ctx.moveTo(xStart, bot);
    ctx.lineTo(xStart, Y(n));
    // A column of many steps is drawn as the line's stroke covers it: from the least to the
    // most it held, the area filled up to the least.
    const full = [];
    while (i < shown) {
      const x = X(fl[i].t);
      const j = columnEnd(fl, i + 1, shown, Math.floor(x), X, byT);
      if (j - i > DENSE) {
        const [lo, hi] = columns.rangeOf(fl, byN).range(i, j);
        const xb = X(fl[j - 1].t);
        ctx.lineTo(x, Y(n));
        ctx.lineTo(x, Y(Math.min(lo, n)));
        ctx.lineTo(xb, Y(Math.min(lo, n)));
        full.push(x, xb, Y(Math.max(hi, n)), Y(Math.min(lo, n)));
        n = fl[j - 1].n;
        ctx.lineTo(xb, Y(n));
        i = j;
        continue;
      }
      for (; i < j; i++) {
        const xi = X(fl[i].t);
        ctx.lineTo(xi, Y(n));
        n = fl[i].n;
        ctx.lineTo(xi, Y(n));
      }
    }
    ctx.lineTo(xEnd, Y(n));
    ctx.lineTo(xEnd, bot);
    ctx.closePath();
    ctx.globalAlpha = 0.4;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = C.chan;
    ctx.lineWidth = 1.25;
    ctx.stroke();
    for (let k = 0; k < full.length; k += 4) {
      ctx.fillRect(full[k] - 0.625, full[k + 2], full[k + 1] - full[k] + 1.25, full[k + 3] - full[k + 2]);
    }
    const now = last > 0 ? Math.min(Math.max(fl[last - 1].n, 0), cap) : 0;
    ctx.font = `10px ${tl.font}`;
    const label = `${now}/${cap} buffered`;
    const w = ctx.measureText(label).width + 6;
    let lx = Math.max(tl.labelW, Math.min(xEnd + 4, tl.cssW - PAD_R - w));
    const tag = closedTag(tl, o, X, top, ph);
    if (tag && lx < tag.x1 + 4 && lx + w > tag.x0 - 4) {
      // keep clear of the closed tag: after it, or else before it
      lx = tag.x1 + 4 + w <= tl.cssW - PAD_R ? tag.x1 + 4 : tag.x0 - 4 - w;
    }
    // on a patch of background: the band under it may be full
    ctx.font = `10px ${tl.font}`;
    if (lx >= tl.labelW) labelOnBg(ctx, C, label, lx, top + 1, w, 13, 3, 0.85, 3, C.text);
  }
  // one tick per value taken out: full height when unbuffered, at the foot when buffered
  const rv = o.recvs;
  const last = upperBound(rv, ph);
  ctx.fillStyle = C.chan;
  const [ty, th] = o.cap > 0 ? [bot - 4, 5] : [top + 6, h - 2];
  // the first of each column
  for (let i = lowerBound(rv, t0); i < last; i = columnEnd(rv, i + 1, last, Math.floor(X(rv[i].t)), X, byT)) {
    const x = X(rv[i].t);
    if (x > xEnd + 1) break;
    ctx.globalAlpha = rv[i].closed ? 0.45 : 1;
    ctx.fillRect(x - 0.75, ty, 1.5, th);
  }
  ctx.globalAlpha = 1;
  if (o.closed !== null && o.closed <= ph) {
    // closed: a bar across the lane, a tag, and the lane dashed from there on
    const x = X(o.closed);
    if (x <= xEnd + 1) {
      ctx.strokeStyle = C.text;
      ctx.lineWidth = 1;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(x, bot - h / 2);
      ctx.lineTo(xEnd, bot - h / 2);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = C.text;
      ctx.fillRect(x - 1.5, top + 2, 3, h + 3);
      const tag = closedTag(tl, o, X, top, ph); // sets the tag's font
      roundRect(ctx, tag.x0, top + 3, tag.x1 - tag.x0, 13, 3);
      ctx.fill();
      ctx.fillStyle = C.bg;
      ctx.fillText('closed', tag.x0 + 4, top + 9.5);
    }
  }
  paintWaits(tl, lane);
}

/**
 * paintWaits draws the goroutines waiting on the channel in a select: a thin band in the
 * goroutine's colour, at the top of the lane, for as long as it waits (at the same time, its
 * other cases' channels show the same band), and a dot at the end of the band where a case on
 * this channel ran. A select that did not wait is its dot alone.
 */
export function paintWaits(tl, { o, top, X, t0, t1, ph, xEnd }) {
  if (o.waits.size === 0) return;
  const { ctx, colors: C } = tl;
  const tEnd = Math.min(ph, t1);
  let row = 0;
  for (const [id, ws] of o.waits) {
    const g = tl.trace.goroutine(id);
    const y = top + 2 + (row++ % WAIT_ROWS) * 5;
    const last = upperBound(ws, tEnd, (w) => w.t0);
    const dots = [];
    ctx.fillStyle = gColor(tl, g, 0.45);
    let lastPx = -1;
    for (let i = lowerBound(ws, t0, spanEnd); i < last; i++) {
      const w = ws[i];
      const over = w.t1 !== null && w.t1 <= ph;
      const xa = X(w.t0);
      const xb = over ? Math.min(X(w.t1), xEnd) : xEnd;
      if (over && w.chosen && w.t1 <= t1) dots.push(xb);
      const px = Math.floor(xb);
      if (xb - xa < 1 && px === lastPx) continue;
      lastPx = px;
      ctx.fillRect(xa, y, Math.max(1, xb - xa), 3);
    }
    if (dots.length === 0) continue;
    lastPx = -10;
    ctx.fillStyle = gColor(tl, g);
    ctx.strokeStyle = C.bg;
    ctx.lineWidth = 1.5;
    for (const x of dots) {
      if (x - lastPx < 3) continue;
      lastPx = x;
      ctx.beginPath();
      ctx.arc(x, y + 1.5, 3, 0, Math.PI * 2);
      ctx.stroke();
      ctx.fill();
    }
  }
}

const WAIT_TEXT = { recv: 'to receive from', send: 'to send on', both: 'to send on or receive from' };

/** waitHit is the latest wait in a select on channel o at t, as {e: its select-begin, span}, or null. */
export function waitHit(tl, o, t, ph) {
  let best = null;
  for (const ws of o.waits.values()) {
    const w = ws[upperBound(ws, t, (x) => x.t0) - 1];
    if (w && t <= (w.t1 ?? ph) && (!best || w.t0 > best.t0)) best = w;
  }
  const e = best && eventBySeq(tl.trace, best.seq);
  if (!e) return null;
  const open = best.t1 === null || best.t1 > ph;
  const note = open ? 'still waiting' : best.chosen ? `then its case on ${o.name} ran` : 'then another case ran';
  const on = o.kind === 'chan' ? o.name : o.kind === 'context' ? `${o.name}.Done()` : `${o.kind} ${o.name}`;
  return {
    e,
    span: {
      t0: best.t0, t1: best.t1, open, kind: 'select', until: Math.min(best.t1 ?? ph, ph),
      what: `${tl.trace.gName(best.g)} waiting in a select ${WAIT_TEXT[best.dir]} ${on}`, note,
    },
  };
}

/** closedTag is where the "closed" tag of channel o stands, {x0, x1}; null before the close. */
function closedTag(tl, o, X, top, ph) {
  if (o.closed === null || o.closed > ph) return null;
  const ctx = tl.ctx;
  ctx.font = `700 10px ${tl.font}`;
  const w = ctx.measureText('closed').width + 8;
  const x0 = Math.min(X(o.closed) + 3, tl.cssW - PAD_R - w);
  return { x0, x1: x0 + w };
}
