// The options of a steered run's choice, marked on the lanes at the playhead: a button on the
// lane of each goroutine that can go next (on its group's heading when the group is folded;
// a select's cases side by side on its goroutine's lane), big enough for a thumb, that picks
// it. The steering panel (page/steer.js) holds the same choice as a list.

import { AXIS_H } from './paint.js';

const MARK_H = 28; // px: near a finger's width, whatever the lane's height

/**
 * setOptions marks options on the lanes: [{g, label, title, onPick}]; none clears them.
 * Their place follows the playhead and the layout at every frame (placeOptions).
 */
export function setOptions(tl, options) {
  if (!tl.optionLayer) {
    tl.optionLayer = document.createElement('div');
    tl.optionLayer.className = 'tl-options';
    tl.wrap.appendChild(tl.optionLayer);
  }
  tl.optionMarks = options.map((o) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tl-option';
    b.textContent = o.label;
    b.title = o.title;
    b.tabIndex = -1; // the panel's list is the keyboard's way to them
    b.addEventListener('click', (ev) => {
      ev.stopPropagation();
      o.onPick();
    });
    return { g: o.g, btn: b, placed: '' };
  });
  tl.optionLayer.replaceChildren(...tl.optionMarks.map((m) => m.btn));
  tl.request();
}

/**
 * placeOptions puts each mark on its goroutine's row, ending just left of the playhead at px
 * (which stands at the run's right edge while it waits): marks that would overlap, on rows
 * close together or on one row, stand side by side leftwards.
 */
export function placeOptions(tl, px, scroll) {
  const marks = tl.optionMarks;
  if (!marks || marks.length === 0) return;
  const placed = []; // {top, left} of the marks placed so far
  for (const m of marks) {
    const r = tl.rows.find((row) => (row.kind === 'g' && row.g.id === m.g)
      || (row.kind === 'group' && row.grp.folded && row.grp.members.some((g) => g.id === m.g)));
    if (!r) {
      m.btn.hidden = true;
      continue;
    }
    m.btn.hidden = false;
    const w = m.btn.offsetWidth;
    const top = Math.max(r.top + (r.h - MARK_H) / 2, scroll + AXIS_H);
    let right = px - 6;
    for (const p of placed) {
      if (Math.abs(p.top - top) < MARK_H && p.left < right + 4) right = Math.min(right, p.left - 4);
    }
    const left = Math.max(tl.labelW, right - w);
    placed.push({ top, left });
    const hidden = r.top + r.h / 2 < scroll + AXIS_H; // its lane is scrolled under the axis
    const key = `${left} ${top} ${hidden}`;
    if (m.placed !== key) {
      m.placed = key;
      m.btn.style.left = `${left}px`;
      m.btn.style.top = `${top}px`;
      m.btn.style.visibility = hidden ? 'hidden' : '';
    }
  }
}
