// The lane of a context, whose Done is a channel its cancel closes: the context it was made
// from (in its label), its deadline if it has one (a dashed countdown to a diamond), when it
// was cancelled and why (a bar and a tag; the lane dashed from there, as a closed channel's),
// and the goroutines waiting on its Done in selects. The arrows of a cancel come from the
// goroutine that cancelled it, or from its parent's lane when it went with its parent.

import { formatDuration } from '../../trace/describe.js';
import { eventBySeq } from '../../trace/model.js';
import { PAD_R, countdown, labelOnBg, roundRect } from '../paint.js';
import { paintWaits, waitHit } from './chan.js';

export const context = {
  h: () => 40,
  kind: (o) => (o.parent ? `context, child of ${o.parentName}` : 'context'),
  paint,
  hit,
};

// tagText is the word on the tag cancel c leaves, by its reason.
const tagText = (c) => (c.why === 'context deadline exceeded' ? 'deadline exceeded' : 'canceled');

function paint(tl, lane) {
  const { o, top, bot, h, X, t1, ph, xStart, xEnd } = lane;
  const { ctx, colors: C } = tl;
  const y = top + 16;
  const c = o.cancel && o.cancel.t <= ph ? o.cancel : null;
  if (o.timeout > 0) {
    // the deadline: counting down until it passes or the context goes first
    // (where it passed, the cancel's tag says so)
    const stop = c ? c.t : ph;
    const passed = c && c.from === 0 && c.g === 0;
    const xDue = !passed && o.deadline !== null && X(o.deadline) <= X(t1) + 6 ? X(o.deadline) : null;
    countdown(tl, xStart, Math.min(X(stop), xEnd), y, xDue, C.chan);
    if (xDue !== null) {
      ctx.font = `10px ${tl.font}`;
      const text = `deadline ${formatDuration(o.timeout)}`;
      const w = ctx.measureText(text).width + 6;
      const lx = Math.max(tl.labelW, Math.min(xDue - w / 2, tl.cssW - PAD_R - w));
      labelOnBg(ctx, C, text, lx, bot - 12, w, 12, 3, 0.85, 3, C.muted);
    }
  }
  if (c) {
    const x = X(c.t);
    if (x <= xEnd + 1) {
      // cancelled: Done is closed from here on
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
      ctx.font = `700 10px ${tl.font}`;
      const text = tagText(c);
      const w = ctx.measureText(text).width + 8;
      const x0 = Math.min(x + 3, tl.cssW - PAD_R - w);
      roundRect(ctx, x0, top + 3, w, 13, 3);
      ctx.fill();
      ctx.fillStyle = C.bg;
      ctx.fillText(text, x0 + 4, top + 9.5);
    }
  }
  paintWaits(tl, lane);
}

/**
 * hit is, at t on context o's lane, a goroutine's wait on its Done in a select; else, after
 * its cancel, that (its event and how long it has been done); else its countdown to its
 * deadline (its new event); or null.
 */
function hit(tl, o, t, ph) {
  const w = waitHit(tl, o, t, ph);
  if (w) return w;
  const c = o.cancel && o.cancel.t <= ph ? o.cancel : null;
  if (c && t >= c.t) {
    const e = eventBySeq(tl.trace, c.seq);
    return e && { e, span: { t0: c.t, t1: null, open: true, kind: 'cancelled', until: ph, what: `${o.name} done (${c.why})`, note: 'its Done is closed: every receive from it returns at once' } };
  }
  if (!(o.timeout > 0)) return null;
  const e = eventBySeq(tl.trace, o.seq);
  const open = !c;
  const due = o.deadline !== null ? `its deadline is at ${formatDuration(o.deadline)}` : `its deadline is ${formatDuration(o.timeout)} after it was made`;
  return e && {
    e,
    span: { t0: o.t, t1: c ? c.t : null, open, kind: 'deadline', until: Math.min(c ? c.t : ph, ph), what: `${o.name} counting down to its deadline`, note: due },
  };
}
