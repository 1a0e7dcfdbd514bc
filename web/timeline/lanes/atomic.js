// The atomic lane.

import { lowerBound, upperBound } from '../../trace/model.js';
import { gColor, labelRow } from '../paint.js';

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
  let i = lowerBound(st, t0);
  let v = i > 0 ? st[i - 1].new : o.initial;
  ctx.moveTo(xStart, Y(v));
  let lastPx = -1;
  for (; i < last; i++) {
    const s = st[i];
    const x = X(s.t);
    if (x > xEnd + 1) break;
    if (Math.floor(x) !== lastPx) {
      lastPx = Math.floor(x);
      ctx.lineTo(x, Y(v));
    }
    // steps in one pixel column stay a vertical stroke, never a slope
    ctx.lineTo(x, Y(s.new));
    v = s.new;
  }
  ctx.lineTo(xEnd, Y(v));
  ctx.stroke();
  if (over) over(st, last);
  // the numbers, where there is room; always the latest
  const from = lowerBound(st, t0);
  labelRow(tl, st, from, last, (s, latest) => (!latest && s.op === 'load' && s.new === s.old ? null : String(s.new)),
    String(o.initial), o.t >= t0, top + 8, X, xStart);
  // who touched it
  let lastDot = -1;
  for (let j = from; j < last; j++) {
    const s = st[j];
    const x = X(s.t);
    if (x > xEnd + 1) break;
    if (Math.floor(x) === lastDot) continue;
    lastDot = Math.floor(x);
    const g = tl.trace.goroutine(s.g);
    ctx.fillStyle = g ? gColor(tl, g) : color;
    ctx.fillRect(x - 1, bot - 3, 2, 4);
  }
}
