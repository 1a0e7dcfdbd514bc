// The object lanes: their painters by objKind, and what every object lane has. A painter is
// {h(o): lane height, kind(o): the label's second line, paint(tl, lane), and optionally
// hit(tl, o, t, ph): the stretch at t}. A new lane kind is a module in lanes/ and one line in
// LATER.

import { lowerBound, upperBound } from '../trace/model.js';
import { chan } from './lanes/chan.js';
import { mutex } from './lanes/mutex.js';
import { waitgroup } from './lanes/waitgroup.js';
import { columns, deadlockMark, errorMark, fitLabel, warnMark } from './paint.js';

// Channels, mutexes and waitgroups are in nearly every scenario and come with the page; the
// other painters load when a lane of their kind first appears, so that the first page does
// not carry them all (see loadPainters).
const painters = { chan, mutex, waitgroup };
const LATER = {
  atomic: () => import('./lanes/atomic.js').then((m) => m.atomic),
  cell: () => import('./lanes/cell.js').then((m) => m.cell),
  refcell: () => import('./lanes/refcell.js').then((m) => m.refcell),
  timer: () => import('./lanes/timer.js').then((m) => m.timer),
  ticker: () => import('./lanes/timer.js').then((m) => m.timer),
  context: () => import('./lanes/context.js').then((m) => m.context),
  rwmutex: () => import('./lanes/rwmutex.js').then((m) => m.rwmutex),
  cond: () => import('./lanes/cond.js').then((m) => m.cond),
  once: () => import('./lanes/once.js').then((m) => m.once),
  semaphore: () => import('./lanes/semaphore.js').then((m) => m.semaphore),
  errgroup: () => import('./lanes/errgroup.js').then((m) => m.errgroup),
};
const loading = new Map(); // kind → its painter on its way

// a kind this page does not know (a newer server's), or whose painter is still loading: a
// lane with its name and marks
const OTHER = { h: () => 34, kind: (o) => o.kind, paint() {} };

/** laneOf is the painter of object o's lane. */
export const laneOf = (o) => painters[o.kind] || OTHER;

/**
 * loadPainters asks for the painters of objects' kinds that have not come yet, and calls
 * loaded() when one has: the lanes drawn meanwhile as a plain lane are laid out again.
 */
export function loadPainters(objects, loaded) {
  for (const o of objects) {
    const k = o.kind;
    if (!painters[k] && !loading.has(k) && LATER[k]) load(k).then(loaded);
  }
}

// load fetches kind k's painter, once.
function load(k) {
  const p = LATER[k]().then((painter) => {
    painters[k] = painter;
  }, (err) => console.error(`the ${k} lanes' painter did not load: ${err.message}`)).finally(() => loading.delete(k));
  loading.set(k, p);
  return p;
}

/** painterOf resolves to the painter of object o's lane once it has loaded. */
export async function painterOf(o) {
  if (!painters[o.kind] && LATER[o.kind]) await (loading.get(o.kind) || load(o.kind));
  return laneOf(o);
}

// paintObject draws object o's lane at top; its painter gets the lane {o, top, bot, h, X, t0,
// t1, ph, xStart, xEnd}: h the height to fill above bot, xStart–xEnd the object's life in view.
export function paintObject(tl, o, top, { X, t0, t1, ph }) {
  if (o.t > ph) return;
  const ctx = tl.ctx;
  const p = laneOf(o);
  const LH = p.h(o);
  const bot = top + LH - 4;
  const xStart = X(Math.max(o.t, t0));
  const xEnd = X(Math.min(ph, t1));
  ctx.fillStyle = tl.colors.grid;
  ctx.fillRect(xStart, bot, Math.max(0, xEnd - xStart), 1);
  const lane = { o, top, bot, h: LH - 8, X, t0, t1, ph, xStart, xEnd };
  p.paint(tl, lane);
  paintMarks(tl, lane);
}

export function objectLabel(tl, o, top, ph) {
  const { ctx, colors: C } = tl;
  ctx.globalAlpha = o.t <= ph ? 1 : 0.45;
  ctx.font = `600 12px ${tl.font}`;
  ctx.fillStyle = C.text;
  ctx.fillText(fitLabel(tl, o.name, tl.labelW - 14), 8, top + 11);
  ctx.font = `11px ${tl.font}`;
  ctx.fillStyle = C.muted;
  ctx.fillText(fitLabel(tl, laneOf(o).kind(o), tl.labelW - 14), 8, top + 25);
  ctx.globalAlpha = 1;
}

// paintMarks draws what stands out on an object's lane: Rust's not-Sync warnings, refused
// borrows and deadlocks.
function paintMarks(tl, { o, top, bot, X, t0, ph, xEnd }) {
  const ms = o.marks;
  const last = upperBound(ms, ph);
  let lastPx = -10;
  for (let i = lowerBound(ms, t0 - 1); i < last; i++) {
    const m = ms[i];
    if (m.kind === 'close') continue; // drawn with the channel
    const x = X(m.t);
    if (x > xEnd + 8) break;
    if (x - lastPx < 4) {
      i = columns.nextIn(ms, i + 1, last, (n) => !(X(n.t) - lastPx < 4)) - 1; // none before it has room
      continue;
    }
    lastPx = x;
    if (m.kind === 'warn') warnMark(tl, x, top + 9);
    else if (m.kind === 'deadlock') deadlockMark(tl, x, (top + bot) / 2);
    else errorMark(tl, x, (top + bot) / 2, top, bot);
  }
}
