// One frame of the timeline, the arrows across its lanes included. Every list of the trace is
// sorted by time, so each lane binary-searches its first and last visible item, and marks
// narrower than a pixel merge.

import { STEP_NS, lowerBound, upperBound } from '../trace/model.js';
import { laneOf, objectLabel, paintObject } from './lanes.js';
import { goroutine } from './lanes/goroutine.js';
import { group } from './lanes/group.js';
import { placeFoldButtons } from './layout.js';
import { AXIS_H, PAD_R, labelOnBg, roundRect } from './paint.js';
import { niceCeil } from './playback.js';

/** drawFrame draws the timeline as it stands on tl.ctx. */
export function drawFrame(tl) {
  const ctx = tl.ctx;
  const dpr = window.devicePixelRatio || 1;
  const W = tl.cssW;
  const H = tl.cssH;
  const C = tl.colors;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = C.bg;
  ctx.fillRect(0, 0, W, H);
  ctx.textBaseline = 'middle';
  tl.elided.clear();
  const tr = tl.trace;
  if (!tr || tr.goroutines.length === 0) {
    ctx.fillStyle = C.muted;
    ctx.font = `14px ${tl.font}`;
    ctx.textAlign = 'center';
    ctx.fillText(tr ? 'Starting…' : 'Press Run to watch the goroutines.', W / 2, H / 2);
    ctx.textAlign = 'left';
    return;
  }

  const x0 = tl.labelW;
  const x1 = W - PAD_R;
  const [t0, t1] = tl.range();
  const k = (x1 - x0) / (t1 - t0);
  const X = (t) => x0 + (t - t0) * k;
  const ph = tl.playhead;
  const scroll = tl.scrollTop();
  // until: how far a goroutine's open stretch reaches at the playhead.
  const until = tl.ended ? Math.min(ph, tl.endT) : ph;
  const v = { X, t0, t1, ph, until };

  // Lanes scroll beneath the fixed axis.
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, AXIS_H, W, H - AXIS_H);
  ctx.clip();
  ctx.translate(0, -scroll);
  const visTop = scroll + AXIS_H;
  const visBot = scroll + H;

  const rows = tl.rows;
  const first = Math.max(0, upperBound(rows, visTop, (r) => r.top) - 1);
  const last = upperBound(rows, visBot, (r) => r.top);

  // stripes and grid
  for (let i = first; i < last; i++) {
    if (i % 2 === 1) {
      ctx.fillStyle = C.stripe;
      ctx.fillRect(0, rows[i].top, W, rows[i].h);
    }
  }
  const tickStep = niceCeil(Math.max(tr.steps ? STEP_NS : 1, (t1 - t0) * 90 / Math.max(1, x1 - x0)));
  ctx.strokeStyle = C.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let t = Math.ceil(t0 / tickStep) * tickStep; t <= t1; t += tickStep) {
    const x = Math.round(X(t)) + 0.5;
    ctx.moveTo(x, visTop);
    ctx.lineTo(x, visBot);
  }
  ctx.stroke();

  for (let i = first; i < last; i++) {
    const r = rows[i];
    if (r.kind === 'g') goroutine.paint(tl, r.g, r.top, v);
    else if (r.kind === 'o') paintObject(tl, r.o, r.top, v);
    else if (r.grp.folded) group.paint(tl, r.grp, r.top, r.h, v);
  }
  arrows.paint(tl, v);
  if (tl.selected) selection.paint(tl, v, x0, x1);
  // labels over everything in their column
  for (let i = first; i < last; i++) {
    const r = rows[i];
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, r.top, x0 - 4, r.h);
    if (i % 2 === 1) {
      ctx.fillStyle = C.stripe;
      ctx.fillRect(0, r.top, x0 - 4, r.h);
    }
    if (r.kind === 'g') goroutine.label(tl, r.g, r.top, ph, r.member);
    else if (r.kind === 'o') objectLabel(tl, r.o, r.top, ph);
    else group.label(tl, r.grp, r.top, r.h, ph, until);
  }
  ctx.restore();
  if (tl.scroll === null) placeFoldButtons(tl, scroll);

  drawAxis(tl, X, t0, t1, tickStep, W);
  const fmt = tr.steps ? stepFormat : tickFormat(tickStep / 10, t1);
  // playhead; when it is outside a zoomed view, its time stands at that edge
  const inView = ph >= t0 && ph <= t1;
  const px = Math.round(X(Math.min(Math.max(ph, t0), t1))) + 0.5;
  if (tl.scroll === null && tl.placeOptions) tl.placeOptions(tl, px, scroll); // a steered run's options, on their lanes
  if (inView) {
    ctx.strokeStyle = C.playhead;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(px, AXIS_H - 4);
    ctx.lineTo(px, H);
    ctx.stroke();
  }
  const label = inView ? fmt(ph) : ph < t0 ? `← ${fmt(ph)}` : `${fmt(ph)} →`;
  ctx.font = `600 11px ${tl.font}`;
  const tw = ctx.measureText(label).width + 10;
  const lx = Math.min(Math.max(px - tw / 2, x0), W - tw - 2);
  ctx.fillStyle = C.playhead;
  roundRect(ctx, lx, 3, tw, 17, 4);
  ctx.fill();
  ctx.fillStyle = C.bg;
  ctx.textAlign = 'left';
  ctx.fillText(label, lx + 5, 12);
}

function drawAxis(tl, X, t0, t1, step, W) {
  const { ctx, colors: C } = tl;
  ctx.fillStyle = C.bg;
  ctx.fillRect(0, 0, W, AXIS_H);
  ctx.strokeStyle = C.grid;
  ctx.beginPath();
  ctx.moveTo(0, AXIS_H - 0.5);
  ctx.lineTo(W, AXIS_H - 0.5);
  ctx.stroke();
  ctx.font = `11px ${tl.font}`;
  ctx.fillStyle = C.muted;
  ctx.textAlign = 'center';
  const fmt = tl.trace.steps ? stepFormat : tickFormat(step, t1);
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const x = X(t);
    if (x > W - 20) break;
    ctx.fillText(t === 0 ? '0' : fmt(t), x, 12);
  }
  ctx.textAlign = 'left';
  ctx.fillText(tl.view ? 'zoomed ·' : tl.trace.steps ? 'events →' : 'time →', 8, 12);
}

/** stepFormat labels a position on the event-order axis with the number of the event there. */
function stepFormat(x) {
  return `#${Math.round(x / STEP_NS)}`;
}

/**
 * tickFormat returns a formatter for times on an axis with ticks step ns apart reaching to
 * end: one unit for the axis, as many decimals as the step needs ("200.002 ms").
 */
function tickFormat(step, end) {
  const units = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];
  const [u, name] = units.find(([size]) => end >= size * 1.5) || units[3];
  const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(step / u) - 1e-9)));
  return (t) => `${(t / u).toFixed(decimals)} ${name}`;
}

const MAX_ARROWS = 2000; // more arrows than this in view are summed up, not drawn

export const arrows = { paint: paintArrows };
export const selection = { paint: paintSelection };

// endY is how high an arrow's end stands: on object obj's lane when it names one (at the
// centre of a timer that fired; at the top of a context cancelled, over the cancel's bar, so
// that the head shows), else at the centre of goroutine id's (or its folded group's); NaN
// when it has no lane.
function endY(tl, id, obj, head) {
  if (obj) {
    const o = tl.trace.object(obj);
    return !o ? NaN : head ? tl.oY[o.lane] - laneOf(o).h(o) / 2 + 2 : tl.oY[o.lane];
  }
  const g = tl.trace.goroutine(id);
  return g ? tl.gY[g.lane] : NaN;
}

function paintArrows(tl, { X, t0, t1, ph }) {
  const tr = tl.trace;
  const arrows = tr.arrows;
  const first = lowerBound(arrows, t0, (a) => a.t1);
  const end = Math.min(ph, t1);
  const n = upperBound(arrows, end, (a) => a.t1) - first;
  // and those leaving the view on the right, which end within the longest arrow of it
  const last = end < ph ? upperBound(arrows, Math.min(ph, t1 + tr.maxArrow), (a) => a.t1) : first + n;
  if (last <= first) return;
  const { ctx, colors: C } = tl;
  if (n > MAX_ARROWS) {
    // Thousands of arrows would only paint the lanes over: say so instead.
    const text = `${n.toLocaleString()} sends in view; zoom in to see their arrows`;
    ctx.font = `600 11px ${tl.font}`;
    const w = ctx.measureText(text).width + 12;
    const x = tl.cssW - PAD_R - w;
    const y = tl.scrollTop() + AXIS_H + 4;
    labelOnBg(ctx, C, text, x, y, w, 18, 4, 0.9, 6);
    return;
  }
  const dense = n > 300;
  ctx.strokeStyle = C.arrow;
  ctx.fillStyle = C.arrow;
  ctx.lineWidth = dense ? 0.75 : 1.25;
  ctx.globalAlpha = dense ? 0.5 : 0.9;
  const labels = n <= 80;
  ctx.font = `600 10px ${tl.font}`;
  const heads = [];
  const cancels = []; // a cancel's arrows are dashed: it closes a Done, it sends nothing
  // Arrows that would land on the same pixels as one already drawn are skipped: a dense run
  // costs what the screen can show, not what the trace holds.
  const seen = dense ? new Set() : null;
  ctx.beginPath();
  for (let i = first; i < last; i++) {
    const a = arrows[i];
    if (a.t0 > t1) continue;
    const ya = endY(tl, a.from, a.fromObj);
    const yb = endY(tl, a.to, a.toObj, true);
    if (Number.isNaN(ya) || Number.isNaN(yb)) continue;
    const xa = X(a.t0);
    const xb = X(a.t1);
    if (seen) {
      const key = ((Math.floor(xb) * 8192 + Math.floor(xa)) * 4096 + (Math.floor(ya) % 4096)) * 4096 + (Math.floor(yb) % 4096);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    if (a.cancel) {
      cancels.push(xa, ya, xb, yb);
    } else {
      ctx.moveTo(xa, ya);
      ctx.lineTo(xb, yb);
    }
    if (!dense) heads.push(xa, ya, xb, yb, i);
  }
  ctx.stroke();
  if (cancels.length > 0) {
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    for (let j = 0; j < cancels.length; j += 4) {
      ctx.moveTo(cancels[j], cancels[j + 1]);
      ctx.lineTo(cancels[j + 2], cancels[j + 3]);
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.globalAlpha = 1;
  // heads and values
  let lastLabelX = -Infinity;
  let lastLabelY = -Infinity;
  for (let j = 0; j < heads.length; j += 5) {
    const [xa, ya, xb, yb] = [heads[j], heads[j + 1], heads[j + 2], heads[j + 3]];
    const ang = Math.atan2(yb - ya, xb - xa);
    const s = 6;
    ctx.fillStyle = C.arrow;
    ctx.beginPath();
    ctx.moveTo(xb, yb);
    ctx.lineTo(xb - s * Math.cos(ang - 0.45), yb - s * Math.sin(ang - 0.45));
    ctx.lineTo(xb - s * Math.cos(ang + 0.45), yb - s * Math.sin(ang + 0.45));
    ctx.closePath();
    ctx.fill();
    if (labels) {
      const a = arrows[heads[j + 4]];
      const text = a.value.length > 10 ? `${a.value.slice(0, 9)}…` : a.value;
      if (!text) continue;
      // a folded group's sends all leave one lane: their values would only pile up there
      if (!a.fromObj && tl.rows[tl.gRow[tr.goroutine(a.from).lane]].kind === 'group') continue;
      // the value rides at the tail, on the sender's lane, where sends stay apart
      const w = ctx.measureText(text).width + 6;
      const lx = Math.min(xa + 3, tl.cssW - PAD_R - w);
      const ly = ya + (yb < ya ? 4 : -14);
      if (Math.abs(lx - lastLabelX) < w && Math.abs(ly - lastLabelY) < 12) continue;
      lastLabelX = lx;
      lastLabelY = ly;
      labelOnBg(ctx, C, text, lx, ly, w, 11, 3, 0.85, 3);
    }
  }
}

/**
 * paintSelection rings the event clicked and its partner (faint while the playhead has not
 * reached it), joined by a dashed line.
 */
function paintSelection(tl, { X, ph }, x0, x1) {
  const gY = tl.gY;
  const { ctx, colors: C } = tl;
  const at = (e) => {
    const g = tl.trace.goroutine(e.g || e.child);
    if (g) return [X(e.t), gY[g.lane]];
    // the runtime's events (a fire, a deadline) stand on their object's lane
    const o = e.obj !== undefined ? tl.trace.object(e.obj) : null;
    return o ? [X(e.t), tl.oY[o.lane]] : null;
  };
  const { e, p } = tl.selected;
  const a = at(e);
  const b = p ? at(p) : null;
  const ring = (pt, future) => {
    if (!pt || pt[0] < x0 - 8 || pt[0] > x1 + 8) return;
    ctx.globalAlpha = future ? 0.45 : 1;
    ctx.lineWidth = 5;
    ctx.strokeStyle = C.bg;
    ctx.beginPath();
    ctx.arc(pt[0], pt[1], 8, 0, Math.PI * 2);
    ctx.stroke();
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = C.playhead;
    ctx.stroke();
    ctx.globalAlpha = 1;
  };
  if (a && b) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, 0, x1 - x0 + 8, 1e7);
    ctx.clip();
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = C.playhead;
    ctx.globalAlpha = p.t > ph ? 0.45 : 0.9;
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
    ctx.restore();
  }
  ring(a, e.t > ph);
  ring(b, p && p.t > ph);
}
