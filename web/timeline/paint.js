// What the painters share: geometry, colours, textures, marks and text that fits.

import { RUNNABLE, SLEEP } from '../trace/model.js';

export const AXIS_H = 26;
export const PAD_R = 14;
export const RAIL_X = 4; // the line in the label column that ties an unfolded group's lanes

const COLOR_VARS = ['bg', 'stripe', 'grid', 'text', 'muted', 'running', 'working', 'blocked', 'sleeping',
  'runnable', 'arrow', 'playhead', 'chan', 'atomic', 'wg', 'cell', 'shared', 'mut', 'warn', 'panic', 'g-sat', 'g-light'];

/** readColors takes the timeline's colours and font from the page's CSS. */
export function readColors(tl) {
  const cs = getComputedStyle(tl.canvas);
  for (const name of COLOR_VARS) tl.colors[name] = cs.getPropertyValue(`--tl-${name}`).trim() || '#888';
  tl.font = cs.fontFamily || 'system-ui, sans-serif';
  tl.hatch = null;
}

/**
 * columns are how a painter finds what a pixel column holds: nextIn(list, lo, hi, test), the first
 * index in [lo, hi) whose item passes test (which fails for a leading part of the list, then
 * passes); rangeOf(list, value).range(i, j), [least, greatest] of value over items [i, j); and
 * walkMarks(marks, from, to, shows, visit), visit(i) for a goroutine's marks that may show (not
 * an atomic operation or a print that shows(mark) says is hidden), until it returns false.
 * These walk the items; columns.js, which comes after the page, gives the same answers without
 * walking, and takes their place.
 */
export const columns = {
  nextIn(list, lo, hi, test) {
    while (lo < hi && !test(list[lo])) lo++;
    return lo;
  },
  rangeOf: (list, value) => ({
    range(i, j) {
      let lo = Infinity;
      let hi = -Infinity;
      for (; i < j; i++) {
        const v = value(list[i]);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      return [lo, hi];
    },
  }),
  walkMarks(marks, from, to, shows, visit) {
    for (let i = from; i < to; i++) {
      const k = marks[i].kind;
      if ((k !== 'atomic' && k !== 'print') || shows(marks[i])) if (visit(i) === false) return;
    }
  },
};

/** DENSE is how many items a column may hold before a lane draws it from a summary. */
export const DENSE = 16;

/**
 * columnEnd is the index of the first item of list in [i, hi) that stands right of pixel
 * column px at X(key(item)), or hi.
 */
export function columnEnd(list, i, hi, px, X, key) {
  return columns.nextIn(list, i, hi, (item) => Math.floor(X(key(item))) > px);
}

export const spanEnd = (s) => (s.t1 === null ? Infinity : s.t1);

/**
 * columnBars draws bars on lines (a reader's row, a waiter's row) whose bars do not overlap,
 * so that a lane costs what the screen shows: of the bars narrower than two pixels that start
 * in one pixel column of a line, only the last is drawn — it is kept until a bar of that line
 * starts in another column — as the later ones would cover it. bar(line, xa, xb, item) draws
 * with draw(item, xa, xb, line) when it should; done() draws the bars still kept. A line is a
 * small whole number; what is kept for it is written over, not made anew, as a lane may pass
 * hundreds of thousands of bars a frame.
 */
export function columnBars(draw) {
  const kept = []; // by line: {item, xa, xb}, item null when none is kept
  const flush = (line) => {
    const k = kept[line];
    if (k && k.item !== null) {
      const { item, xa, xb } = k;
      k.item = null;
      draw(item, xa, xb, line);
    }
  };
  return {
    bar(line, xa, xb, item) {
      let k = kept[line];
      if (k && k.item !== null && Math.floor(k.xa) !== Math.floor(xa)) flush(line);
      if (xb - xa < 2) {
        if (!k) k = kept[line] = { item: null, xa: 0, xb: 0 };
        k.item = item;
        k.xa = xa;
        k.xb = xb;
        return;
      }
      if (k) k.item = null; // one in its column, which this one covers
      draw(item, xa, xb, line);
    },
    done() {
      for (let line = 0; line < kept.length; line++) flush(line);
    },
  };
}

export function gColor(tl, g, alpha = 1) {
  const hue = (g.lane * 137.508 + 205) % 360;
  return `hsl(${hue.toFixed(1)} ${tl.colors['g-sat']} ${tl.colors['g-light']} / ${alpha})`;
}

// hatchPattern is the texture of sleeping (hatched) or runnable (dotted) stretches: their
// shape, not only their colour, tells them from working, blocked and running.
export function hatchPattern(tl, kind = SLEEP) {
  const got = (tl.hatch ||= {})[kind];
  if (got) return got;
  const dpr = window.devicePixelRatio || 1;
  const c = document.createElement('canvas');
  const s = Math.round(6 * dpr);
  c.width = s;
  c.height = s;
  const x = c.getContext('2d');
  if (kind === RUNNABLE) {
    x.fillStyle = tl.colors.runnable;
    x.globalAlpha = 0.2;
    x.fillRect(0, 0, s, s);
    x.globalAlpha = 1;
    const d = Math.round(2 * dpr);
    x.fillRect(0, 0, d, d);
    x.fillRect(s / 2, s / 2, d, d);
  } else {
    x.strokeStyle = tl.colors.sleeping;
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
  const p = tl.ctx.createPattern(c, 'repeat');
  p.setTransform(new DOMMatrix().scale(1 / dpr));
  tl.hatch[kind] = p;
  return p;
}

/**
 * labelRow writes the values of items[from..last) (each with t) at y where there is room,
 * the latest in bold; text(item, latest) gives an item's label (null: none, but only
 * when not the latest). The initial value opens the row when shown is true and the row
 * starts at the first item.
 */
export function labelRow(tl, items, from, last, text, initial, shown, y, X, xStart) {
  const { ctx, colors: C } = tl;
  let lastRight = -Infinity;
  const latest = last > 0 ? items[last - 1] : null;
  const latestLabel = latest ? text(latest, true) : initial;
  ctx.font = `700 10px ${tl.font}`;
  const latestW = ctx.measureText(latestLabel).width;
  const latestX = Math.max(xStart + 2, Math.min(latest ? X(latest.t) + 2 : xStart + 2, tl.cssW - PAD_R - latestW));
  ctx.font = `10px ${tl.font}`;
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
    if (x < lastRight + 4) {
      // on to the first with room: those before it have none
      j = columns.nextIn(items, j + 1, last - 1, (item) => X(item.t) + 2 >= lastRight + 4) - 1;
      continue;
    }
    const w = ctx.measureText(label).width;
    if (x + w > latestX - 4) break;
    ctx.fillText(label, x, y);
    lastRight = x + w;
  }
  ctx.font = `700 10px ${tl.font}`;
  ctx.fillText(latestLabel, latestX, y);
}

/** warnMark is an amber triangle with "!" at (x, y): something Rust would reject. */
export function warnMark(tl, x, y) {
  const ctx = tl.ctx;
  ctx.fillStyle = tl.colors.warn;
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
export function deadlockMark(tl, x, y) {
  const { ctx, colors: C } = tl;
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
export function errorMark(tl, x, y, top, bot) {
  const { ctx, colors: C } = tl;
  ctx.fillStyle = C.panic;
  if (top !== undefined) ctx.fillRect(x - 1, top + 2, 2, bot - top - 2);
  ctx.beginPath();
  ctx.arc(x, y, 6.5, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#fff';
  ctx.fillRect(x - 1, y - 4, 2, 5);
  ctx.fillRect(x - 1, y + 2, 2, 2);
}

/**
 * fit shortens text with an ellipsis to fit width px in ctx's font, between words where it
 * can ("producer …", not "produ…"); only a first word too long for the width is cut inside.
 */
export function fit(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  if (lo > 0 && text[lo] === ' ') return `${text.slice(0, lo)}…`; // the cut falls between words
  const space = lo > 0 ? text.lastIndexOf(' ', lo - 1) : -1;
  if (space > 0) return `${text.slice(0, space + 1)}…`;
  return lo > 0 ? `${text.slice(0, lo)}…` : '';
}

/**
 * fitLabel is fit for a lane's name in the label column: a name it shortens is noted in
 * tl.elided, so that hovering it shows it whole (hit.js).
 */
export function fitLabel(tl, text, width) {
  const shown = fit(tl.ctx, text, width);
  if (shown !== text) tl.elided.add(text);
  return shown;
}

// labelOnBg writes text (in the arrow colour unless told) on a rounded, translucent patch of
// background, so a label stays readable over the marks behind it; pad is the text's left inset.
export function labelOnBg(ctx, C, text, x, y, w, h, r, alpha, pad, color = C.arrow) {
  ctx.fillStyle = C.bg;
  ctx.globalAlpha = alpha;
  roundRect(ctx, x, y, w, h, r);
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.fillStyle = color;
  ctx.fillText(text, x + pad, y + h / 2);
}

export function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  if (ctx.roundRect) {
    ctx.roundRect(x, y, w, h, r);
  } else {
    ctx.rect(x, y, w, h);
  }
}

/**
 * leakMark is an amber ring around a dot at (x, y), ringed in the background colour: a
 * goroutine still blocked when main returned, which nothing will ever let go.
 */
export function leakMark(tl, x, y) {
  const { ctx, colors: C } = tl;
  ctx.fillStyle = C.bg;
  ctx.beginPath();
  ctx.arc(x, y, 8.5, 0, Math.PI * 2);
  ctx.fill();
  ctx.strokeStyle = C.warn;
  ctx.lineWidth = 2.5;
  ctx.beginPath();
  ctx.arc(x, y, 6, 0, Math.PI * 2);
  ctx.stroke();
  ctx.fillStyle = C.warn;
  ctx.beginPath();
  ctx.arc(x, y, 2.25, 0, Math.PI * 2);
  ctx.fill();
}

/**
 * countdown draws a timer's wait, set at xa and pending to xb, as a dashed line at y, and
 * where it is due (xDue; null when unknown, or when it came and the fire stands there) as a
 * faint diamond: still ahead, or it never came (stopped, reset, cancelled first).
 */
export function countdown(tl, xa, xb, y, xDue, color) {
  const ctx = tl.ctx;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(xa, y);
  ctx.lineTo(Math.max(xa + 1, xb), y);
  ctx.stroke();
  ctx.setLineDash([]);
  if (xDue === null) return;
  ctx.globalAlpha = 0.6;
  ctx.fillStyle = tl.colors.bg;
  ctx.beginPath();
  ctx.moveTo(xDue, y - 5);
  ctx.lineTo(xDue + 5, y);
  ctx.lineTo(xDue, y + 5);
  ctx.lineTo(xDue - 5, y);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.globalAlpha = 1;
}
