// What is under the pointer, the tooltip that says it, and the event a click picks.

import { describe, formatDuration } from '../trace/describe.js';
import { RUNNABLE, SLEEP, WORK, lowerBound, partner, upperBound } from '../trace/model.js';
import { laneOf } from './lanes.js';
import { goroutine } from './lanes/goroutine.js';
import { groupName, groupState, stateText } from './lanes/group.js';
import { rowAt } from './layout.js';
import { AXIS_H, PAD_R } from './paint.js';

/**
 * hitAt is what is under the pointer: {e} for the nearest event on the lane within a few
 * pixels, {e, span} for a goroutine's span (e begins it) or a mutex hold (e is its lock),
 * {group, t} on a group's heading or on a folded group's lane away from its members'
 * events (near one: {e, group, t}), {label} over a lane's name the label column shortened,
 * or null. Only what the playhead has reached counts.
 */
export function hitAt(tl, ev) {
  const tr = tl.trace;
  if (!tr || tr.events.length === 0) return null;
  const r = tl.canvas.getBoundingClientRect();
  const x = ev.clientX - r.left;
  const y = ev.clientY - r.top;
  if (y < AXIS_H) return null;
  const i = rowAt(tl, y + tl.scrollTop());
  if (i < 0) return null;
  const row = tl.rows[i];
  if (x < tl.labelW - 4) {
    // a name the label column had to shorten: the tooltip says it whole
    if (row.kind === 'o') {
      const kind = laneOf(row.o).kind(row.o);
      return tl.elided.has(row.o.name) || tl.elided.has(kind) ? { label: `${row.o.name}: ${kind}` } : null;
    }
    const name = row.kind === 'g' ? row.g.name : groupName(row.grp);
    return tl.elided.has(name) ? { label: name } : null;
  }
  const [t0, t1] = tl.range();
  const k = (tl.cssW - PAD_R - tl.labelW) / (t1 - t0);
  const t = t0 + (x - tl.labelW) / k;
  const tol = 6 / k;
  const ph = tl.playhead;
  const grp = row.kind === 'group' ? row.grp : null;
  if (grp) {
    const inLife = t >= grp.start && t <= Math.min(ph, tl.ended ? tl.endT : ph);
    if (!grp.folded) return inLife ? { group: grp, t } : null;
  }
  const g = row.kind === 'g' ? row.g : null;
  const o = row.kind === 'o' ? row.o : null;
  let mine;
  if (g) {
    mine = (e) => e.g === g.id || (e.kind === 'go' && e.child === g.id);
  } else if (o) {
    // a select-begin names its channels in its cases
    mine = (e) => e.obj === o.id || (e.kind === 'select-begin' && e.cases.some((c) => c.obj === o.id));
  } else {
    const ids = new Set(grp.members.map((m) => m.id));
    mine = (e) => ids.has(e.g) || (e.kind === 'go' && ids.has(e.child));
  }
  const evs = tr.events;
  const end = upperBound(evs, Math.min(t + tol, ph));
  let best = null;
  for (let j = lowerBound(evs, t - tol), seen = 0; j < end && seen < 5000; j++, seen++) {
    const e = evs[j];
    if (mine(e) && (!best || Math.abs(e.t - t) < Math.abs(best.t - t))) best = e;
  }
  if (best) return grp ? { e: best, group: grp, t: best.t } : { e: best };
  if (t > ph) return null;
  if (grp) return t >= grp.start ? { group: grp, t } : null;
  const lane = g ? goroutine : laneOf(o);
  return lane.hit ? lane.hit(tl, g || o, t, ph) : null;
}

/** showTip shows what hit is beside the pointer; null hides it. */
export function showTip(tl, hit, ev) {
  const tip = tl.tip;
  if (!hit) {
    tip.hidden = true;
    return;
  }
  const tr = tl.trace;
  const { e, span, group } = hit;
  const rows = [];
  if (hit.label) {
    const head = document.createElement('strong');
    head.textContent = hit.label;
    tip.replaceChildren(head);
    placeTip(tip, ev);
    return;
  }
  const ms = (x) => `${(realT(tl, x) / 1e6).toFixed(3)} ms`;
  const groupText = group ? `${groupName(group)}: ${stateText(groupState(group, hit.t))}` : '';
  let headText;
  if (e) {
    headText = describe(tr, e);
    tipRows(tl, hit, rows, ms);
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
  placeTip(tip, ev);
}

// placeTip shows tip by the pointer, within the window.
function placeTip(tip, ev) {
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
function tipRows(tl, { e, span }, rows, ms) {
  const tr = tl.trace;
  const who = e.g ? tr.gName(e.g) : e.kind === 'go' ? tr.gName(e.child) : 'the runtime';
  if (span) {
    const what = span.what || (span.kind === 'held' ? `${tr.oName(e.obj)} held by ${who}` : `${who} ${SPAN_TEXT[span.kind] || 'blocked'}`);
    rows.push(`${what} for ${formatDuration(realT(tl, span.until) - realT(tl, span.t0))}${span.open ? ' so far' : ''}`);
    rows.push(`${ms(span.t0)} – ${span.open ? '…' : ms(span.t1)}`);
    if (span.note) rows.push(span.note);
  } else {
    rows.push(`${who} · at ${ms(e.t)}`);
  }
  if (e.value !== undefined && e.value !== '') rows.push(`value: ${e.value}`);
  if (e.line) rows.push(`line ${e.line}`);
}

/** select picks event e (null: none): it and its partner are ringed. */
export function select(tl, e) {
  const p = e ? partner(tl.trace, e) : null;
  const was = tl.selected;
  tl.selected = e ? { e, p } : null;
  if (was || e) {
    tl.request();
    tl.onSelect(e, p);
  }
}

/** realT is the time of the run at axis position x: x itself, or on the event-order axis the time of the event there. */
function realT(tl, x) {
  const tr = tl.trace;
  if (!tr || !tr.steps) return x;
  const i = tr.count(x) - 1;
  return i >= 0 ? tr.events[i].wt : 0;
}

const SPAN_TEXT = { [WORK]: 'working', [SLEEP]: 'sleeping', [RUNNABLE]: 'runnable: waiting for a processor' };
