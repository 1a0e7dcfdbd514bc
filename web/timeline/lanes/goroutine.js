// The goroutine lane: how the goroutine spent its life, and its marks.

import { BLOCKED, RUNNABLE, SLEEP, WORK, eventBySeq, lowerBound, upperBound } from '../../trace/model.js';
import { RAIL_X, columns, deadlockMark, errorMark, fitLabel, gColor, hatchPattern, leakMark, spanEnd } from '../paint.js';

export const G_LANE_H = 26;

export const goroutine = { paint, label, hit };

function paint(tl, g, top, v) {
  if (g.start > v.ph || g.start > v.t1) return;
  if (!paintKept(tl, g, top, v)) paintSpans(tl, tl.ctx, g, top, v);
  paintMarks(tl, g, top, v);
}

// A finished run's lane of many spans keeps its drawing of the whole run, in view as it stands,
// and shows it up to the playhead: dragging the playhead, or playing, over a view that does not
// change then costs a copy, where the spans of a dense lane, whose pixel columns mix working,
// blocked and sleeping, take thousands of marks (a column draws each kind's share). A view
// that changes (panning, zooming) draws as before; a drawing is kept once a view has held for
// two frames, and the lanes of a run still coming in, or of a snapshot, draw as before too.
const KEEP_SPANS = 2000;
const kept = new WeakMap(); // g → {key, canvas}: the view it was drawn for, or the one last seen

function paintKept(tl, g, top, v) {
  if (!tl.ended || tl.live || tl.scroll !== null || g.spans.length < KEEP_SPANS) return false;
  const dpr = window.devicePixelRatio || 1;
  const C = tl.colors;
  const key = [v.t0, v.t1, top, tl.cssW, tl.labelW, dpr, tl.endT, tl.trace.events.length, C.bg, C.working, C.blocked, C.running].join(' ');
  let k = kept.get(g);
  if (!k || k.key !== key) {
    if (!k || k.seen !== key) {
      kept.set(g, { seen: key, key: null, canvas: k ? k.canvas : null });
      return false;
    }
    // the second frame of this view: draw the whole run once, to keep
    const canvas = k.canvas || document.createElement('canvas');
    canvas.width = Math.ceil(tl.cssW * dpr);
    canvas.height = Math.ceil(G_LANE_H * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, -top * dpr); // the lane's own rows, at its place
    ctx.clearRect(0, top, tl.cssW, G_LANE_H);
    paintSpans(tl, ctx, g, top, { ...v, ph: tl.endT, until: tl.endT });
    k = { seen: key, key, canvas };
    kept.set(g, k);
  }
  const ctx = tl.ctx;
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, top, Math.max(0, Math.min(v.X(v.ph), tl.cssW)), G_LANE_H);
  ctx.clip();
  // drawn at the lane's place then: its pattern's phase is the content's, wherever it is now
  ctx.drawImage(k.canvas, 0, top, tl.cssW, G_LANE_H);
  ctx.restore();
  return true;
}

// paintSpans draws g's life on ctx: its running line and its spans, up to the playhead.
function paintSpans(tl, ctx, g, top, { X, t0, t1, ph, until }) {
  const C = tl.colors;
  const cy = top + G_LANE_H / 2;
  const end = g.exit !== null && g.exit <= ph ? g.exit : until;
  // running: a thin line for as long as the goroutine lives
  ctx.fillStyle = C.running;
  const xs = X(Math.max(g.start, t0));
  ctx.fillRect(xs, cy - 1, Math.max(1, X(Math.min(end, t1)) - xs), 2);

  const spans = g.spans;
  const last = upperBound(spans, Math.min(ph, t1), (s) => s.t0);
  const first = lowerBound(spans, t0, spanEnd);
  const bh = G_LANE_H - 10;
  const k = X(t0 + 1) - X(t0); // px per ns
  const drawSpan = (kind, xa, xb) => {
    if (kind === WORK) {
      ctx.fillStyle = C.working;
      ctx.fillRect(xa, cy - bh / 2, xb - xa, bh);
    } else if (kind === BLOCKED) {
      ctx.fillStyle = C.blocked;
      ctx.fillRect(xa, cy - bh / 2 + 1, xb - xa, bh - 2);
    } else if (kind === SLEEP) {
      ctx.fillStyle = hatchPattern(tl);
      ctx.fillRect(xa, cy - bh / 2, xb - xa, bh);
    } else if (kind === RUNNABLE) {
      // opaque, so the running line does not show through: waiting for a processor is not
      // running
      const y = cy - bh / 2 + 2;
      ctx.fillStyle = C.bg;
      ctx.fillRect(xa, y, xb - xa, bh - 4);
      ctx.fillStyle = hatchPattern(tl, RUNNABLE);
      ctx.fillRect(xa, y, xb - xa, bh - 4);
      ctx.strokeStyle = C.runnable;
      ctx.lineWidth = 1;
      ctx.strokeRect(xa + 0.5, y + 0.5, Math.max(0, xb - xa - 1), bh - 5);
    }
  };
  const spanX = (sp) => {
    const b = sp.t1 === null ? end : Math.min(sp.t1, ph);
    return X(Math.min(b, t1));
  };
  // A pixel column of several spans shows each kind as strong as the share of the column it
  // fills. The columns are drawn after the loop, a path for each kind and strength (to a 32nd),
  // kinds in the order a column layers them: a dense lane is then tens of fills, not four a
  // column.
  const columnsOf = [[], [], [], []]; // by MIXED index: strength * 32 → the columns' px
  const mixed = (kind, f, px) => {
    if (f <= 0) return;
    const byStrength = columnsOf[MIXED.indexOf(kind)];
    const level = Math.round(Math.min(1, Math.max(0.2, f * 1.5)) * 32);
    (byStrength[level] ||= []).push(px);
  };
  for (let i = first; i < last;) {
    const s = spans[i];
    const xa = X(s.t0);
    let xb = spanX(s);
    if (xb - xa >= 1) {
      // consecutive spans keep a hairline apart, so each one reads on its own
      if (xb - xa > 4) xb -= 1;
      drawSpan(s.kind, xa, xb);
      i++;
      continue;
    }
    // Spans starting in the same pixel column become one column, each kind as strong as
    // the share of the column it fills. Only the last of them can reach past the column.
    const px = Math.floor(xa);
    const colEnd = s.t0 + (px + 1 - xa) / k;
    let j = i + 1;
    while (j < last && j < i + 8 && spans[j].t0 < colEnd) j++;
    if (j === i + 8 && j < last && spans[j].t0 < colEnd) j = lowerBound(spans, colEnd, (x) => x.t0, j, last);
    const tl = spans[j - 1];
    const tlIn = Math.max(0, Math.min(tl.t1 === null ? end : Math.min(tl.t1, ph), colEnd) - tl.t0);
    const share = k; // 1 / (ns per pixel)
    const fw = (tl.cw - s.cw + (tl.kind === WORK ? tlIn : 0)) * share;
    const fs = (tl.cs - s.cs + (tl.kind === SLEEP ? tlIn : 0)) * share;
    const fb = (tl.cb - s.cb + (tl.kind === BLOCKED ? tlIn : 0)) * share;
    const fr = (tl.cr - s.cr + (tl.kind === RUNNABLE ? tlIn : 0)) * share;
    mixed(RUNNABLE, fr, px);
    mixed(SLEEP, fs, px);
    mixed(WORK, fw, px);
    mixed(BLOCKED, fb, px);
    const tail = spans[j - 1];
    const tailEnd = spanX(tail);
    if (tailEnd > px + 1) drawSpan(tail.kind, px + 1, tailEnd - (tailEnd - px > 5 ? 1 : 0));
    i = j;
  }
  MIXED.forEach((kind, m) => {
    columnsOf[m].forEach((pxs, level) => {
      if (!pxs) return;
      ctx.globalAlpha = level / 32;
      const y = kind === BLOCKED ? cy - bh / 2 + 1 : kind === RUNNABLE ? cy - bh / 2 + 2 : cy - bh / 2;
      const h = kind === BLOCKED ? bh - 2 : kind === RUNNABLE ? bh - 4 : bh;
      ctx.beginPath();
      for (const px of pxs) ctx.rect(px, y, 1, h);
      if (kind === RUNNABLE) {
        // opaque, hatched and edged, as drawSpan draws it
        ctx.fillStyle = C.bg;
        ctx.fill();
        ctx.fillStyle = hatchPattern(tl, RUNNABLE);
        ctx.fill();
        ctx.beginPath();
        for (const px of pxs) {
          ctx.moveTo(px + 0.5, y + 0.5);
          ctx.lineTo(px + 0.5, y + h - 0.5);
        }
        ctx.strokeStyle = C.runnable;
        ctx.lineWidth = 1;
        ctx.stroke();
      } else {
        ctx.fillStyle = kind === WORK ? C.working : kind === BLOCKED ? C.blocked : hatchPattern(tl);
        ctx.fill();
      }
    });
  });
  ctx.globalAlpha = 1;
}

// MIXED are the kinds a pixel column of several spans shows, in the order it layers them.
const MIXED = [RUNNABLE, SLEEP, WORK, BLOCKED];

// paintMarks draws g's marks up to the playhead — prints, panics, deadlocks, leaks, atomics —
// and its exit.
function paintMarks(tl, g, top, { X, t0, t1, ph }) {
  const { ctx, colors: C } = tl;
  const cy = top + G_LANE_H / 2;
  const bh = G_LANE_H - 10;
  const marks = g.marks;
  const mLast = upperBound(marks, ph);
  const xMax = X(t1) + 10;
  let lastMx = -10;
  let lastAx = -10;
  const shows = (m) => (m.kind === 'atomic' ? !(X(m.t) - lastAx < 2) : !(X(m.t) - lastMx < 3));
  columns.walkMarks(marks, lowerBound(marks, t0), mLast, shows, (i) => {
    const m = marks[i];
    const x = X(m.t);
    if (x > xMax) return false;
    if (m.kind === 'error') {
      errorMark(tl, x, cy);
    } else if (m.kind === 'deadlock') {
      deadlockMark(tl, x, cy);
    } else if (m.kind === 'leak') {
      leakMark(tl, x, cy);
    } else if (m.kind === 'panic') {
      if (i > 0 && marks[i - 1].kind === 'error' && x - X(marks[i - 1].t) < 8) return true; // said already
      ctx.strokeStyle = C.panic;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.moveTo(x - 5, cy - 5);
      ctx.lineTo(x + 5, cy + 5);
      ctx.moveTo(x + 5, cy - 5);
      ctx.lineTo(x - 5, cy + 5);
      ctx.stroke();
    } else if (m.kind === 'atomic') {
      if (x - lastAx < 2) return true;
      lastAx = x;
      ctx.fillStyle = C.atomic;
      ctx.fillRect(x - 1, cy - bh / 2 - 2, 2, bh + 4);
    } else if (x - lastMx >= 3) {
      lastMx = x;
      ctx.fillStyle = C.text;
      ctx.beginPath();
      ctx.arc(x, cy - bh / 2 - 1, 2, 0, Math.PI * 2);
      ctx.fill();
    }
    return true;
  });
  if (g.exit !== null && g.exit <= Math.min(ph, t1) && g.exitKind === 'exit') {
    const x = X(g.exit);
    ctx.fillStyle = C.running;
    ctx.fillRect(x - 1, cy - 5, 2, 10);
  }
}

function label(tl, g, top, ph, member) {
  const { ctx, colors: C } = tl;
  if (member) {
    ctx.fillStyle = C.grid;
    ctx.fillRect(RAIL_X, top, 2, G_LANE_H);
  }
  const started = g.start <= ph;
  ctx.globalAlpha = started ? 1 : 0.45;
  ctx.fillStyle = gColor(tl, g);
  ctx.beginPath();
  ctx.arc(12, top + G_LANE_H / 2, 4, 0, Math.PI * 2);
  ctx.fill();
  ctx.font = `${g.id === 1 ? 700 : 500} 12px ${tl.font}`;
  ctx.fillStyle = g.deadlock !== null && g.deadlock <= ph ? C.panic : C.text;
  ctx.fillText(fitLabel(tl, g.name, tl.labelW - 30), 22, top + G_LANE_H / 2);
  ctx.globalAlpha = 1;
}

/** hit is goroutine g's span at t, as {e: the event that began it, span}, or null. */
function hit(tl, g, t, ph) {
  const sp = g.spans;
  const s = sp[upperBound(sp, t, (x) => x.t0) - 1];
  const stop = g.exit ?? (tl.ended ? tl.endT : ph);
  if (s && t <= (s.t1 ?? stop)) {
    const e = eventBySeq(tl.trace, s.seq);
    // the wait main left it in for good
    const leak = s.t1 === null && g.marks.length > 0 && g.marks[g.marks.length - 1].kind === 'leak' ? g.marks[g.marks.length - 1] : null;
    const note = leak && leak.t <= ph ? leak.value : undefined;
    if (e) return { e, span: { t0: s.t0, t1: s.t1, open: s.t1 === null, kind: s.kind, until: Math.min(s.t1 ?? stop, ph), note } };
  }
  return null;
}
