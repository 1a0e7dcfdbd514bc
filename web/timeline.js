// The canvas timeline: one lane per goroutine (main first) and one per object; time runs left
// to right, fitted to the run. A playhead decides what is shown: only what happened at or
// before it. While a live run streams the playhead follows it; after the end Play replays
// the run at the chosen speed (scenario time per wall time). A seeded run arrives whole in a
// moment: the playhead waits at 0 until it is in, then plays it from the start.
//
// Goroutines whose names differ only in a trailing number ("worker 1", "worker 2"…) form a
// group under a heading that folds them into one lane: how many of them work, wait for a
// processor, sleep, block or run, stacked, column by column. A group folds by itself when the
// lanes would not fit on screen, largest group first; a person's fold or unfold holds for the
// rest of the page.
//
// Drawing is linear in what is visible: every list of the trace is sorted by time, so each
// lane binary-searches its first and last visible item, and marks narrower than a pixel are
// merged. Frames are requested only while something moves.

import { describe, formatDuration } from './trace/describe.js';
import { BLOCKED, RUNNABLE, SLEEP, STEP_NS, WORK, eventBySeq, lowerBound, partner, upperBound } from './trace/model.js';

const AXIS_H = 26;
const G_LANE_H = 26;
const O_LANE_H = 34;
const STEP_LANE_H = 46; // atomics, waitgroups, refcells
const BUF_LANE_H = 40; // buffered channels
const CELL_LANE_H = 40;
const GROUP_GAP = 8;
const FOLD_H = 38; // a folded group's lane
const HEAD_H = 18; // an unfolded group's heading
const FOLD_MIN = 3; // smaller groups fold only when a person folds them
const RAIL_X = 4; // the line in the label column that ties an unfolded group's lanes
const PAD_R = 14;
const PAD_B = 6;
const MIN_DOMAIN = 1e6; // 1 ms
const MIN_FIT = 1e4; // a finished run fills the width, down to 10 µs
const MAX_ARROWS = 2000; // more arrows than this in view are summed up, not drawn
// How far a live playhead may run ahead of the newest event while waiting for more, in wall
// time: a run that works quietly still moves; a stalled connection soon stops the playhead.
const LIVE_LEAD_MS = 1500;

const COLOR_VARS = ['bg', 'stripe', 'grid', 'text', 'muted', 'running', 'working', 'blocked', 'sleeping',
  'runnable', 'arrow', 'playhead', 'chan', 'atomic', 'wg', 'cell', 'shared', 'mut', 'warn', 'panic', 'g-sat', 'g-light'];

/** niceCeil rounds x up to 1, 2 or 5 times a power of ten. */
function niceCeil(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

const spanEnd = (s) => (s.t1 === null ? Infinity : s.t1);

export class Timeline {
  /**
   * canvas is drawn on; wrap is its scrolling container. onFrame(count, playhead) is called
   * when the number of events at or before the playhead changes; onState() when playing,
   * live, ended or dragging change; onSelect(event, partner) when a click picks an event
   * (null: none).
   */
  constructor(canvas, wrap, { onFrame = () => {}, onState = () => {}, onSelect = () => {} } = {}) {
    this.canvas = canvas;
    this.wrap = wrap;
    this.ctx = canvas.getContext('2d');
    this.onFrame = onFrame;
    this.onState = onState;
    this.onSelect = onSelect;
    this.selected = null; // {e, p}: the event clicked and its partner

    this.tip = document.createElement('div');
    this.tip.className = 'tl-tip';
    this.tip.setAttribute('role', 'tooltip');
    this.tip.hidden = true;
    document.body.append(this.tip);

    this.trace = null;
    this.live = false;
    this.ended = false;
    this.endT = 0;
    this.runSpeed = 1; // the speed the live run was asked for
    this.speed = 1; // the replay speed
    this.playing = false;
    this.dragging = false; // a pointer holds the playhead: the page may lag behind it, as in play
    this.playhead = 0;
    this.domain = MIN_DOMAIN;
    this.view = null; // {t0, t1} when zoomed; null fits the whole run
    this.arrivalWall = 0;
    this.arrivalT = 0;
    this.lastFrame = 0;
    this.lastCount = -1;
    this.raf = 0;
    this.scroll = null; // the lanes' scroll offset while drawing a snapshot; null: the wrapper's

    this.cssW = 0;
    this.cssH = 0;
    this.contentH = 0;
    this.labelW = 90;
    this.lanes = 0; // lane count the layout was made for
    this.colors = {};
    // rows: what stands one above the other, {kind: 'g' | 'group' | 'o', top, h, g, grp, o},
    // in content px; gY[g.lane] and gRow[g.lane]: the centre and row a goroutine is drawn at
    // (a folded group's, for its members)
    this.rows = [];
    this.gY = new Float64Array(0);
    this.gRow = new Int32Array(0);
    this.folds = new Map(); // group stem → folded, as a person chose
    this.foldBtns = new Map(); // group stem → {btn, placed}: its heading's button, and where

    this.spacer = document.createElement('div');
    this.spacer.className = 'tl-spacer';
    this.spacer.setAttribute('aria-hidden', 'true');
    wrap.appendChild(this.spacer);
    // Group headings are buttons over the label column, so a keyboard reaches them and a
    // screen reader hears whether they are folded; the canvas draws what they show.
    this.foldLayer = document.createElement('div');
    this.foldLayer.className = 'tl-folds';
    wrap.appendChild(this.foldLayer);

    this.readColors();
    const dark = window.matchMedia('(prefers-color-scheme: dark)');
    dark.addEventListener('change', () => {
      this.readColors();
      this.request();
    });
    let lastW = 0;
    new ResizeObserver(() => {
      if (wrap.clientWidth !== lastW) {
        lastW = wrap.clientWidth;
        this.layout(true);
      }
    }).observe(wrap);
    window.addEventListener('resize', () => this.layout(true));
    wrap.addEventListener('scroll', () => this.request(), { passive: true });
    // Zoom or a screen of another pixel ratio: redraw sharp, and watch for the next change.
    const watchRatio = () => {
      matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`).addEventListener('change', () => {
        this.layout(true);
        watchRatio();
      }, { once: true });
    };
    watchRatio();
    this.bindInput();
    this.layout(true);
  }

  // ——— state ———

  /**
   * startLive shows trace as it streams in; runSpeed is the speed the server runs it at. With
   * follow false (a seeded run, which arrives far faster than it plays) the playhead stays at
   * 0 until replay.
   */
  startLive(trace, runSpeed = 1, follow = true) {
    this.trace = trace;
    this.live = true;
    this.ended = false;
    this.endT = 0;
    this.runSpeed = runSpeed;
    this.playing = follow;
    this.playhead = 0;
    this.domain = niceCeil(Math.max(MIN_DOMAIN, 5e8 * runSpeed));
    this.view = null;
    this.arrivalWall = performance.now();
    this.arrivalT = 0;
    this.lastCount = -1;
    this.selected = null;
    this.tip.hidden = true;
    this.layout(true);
    this.onState();
  }

  /**
   * swapTrace shows the same finished run laid out another way (stepTrace's event order, or
   * time), ending at endT: the playhead stays on the same event, and the view fits the run.
   */
  swapTrace(tr, endT) {
    const n = this.trace.count(this.playhead);
    this.trace = tr;
    this.playhead = n > 0 ? tr.events[n - 1].t : 0;
    this.endT = endT;
    this.domain = Math.max(endT * 1.02, MIN_FIT);
    this.view = null;
    this.select(null);
    this.tip.hidden = true;
    this.layout(true);
    this.onState();
  }

  /** realT is the time of the run at axis position x: x itself, or on the event-order axis the time of the event there. */
  realT(x) {
    const tr = this.trace;
    if (!tr || !tr.steps) return x;
    const i = tr.count(x) - 1;
    return i >= 0 ? tr.events[i].wt : 0;
  }

  /** dataArrived is called after events were added to the trace. */
  dataArrived() {
    if (!this.trace) return;
    this.arrivalWall = performance.now();
    this.arrivalT = this.trace.lastT;
    this.layout(false);
    this.request();
  }

  /** finish marks the end of the run: durationNs is its length. */
  finish(durationNs) {
    if (!this.trace) return;
    const following = this.live && this.playing;
    this.live = false;
    this.ended = true;
    this.endT = Math.max(durationNs || 0, this.trace.lastT);
    this.domain = Math.max(this.endT * 1.02, MIN_FIT);
    if (following || this.playhead > this.endT) this.playhead = this.endT;
    this.playing = false;
    this.layout(false);
    this.request();
    this.onState();
  }

  /** maxT is as far as the playhead may go now. */
  maxT() {
    if (!this.trace) return 0;
    if (this.ended) return this.endT;
    return this.liveHead(performance.now());
  }

  liveHead(now) {
    const lead = Math.min(now - this.arrivalWall, LIVE_LEAD_MS);
    return this.arrivalT + Math.max(0, lead) * 1e6 * this.runSpeed;
  }

  togglePlay() {
    if (!this.trace) return;
    if (this.playing) {
      this.playing = false;
    } else {
      if (this.ended && this.playhead >= this.endT) this.playhead = 0;
      this.playing = true;
      this.lastFrame = performance.now();
    }
    this.request();
    this.onState();
  }

  /** replay plays a finished run from its start. */
  replay() {
    if (!this.trace || !this.ended) return;
    this.playhead = 0;
    this.playing = true;
    this.lastFrame = performance.now();
    this.request();
    this.onState();
  }

  setSpeed(s) {
    if (s > 0) this.speed = s;
  }

  /**
   * key does what a keyboard shortcut asks and reports whether key is one: arrows step,
   * Home and End go to the ends, space plays and pauses, + and - zoom around the playhead, 0
   * fits the run.
   */
  key(key) {
    if (!this.trace) return false;
    switch (key) {
      case 'ArrowRight': this.step(1); break;
      case 'ArrowLeft': this.step(-1); break;
      case 'Home': this.seek(0); break;
      case 'End': this.seek(this.maxT()); break;
      case ' ': this.togglePlay(); break;
      case '+': case '=': this.zoom(0.5, this.playhead); break;
      case '-': case '_': this.zoom(2, this.playhead); break;
      case '0': this.fit(); break;
      default: return false;
    }
    return true;
  }

  /** scrollTop is how far the lanes are scrolled. */
  scrollTop() {
    return this.scroll === null ? this.wrap.scrollTop : this.scroll;
  }

  /**
   * snapshot draws the whole timeline as it stands (every lane, not only those scrolled into
   * view) on a canvas of its own and returns it as a PNG blob.
   */
  snapshot() {
    const dpr = window.devicePixelRatio || 1;
    const h = Math.min(this.contentH, Math.floor(16000 / dpr));
    const c = document.createElement('canvas');
    c.width = Math.round(this.cssW * dpr);
    c.height = Math.round(h * dpr);
    const saved = [this.ctx, this.cssH, this.hatch];
    this.ctx = c.getContext('2d');
    this.cssH = h;
    this.scroll = 0;
    this.hatch = null;
    try {
      this.draw();
    } finally {
      [this.ctx, this.cssH, this.hatch] = saved;
      this.scroll = null;
    }
    return new Promise((resolve, reject) => {
      c.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not make the image'))), 'image/png');
    });
  }

  /** seek moves the playhead to t and pauses. */
  seek(t) {
    if (!this.trace) return;
    this.playing = false;
    this.playhead = Math.max(0, Math.min(t, this.maxT()));
    const v = this.view;
    if (v && (this.playhead < v.t0 || this.playhead > v.t1)) {
      this.pan(this.playhead - (v.t0 + v.t1) / 2);
    }
    this.request();
    this.onState();
  }

  /** step moves the playhead to the next (dir > 0) or previous event time. */
  step(dir) {
    const tr = this.trace;
    if (!tr || tr.events.length === 0) return;
    let t;
    if (dir > 0) {
      const i = tr.count(this.playhead);
      if (i >= tr.events.length) return;
      t = tr.events[i].t;
    } else {
      const i = lowerBound(tr.events, this.playhead, (e) => e.t) - 1;
      t = i >= 0 ? tr.events[i].t : 0;
    }
    this.seek(t);
  }

  // ——— zoom ———

  /** range is the time span on screen. */
  range() {
    return this.view ? [this.view.t0, this.view.t1] : [0, this.domain];
  }

  /** zoom scales the view by factor (below 1 zooms in) keeping time at in place. */
  zoom(factor, at) {
    if (!this.trace) return;
    const [t0, t1] = this.range();
    const span = t1 - t0;
    const full = this.domain;
    const next = Math.min(Math.max(span * factor, 1000), full);
    if (next >= full) {
      this.fit();
      return;
    }
    const a = Math.min(Math.max(at, t0), t1);
    let n0 = a - (a - t0) * (next / span);
    n0 = Math.min(Math.max(n0, 0), full - next);
    this.view = { t0: n0, t1: n0 + next };
    this.request();
  }

  pan(dt) {
    if (!this.view) return;
    const span = this.view.t1 - this.view.t0;
    const t0 = Math.min(Math.max(this.view.t0 + dt, 0), Math.max(0, this.domain - span));
    this.view = { t0, t1: t0 + span };
    this.request();
  }

  /** fit shows the whole run again. */
  fit() {
    this.view = null;
    this.request();
  }

  // ——— frames ———

  request() {
    if (!this.raf) this.raf = requestAnimationFrame((now) => this.frame(now));
  }

  frame(now) {
    this.raf = 0;
    let again = false;
    const tr = this.trace;
    if (tr) {
      if (this.live && this.playing) {
        this.playhead = Math.max(this.playhead, this.liveHead(now));
        again = true;
      } else if (this.ended && this.playing) {
        this.playhead += Math.max(0, now - this.lastFrame) * 1e6 * this.speed;
        if (this.playhead >= this.endT) {
          this.playhead = this.endT;
          this.playing = false;
          this.onState();
        } else {
          again = true;
        }
      }
      if (this.live && this.playhead > this.domain * 0.9) {
        this.domain = niceCeil(this.playhead * 1.4);
      }
      // A zoomed view turns the page when a moving playhead leaves it.
      const v = this.view;
      if (v && this.playing && this.playhead > v.t1) {
        const span = v.t1 - v.t0;
        v.t0 = this.playhead - span * 0.1;
        v.t1 = v.t0 + span;
      }
    }
    this.lastFrame = now;
    this.draw();
    this.publish();
    if (tr) {
      const n = tr.count(this.playhead);
      if (n !== this.lastCount) {
        this.lastCount = n;
        this.onFrame(n, this.playhead);
      }
    }
    if (again) this.request();
  }

  // publish states the playhead (ns), the view ("all", or "t0-t1" when zoomed), whether it
  // plays and how many lanes stand one above the other (a folded group is one) on the
  // canvas's data attributes, for tests and tools.
  publish() {
    const d = this.canvas.dataset;
    const ph = String(Math.round(this.playhead));
    const view = this.view ? `${Math.round(this.view.t0)}-${Math.round(this.view.t1)}` : 'all';
    const playing = String(this.playing);
    const rows = String(this.rows.length);
    const axis = this.trace && this.trace.steps ? 'steps' : 'time';
    if (d.axis !== axis) d.axis = axis;
    if (d.playhead !== ph) d.playhead = ph;
    if (d.view !== view) d.view = view;
    if (d.playing !== playing) d.playing = playing;
    if (d.rows !== rows) d.rows = rows;
  }

  // ——— layout ———

  readColors() {
    const cs = getComputedStyle(this.canvas);
    for (const name of COLOR_VARS) this.colors[name] = cs.getPropertyValue(`--tl-${name}`).trim() || '#888';
    this.font = cs.fontFamily || 'system-ui, sans-serif';
    this.hatch = null;
  }

  laneCount() {
    return this.trace ? this.trace.goroutines.length + this.trace.objects.length : 0;
  }

  /** layout sizes the canvas for the wrapper's width and the trace's lanes. */
  layout(force) {
    const n = this.laneCount();
    if (!force && n === this.lanes) return;
    this.lanes = n;
    const tr = this.trace;
    const maxH = Math.max(200, Math.floor(window.innerHeight * 0.68));
    if (tr && n > 0) {
      this.contentH = this.buildRows(maxH);
    } else {
      this.contentH = 150;
      this.rows = [];
    }
    const w = Math.max(240, this.wrap.clientWidth);
    const h = Math.min(this.contentH, maxH);
    const dpr = window.devicePixelRatio || 1;
    if (dpr !== this.dpr) {
      this.dpr = dpr;
      this.hatch = null; // drawn for the old pixel ratio
    }
    if (w !== this.cssW || h !== this.cssH || this.canvas.width !== Math.round(w * dpr)) {
      this.cssW = w;
      this.cssH = h;
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.wrap.style.height = `${h}px`;
    }
    this.spacer.style.height = `${Math.max(0, this.contentH - h)}px`;

    // The label column fits the longest name, within reason.
    const ctx = this.ctx;
    ctx.font = `600 12px ${this.font}`;
    let lw = 60;
    if (tr) {
      // goroutine names start at 22 px, object names at 8; both keep 8 px clear of the lane
      for (const g of tr.goroutines) lw = Math.max(lw, ctx.measureText(g.name).width + 5);
      for (const r of this.rows) if (r.kind === 'group') lw = Math.max(lw, ctx.measureText(groupName(r.grp)).width + 5);
      for (const o of tr.objects) lw = Math.max(lw, ctx.measureText(o.name).width - 11);
      ctx.font = `11px ${this.font}`;
      for (const o of tr.objects) lw = Math.max(lw, ctx.measureText(objKindText(o)).width - 11);
    }
    this.labelW = Math.ceil(Math.min(lw + 26, Math.max(90, w * 0.3), 170));
    this.syncFoldButtons();
    this.request();
  }

  /**
   * buildRows lays the lanes out one above the other, folding groups as a person chose or,
   * where they did not, largest first while the lanes would not fit in avail px. It returns
   * the height of them all.
   */
  buildRows(avail) {
    const tr = this.trace;
    const units = groupGoroutines(tr.goroutines);
    let oh = 0;
    for (const o of tr.objects) oh += objLaneH(o);
    let total = AXIS_H + (tr.objects.length ? GROUP_GAP + oh : 0) + PAD_B;
    const auto = [];
    for (const u of units) {
      if (!u.members) {
        total += G_LANE_H;
        continue;
      }
      const chosen = this.folds.get(u.stem);
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
    this.gY = new Float64Array(nG);
    this.gRow = new Int32Array(nG);
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
        this.gY[u.lane] = rows[i].top + G_LANE_H / 2;
        this.gRow[u.lane] = i;
        continue;
      }
      const head = put({ kind: 'group', grp: u, h: u.folded ? FOLD_H : HEAD_H });
      for (const g of u.members) {
        const i = u.folded ? head : put({ kind: 'g', g, h: G_LANE_H, member: true });
        this.gY[g.lane] = rows[i].top + rows[i].h / 2;
        this.gRow[g.lane] = i;
      }
    }
    if (tr.objects.length) y += GROUP_GAP;
    for (const o of tr.objects) put({ kind: 'o', o, h: objLaneH(o) });
    this.rows = rows;
    return y + PAD_B;
  }

  /** rowAt is the index of the row at content y, or -1. */
  rowAt(y) {
    const rows = this.rows;
    const i = upperBound(rows, y, (r) => r.top) - 1;
    return i >= 0 && y < rows[i].top + rows[i].h ? i : -1;
  }

  /** toggleGroup folds the group named stem, or unfolds it, and keeps that choice. */
  toggleGroup(stem) {
    const row = this.rows.find((r) => r.kind === 'group' && r.grp.stem === stem);
    if (!row) return;
    this.folds.set(stem, !row.grp.folded);
    this.tip.hidden = true;
    this.layout(true);
    this.publish();
  }

  // placeFoldButtons keeps each heading's button over the part of its label that is not under
  // the axis, so a click on the axis never folds a group; a button wholly under the axis keeps
  // its place (focus scrolls it into view) but lets clicks through.
  placeFoldButtons(scroll) {
    const axis = scroll + AXIS_H;
    for (const r of this.rows) {
      if (r.kind !== 'group') continue;
      const f = this.foldBtns.get(r.grp.stem);
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
  syncFoldButtons() {
    const seen = new Set();
    for (const r of this.rows) {
      if (r.kind !== 'group') continue;
      const { stem, members, folded } = r.grp;
      seen.add(stem);
      let f = this.foldBtns.get(stem);
      if (!f) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'tl-fold';
        b.dataset.group = stem;
        b.addEventListener('click', () => this.toggleGroup(stem));
        f = { btn: b, placed: '' };
        this.foldBtns.set(stem, f);
        this.foldLayer.append(b);
      }
      const b = f.btn;
      const name = groupName(r.grp);
      const expanded = String(!folded);
      if (b.textContent !== name) b.textContent = name;
      if (b.getAttribute('aria-expanded') !== expanded) b.setAttribute('aria-expanded', expanded);
      b.title = `${folded ? 'Unfold' : 'Fold'} ${members.length} goroutines`;
      b.style.width = `${this.labelW - 4}px`;
      f.placed = ''; // the rows moved
    }
    for (const [stem, f] of this.foldBtns) {
      if (!seen.has(stem)) {
        f.btn.remove();
        this.foldBtns.delete(stem);
      }
    }
  }

  gColor(g, alpha = 1) {
    const hue = (g.lane * 137.508 + 205) % 360;
    return `hsl(${hue.toFixed(1)} ${this.colors['g-sat']} ${this.colors['g-light']} / ${alpha})`;
  }

  // hatchPattern is the texture of sleeping (hatched) or runnable (dotted) stretches: their
  // shape, not only their colour, tells them from working, blocked and running.
  hatchPattern(kind = SLEEP) {
    const got = (this.hatch ||= {})[kind];
    if (got) return got;
    const dpr = window.devicePixelRatio || 1;
    const c = document.createElement('canvas');
    const s = Math.round(6 * dpr);
    c.width = s;
    c.height = s;
    const x = c.getContext('2d');
    if (kind === RUNNABLE) {
      x.fillStyle = this.colors.runnable;
      x.globalAlpha = 0.2;
      x.fillRect(0, 0, s, s);
      x.globalAlpha = 1;
      const d = Math.round(2 * dpr);
      x.fillRect(0, 0, d, d);
      x.fillRect(s / 2, s / 2, d, d);
    } else {
      x.strokeStyle = this.colors.sleeping;
      x.lineWidth = Math.max(1, dpr);
      x.beginPath();
      x.moveTo(0, s);
      x.lineTo(s, 0);
      x.moveTo(-s / 2, s / 2);
      x.lineTo(s / 2, -s / 2);
      x.moveTo(s / 2, s * 1.5);
      x.lineTo(s * 1.5, s / 2);
      x.stroke();
    }
    const p = this.ctx.createPattern(c, 'repeat');
    p.setTransform(new DOMMatrix().scale(1 / dpr));
    this.hatch[kind] = p;
    return p;
  }

  // ——— drawing ———

  draw() {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    const W = this.cssW;
    const H = this.cssH;
    const C = this.colors;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, 0, W, H);
    ctx.textBaseline = 'middle';
    const tr = this.trace;
    if (!tr || tr.goroutines.length === 0) {
      ctx.fillStyle = C.muted;
      ctx.font = `14px ${this.font}`;
      ctx.textAlign = 'center';
      ctx.fillText(tr ? 'Starting…' : 'Press Run to watch the goroutines.', W / 2, H / 2);
      ctx.textAlign = 'left';
      return;
    }

    const x0 = this.labelW;
    const x1 = W - PAD_R;
    const [t0, t1] = this.range();
    const k = (x1 - x0) / (t1 - t0);
    const X = (t) => x0 + (t - t0) * k;
    const ph = this.playhead;
    const scroll = this.scrollTop();
    // until: how far a goroutine's open stretch reaches at the playhead.
    const until = this.ended ? Math.min(ph, this.endT) : ph;

    // Lanes scroll beneath the fixed axis.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS_H, W, H - AXIS_H);
    ctx.clip();
    ctx.translate(0, -scroll);
    const visTop = scroll + AXIS_H;
    const visBot = scroll + H;

    const rows = this.rows;
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
      if (r.kind === 'g') this.drawGoroutine(r.g, r.top, X, t0, t1, ph, until);
      else if (r.kind === 'o') this.drawObject(r.o, r.top, X, t0, t1, ph);
      else if (r.grp.folded) this.drawGroup(r.grp, r.top, r.h, X, t0, t1, ph, until);
    }
    this.drawArrows(this.gY, X, t0, t1, ph);
    if (this.selected) this.drawSelected(this.gY, X, x0, x1, ph);
    // labels over everything in their column
    for (let i = first; i < last; i++) {
      const r = rows[i];
      ctx.fillStyle = C.bg;
      ctx.fillRect(0, r.top, x0 - 4, r.h);
      if (i % 2 === 1) {
        ctx.fillStyle = C.stripe;
        ctx.fillRect(0, r.top, x0 - 4, r.h);
      }
      if (r.kind === 'g') this.drawGLabel(r.g, r.top, ph, r.member);
      else if (r.kind === 'o') this.drawOLabel(r.o, r.top, ph);
      else this.drawGroupLabel(r.grp, r.top, r.h, ph, until);
    }
    ctx.restore();
    if (this.scroll === null) this.placeFoldButtons(scroll);

    this.drawAxis(X, t0, t1, tickStep, W);
    const fmt = tr.steps ? stepFormat : tickFormat(tickStep / 10, t1);
    // playhead; when it is outside a zoomed view, its time stands at that edge
    const inView = ph >= t0 && ph <= t1;
    const px = Math.round(X(Math.min(Math.max(ph, t0), t1))) + 0.5;
    if (inView) {
      ctx.strokeStyle = C.playhead;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(px, AXIS_H - 4);
      ctx.lineTo(px, H);
      ctx.stroke();
    }
    const label = inView ? fmt(ph) : ph < t0 ? `← ${fmt(ph)}` : `${fmt(ph)} →`;
    ctx.font = `600 11px ${this.font}`;
    const tw = ctx.measureText(label).width + 10;
    const lx = Math.min(Math.max(px - tw / 2, x0), W - tw - 2);
    ctx.fillStyle = C.playhead;
    roundRect(ctx, lx, 3, tw, 17, 4);
    ctx.fill();
    ctx.fillStyle = C.bg;
    ctx.textAlign = 'left';
    ctx.fillText(label, lx + 5, 12);
  }

  drawAxis(X, t0, t1, step, W) {
    const ctx = this.ctx;
    const C = this.colors;
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, 0, W, AXIS_H);
    ctx.strokeStyle = C.grid;
    ctx.beginPath();
    ctx.moveTo(0, AXIS_H - 0.5);
    ctx.lineTo(W, AXIS_H - 0.5);
    ctx.stroke();
    ctx.font = `11px ${this.font}`;
    ctx.fillStyle = C.muted;
    ctx.textAlign = 'center';
    const fmt = this.trace.steps ? stepFormat : tickFormat(step, t1);
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = X(t);
      if (x > W - 20) break;
      ctx.fillText(t === 0 ? '0' : fmt(t), x, 12);
    }
    ctx.textAlign = 'left';
    ctx.fillText(this.view ? 'zoomed ·' : this.trace.steps ? 'events →' : 'time →', 8, 12);
  }

  drawGLabel(g, top, ph, member) {
    const ctx = this.ctx;
    const C = this.colors;
    if (member) {
      ctx.fillStyle = C.grid;
      ctx.fillRect(RAIL_X, top, 2, G_LANE_H);
    }
    const started = g.start <= ph;
    ctx.globalAlpha = started ? 1 : 0.45;
    ctx.fillStyle = this.gColor(g);
    ctx.beginPath();
    ctx.arc(12, top + G_LANE_H / 2, 4, 0, Math.PI * 2);
    ctx.fill();
    ctx.font = `${g.id === 1 ? 700 : 500} 12px ${this.font}`;
    ctx.fillStyle = g.deadlock !== null && g.deadlock <= ph ? C.panic : C.text;
    ctx.fillText(fit(ctx, g.name, this.labelW - 30), 22, top + G_LANE_H / 2);
    ctx.globalAlpha = 1;
  }

  /**
   * drawGroupLabel draws a group heading's label: a chevron that says whether it is folded,
   * the stem and how many, and, folded, how many are in each state at the playhead.
   */
  drawGroupLabel(grp, top, h, ph, until) {
    const ctx = this.ctx;
    const C = this.colors;
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
    ctx.font = `600 12px ${this.font}`;
    const dead = grp.members.some((g) => g.deadlock !== null && g.deadlock <= ph);
    ctx.fillStyle = dead ? C.panic : C.text;
    ctx.fillText(fit(ctx, groupName(grp), this.labelW - 30), 22, cy);
    ctx.globalAlpha = 1;
    if (!folded || grp.start > ph) return;
    // a swatch and a count for each state someone is in at the playhead
    const st = groupState(grp, until);
    ctx.font = `600 10px ${this.font}`;
    let x = 22;
    const y = top + 28;
    for (const [n, fill] of [[st.blocked, C.blocked], [st.working, C.working], [st.runnable, RUNNABLE],
      [st.sleeping, SLEEP], [st.running, C.running]]) {
      if (n === 0) continue;
      const text = String(n);
      const w = 9 + ctx.measureText(text).width;
      if (x + w > this.labelW - 6) break;
      if (fill === SLEEP || fill === RUNNABLE) {
        ctx.strokeStyle = fill === SLEEP ? C.sleeping : C.runnable;
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y - 3, 6, 6);
        ctx.fillStyle = this.hatchPattern(fill);
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
      ctx.font = `10px ${this.font}`;
      ctx.fillStyle = C.muted;
      ctx.fillText(fit(ctx, st.done === grp.members.length ? 'all returned' : `${st.done} returned`, this.labelW - 28), x, y);
    }
  }

  drawOLabel(o, top, ph) {
    const ctx = this.ctx;
    const C = this.colors;
    ctx.globalAlpha = o.t <= ph ? 1 : 0.45;
    ctx.font = `600 12px ${this.font}`;
    ctx.fillStyle = C.text;
    ctx.fillText(fit(ctx, o.name, this.labelW - 14), 8, top + 11);
    ctx.font = `11px ${this.font}`;
    ctx.fillStyle = C.muted;
    ctx.fillText(fit(ctx, objKindText(o), this.labelW - 14), 8, top + 25);
    ctx.globalAlpha = 1;
  }

  drawGoroutine(g, top, X, t0, t1, ph, until) {
    if (g.start > ph || g.start > t1) return;
    const ctx = this.ctx;
    const C = this.colors;
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
        ctx.fillStyle = this.hatchPattern();
        ctx.fillRect(xa, cy - bh / 2, xb - xa, bh);
      } else if (kind === RUNNABLE) {
        // opaque, so the running line does not show through: waiting for a processor is not
        // running
        const y = cy - bh / 2 + 2;
        ctx.fillStyle = C.bg;
        ctx.fillRect(xa, y, xb - xa, bh - 4);
        ctx.fillStyle = this.hatchPattern(RUNNABLE);
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
      for (const [kind, f] of [[RUNNABLE, fr], [SLEEP, fs], [WORK, fw], [BLOCKED, fb]]) {
        if (f <= 0) continue;
        ctx.globalAlpha = Math.min(1, Math.max(0.2, f * 1.5));
        drawSpan(kind, px, px + 1);
      }
      ctx.globalAlpha = 1;
      const tail = spans[j - 1];
      const tailEnd = spanX(tail);
      if (tailEnd > px + 1) drawSpan(tail.kind, px + 1, tailEnd - (tailEnd - px > 5 ? 1 : 0));
      i = j;
    }
    // marks: prints and panics
    const marks = g.marks;
    const mLast = upperBound(marks, ph, (m) => m.t);
    const xMax = X(t1) + 10;
    let lastMx = -10;
    let lastAx = -10;
    for (let i = lowerBound(marks, t0, (m) => m.t); i < mLast; i++) {
      const m = marks[i];
      const x = X(m.t);
      if (x > xMax) break;
      if (m.kind === 'error') {
        this.errorMark(x, cy);
      } else if (m.kind === 'deadlock') {
        this.deadlockMark(x, cy);
      } else if (m.kind === 'panic') {
        if (i > 0 && marks[i - 1].kind === 'error' && x - X(marks[i - 1].t) < 8) continue; // said already
        ctx.strokeStyle = C.panic;
        ctx.lineWidth = 2.5;
        ctx.beginPath();
        ctx.moveTo(x - 5, cy - 5);
        ctx.lineTo(x + 5, cy + 5);
        ctx.moveTo(x + 5, cy - 5);
        ctx.lineTo(x - 5, cy + 5);
        ctx.stroke();
      } else if (m.kind === 'atomic') {
        if (x - lastAx < 2) continue;
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
    }
    if (g.exit !== null && g.exit <= Math.min(ph, t1) && g.exitKind === 'exit') {
      const x = X(g.exit);
      ctx.fillStyle = C.running;
      ctx.fillRect(x - 1, cy - 5, 2, 10);
    }
  }

  /**
   * drawGroup draws a folded group's lane. In each pixel column it stacks, from the foot, how
   * many of the group were blocked, working, runnable, sleeping and running, averaged over the
   * column, the lane's height standing for all of them; then its members' marks, one of a kind
   * per column. The cost is the members times the columns in view, whatever the events number.
   */
  drawGroup(grp, top, h, X, t0, t1, ph, until) {
    if (grp.start > ph) return;
    const ctx = this.ctx;
    const C = this.colors;
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
        while (si + 1 < lastS && spans[si + 1].t0 <= t) si++;
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
    const fills = [C.blocked, C.working, this.hatchPattern(RUNNABLE), this.hatchPattern(), C.running];
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
    const W = Math.ceil(this.cssW) + 16;
    const seen = new Uint8Array(W);
    const big = [];
    for (const g of ms) {
      const marks = g.marks;
      const mLast = upperBound(marks, ph, (m) => m.t);
      for (let i = lowerBound(marks, t0, (m) => m.t); i < mLast; i++) {
        const m = marks[i];
        const x = X(m.t);
        if (x > xb + 10) break;
        const px = Math.min(W - 1, Math.max(0, Math.floor(x)));
        if (m.kind === 'atomic') {
          if (seen[px] & 1) continue;
          seen[px] |= 1;
          ctx.fillStyle = C.atomic;
          ctx.fillRect(x - 1, bandTop - 2, 2, 4);
        } else if (m.kind === 'print') {
          if (seen[px] & 2) continue;
          seen[px] |= 2;
          ctx.fillStyle = C.text;
          ctx.beginPath();
          ctx.arc(x, bandTop - 2, 2, 0, Math.PI * 2);
          ctx.fill();
        } else {
          big.push(m.kind, x);
        }
      }
    }
    // panics, refused borrows and deadlocks stand out, one per 8 px
    for (let i = 0; i < big.length; i += 2) {
      const x = big[i + 1];
      const px = Math.min(W - 1, Math.max(0, Math.floor(x / 8) * 8));
      if (seen[px] & 4) continue;
      seen[px] |= 4;
      if (big[i] === 'deadlock') this.deadlockMark(x, cy);
      else this.errorMark(x, cy);
    }
  }

  drawObject(o, top, X, t0, t1, ph) {
    if (o.t > ph) return;
    const ctx = this.ctx;
    const C = this.colors;
    const LH = objLaneH(o);
    const bot = top + LH - 4;
    const xStart = X(Math.max(o.t, t0));
    const xEnd = X(Math.min(ph, t1));
    ctx.fillStyle = C.grid;
    ctx.fillRect(xStart, bot, Math.max(0, xEnd - xStart), 1);
    const lane = { o, top, bot, h: LH - 8, X, t0, t1, ph, xStart, xEnd };
    switch (o.kind) {
      case 'chan': this.drawChan(lane); break;
      case 'mutex': this.drawMutex(lane); break;
      case 'atomic': case 'waitgroup': this.drawSteps(lane); break;
      case 'cell': this.drawCell(lane); break;
      case 'refcell': this.drawRefCell(lane); break;
    }
    this.drawObjMarks(lane);
  }

  drawChan({ o, top, bot, h, X, t0, ph, xStart, xEnd }) {
    const ctx = this.ctx;
    const C = this.colors;
    if (o.cap > 0) {
      // Occupancy as a step area; the lane's height is the capacity. A value counts from its
      // send's end until its receive began: then it was surely in the buffer.
      const cap = o.cap;
      const Y = (n) => bot - (Math.min(Math.max(n, 0), cap) / cap) * h;
      ctx.fillStyle = C.chan;
      ctx.globalAlpha = 0.07;
      ctx.fillRect(xStart, bot - h, xEnd - xStart, h);
      if (cap <= 8 && h / cap >= 4) {
        // one line per slot
        ctx.globalAlpha = 0.18;
        for (let s = 1; s <= cap; s++) ctx.fillRect(xStart, Math.round(Y(s)), xEnd - xStart, 1);
      }
      const fl = o.fill;
      const last = upperBound(fl, ph, (f) => f.t);
      let i = Math.min(upperBound(fl, t0, (f) => f.t), last);
      let n = i > 0 ? fl[i - 1].n : 0;
      ctx.beginPath();
      ctx.moveTo(xStart, bot);
      ctx.lineTo(xStart, Y(n));
      for (; i < last; i++) {
        const x = X(fl[i].t);
        if (x > xEnd) break;
        ctx.lineTo(x, Y(n));
        n = fl[i].n;
        ctx.lineTo(x, Y(n));
      }
      ctx.lineTo(xEnd, Y(n));
      ctx.lineTo(xEnd, bot);
      ctx.closePath();
      ctx.globalAlpha = 0.4;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = C.chan;
      ctx.lineWidth = 1.25;
      ctx.stroke();
      const now = last > 0 ? Math.min(Math.max(fl[last - 1].n, 0), cap) : 0;
      ctx.font = `10px ${this.font}`;
      const label = `${now}/${cap} buffered`;
      const w = ctx.measureText(label).width + 6;
      let lx = Math.max(this.labelW, Math.min(xEnd + 4, this.cssW - PAD_R - w));
      const tag = this.closedTag(o, X, top, ph);
      if (tag && lx < tag.x1 + 4 && lx + w > tag.x0 - 4) {
        // keep clear of the closed tag: after it, or else before it
        lx = tag.x1 + 4 + w <= this.cssW - PAD_R ? tag.x1 + 4 : tag.x0 - 4 - w;
      }
      // on a patch of background: the band under it may be full
      ctx.font = `10px ${this.font}`;
      if (lx >= this.labelW) labelOnBg(ctx, C, label, lx, top + 1, w, 13, 3, 0.85, 3, C.text);
    }
    // one tick per value taken out: full height when unbuffered, at the foot when buffered
    const rv = o.recvs;
    const last = upperBound(rv, ph, (r) => r.t);
    ctx.fillStyle = C.chan;
    const [ty, th] = o.cap > 0 ? [bot - 4, 5] : [top + 6, h - 2];
    let lastPx = -1;
    for (let i = lowerBound(rv, t0, (r) => r.t); i < last; i++) {
      const x = X(rv[i].t);
      if (x > xEnd + 1) break;
      const px = Math.floor(x);
      if (px === lastPx) continue;
      lastPx = px;
      ctx.globalAlpha = rv[i].closed ? 0.45 : 1;
      ctx.fillRect(x - 0.75, ty, 1.5, th);
    }
    ctx.globalAlpha = 1;
    if (o.closed !== null && o.closed <= ph) {
      // closed: a bar across the lane, a tag, and the lane dashed from there on
      const x = X(o.closed);
      if (x <= xEnd + 1) {
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
        const tag = this.closedTag(o, X, top, ph); // sets the tag's font
        roundRect(ctx, tag.x0, top + 3, tag.x1 - tag.x0, 13, 3);
        ctx.fill();
        ctx.fillStyle = C.bg;
        ctx.fillText('closed', tag.x0 + 4, top + 9.5);
      }
    }
  }

  /** closedTag is where the "closed" tag of channel o stands, {x0, x1}; null before the close. */
  closedTag(o, X, top, ph) {
    if (o.closed === null || o.closed > ph) return null;
    const ctx = this.ctx;
    ctx.font = `700 10px ${this.font}`;
    const w = ctx.measureText('closed').width + 8;
    const x0 = Math.min(X(o.closed) + 3, this.cssW - PAD_R - w);
    return { x0, x1: x0 + w };
  }

  drawMutex({ o, top, h, X, t0, t1, ph }) {
    const ctx = this.ctx;
    const C = this.colors;
    const hs = o.holds;
    const last = upperBound(hs, ph, (s) => s.t0);
    ctx.font = `11px ${this.font}`;
    let lastPx = -1;
    for (let i = lowerBound(hs, t0, spanEnd); i < last; i++) {
      const s = hs[i];
      const xa = X(s.t0);
      if (xa > X(t1) + 1) break;
      const released = s.t1 !== null && s.t1 <= ph;
      const xb = Math.max(xa + 1, X(Math.min(released ? s.t1 : ph, t1)));
      if (xb - xa < 2 && Math.floor(xa) === lastPx) continue;
      lastPx = Math.floor(xa);
      const g = this.trace.goroutine(s.g);
      ctx.fillStyle = g ? this.gColor(g, 0.8) : C.working;
      ctx.fillRect(xa, top + 5, xb - xa, h - 2);
      if (xb - xa > 30) {
        // the holder, and what the mutex guards: as locked, then as left at the unlock
        // (the colour names the holder: when both do not fit, the value goes first)
        const v = released && s.v1 !== null ? s.v1 : s.v0;
        const name = g ? g.name : '';
        let text = v === null ? name : `${name}: ${v}`;
        if (v !== null && ctx.measureText(text).width > xb - xa - 6) text = v;
        ctx.fillStyle = C.bg;
        ctx.fillText(fit(ctx, text, xb - xa - 6), xa + 3, top + 5 + (h - 2) / 2);
      }
    }
  }

  // drawSteps draws a number stepping: an atomic's value or a waitgroup's counter.
  drawSteps({ o, top, bot, h, X, t0, ph, xStart, xEnd }) {
    const ctx = this.ctx;
    const C = this.colors;
    const color = o.kind === 'waitgroup' ? C.wg : C.atomic;
    const st = o.steps;
    const last = upperBound(st, ph, (s) => s.t);
    const lo = o.min;
    const span = o.max - o.min || 1;
    const Y = (v) => bot - 2 - ((v - lo) / span) * (h - 14);
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let i = lowerBound(st, t0, (s) => s.t);
    let v = i > 0 ? st[i - 1].new : o.initial;
    ctx.moveTo(xStart, Y(v));
    let lastPx = -1;
    for (; i < last; i++) {
      const s = st[i];
      const x = X(s.t);
      if (x > xEnd + 1) break;
      if (Math.floor(x) !== lastPx) {
        lastPx = Math.floor(x);
        ctx.lineTo(x, Y(v));
      }
      // steps in one pixel column stay a vertical stroke, never a slope
      ctx.lineTo(x, Y(s.new));
      v = s.new;
    }
    ctx.lineTo(xEnd, Y(v));
    ctx.stroke();
    if (o.kind === 'waitgroup') {
      // while the counter is above zero, Wait blocks: shade it faintly
      ctx.globalAlpha = 0.12;
      ctx.fillStyle = color;
      let j = lowerBound(st, t0, (s) => s.t);
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
    }
    // the numbers, where there is room; always the latest
    const from = lowerBound(st, t0, (s) => s.t);
    this.labelRow(st, from, last, (s, latest) => (!latest && s.op === 'load' && s.new === s.old ? null : String(s.new)),
      String(o.initial), o.t >= t0, top + 8, X, xStart);
    // who touched it
    let lastDot = -1;
    for (let j = from; j < last; j++) {
      const s = st[j];
      const x = X(s.t);
      if (x > xEnd + 1) break;
      if (Math.floor(x) === lastDot) continue;
      lastDot = Math.floor(x);
      const g = this.trace.goroutine(s.g);
      ctx.fillStyle = g ? this.gColor(g) : color;
      ctx.fillRect(x - 1, bot - 3, 2, 4);
    }
  }

  // drawCell draws a Cell: its value as a band that changes at every set, and each get as a
  // small read mark with the value read.
  drawCell({ o, top, bot, X, t0, ph, xStart, xEnd }) {
    const ctx = this.ctx;
    const C = this.colors;
    const bandTop = top + 4;
    const bandH = 16;
    const st = o.steps;
    const last = upperBound(st, ph, (s) => s.t);
    let i = Math.min(upperBound(st, t0, (s) => s.t), last);
    ctx.font = `600 10px ${this.font}`;
    const seg = (xa, xb, value, k) => {
      if (xb <= xa) return;
      ctx.fillStyle = C.cell;
      ctx.globalAlpha = k % 2 ? 0.3 : 0.18;
      ctx.fillRect(xa, bandTop, xb - xa, bandH);
      ctx.globalAlpha = 1;
      if (xb - xa > 14) {
        ctx.fillStyle = C.text;
        ctx.fillText(fit(ctx, value, xb - xa - 6), xa + 3, bandTop + bandH / 2);
      }
    };
    let value = i > 0 ? st[i - 1].value : o.initial;
    let xa = xStart;
    let lastPx = -1;
    for (; i < last; i++) {
      const x = X(st[i].t);
      if (x > xEnd + 1) break;
      seg(xa, x, value, i);
      value = st[i].value;
      xa = x;
      if (Math.floor(x) !== lastPx) {
        lastPx = Math.floor(x);
        const g = this.trace.goroutine(st[i].g);
        ctx.fillStyle = g ? this.gColor(g) : C.cell;
        ctx.fillRect(x - 1, bandTop - 1, 2, bandH + 2);
      }
    }
    seg(xa, xEnd, value, i);
    // reads
    const rd = o.reads;
    const rLast = upperBound(rd, ph, (r) => r.t);
    let lastRight = -Infinity;
    lastPx = -1;
    ctx.font = `9px ${this.font}`;
    const ry = bandTop + bandH + 2;
    for (let j = lowerBound(rd, t0, (r) => r.t); j < rLast; j++) {
      const r = rd[j];
      const x = X(r.t);
      if (x > xEnd + 1) break;
      if (Math.floor(x) === lastPx) continue;
      lastPx = Math.floor(x);
      const g = this.trace.goroutine(r.g);
      ctx.fillStyle = g ? this.gColor(g) : C.cell;
      ctx.beginPath();
      ctx.moveTo(x, ry);
      ctx.lineTo(x - 3, ry + 5);
      ctx.lineTo(x + 3, ry + 5);
      ctx.closePath();
      ctx.fill();
      const w = ctx.measureText(r.value).width;
      if (x + 5 > lastRight && x + 5 + w < this.cssW - PAD_R && w < 80) {
        ctx.fillStyle = C.muted;
        ctx.fillText(r.value, x + 5, Math.min(ry + 4, bot - 3));
        lastRight = x + 5 + w + 4;
      }
    }
  }

  // drawRefCell draws a RefCell: its borrow state as a band (free: empty; n shared borrows:
  // n stacked bars; borrowed mutably: one solid bar), and its contents above, at each change.
  drawRefCell({ o, top, bot, X, t0, ph, xStart, xEnd }) {
    const ctx = this.ctx;
    const C = this.colors;
    const bandTop = top + 16;
    const bandH = bot - 1 - bandTop;
    const rows = Math.min(Math.max(o.maxShared, 2), 5);
    const rowH = bandH / rows;
    const st = o.steps;
    const last = upperBound(st, ph, (s) => s.t);
    let i = Math.min(upperBound(st, t0, (s) => s.t), last);
    const seg = (xa, xb, s) => {
      if (!s || xb - xa <= 0 || s.borrows === 0) return;
      const w = xb - xa;
      if (s.borrows < 0) {
        ctx.fillStyle = C.mut;
        ctx.fillRect(xa, bandTop, w, bandH);
        if (w > 24) {
          const g = this.trace.goroutine(s.g);
          ctx.font = `700 10px ${this.font}`;
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
        ctx.font = `700 10px ${this.font}`;
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
    const cLast = upperBound(ch, ph, (c) => c.t);
    this.labelRow(ch, lowerBound(ch, t0, (c) => c.t), cLast, (c) => c.value, o.initial, o.t >= t0, top + 8, X, xStart);
  }

  /**
   * labelRow writes the values of items[from..last) (each with t) at y where there is room,
   * the latest in bold; text(item, latest) gives an item's label (null: none, but only
   * when not the latest). The initial value opens the row when shown is true and the row
   * starts at the first item.
   */
  labelRow(items, from, last, text, initial, shown, y, X, xStart) {
    const ctx = this.ctx;
    const C = this.colors;
    let lastRight = -Infinity;
    const latest = last > 0 ? items[last - 1] : null;
    const latestLabel = latest ? text(latest, true) : initial;
    ctx.font = `700 10px ${this.font}`;
    const latestW = ctx.measureText(latestLabel).width;
    const latestX = Math.max(xStart + 2, Math.min(latest ? X(latest.t) + 2 : xStart + 2, this.cssW - PAD_R - latestW));
    ctx.font = `10px ${this.font}`;
    if (from === 0 && shown && latest) {
      // the value it was made with
      const w = ctx.measureText(initial).width;
      if (xStart + 2 + w < latestX - 4) {
        ctx.fillStyle = C.muted;
        ctx.fillText(initial, xStart + 2, y);
        lastRight = xStart + 2 + w;
      }
    }
    ctx.fillStyle = C.text;
    for (let j = from; j < last - 1; j++) {
      const label = text(items[j]);
      if (label === null) continue;
      const x = X(items[j].t) + 2;
      if (x < lastRight + 4) continue;
      const w = ctx.measureText(label).width;
      if (x + w > latestX - 4) break;
      ctx.fillText(label, x, y);
      lastRight = x + w;
    }
    ctx.font = `700 10px ${this.font}`;
    ctx.fillText(latestLabel, latestX, y);
  }

  // drawObjMarks draws what stands out on an object's lane: Rust's not-Sync warnings and
  // refused borrows.
  drawObjMarks({ o, top, bot, X, t0, ph, xEnd }) {
    const ms = o.marks;
    const last = upperBound(ms, ph, (m) => m.t);
    let lastPx = -10;
    for (let i = lowerBound(ms, t0 - 1, (m) => m.t); i < last; i++) {
      const m = ms[i];
      if (m.kind === 'close') continue; // drawn with the channel
      const x = X(m.t);
      if (x > xEnd + 8) break;
      if (x - lastPx < 4) continue;
      lastPx = x;
      if (m.kind === 'warn') this.warnMark(x, top + 9);
      else if (m.kind === 'deadlock') this.deadlockMark(x, (top + bot) / 2);
      else this.errorMark(x, (top + bot) / 2, top, bot);
    }
  }

  /** warnMark is an amber triangle with "!" at (x, y): something Rust would reject. */
  warnMark(x, y) {
    const ctx = this.ctx;
    ctx.fillStyle = this.colors.warn;
    ctx.beginPath();
    ctx.moveTo(x, y - 7);
    ctx.lineTo(x + 7.5, y + 6);
    ctx.lineTo(x - 7.5, y + 6);
    ctx.closePath();
    ctx.fill();
    ctx.fillStyle = '#000';
    ctx.fillRect(x - 0.75, y - 3, 1.5, 5);
    ctx.fillRect(x - 0.75, y + 3, 1.5, 1.5);
  }

  /**
   * deadlockMark is a no-entry sign at (x, y), ringed in the background colour so it reads on
   * a blocked stretch: a goroutine blocked for good, or what it waits on.
   */
  deadlockMark(x, y) {
    const ctx = this.ctx;
    const C = this.colors;
    ctx.fillStyle = C.bg;
    ctx.beginPath();
    ctx.arc(x, y, 9, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = C.panic;
    ctx.beginPath();
    ctx.arc(x, y, 7.5, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#fff';
    ctx.fillRect(x - 4.5, y - 1.25, 9, 2.5);
  }

  /** errorMark is a red disc with "!" at (x, y), with a line across the lane from top to bot. */
  errorMark(x, y, top, bot) {
    const ctx = this.ctx;
    const C = this.colors;
    ctx.fillStyle = C.panic;
    if (top !== undefined) ctx.fillRect(x - 1, top + 2, 2, bot - top - 2);
    ctx.beginPath();
    ctx.arc(x, y, 6.5, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#fff';
    ctx.fillRect(x - 1, y - 4, 2, 5);
    ctx.fillRect(x - 1, y + 2, 2, 2);
  }

  drawArrows(gY, X, t0, t1, ph) {
    const tr = this.trace;
    const arrows = tr.arrows;
    const first = lowerBound(arrows, t0, (a) => a.t1);
    const end = Math.min(ph, t1);
    const n = upperBound(arrows, end, (a) => a.t1) - first;
    // and those leaving the view on the right, which end within the longest arrow of it
    const last = end < ph ? upperBound(arrows, Math.min(ph, t1 + tr.maxArrow), (a) => a.t1) : first + n;
    if (last <= first) return;
    const ctx = this.ctx;
    const C = this.colors;
    if (n > MAX_ARROWS) {
      // Thousands of arrows would only paint the lanes over: say so instead.
      const text = `${n.toLocaleString()} sends in view; zoom in to see their arrows`;
      ctx.font = `600 11px ${this.font}`;
      const w = ctx.measureText(text).width + 12;
      const x = this.cssW - PAD_R - w;
      const y = this.scrollTop() + AXIS_H + 4;
      labelOnBg(ctx, C, text, x, y, w, 18, 4, 0.9, 6);
      return;
    }
    const dense = n > 300;
    ctx.strokeStyle = C.arrow;
    ctx.fillStyle = C.arrow;
    ctx.lineWidth = dense ? 0.75 : 1.25;
    ctx.globalAlpha = dense ? 0.5 : 0.9;
    const labels = n <= 80;
    ctx.font = `600 10px ${this.font}`;
    const heads = [];
    // Arrows that would land on the same pixels as one already drawn are skipped: a dense run
    // costs what the screen can show, not what the trace holds.
    const seen = dense ? new Set() : null;
    ctx.beginPath();
    for (let i = first; i < last; i++) {
      const a = arrows[i];
      if (a.t0 > t1) continue;
      const from = tr.goroutine(a.from);
      const to = tr.goroutine(a.to);
      if (!from || !to) continue;
      const xa = X(a.t0);
      const xb = X(a.t1);
      if (seen) {
        const key = ((Math.floor(xb) * 8192 + Math.floor(xa)) * 512 + (this.gRow[from.lane] & 511)) * 512 + (this.gRow[to.lane] & 511);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      const ya = gY[from.lane];
      const yb = gY[to.lane];
      ctx.moveTo(xa, ya);
      ctx.lineTo(xb, yb);
      if (!dense) heads.push(xa, ya, xb, yb, i);
    }
    ctx.stroke();
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
        if (this.rows[this.gRow[tr.goroutine(a.from).lane]].kind === 'group') continue;
        // the value rides at the tail, on the sender's lane, where sends stay apart
        const w = ctx.measureText(text).width + 6;
        const lx = Math.min(xa + 3, this.cssW - PAD_R - w);
        const ly = ya + (yb < ya ? 4 : -14);
        if (Math.abs(lx - lastLabelX) < w && Math.abs(ly - lastLabelY) < 12) continue;
        lastLabelX = lx;
        lastLabelY = ly;
        labelOnBg(ctx, C, text, lx, ly, w, 11, 3, 0.85, 3);
      }
    }
  }

  /**
   * drawSelected rings the event clicked and its partner (faint while the playhead has not
   * reached it), joined by a dashed line.
   */
  drawSelected(gY, X, x0, x1, ph) {
    const ctx = this.ctx;
    const C = this.colors;
    const at = (e) => {
      const g = this.trace.goroutine(e.g || e.child);
      return g ? [X(e.t), gY[g.lane]] : null;
    };
    const { e, p } = this.selected;
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

  // ——— input ———

  /**
   * hitAt is what is under the pointer: {e} for the nearest event on the lane within a few
   * pixels, {e, span} for a goroutine's span (e begins it) or a mutex hold (e is its lock),
   * {group, t} on a group's heading or on a folded group's lane away from its members'
   * events (near one: {e, group, t}), or null. Only what the playhead has reached counts.
   */
  hitAt(ev) {
    const tr = this.trace;
    if (!tr || tr.events.length === 0) return null;
    const r = this.canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const y = ev.clientY - r.top;
    if (x < this.labelW - 4 || y < AXIS_H) return null;
    const i = this.rowAt(y + this.scrollTop());
    if (i < 0) return null;
    const row = this.rows[i];
    const [t0, t1] = this.range();
    const k = (this.cssW - PAD_R - this.labelW) / (t1 - t0);
    const t = t0 + (x - this.labelW) / k;
    const tol = 6 / k;
    const ph = this.playhead;
    const grp = row.kind === 'group' ? row.grp : null;
    if (grp) {
      const inLife = t >= grp.start && t <= Math.min(ph, this.ended ? this.endT : ph);
      if (!grp.folded) return inLife ? { group: grp, t } : null;
    }
    const g = row.kind === 'g' ? row.g : null;
    const o = row.kind === 'o' ? row.o : null;
    let mine;
    if (g) {
      mine = (e) => e.g === g.id || (e.kind === 'go' && e.child === g.id);
    } else if (o) {
      mine = (e) => e.obj === o.id;
    } else {
      const ids = new Set(grp.members.map((m) => m.id));
      mine = (e) => ids.has(e.g) || (e.kind === 'go' && ids.has(e.child));
    }
    const evs = tr.events;
    const end = upperBound(evs, Math.min(t + tol, ph), (e) => e.t);
    let best = null;
    for (let j = lowerBound(evs, t - tol, (e) => e.t), seen = 0; j < end && seen < 5000; j++, seen++) {
      const e = evs[j];
      if (mine(e) && (!best || Math.abs(e.t - t) < Math.abs(best.t - t))) best = e;
    }
    if (best) return grp ? { e: best, group: grp, t: best.t } : { e: best };
    if (t > ph) return null;
    if (grp) return t >= grp.start ? { group: grp, t } : null;
    if (g) {
      const sp = g.spans;
      const s = sp[upperBound(sp, t, (x) => x.t0) - 1];
      const stop = g.exit ?? (this.ended ? this.endT : ph);
      if (s && t <= (s.t1 ?? stop)) {
        const e = eventBySeq(tr, s.seq);
        if (e) return { e, span: { t0: s.t0, t1: s.t1, open: s.t1 === null, kind: s.kind, until: Math.min(s.t1 ?? stop, ph) } };
      }
    } else if (o.kind === 'mutex') {
      const hs = o.holds;
      const h = hs[upperBound(hs, t, (x) => x.t0) - 1];
      if (h && t <= (h.t1 ?? ph)) {
        for (let j = lowerBound(evs, h.t0, (e) => e.t); j < evs.length && evs[j].t === h.t0; j++) {
          const e = evs[j];
          if (e.kind === 'lock-end' && e.g === h.g && e.obj === o.id) {
            return { e, span: { t0: h.t0, t1: h.t1, open: h.t1 === null, kind: 'held', until: Math.min(h.t1 ?? ph, ph) } };
          }
        }
      }
    }
    return null;
  }

  /** showTip shows what hit is beside the pointer; null hides it. */
  showTip(hit, ev) {
    const tip = this.tip;
    if (!hit) {
      tip.hidden = true;
      return;
    }
    const tr = this.trace;
    const { e, span, group } = hit;
    const rows = [];
    const ms = (x) => `${(this.realT(x) / 1e6).toFixed(3)} ms`;
    const groupText = group ? `${groupName(group)}: ${stateText(groupState(group, hit.t))}` : '';
    let headText;
    if (e) {
      headText = describe(tr, e);
      this.tipRows(hit, rows, ms);
      if (group) rows.push(groupText);
    } else {
      headText = groupText;
      rows.push(`at ${ms(hit.t)}`);
      rows.push(group.folded ? 'click its name to unfold' : 'click its name to fold');
    }
    const head = document.createElement('strong');
    head.textContent = headText;
    tip.replaceChildren(head, ...rows.map((text) => {
      const s = document.createElement('span');
      s.textContent = text;
      return s;
    }));
    tip.hidden = false;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    let left = ev.clientX + 14;
    let top = ev.clientY + 16;
    if (left + w > window.innerWidth - 4) left = Math.max(4, ev.clientX - 14 - w);
    if (top + h > window.innerHeight - 4) top = Math.max(4, ev.clientY - 12 - h);
    tip.style.left = `${left}px`;
    tip.style.top = `${top}px`;
  }

  // tipRows adds the lines that tell about an event or span hit under the heading.
  tipRows({ e, span }, rows, ms) {
    const tr = this.trace;
    const who = e.g ? tr.gName(e.g) : tr.gName(e.child);
    if (span) {
      const what = span.kind === 'held' ? `${tr.oName(e.obj)} held by ${who}` : `${who} ${SPAN_TEXT[span.kind] || 'blocked'}`;
      rows.push(`${what} for ${formatDuration(this.realT(span.until) - this.realT(span.t0))}${span.open ? ' so far' : ''}`);
      rows.push(`${ms(span.t0)} – ${span.open ? '…' : ms(span.t1)}`);
    } else {
      rows.push(`${who} · at ${ms(e.t)}`);
    }
    if (e.value !== undefined && e.value !== '') rows.push(`value: ${e.value}`);
    if (e.line) rows.push(`line ${e.line}`);
  }

  /** select picks event e (null: none): it and its partner are ringed. */
  select(e) {
    const p = e ? partner(this.trace, e) : null;
    const was = this.selected;
    this.selected = e ? { e, p } : null;
    if (was || e) {
      this.request();
      this.onSelect(e, p);
    }
  }

  bindInput() {
    const c = this.canvas;
    const tAt = (ev) => {
      const r = c.getBoundingClientRect();
      const [t0, t1] = this.range();
      const k = (this.cssW - PAD_R - this.labelW) / (t1 - t0);
      return t0 + (ev.clientX - r.left - this.labelW) / k;
    };
    // Ctrl+wheel (and a trackpad pinch) zooms around the pointer; Shift+wheel or a sideways
    // swipe pans a zoomed view; a plain wheel scrolls the lanes. The wrapper listens, so the
    // group headings' buttons zoom too.
    this.wrap.addEventListener('wheel', (ev) => {
      if (!this.trace) return;
      const sideways = Math.abs(ev.deltaX) > Math.abs(ev.deltaY);
      if (ev.ctrlKey || ev.metaKey) {
        ev.preventDefault();
        const unit = ev.deltaMode === 1 ? 33 : ev.deltaMode === 2 ? 400 : 1;
        this.zoom(Math.exp(ev.deltaY * unit * 0.0025), tAt(ev));
      } else if (this.view && (ev.shiftKey || sideways)) {
        ev.preventDefault();
        const d = sideways ? ev.deltaX : ev.deltaY;
        const [t0, t1] = this.range();
        this.pan((d / Math.max(1, this.cssW - this.labelW - PAD_R)) * (t1 - t0));
      }
    }, { passive: false });
    c.addEventListener('dblclick', () => this.fit());
    // A mouse drag scrubs at once; a finger scrubs once it moves sideways or lifts where it
    // landed, so a vertical swipe still scrolls the lanes.
    let drag = null;
    const scrub = (on) => {
      if (!on) drag = null;
      if (this.dragging === on) return;
      this.dragging = on;
      this.onState();
    };
    c.addEventListener('pointerdown', (ev) => {
      if (!this.trace || ev.button !== 0) return;
      const r = c.getBoundingClientRect();
      if (ev.clientX - r.left < this.labelW) return;
      const touch = ev.pointerType === 'touch';
      if (touch && fingers.size > 0) return; // a second finger pinches (below)
      // pressing an event picks it (on release, unless the pointer moves on to scrub); a
      // group's lane away from an event has nothing to pick
      const found = this.hitAt(ev);
      const hit = found && found.e ? found : null;
      this.tip.hidden = true;
      drag = { x: ev.clientX, y: ev.clientY, active: !touch && !hit, hit };
      if (!touch) {
        c.setPointerCapture(ev.pointerId);
        if (!hit) {
          scrub(true);
          this.select(null);
          this.seek(tAt(ev));
        }
      }
    });
    c.addEventListener('pointermove', (ev) => {
      if (!drag) {
        // hovering an event or a span tells what it is
        if (ev.pointerType === 'mouse') this.showTip(this.hitAt(ev), ev);
        return;
      }
      const dx = Math.abs(ev.clientX - drag.x);
      if (!drag.active && dx > (drag.hit && ev.pointerType !== 'touch' ? 4 : 8) && dx > Math.abs(ev.clientY - drag.y)) {
        drag.active = true;
        scrub(true);
      }
      if (drag.active) this.seek(tAt(ev));
    });
    c.addEventListener('pointerup', (ev) => {
      if (drag && !drag.active && Math.hypot(ev.clientX - drag.x, ev.clientY - drag.y) < 8) {
        if (drag.hit) {
          this.select(drag.hit.e);
        } else {
          this.select(null);
          this.seek(tAt(ev));
        }
      }
      scrub(false);
    });
    c.addEventListener('pointercancel', () => scrub(false));
    c.addEventListener('pointerleave', () => { this.tip.hidden = true; });
    c.addEventListener('wheel', () => { this.tip.hidden = true; }, { passive: true });

    // Two fingers zoom the time around their midpoint as they spread or close, and pan as it
    // moves: sideways through time, up and down through the lanes. The wrapper listens, as a
    // finger may land on a group heading's button.
    const fingers = new Map(); // pointerId → {x, y}
    let pinch = null;
    const plotW = () => Math.max(1, this.cssW - PAD_R - this.labelW);
    const midpoint = () => {
      const [a, b] = fingers.values();
      return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, d: Math.max(16, Math.hypot(a.x - b.x, a.y - b.y)) };
    };
    const w = this.wrap;
    w.addEventListener('pointerdown', (ev) => {
      if (ev.pointerType !== 'touch') return;
      fingers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
      if (fingers.size !== 2 || !this.trace) return;
      scrub(false);
      this.tip.hidden = true;
      const m = midpoint();
      const [t0, t1] = this.range();
      const left = c.getBoundingClientRect().left + this.labelW;
      pinch = { m, span: t1 - t0, at: t0 + ((m.x - left) / plotW()) * (t1 - t0), scroll: w.scrollTop };
    });
    w.addEventListener('pointermove', (ev) => {
      const f = fingers.get(ev.pointerId);
      if (!f) return;
      f.x = ev.clientX;
      f.y = ev.clientY;
      if (!pinch || fingers.size !== 2 || !this.trace) return;
      const m = midpoint();
      const full = this.domain;
      const span = Math.min(Math.max(pinch.span * (pinch.m.d / m.d), 1000), full);
      if (span >= full) {
        this.view = null;
      } else {
        const left = c.getBoundingClientRect().left + this.labelW;
        const n0 = pinch.at - ((m.x - left) / plotW()) * span;
        const t0 = Math.min(Math.max(n0, 0), full - span);
        this.view = { t0, t1: t0 + span };
      }
      w.scrollTop = pinch.scroll - (m.y - pinch.m.y);
      this.request();
    });
    const lift = (ev) => {
      if (!fingers.delete(ev.pointerId)) return;
      // the finger left behind neither scrubs nor picks: the gesture is over
      if (fingers.size < 2) pinch = null;
      if (fingers.size > 0) scrub(false);
    };
    w.addEventListener('pointerup', lift);
    w.addEventListener('pointercancel', lift);
    // touch-action: pan-y leaves a one-finger swipe to the browser (the lanes and the page
    // scroll) and keeps it from zooming the page; two fingers are the timeline's alone.
    w.addEventListener('touchmove', (ev) => {
      if (ev.touches.length > 1 && ev.cancelable) ev.preventDefault();
    }, { passive: false });
  }
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

const SPAN_TEXT = { [WORK]: 'working', [SLEEP]: 'sleeping', [RUNNABLE]: 'runnable: waiting for a processor' };

const groupName = (grp) => `${grp.stem} ×${grp.members.length}`;

/**
 * groupState counts the goroutines of grp by what they do at t: blocked, working, runnable,
 * sleeping, running, done (returned or panicked) and later (not yet started).
 */
function groupState(grp, t) {
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
function stateText(c) {
  const parts = [];
  for (const [n, what] of [[c.blocked, 'blocked'], [c.working, 'working'], [c.runnable, 'runnable'],
    [c.sleeping, 'sleeping'], [c.running, 'running'], [c.done, 'returned'], [c.later, 'not started']]) {
    if (n > 0) parts.push(`${n} ${what}`);
  }
  return parts.join(', ') || 'none';
}

function objLaneH(o) {
  switch (o.kind) {
    case 'atomic': case 'waitgroup': case 'refcell': return STEP_LANE_H;
    case 'chan': return o.cap > 0 ? BUF_LANE_H : O_LANE_H;
    case 'cell': return CELL_LANE_H;
  }
  return O_LANE_H;
}

const KIND_TEXT = { waitgroup: 'WaitGroup', cell: 'Cell', refcell: 'RefCell' };

function objKindText(o) {
  if (o.kind === 'chan') return o.cap ? `chan, buffer ${o.cap}` : 'chan, unbuffered';
  return KIND_TEXT[o.kind] || o.kind;
}

/** fit shortens text with an ellipsis to fit width px in ctx's font. */
function fit(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? `${text.slice(0, lo)}…` : '';
}

// labelOnBg writes text (in the arrow colour unless told) on a rounded, translucent patch of
// background, so a label stays readable over the marks behind it; pad is the text's left inset.
function labelOnBg(ctx, C, text, x, y, w, h, r, alpha, pad, color = C.arrow) {
  ctx.fillStyle = C.bg;
  ctx.globalAlpha = alpha;
  roundRect(ctx, x, y, w, h, r);
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.fillStyle = color;
  ctx.fillText(text, x + pad, y + h / 2);
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  if (ctx.roundRect) {
    ctx.roundRect(x, y, w, h, r);
  } else {
    ctx.rect(x, y, w, h);
  }
}
