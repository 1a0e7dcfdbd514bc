// The Cell lane: its value as a band that changes at every set, and each get as a small read
// mark with the value read.

import { lowerBound, upperBound } from '../../trace/model.js';
import { PAD_R, columnEnd, fit, gColor } from '../paint.js';

const byT = (r) => r.t;

export const cell = { h: () => 40, kind: () => 'Cell', paint };

function paint(tl, { o, top, bot, X, t0, ph, xStart, xEnd }) {
  const { ctx, colors: C } = tl;
  const bandTop = top + 4;
  const bandH = 16;
  const st = o.steps;
  const last = upperBound(st, ph);
  let i = Math.min(upperBound(st, t0), last);
  ctx.font = `600 10px ${tl.font}`;
  const seg = (xa, xb, value, k) => {
    if (xb <= xa) return;
    ctx.fillStyle = C.cell;
    ctx.globalAlpha = k % 2 ? 0.3 : 0.18;
    ctx.fillRect(xa, bandTop, xb - xa, bandH);
    ctx.globalAlpha = 1;
    if (xb - xa > 14) {
      ctx.fillStyle = C.text;
      ctx.fillText(fit(ctx, value, xb - xa - 6), xa + 3, bandTop + bandH / 2);
    }
  };
  let value = i > 0 ? st[i - 1].value : o.initial;
  let xa = xStart;
  let lastPx = -1;
  for (; i < last; i++) {
    const x = X(st[i].t);
    if (x > xEnd + 1) break;
    if (Math.floor(x) === lastPx) {
      // more sets in the column its tick marks: on to the column's last, whose value holds
      // after it, without a walk (the tick covers what lies between)
      const j = columnEnd(st, i + 1, last, lastPx, X, byT);
      value = st[j - 1].value;
      xa = Math.max(xa, X(st[j - 1].t));
      i = j - 1;
      continue;
    }
    seg(xa, x, value, i);
    value = st[i].value;
    xa = x;
    if (Math.floor(x) !== lastPx) {
      lastPx = Math.floor(x);
      const g = tl.trace.goroutine(st[i].g);
      ctx.fillStyle = g ? gColor(tl, g) : C.cell;
      ctx.fillRect(x - 1, bandTop - 1, 2, bandH + 2);
    }
  }
  seg(xa, xEnd, value, i);
  // reads
  const rd = o.reads;
  const rLast = upperBound(rd, ph);
  let lastRight = -Infinity;
  lastPx = -1;
  ctx.font = `9px ${tl.font}`;
  const ry = bandTop + bandH + 2;
  for (let j = lowerBound(rd, t0); j < rLast; j++) {
    const r = rd[j];
    const x = X(r.t);
    if (x > xEnd + 1) break;
    if (Math.floor(x) === lastPx) {
      j = columnEnd(rd, j + 1, rLast, lastPx, X, byT) - 1; // the first of the next column
      continue;
    }
    lastPx = Math.floor(x);
    const g = tl.trace.goroutine(r.g);
    ctx.fillStyle = g ? gColor(tl, g) : C.cell;
    ctx.beginPath();
    ctx.moveTo(x, ry);
    ctx.lineTo(x - 3, ry + 5);
    ctx.lineTo(x + 3, ry + 5);
    ctx.closePath();
    ctx.fill();
    const w = ctx.measureText(r.value).width;
    if (x + 5 > lastRight && x + 5 + w < tl.cssW - PAD_R && w < 80) {
      ctx.fillStyle = C.muted;
      ctx.fillText(r.value, x + 5, Math.min(ry + 4, bot - 3));
      lastRight = x + 5 + w + 4;
    }
  }
}
