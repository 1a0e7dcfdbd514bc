// The lane of a folded group of goroutines, and a group's heading.

import { RUNNABLE, SLEEP, WORK, lowerBound, upperBound } from '../../trace/model.js';
import { RAIL_X, columns, deadlockMark, errorMark, fit, fitLabel, hatchPattern, leakMark } from '../paint.js';

export const group = { paint, label };

/**
 * paint draws a folded group's lane. In each pixel column it stacks, from the foot, how
 * many of the group were blocked, working, runnable, sleeping and running, averaged over the
 * column, the lane's height standing for all of them; then its members' marks, one of a kind
 * per column. The cost is the members times the columns in view, whatever the events number.
 */
function paint(tl, grp, top, h, { X, t0, t1, ph, until }) {
  if (grp.start > ph) return;
  const { ctx, colors: C } = tl;
  const ms = grp.members;
  const bandTop = top + 6;
  const bandH = h - 12;
  const bot = bandTop + bandH;
  const x0 = X(t0);
  const k = X(t0 + 1) - x0; // px per ns
  const T = (x) => t0 + (x - x0) / k;
  const xa = Math.floor(Math.max(x0, X(grp.start)));
  const xb = Math.ceil(Math.min(X(t1), X(until)));
  const cols = xb - xa;
  if (cols <= 0) return;
  ctx.fillStyle = C.grid;
  ctx.globalAlpha = 0.45;
  ctx.fillRect(xa, bandTop, cols, bandH);
  ctx.globalAlpha = 1;

  // acc[5c..5c+4]: ns spent blocked, working, runnable, sleeping and running in column c,
  // summed
  const acc = new Float64Array(cols * 5);
  const tA = T(xa);
  const tB = T(xb);
  for (const g of ms) {
    const end = g.exit !== null && g.exit <= ph ? g.exit : until;
    if (g.start > ph || end <= tA || g.start >= tB) continue;
    const spans = g.spans;
    const lastS = upperBound(spans, ph, (s) => s.t0);
    const c0 = Math.max(0, Math.floor(X(g.start)) - xa);
    const c1 = Math.min(cols, Math.ceil(X(end)) - xa);
    // cum(t) sets cw, cs, cb, cr: the time g spent working, sleeping, blocked and runnable
    // up to t
    let si = Math.min(upperBound(spans, T(xa + c0), (s) => s.t0), lastS) - 1;
    let cw = 0;
    let cs = 0;
    let cb = 0;
    let cr = 0;
    const cum = (t) => {
      t = Math.min(Math.max(t, g.start), end);
      si = columns.nextIn(spans, si + 1, lastS, (s) => s.t0 > t) - 1;
      if (si < 0) {
        cw = cs = cb = cr = 0;
        return;
      }
      const sp = spans[si];
      cw = sp.cw;
      cs = sp.cs;
      cb = sp.cb;
      cr = sp.cr;
      const d = Math.min(t, sp.t1 === null ? end : sp.t1) - sp.t0;
      if (d > 0) {
        if (sp.kind === WORK) cw += d;
        else if (sp.kind === SLEEP) cs += d;
        else if (sp.kind === RUNNABLE) cr += d;
        else cb += d;
      }
    };
    cum(T(xa + c0));
    for (let c = c0; c < c1; c++) {
      const pw = cw;
      const ps = cs;
      const pb = cb;
      const pr = cr;
      const ta = T(xa + c);
      const tb = T(xa + c + 1);
      cum(tb);
      const alive = Math.max(0, Math.min(tb, end) - Math.max(ta, g.start));
      const db = cb - pb;
      const dw = cw - pw;
      const ds = cs - ps;
      const dr = cr - pr;
      acc[c * 5] += db;
      acc[c * 5 + 1] += dw;
      acc[c * 5 + 2] += dr;
      acc[c * 5 + 3] += ds;
      acc[c * 5 + 4] += Math.max(0, alive - db - dw - ds - dr);
    }
  }
  // One rect per run of columns of the same height: a quiet stretch is one rect.
  const scale = (bandH * k) / ms.length;
  const fills = [C.blocked, C.working, hatchPattern(tl, RUNNABLE), hatchPattern(tl), C.running];
  const base = new Float64Array(cols);
  for (let q = 0; q < 5; q++) {
    ctx.beginPath();
    let runX = -1;
    let runY = 0;
    let runH = 0;
    for (let c = 0; c <= cols; c++) {
      let y = 0;
      let hh = 0;
      if (c < cols) {
        hh = Math.min(acc[c * 5 + q] * scale, bandH - base[c]);
        y = bot - base[c] - hh;
        base[c] += hh;
        if (runX >= 0 && Math.abs(y - runY) < 0.25 && Math.abs(hh - runH) < 0.25) continue;
      }
      if (runX >= 0 && runH > 0.1) ctx.rect(xa + runX, runY, c - runX, runH);
      runX = c;
      runY = y;
      runH = hh;
    }
    ctx.fillStyle = fills[q];
    ctx.globalAlpha = q === 4 ? 0.35 : 1; // running is the quiet state, as on a lane
    ctx.fill();
  }
  ctx.globalAlpha = 1;

  // members' marks, merged: one of each kind per pixel column
  const cy = top + h / 2;
  const W = Math.ceil(tl.cssW) + 16;
  const seen = new Uint8Array(W);
  // free[k][c]: on the way to the first column from c on that has no mark of kind k (atomic,
  // print) yet, W when none: a member's walk skips the columns the members before it marked
  const free = [new Int32Array(W + 1), new Int32Array(W + 1)];
  for (const f of free) for (let c = 0; c <= W; c++) f[c] = c;
  const freeFrom = (f, c) => {
    while (f[c] !== c) {
      f[c] = f[f[c]];
      c = f[c];
    }
    return c;
  };
  const big = [];
  const col = (x) => Math.min(W - 1, Math.max(0, Math.floor(x)));
  for (const g of ms) {
    const marks = g.marks;
    // the columns from which a mark of each kind of this member's may still show
    const from = [0, 0];
    const shows = (m) => {
      const k = m.kind === 'atomic' ? 0 : 1;
      return col(X(m.t)) >= freeFrom(free[k], from[k]);
    };
    columns.walkMarks(marks, lowerBound(marks, t0), upperBound(marks, ph), shows, (i) => {
      const m = marks[i];
      const x = X(m.t);
      if (x > xb + 10) return false;
      const px = col(x);
      if (m.kind === 'atomic' || m.kind === 'print') {
        const k = m.kind === 'atomic' ? 0 : 1;
        from[k] = px + 1;
        if (freeFrom(free[k], px) !== px) return true;
        free[k][px] = px + 1;
        if (k === 0) {
          ctx.fillStyle = C.atomic;
          ctx.fillRect(x - 1, bandTop - 2, 2, 4);
        } else {
          ctx.fillStyle = C.text;
          ctx.beginPath();
          ctx.arc(x, bandTop - 2, 2, 0, Math.PI * 2);
          ctx.fill();
        }
      } else {
        big.push(m.kind, x);
      }
      return true;
    });
  }
  // panics, refused borrows, deadlocks and leaks stand out, one per 8 px
  for (let i = 0; i < big.length; i += 2) {
    const x = big[i + 1];
    const px = Math.min(W - 1, Math.max(0, Math.floor(x / 8) * 8));
    if (seen[px] & 4) continue;
    seen[px] |= 4;
    if (big[i] === 'deadlock') deadlockMark(tl, x, cy);
    else if (big[i] === 'leak') leakMark(tl, x, cy);
    else errorMark(tl, x, cy);
  }
}

/**
 * label draws a group heading's label: a chevron that says whether it is folded,
 * the stem and how many, and, folded, how many are in each state at the playhead.
 */
function label(tl, grp, top, h, ph, until) {
  const { ctx, colors: C } = tl;
  const { folded } = grp;
  const cy = folded ? top + 13 : top + h / 2;
  ctx.globalAlpha = grp.start <= ph ? 1 : 0.45;
  ctx.fillStyle = C.muted;
  ctx.beginPath();
  if (folded) {
    ctx.moveTo(9, cy - 4.5);
    ctx.lineTo(15, cy);
    ctx.lineTo(9, cy + 4.5);
  } else {
    ctx.moveTo(7.5, cy - 2.5);
    ctx.lineTo(16.5, cy - 2.5);
    ctx.lineTo(12, cy + 3.5);
    ctx.fillStyle = C.grid;
    ctx.fillRect(RAIL_X, cy + 5, 2, top + h - cy - 5);
    ctx.fillStyle = C.muted;
  }
  ctx.closePath();
  ctx.fill();
  ctx.font = `600 12px ${tl.font}`;
  const dead = grp.members.some((g) => g.deadlock !== null && g.deadlock <= ph);
  ctx.fillStyle = dead ? C.panic : C.text;
  ctx.fillText(fitLabel(tl, groupName(grp), tl.labelW - 30), 22, cy);
  ctx.globalAlpha = 1;
  if (!folded || grp.start > ph) return;
  // a swatch and a count for each state someone is in at the playhead
  const st = groupState(grp, until);
  ctx.font = `600 10px ${tl.font}`;
  let x = 22;
  const y = top + 28;
  for (const [n, fill] of [[st.blocked, C.blocked], [st.working, C.working], [st.runnable, RUNNABLE],
    [st.sleeping, SLEEP], [st.running, C.running]]) {
    if (n === 0) continue;
    const text = String(n);
    const w = 9 + ctx.measureText(text).width;
    if (x + w > tl.labelW - 6) break;
    if (fill === SLEEP || fill === RUNNABLE) {
      ctx.strokeStyle = fill === SLEEP ? C.sleeping : C.runnable;
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y - 3, 6, 6);
      ctx.fillStyle = hatchPattern(tl, fill);
      ctx.fillRect(x, y - 3.5, 7, 7);
    } else {
      ctx.fillStyle = fill;
      ctx.fillRect(x, y - 3.5, 7, 7);
    }
    ctx.fillStyle = C.muted;
    ctx.fillText(text, x + 9, y);
    x += w + 7;
  }
  if (st.done > 0 && x === 22) {
    ctx.font = `10px ${tl.font}`;
    ctx.fillStyle = C.muted;
    ctx.fillText(fit(ctx, st.done === grp.members.length ? 'all returned' : `${st.done} returned`, tl.labelW - 28), x, y);
  }
}

export const groupName = (grp) => `${grp.stem} ×${grp.members.length}`;

/**
 * groupState counts the goroutines of grp by what they do at t: blocked, working, runnable,
 * sleeping, running, done (returned or panicked) and later (not yet started).
 */
export function groupState(grp, t) {
  const c = { blocked: 0, working: 0, runnable: 0, sleeping: 0, running: 0, done: 0, later: 0 };
  for (const g of grp.members) {
    if (g.start > t) {
      c.later++;
      continue;
    }
    if (g.exit !== null && g.exit <= t) {
      c.done++;
      continue;
    }
    const sp = g.spans[upperBound(g.spans, t, (s) => s.t0) - 1];
    if (sp && (sp.t1 === null || t < sp.t1)) {
      if (sp.kind === WORK) c.working++;
      else if (sp.kind === SLEEP) c.sleeping++;
      else if (sp.kind === RUNNABLE) c.runnable++;
      else c.blocked++;
    } else {
      c.running++;
    }
  }
  return c;
}

/** stateText says a groupState for a person: "5 blocked, 3 running, 2 returned". */
export function stateText(c) {
  const parts = [];
  for (const [n, what] of [[c.blocked, 'blocked'], [c.working, 'working'], [c.runnable, 'runnable'],
    [c.sleeping, 'sleeping'], [c.running, 'running'], [c.done, 'returned'], [c.later, 'not started']]) {
    if (n > 0) parts.push(`${n} ${what}`);
  }
  return parts.join(', ') || 'none';
}
