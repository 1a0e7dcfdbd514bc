// Keyboard shortcuts, and the pointer on the timeline: pick, scrub, hover, zoom and pan.

import { hitAt, select, showTip } from './hit.js';
import { PAD_R } from './paint.js';
import { fitRun, maxT, pan, seek, step, togglePlay, zoom } from './playback.js';

/**
 * key does what keyboard shortcut k asks and reports whether k is one: arrows step,
 * Home and End go to the ends, space plays and pauses, + and - zoom around the playhead, 0
 * fits the run.
 */
export function key(tl, k) {
  if (!tl.trace) return false;
  switch (k) {
    case 'ArrowRight': step(tl, 1); break;
    case 'ArrowLeft': step(tl, -1); break;
    case 'Home': seek(tl, 0); break;
    case 'End': seek(tl, maxT(tl)); break;
    case ' ': togglePlay(tl); break;
    case '+': case '=': zoom(tl, 0.5, tl.playhead); break;
    case '-': case '_': zoom(tl, 2, tl.playhead); break;
    case '0': fitRun(tl); break;
    default: return false;
  }
  return true;
}

/** bindInput listens to the pointer on tl's canvas and its wrapper. */
export function bindInput(tl) {
  const c = tl.canvas;
  const tAt = (ev) => {
    const r = c.getBoundingClientRect();
    const [t0, t1] = tl.range();
    const k = (tl.cssW - PAD_R - tl.labelW) / (t1 - t0);
    return t0 + (ev.clientX - r.left - tl.labelW) / k;
  };
  // Ctrl+wheel (and a trackpad pinch) zooms around the pointer; Shift+wheel or a sideways
  // swipe pans a zoomed view; a plain wheel scrolls the lanes. The wrapper listens, so the
  // group headings' buttons zoom too.
  tl.wrap.addEventListener('wheel', (ev) => {
    if (!tl.trace) return;
    const sideways = Math.abs(ev.deltaX) > Math.abs(ev.deltaY);
    if (ev.ctrlKey || ev.metaKey) {
      ev.preventDefault();
      const unit = ev.deltaMode === 1 ? 33 : ev.deltaMode === 2 ? 400 : 1;
      zoom(tl, Math.exp(ev.deltaY * unit * 0.0025), tAt(ev));
    } else if (tl.view && (ev.shiftKey || sideways)) {
      ev.preventDefault();
      const d = sideways ? ev.deltaX : ev.deltaY;
      const [t0, t1] = tl.range();
      pan(tl, (d / Math.max(1, tl.cssW - tl.labelW - PAD_R)) * (t1 - t0));
    }
  }, { passive: false });
  c.addEventListener('dblclick', () => fitRun(tl));
  // A mouse drag scrubs at once; a finger scrubs once it moves sideways or lifts where it
  // landed, so a vertical swipe still scrolls the lanes.
  let drag = null;
  const scrub = (on) => {
    if (!on) drag = null;
    if (tl.dragging === on) return;
    tl.dragging = on;
    tl.onState();
  };
  c.addEventListener('pointerdown', (ev) => {
    if (!tl.trace || ev.button !== 0) return;
    const r = c.getBoundingClientRect();
    if (ev.clientX - r.left < tl.labelW) return;
    const touch = ev.pointerType === 'touch';
    if (touch && fingers.size > 0) return; // a second finger pinches (below)
    // pressing an event picks it (on release, unless the pointer moves on to scrub); a
    // group's lane away from an event has nothing to pick
    const found = hitAt(tl, ev);
    const hit = found && found.e ? found : null;
    tl.tip.hidden = true;
    drag = { x: ev.clientX, y: ev.clientY, active: !touch && !hit, hit };
    if (!touch) {
      c.setPointerCapture(ev.pointerId);
      if (!hit) {
        scrub(true);
        select(tl, null);
        seek(tl, tAt(ev));
      }
    }
  });
  c.addEventListener('pointermove', (ev) => {
    if (!drag) {
      // hovering an event or a span tells what it is
      if (ev.pointerType === 'mouse') showTip(tl, hitAt(tl, ev), ev);
      return;
    }
    const dx = Math.abs(ev.clientX - drag.x);
    if (!drag.active && dx > (drag.hit && ev.pointerType !== 'touch' ? 4 : 8) && dx > Math.abs(ev.clientY - drag.y)) {
      drag.active = true;
      scrub(true);
    }
    if (drag.active) seek(tl, tAt(ev));
  });
  c.addEventListener('pointerup', (ev) => {
    if (drag && !drag.active && Math.hypot(ev.clientX - drag.x, ev.clientY - drag.y) < 8) {
      if (drag.hit) {
        select(tl, drag.hit.e);
      } else {
        select(tl, null);
        seek(tl, tAt(ev));
      }
    }
    scrub(false);
  });
  c.addEventListener('pointercancel', () => scrub(false));
  c.addEventListener('pointerleave', () => { tl.tip.hidden = true; });
  c.addEventListener('wheel', () => { tl.tip.hidden = true; }, { passive: true });

  // Two fingers zoom the time around their midpoint as they spread or close, and pan as it
  // moves: sideways through time, up and down through the lanes. The wrapper listens, as a
  // finger may land on a group heading's button.
  const fingers = new Map(); // pointerId → {x, y}
  let pinch = null;
  const plotW = () => Math.max(1, tl.cssW - PAD_R - tl.labelW);
  const midpoint = () => {
    const [a, b] = fingers.values();
    return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, d: Math.max(16, Math.hypot(a.x - b.x, a.y - b.y)) };
  };
  const w = tl.wrap;
  w.addEventListener('pointerdown', (ev) => {
    if (ev.pointerType !== 'touch') return;
    fingers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    if (fingers.size !== 2 || !tl.trace) return;
    scrub(false);
    tl.tip.hidden = true;
    const m = midpoint();
    const [t0, t1] = tl.range();
    const left = c.getBoundingClientRect().left + tl.labelW;
    pinch = { m, span: t1 - t0, at: t0 + ((m.x - left) / plotW()) * (t1 - t0), scroll: w.scrollTop };
  });
  w.addEventListener('pointermove', (ev) => {
    const f = fingers.get(ev.pointerId);
    if (!f) return;
    f.x = ev.clientX;
    f.y = ev.clientY;
    if (!pinch || fingers.size !== 2 || !tl.trace) return;
    const m = midpoint();
    const full = tl.domain;
    const span = Math.min(Math.max(pinch.span * (pinch.m.d / m.d), 1000), full);
    if (span >= full) {
      tl.view = null;
    } else {
      const left = c.getBoundingClientRect().left + tl.labelW;
      const n0 = pinch.at - ((m.x - left) / plotW()) * span;
      const t0 = Math.min(Math.max(n0, 0), full - span);
      tl.view = { t0, t1: t0 + span };
    }
    w.scrollTop = pinch.scroll - (m.y - pinch.m.y);
    tl.request();
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
