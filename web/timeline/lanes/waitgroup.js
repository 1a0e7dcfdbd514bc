// The WaitGroup lane.

import { lowerBound } from '../../trace/model.js';
import { paintSteps } from './atomic.js';

export const waitgroup = { h: () => 46, kind: () => 'WaitGroup', paint };

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
    for (; j <= last; j++) {
      const x = j < last ? Math.min(X(st[j].t), xEnd) : xEnd;
      if (cur > 0 && x > from) ctx.fillRect(from, top + 13, x - from, bot - top - 13);
      if (j < last) {
        from = x;
        cur = st[j].new;
      }
    }
    ctx.globalAlpha = 1;
  });
}
