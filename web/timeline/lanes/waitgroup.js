// The WaitGroup lane.

import { lowerBound } from '../../trace/model.js';
import { DENSE, columns, columnEnd } from '../paint.js';
import { paintSteps } from './atomic.js';

export const waitgroup = { h: () => 46, kind: () => 'WaitGroup', paint };

const byT = (s) => s.t;
const byNew = (s) => s.new;

function paint(tl, lane) {
  const { top, bot, X, t0, xStart, xEnd } = lane;
  const ctx = tl.ctx;
  const color = tl.colors.wg;
  paintSteps(tl, lane, color, (st, last) => {
    // while the counter is above zero, Wait blocks: shade it faintly
    ctx.globalAlpha = 0.12;
    ctx.fillStyle = color;
    let j = lowerBound(st, t0);
    let cur = j > 0 ? st[j - 1].new : 0;
    let from = xStart;
    const shade = (x) => {
      if (cur > 0 && x > from) ctx.fillRect(from, top + 13, x - from, bot - top - 13);
    };
    const end = columns.nextIn(st, j, last, (s) => X(s.t) > xEnd); // past the view nothing more shows
    while (j < end) {
      const x = X(st[j].t);
      const k = columnEnd(st, j + 1, end, Math.floor(x), X, byT);
      if (k - j > DENSE) {
        // a column of many steps: shaded between its first and last if above zero at all
        shade(x);
        const xb = X(st[k - 1].t);
        if (xb > x && columns.rangeOf(st, byNew).range(j, k - 1)[1] > 0) ctx.fillRect(x, top + 13, xb - x, bot - top - 13);
        from = xb;
        cur = st[k - 1].new;
        j = k;
        continue;
      }
      for (; j < k; j++) {
        const xi = X(st[j].t);
        shade(xi);
        from = xi;
        cur = st[j].new;
      }
    }
    shade(xEnd);
    ctx.globalAlpha = 1;
  });
}
