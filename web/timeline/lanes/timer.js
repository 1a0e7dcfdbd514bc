// The lane of a timer or a ticker, a channel the runtime sends on: each time it was set, a
// dashed countdown to where it is due (a diamond while that is still ahead, or if it never
// came); a tick waiting in its channel; its fires,
// where the arrow to whoever takes the tick starts; the ticks a ticker dropped; its stops
// and resets; and the goroutines waiting on it in selects.

import { formatDuration } from '../../trace/describe.js';
import { eventBySeq, lowerBound, upperBound } from '../../trace/model.js';
import { PAD_R, columns, columnEnd, countdown, labelOnBg } from '../paint.js';
import { paintWaits, waitHit } from './chan.js';

export const timer = {
  h: () => 40,
  kind: (o) => (o.kind === 'ticker' ? `ticker, every ${formatDuration(o.period)}` : `timer, ${formatDuration(o.dur)}`),
  paint,
  hit,
};

const byT0 = (a) => a.t0;
const armEnd = (a) => (a.t1 === null ? Infinity : Math.max(a.t1, a.due ?? a.t1));

function paint(tl, lane) {
  const { o, top, bot, X, t0, t1, ph, xStart, xEnd } = lane;
  const { ctx, colors: C } = tl;
  const y = top + 16;
  const xMax = X(t1) + 6;

  // a tick delivered and not yet taken: a pale band along the line
  ctx.fillStyle = C.chan;
  ctx.globalAlpha = 0.22;
  const fl = o.fill;
  const fLast = upperBound(fl, ph);
  for (let i = Math.max(0, upperBound(fl, t0) - 1); i < fLast; i++) {
    if (fl[i].n <= 0) continue;
    const xa = Math.max(xStart, X(fl[i].t));
    const xb = i + 1 < fLast ? X(fl[i + 1].t) : xEnd;
    if (xa > xEnd) break;
    ctx.fillRect(xa, y - 6, Math.max(1, Math.min(xb, xEnd) - xa), 12);
  }
  ctx.globalAlpha = 1;

  // each time it was set: the wait, and where it is due (ahead of the playhead too: the
  // moment was fixed when it was set)
  const arms = o.arms;
  const aLast = upperBound(arms, ph, (a) => a.t0);
  let lastPx = -10;
  for (let i = lowerBound(arms, t0, armEnd); i < aLast; i++) {
    const a = arms[i];
    const xa = X(a.t0);
    if (xa > xEnd + 1) break;
    const over = a.t1 !== null && a.t1 <= ph;
    const xb = Math.min(X(over ? a.t1 : ph), xEnd);
    if (xb - xa < 1 && Math.floor(xa) === lastPx) {
      // on to the column's last arm (one ends before the next is set: only the last can be
      // wide), or past it
      const j = columnEnd(arms, i + 1, aLast, lastPx, X, byT0);
      i = j - 1 > i ? j - 2 : j - 1;
      continue;
    }
    lastPx = Math.floor(xa);
    // a fire stands where it came: its mark says it
    const xDue = a.due !== null && X(a.due) <= xMax && !(over && a.how === 'fire') ? X(a.due) : null;
    countdown(tl, xa, xb, y, xDue, C.chan);
  }

  // fires: a dot where the tick went into the channel; a dropped tick, a struck-out ring
  const fs = o.fires;
  const last = upperBound(fs, ph);
  lastPx = -10;
  for (let i = lowerBound(fs, t0 - 1); i < last; i++) {
    const f = fs[i];
    const x = X(f.t);
    if (x > xEnd + 5) break;
    if (x - lastPx < 3) {
      i = columns.nextIn(fs, i + 1, last, (n) => !(X(n.t) - lastPx < 3)) - 1; // none before it has room
      continue;
    }
    lastPx = x;
    ctx.lineWidth = 1.5;
    if (f.dropped) {
      ctx.strokeStyle = C.muted;
      ctx.beginPath();
      ctx.arc(x, y, 3.5, 0, Math.PI * 2);
      ctx.moveTo(x - 4.5, y + 4.5);
      ctx.lineTo(x + 4.5, y - 4.5);
      ctx.stroke();
      continue;
    }
    ctx.strokeStyle = C.bg;
    ctx.fillStyle = C.chan;
    ctx.beginPath();
    ctx.arc(x, y, 4, 0, Math.PI * 2);
    ctx.stroke();
    ctx.fill();
  }

  // stops (a square, as on a player) and resets (a bar the new countdown leaves from)
  const ops = o.ops;
  const oLast = upperBound(ops, ph);
  ctx.fillStyle = C.text;
  for (let i = lowerBound(ops, t0 - 1); i < oLast; i++) {
    const x = X(ops[i].t);
    if (x > xEnd + 5) break;
    if (ops[i].op === 'stop') {
      ctx.fillRect(x - 3.5, y - 3.5, 7, 7);
    } else {
      ctx.fillRect(x - 1, y - 7, 2, 14);
      ctx.beginPath();
      ctx.moveTo(x + 1, y - 4);
      ctx.lineTo(x + 5, y);
      ctx.lineTo(x + 1, y + 4);
      ctx.fill();
    }
  }

  // what it is doing at the playhead, under the line
  const label = stateText(o, aLast > 0 ? arms[aLast - 1] : null, ph, fLast > 0 && fl[fLast - 1].n > 0);
  ctx.font = `10px ${tl.font}`;
  const w = ctx.measureText(label).width + 6;
  const lx = Math.max(tl.labelW, Math.min(xEnd + 4, tl.cssW - PAD_R - w));
  labelOnBg(ctx, C, label, lx, bot - 12, w, 12, 3, 0.85, 3, C.muted);

  paintWaits(tl, lane);
}

// stateText says what timer o is doing at ph, a being its latest arm: "due at 500 ms".
function stateText(o, a, ph, waiting) {
  const tick = waiting ? ', a tick waiting' : '';
  if (!a) return `set${tick}`;
  if (a.t1 === null || a.t1 > ph) return `${a.due !== null ? `due at ${formatDuration(a.due)}` : 'set'}${tick}`;
  if (a.how === 'fire') return `fired${tick}`;
  return a.how === 'stop' ? 'stopped' : `${a.how}${tick}`;
}

const HOW = { fire: 'then it fired', stop: 'then it was stopped', reset: 'then it was reset' };

/**
 * hit is, at t on timer o's lane, a goroutine's wait on it in a select, or else the
 * countdown then, as {e: the event that set it, span}; or null.
 */
function hit(tl, o, t, ph) {
  const w = waitHit(tl, o, t, ph);
  if (w) return w;
  const a = o.arms[upperBound(o.arms, t, (x) => x.t0) - 1];
  const e = a && eventBySeq(tl.trace, a.seq);
  if (!e || t > (a.t1 ?? ph)) return null;
  const open = a.t1 === null || a.t1 > ph;
  const due = a.due !== null ? `due at ${formatDuration(a.due)}` : 'still pending';
  return {
    e,
    span: {
      t0: a.t0, t1: a.t1, open, kind: 'timer', until: Math.min(a.t1 ?? ph, ph),
      what: `${o.name} waiting to ${o.kind === 'ticker' ? 'tick' : 'fire'}`, note: open ? due : HOW[a.how],
    },
  };
}
