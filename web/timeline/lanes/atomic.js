// The atomic lane.

import { lowerBound, upperBound } from '../../trace/model.js';
import { DENSE, columns, columnEnd, gColor, labelRow } from '../paint.js';

const byT = (s) => s.t;
const byNew = (s) => s.new;

export const atomic = {
  h: () => 46,
  kind: () => 'atomic',
  paint: (tl, lane) => paintSteps(tl, lane, tl.colors.atomic),
};

// paintSteps draws a number stepping: an atomic's value or a waitgroup's counter. over(st,
// last), when given, draws over the line what the steps the playhead has passed mean.
export function paintSteps(tl, lane, color, over) {
  const { o, top, bot, h, X, t0, ph, xStart, xEnd } = lane;
  const ctx = tl.ctx;
  const st = o.steps;
  const last = upperBound(st, ph);
  const lo = o.min;
  const span = o.max - o.min || 1;
  const Y = (v) => bot - 2 - ((v - lo) / span) * (h - 14);
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  const from = lowerBound(st, t0);
  const shown = columns.nextIn(st, from, last, (s) => X(s.t) > xEnd + 1);
  let i = from;
  let v = i > 0 ? st[i - 1].new : o.initial;
  ctx.moveTo(xStart, Y(v));
  // A column of many steps is drawn as its strokes cover it: from the least value it held to
  // the most.
  const full = [];
  const firsts = []; // the first step of each column, where its dot goes
  while (i < shown) {
    const x = X(st[i].t);
    const j = columnEnd(st, i + 1, shown, Math.floor(x), X, byT);
    firsts.push(i);
    ctx.lineTo(x, Y(v));
    if (j - i > DENSE) {
      const [lo, hi] = columns.rangeOf(st, byNew).range(i, j);
      const xb = X(st[j - 1].t);
      full.push(x, xb, Y(Math.max(hi, v)), Y(Math.min(lo, v)));
      v = st[j - 1].new;
      ctx.lineTo(xb, Y(v));
      i = j;
      continue;
    }
    // steps in one pixel column stay a vertical stroke, never a slope
    for (; i < j; i++) {
      const s = st[i];
      ctx.lineTo(X(s.t), Y(s.new));
      v = s.new;
    }
  }
  ctx.lineTo(xEnd, Y(v));
  ctx.stroke();
  ctx.fillStyle = color;
  for (let k = 0; k < full.length; k += 4) {
    ctx.fillRect(full[k] - 0.75, full[k + 2], full[k + 1] - full[k] + 1.5, full[k + 3] - full[k + 2]);
  }
  if (over) over(st, last);
  // the numbers, where there is room; always the latest
  labelRow(tl, st, from, last, (s, latest) => (!latest && s.op === 'load' && s.new === s.old ? null : String(s.new)),
    String(o.initial), o.t >= t0, top + 8, X, xStart);
  // who touched it: the first of each column
  for (const j of firsts) {
    const s = st[j];
    const g = tl.trace.goroutine(s.g);
    ctx.fillStyle = g ? gColor(tl, g) : color;
    ctx.fillRect(X(s.t) - 1, bot - 3, 2, 4);
  }
}
