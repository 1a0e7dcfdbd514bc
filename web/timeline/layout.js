// The lanes one above the other, and the canvas sized for them. Goroutines named alike but
// for a trailing number ("worker 1", "worker 2"…) form a group whose heading folds them into
// one lane.

import { upperBound } from '../trace/model.js';
import { laneOf, loadPainters } from './lanes.js';
import { G_LANE_H } from './lanes/goroutine.js';
import { groupName } from './lanes/group.js';
import { AXIS_H } from './paint.js';

const GROUP_GAP = 8;
const FOLD_H = 38; // a folded group's lane
const HEAD_H = 18; // an unfolded group's heading
const FOLD_MIN = 3; // smaller groups fold only when a person folds them
const PAD_B = 6;

/** layout sizes the canvas for the wrapper's width and the trace's lanes. */
export function layout(tl, force) {
  const tr = tl.trace;
  const n = tr ? tr.goroutines.length + tr.objects.length : 0;
  if (!force && n === tl.lanes) return;
  tl.lanes = n;
  if (tr) {
    loadPainters(tr.objects, () => {
      layout(tl, true);
      tl.request();
    });
  }
  const maxH = Math.max(200, Math.floor(window.innerHeight * 0.68));
  if (tr && n > 0) {
    tl.contentH = buildRows(tl, maxH);
  } else {
    tl.contentH = 150;
    tl.rows = [];
  }
  const w = Math.max(240, tl.wrap.clientWidth);
  const h = Math.max(Math.min(tl.contentH, maxH), Math.min(tl.reserved, maxH));
  const dpr = window.devicePixelRatio || 1;
  if (dpr !== tl.dpr) {
    tl.dpr = dpr;
    tl.hatch = null; // drawn for the old pixel ratio
  }
  if (w !== tl.cssW || h !== tl.cssH || tl.canvas.width !== Math.round(w * dpr)) {
    tl.cssW = w;
    tl.cssH = h;
    tl.canvas.style.width = `${w}px`;
    tl.canvas.style.height = `${h}px`;
    tl.canvas.width = Math.round(w * dpr);
    tl.canvas.height = Math.round(h * dpr);
    tl.wrap.style.height = `${h}px`;
  }
  tl.spacer.style.height = `${Math.max(0, tl.contentH - h)}px`;

  // The label column fits the longest name, within reason.
  const ctx = tl.ctx;
  ctx.font = `600 12px ${tl.font}`;
  let lw = 60;
  if (tr) {
    // goroutine names start at 22 px, object names at 8; both keep 8 px clear of the lane
    for (const g of tr.goroutines) lw = Math.max(lw, ctx.measureText(g.name).width + 5);
    for (const r of tl.rows) if (r.kind === 'group') lw = Math.max(lw, ctx.measureText(groupName(r.grp)).width + 5);
    for (const o of tr.objects) lw = Math.max(lw, ctx.measureText(o.name).width - 11);
    ctx.font = `11px ${tl.font}`;
    for (const o of tr.objects) lw = Math.max(lw, ctx.measureText(laneOf(o).kind(o)).width - 11);
  }
  tl.labelW = Math.ceil(Math.min(lw + 26, Math.max(90, w * 0.36), 170));
  syncFoldButtons(tl);
  tl.request();
}

/**
 * buildRows lays the lanes out one above the other, folding groups as a person chose or,
 * where they did not, largest first while the lanes would not fit in avail px. It returns
 * the height of them all.
 */
function buildRows(tl, avail) {
  const tr = tl.trace;
  const units = groupGoroutines(tr.goroutines);
  let oh = 0;
  for (const o of tr.objects) oh += laneOf(o).h(o);
  let total = AXIS_H + (tr.objects.length ? GROUP_GAP + oh : 0) + PAD_B;
  const auto = [];
  for (const u of units) {
    if (!u.members) {
      total += G_LANE_H;
      continue;
    }
    const chosen = tl.folds.get(u.stem);
    u.folded = chosen === true;
    total += u.folded ? FOLD_H : HEAD_H + u.members.length * G_LANE_H;
    if (chosen === undefined && u.members.length >= FOLD_MIN) auto.push(u);
  }
  auto.sort((a, b) => b.members.length - a.members.length);
  for (const u of auto) {
    if (total <= avail) break;
    u.folded = true;
    total -= HEAD_H + u.members.length * G_LANE_H - FOLD_H;
  }

  const rows = [];
  const nG = tr.goroutines.length;
  tl.gY = new Float64Array(nG);
  tl.gRow = new Int32Array(nG);
  let y = AXIS_H;
  const put = (row) => {
    row.top = y;
    y += row.h;
    rows.push(row);
    return rows.length - 1;
  };
  for (const u of units) {
    if (!u.members) {
      const i = put({ kind: 'g', g: u, h: G_LANE_H });
      tl.gY[u.lane] = rows[i].top + G_LANE_H / 2;
      tl.gRow[u.lane] = i;
      continue;
    }
    const head = put({ kind: 'group', grp: u, h: u.folded ? FOLD_H : HEAD_H });
    for (const g of u.members) {
      const i = u.folded ? head : put({ kind: 'g', g, h: G_LANE_H, member: true });
      tl.gY[g.lane] = rows[i].top + rows[i].h / 2;
      tl.gRow[g.lane] = i;
    }
  }
  if (tr.objects.length) y += GROUP_GAP;
  tl.oY = new Float64Array(tr.objects.length);
  for (const o of tr.objects) {
    const i = put({ kind: 'o', o, h: laneOf(o).h(o) });
    tl.oY[o.lane] = rows[i].top + rows[i].h / 2;
  }
  tl.rows = rows;
  return y + PAD_B;
}

/** rowAt is the index of the row at content y, or -1. */
export function rowAt(tl, y) {
  const rows = tl.rows;
  const i = upperBound(rows, y, (r) => r.top) - 1;
  return i >= 0 && y < rows[i].top + rows[i].h ? i : -1;
}

/** toggleGroup folds the group named stem, or unfolds it, and keeps that choice. */
export function toggleGroup(tl, stem) {
  const row = tl.rows.find((r) => r.kind === 'group' && r.grp.stem === stem);
  if (!row) return;
  tl.folds.set(stem, !row.grp.folded);
  tl.tip.hidden = true;
  layout(tl, true);
  tl.publish();
}

// placeFoldButtons keeps each heading's button over the part of its label that is not under
// the axis, so a click on the axis never folds a group; a button wholly under the axis keeps
// its place (focus scrolls it into view) but lets clicks through.
export function placeFoldButtons(tl, scroll) {
  const axis = scroll + AXIS_H;
  for (const r of tl.rows) {
    if (r.kind !== 'group') continue;
    const f = tl.foldBtns.get(r.grp.stem);
    if (!f) continue;
    const hidden = r.top + r.h <= axis + 4;
    const top = hidden ? r.top : Math.max(r.top, axis);
    const key = `${top} ${r.top + r.h - top} ${hidden}`;
    if (f.placed === key) continue;
    f.placed = key;
    const b = f.btn;
    b.style.top = `${top}px`;
    b.style.height = `${r.top + r.h - top}px`;
    b.style.pointerEvents = hidden ? 'none' : '';
  }
}

// syncFoldButtons puts a button over each group heading's label.
function syncFoldButtons(tl) {
  const seen = new Set();
  for (const r of tl.rows) {
    if (r.kind !== 'group') continue;
    const { stem, members, folded } = r.grp;
    seen.add(stem);
    let f = tl.foldBtns.get(stem);
    if (!f) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'tl-fold';
      b.dataset.group = stem;
      b.addEventListener('click', () => toggleGroup(tl, stem));
      f = { btn: b, placed: '' };
      tl.foldBtns.set(stem, f);
      tl.foldLayer.append(b);
    }
    const b = f.btn;
    const name = groupName(r.grp);
    const expanded = String(!folded);
    if (b.textContent !== name) b.textContent = name;
    if (b.getAttribute('aria-expanded') !== expanded) b.setAttribute('aria-expanded', expanded);
    b.title = `${name}: ${folded ? 'unfold' : 'fold'} its ${members.length} goroutines`;
    b.style.width = `${tl.labelW - 4}px`;
    f.placed = ''; // the rows moved
  }
  for (const [stem, f] of tl.foldBtns) {
    if (!seen.has(stem)) {
      f.btn.remove();
      tl.foldBtns.delete(stem);
    }
  }
}

/** stemOf is a goroutine name without its trailing number ("worker 3" → "worker"), or null. */
function stemOf(name) {
  const m = /^(.*?\D)[\s#_-]*\d+$/.exec(name);
  return m ? m[1].trim() || null : null;
}

/**
 * groupGoroutines returns the goroutines in lane order with those sharing a stem gathered at
 * the first one's place as a group {stem, members, start, folded}; a stem of one stays a
 * goroutine.
 */
function groupGoroutines(gs) {
  const byStem = new Map();
  for (const g of gs) {
    const stem = stemOf(g.name);
    if (stem === null) continue;
    const grp = byStem.get(stem);
    if (grp) {
      grp.members.push(g);
      grp.start = Math.min(grp.start, g.start);
    } else {
      byStem.set(stem, { stem, members: [g], start: g.start, folded: false });
    }
  }
  const units = [];
  for (const g of gs) {
    const grp = byStem.get(stemOf(g.name));
    if (!grp || grp.members.length < 2) units.push(g);
    else if (grp.members[0] === g) units.push(grp);
  }
  return units;
}
