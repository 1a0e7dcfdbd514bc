// The RefCell lane: its borrow state as a band (free: empty; n shared borrows: n stacked
// bars; borrowed mutably: one solid bar), and its contents above, at each change.

import { lowerBound, upperBound } from '../../trace/model.js';
import { fit, labelRow } from '../paint.js';

export const refcell = { h: () => 46, kind: () => 'RefCell', paint };

function paint(tl, { o, top, bot, X, t0, ph, xStart, xEnd }) {
  const { ctx, colors: C } = tl;
  const bandTop = top + 16;
  const bandH = bot - 1 - bandTop;
  const rows = Math.min(Math.max(o.maxShared, 2), 5);
  const rowH = bandH / rows;
  const st = o.steps;
  const last = upperBound(st, ph);
  let i = Math.min(upperBound(st, t0), last);
  const seg = (xa, xb, s) => {
    if (!s || xb - xa <= 0 || s.borrows === 0) return;
    const w = xb - xa;
    if (s.borrows < 0) {
      ctx.fillStyle = C.mut;
      ctx.fillRect(xa, bandTop, w, bandH);
      if (w > 24) {
        const g = tl.trace.goroutine(s.g);
        ctx.font = `700 10px ${tl.font}`;
        ctx.fillStyle = C.bg;
        ctx.fillText(fit(ctx, g ? `mut · ${g.name}` : 'mut', w - 6), xa + 3, bandTop + bandH / 2);
      }
      return;
    }
    // one bar per shared borrow, stacked from the foot
    ctx.fillStyle = C.shared;
    ctx.globalAlpha = 0.2;
    ctx.fillRect(xa, bandTop, w, bandH);
    ctx.globalAlpha = 0.75;
    for (let r = 0; r < Math.min(s.borrows, rows); r++) {
      ctx.fillRect(xa, bot - 1 - (r + 1) * rowH + 1, w, rowH - 1);
    }
    ctx.globalAlpha = 1;
    if (w > 34) {
      ctx.font = `700 10px ${tl.font}`;
      const text = fit(ctx, `${s.borrows} shared`, w - 6);
      ctx.strokeStyle = C.bg;
      ctx.lineWidth = 3;
      ctx.lineJoin = 'round';
      ctx.strokeText(text, xa + 3, bandTop + bandH / 2);
      ctx.fillStyle = C.text;
      ctx.fillText(text, xa + 3, bandTop + bandH / 2);
    }
  };
  let cur = i > 0 ? st[i - 1] : null;
  let xa = xStart;
  for (let j = i; j < last; j++) {
    const x = X(st[j].t);
    if (x > xEnd + 1) break;
    seg(xa, x, cur);
    cur = st[j];
    xa = x;
  }
  seg(xa, xEnd, cur);
  // the contents, where they change; always the latest
  const ch = o.changes;
  const cLast = upperBound(ch, ph);
  labelRow(tl, ch, lowerBound(ch, t0), cLast, (c) => c.value, o.initial, o.t >= t0, top + 8, X, xStart);
}
