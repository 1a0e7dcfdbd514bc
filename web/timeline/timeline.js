// The canvas timeline: one lane per goroutine (main first) and one per object, time running
// left to right, and only what happened by the playhead drawn. Timeline is the state its
// parts share (each a module of functions of it) and the page's way in. Frames are requested
// only while something moves.

import { drawFrame } from './draw.js';
import { bindInput, key } from './input.js';
import { layout } from './layout.js';
import { columns, readColors } from './paint.js';
import { MIN_DOMAIN, advance, dataArrived, finish, pan, replay, seek, showSpan, startLive, swapTrace, togglePlay } from './playback.js';

export class Timeline {
  /**
   * canvas is drawn on; wrap is its scrolling container. onFrame(count, playhead) is called
   * when the number of events at or before the playhead changes; onState() when playing,
   * live, ended or dragging change; onSelect(event, partner) when a click picks an event
   * (null: none); onLook() when the playhead or the part of the run in view has moved.
   */
  constructor(canvas, wrap, { onFrame = () => {}, onState = () => {}, onSelect = () => {}, onLook = () => {} } = {}) {
    this.canvas = canvas;
    this.wrap = wrap;
    this.ctx = canvas.getContext('2d');
    this.onFrame = onFrame;
    this.onState = onState;
    this.onSelect = onSelect;
    this.onLook = onLook;
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
    this.placeOptions = null; // places a steered run's options at each frame, once they have come

    this.cssW = 0;
    this.cssH = 0;
    this.contentH = 0;
    this.labelW = 90;
    this.lanes = 0; // lane count the layout was made for
    this.elided = new Set(); // the lane names the last frame shortened (hovering one shows it)
    this.reserved = 0; // the least height, px (reserve)
    this.colors = {};
    // rows: what stands one above the other, {kind: 'g' | 'group' | 'o', top, h, g, grp, o},
    // in content px; gY[g.lane] and gRow[g.lane]: the centre and row a goroutine is drawn at
    // (a folded group's, for its members); oY[o.lane]: an object lane's centre
    this.rows = [];
    this.gY = new Float64Array(0);
    this.oY = new Float64Array(0);
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

    readColors(this);
    const dark = window.matchMedia('(prefers-color-scheme: dark)');
    dark.addEventListener('change', () => {
      readColors(this);
      this.request();
    });
    let lastW = 0;
    new ResizeObserver(() => {
      if (wrap.clientWidth !== lastW) {
        lastW = wrap.clientWidth;
        layout(this, true);
      }
    }).observe(wrap);
    window.addEventListener('resize', () => layout(this, true));
    wrap.addEventListener('scroll', () => this.request(), { passive: true });
    // Zoom or a screen of another pixel ratio: redraw sharp, and watch for the next change.
    const watchRatio = () => {
      matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`).addEventListener('change', () => {
        layout(this, true);
        watchRatio();
      }, { once: true });
    };
    watchRatio();
    bindInput(this);
    layout(this, true);
    // The painters' quick way to what a pixel column holds comes after the page, which does
    // not need it to show a run of a few thousand events; until then they walk (paint.js).
    const quick = () => import('./columns.js').then((m) => {
      Object.assign(columns, m);
      this.request();
    }, (err) => console.error(`the timeline's column summaries did not load: ${err.message}`));
    if (document.readyState === 'complete') quick();
    else window.addEventListener('load', quick, { once: true });
  }

  /**
   * reserve keeps the timeline at least px tall from now on (within the screen's share), so
   * that a run that starts without a click — a seeded link — does not push the page down as
   * its lanes come in.
   */
  reserve(px) {
    this.reserved = px;
    layout(this, true);
  }

  setSpeed(s) {
    if (s > 0) this.speed = s;
  }

  /** range is the time span on screen. */
  range() {
    return this.view ? [this.view.t0, this.view.t1] : [0, this.domain];
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

  // ——— frames ———

  request() {
    if (!this.raf) this.raf = requestAnimationFrame((now) => this.frame(now));
  }

  frame(now) {
    this.raf = 0;
    const tr = this.trace;
    const again = tr && advance(this, now);
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
  // plays, how many lanes stand one above the other (a folded group is one) and how many
  // lane names in view are shortened on the canvas's data attributes, for tests and tools.
  publish() {
    const d = this.canvas.dataset;
    const ph = String(Math.round(this.playhead));
    const view = this.view ? `${Math.round(this.view.t0)}-${Math.round(this.view.t1)}` : 'all';
    const playing = String(this.playing);
    const rows = String(this.rows.length);
    const elided = String(this.elided.size);
    const axis = this.trace && this.trace.steps ? 'steps' : 'time';
    if (d.axis !== axis) d.axis = axis;
    const looked = d.playhead !== ph || d.view !== view;
    if (d.playhead !== ph) d.playhead = ph;
    if (d.view !== view) d.view = view;
    if (looked) this.onLook();
    if (d.playing !== playing) d.playing = playing;
    if (d.rows !== rows) d.rows = rows;
    if (d.elided !== elided) d.elided = elided;
  }

  draw() {
    drawFrame(this);
  }

  /**
   * setOptions marks a steered run's options on the lanes (options.js, which comes with the
   * first choice; until then placeOptions is null).
   */
  setOptions(options) {
    this.optionsModule ||= import('./options.js');
    this.optionsModule.then((m) => {
      this.placeOptions = m.placeOptions;
      m.setOptions(this, options);
    }, (err) => console.error(`the steered run's options did not load: ${err.message}`));
  }
}

// The rest of the page's API is the parts': see playback.js and input.js.
for (const [name, fn] of Object.entries({ startLive, swapTrace, dataArrived, finish, togglePlay, replay, seek, pan, showSpan, key })) {
  Timeline.prototype[name] = function (...args) {
    return fn(this, ...args);
  };
}
