// The event log: a sentence for every event the playhead has passed, the newest last, at
// most LOG_CAP of them. While the playhead plays or is dragged the log catches up a few times
// a second: nobody reads sixty updates a second, a screen reader should not be asked to, and
// rebuilding it at every frame of a drag across a big run would cost more than drawing the
// frame. A drag's end brings it up to date.
//
// The list is not a live region: a screen reader would be read hundreds of entries a run.
// What it hears comes from the announcer beside it (role="log"), told only when a person
// steps to an event or pauses (say, sayAt); how a run ended, the status line says.

import { describe } from '../trace/describe.js';
import { el } from './dom.js';

const LOG_CAP = 500;
const LOG_EVERY_MS = 150;
const LOG_BURST = 100; // while moving, a jump of more events than this shows only the newest
const SAY_KEEP = 3; // the announcer's last sentences kept (a screen reader reads each once)

/** logTime renders an event's time to the microsecond, so close events still read apart. */
function logTime(ns) {
  return ns < 1e10 ? `${(ns / 1e6).toFixed(3)} ms` : `${(ns / 1e9).toFixed(6)} s`;
}

export class EventLog {
  /**
   * list is the log's list; moving() tells whether the playhead plays or is dragged;
   * announcer is the live region that speaks.
   */
  constructor(list, moving, announcer) {
    this.list = list;
    this.moving = moving;
    this.announcer = announcer;
    this.note = el('p', 'log-note');
    this.note.hidden = true;
    list.before(this.note);
    this.trace = null;
    this.logged = 0; // events[0..logged) have been through the log
    this.n = 0; // the events the playhead has passed
    this.timer = 0;
  }

  /** reset empties the log for the run of trace. */
  reset(trace) {
    this.trace = trace;
    clearTimeout(this.timer);
    this.timer = 0;
    this.n = 0;
    this.logged = 0;
    this.list.replaceChildren();
    this.note.hidden = true;
  }

  /** at tells the log the playhead has passed n events. */
  at(n) {
    this.n = n;
    this.update();
  }

  update() {
    if (this.moving()) {
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = 0;
          this.fill(this.n, this.moving() ? LOG_BURST : LOG_CAP);
        }, LOG_EVERY_MS);
      }
      return;
    }
    clearTimeout(this.timer);
    this.timer = 0;
    this.fill(this.n);
  }

  /** say has the announcer speak text. */
  say(text) {
    const a = this.announcer;
    if (!a) return;
    a.append(el('p', '', text));
    while (a.children.length > SAY_KEEP) a.firstElementChild.remove();
  }

  /**
   * sayAt has the announcer speak the event the playhead is at, the nth of the run (1-based;
   * 0: before the first), prefixed with prefix: "Paused at".
   */
  sayAt(n, prefix = 'At') {
    const { trace } = this;
    if (!trace) return;
    if (n <= 0) {
      this.say(`${prefix} the start, before the first event.`);
      return;
    }
    const e = trace.events[Math.min(n, trace.events.length) - 1];
    let same = 0; // other events at that instant, which a step by time passes all at once
    for (let i = n - 2; i >= 0 && trace.events[i].t === e.t; i--) same++;
    const also = same > 0 ? ` (with ${same} more at that instant)` : '';
    this.say(`${prefix} ${logTime(e.t)}, event ${n} of ${trace.events.length}${also}: ${describe(trace, e)}.`);
  }

  entry(e) {
    const li = document.createElement('li');
    li.value = e.seq;
    li.className = e.closed ? `k-${e.kind} closed` : `k-${e.kind}`;
    li.append(el('time', '', logTime(e.t)), ' ', describe(this.trace, e));
    return li;
  }

  // fill brings the log to the first n events, showing at least the last keep of them.
  fill(n, keep = LOG_CAP) {
    const { trace, list, note } = this;
    if (!trace) return;
    n = Math.min(n, trace.events.length);
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 30;
    const want = Math.min(n, keep);
    if (n < this.logged || n - this.logged > keep || list.children.length + (n - this.logged) < want) {
      list.replaceChildren();
      this.logged = n - want;
    }
    if (n > this.logged) {
      const frag = document.createDocumentFragment();
      for (let i = this.logged; i < n; i++) frag.append(this.entry(trace.events[i]));
      list.append(frag);
      this.logged = n;
    }
    let extra = list.children.length - LOG_CAP;
    while (extra-- > 0) list.firstElementChild.remove();
    const hidden = n - list.children.length;
    note.hidden = hidden <= 0;
    note.textContent = hidden > 0 ? `Showing the last ${list.children.length} of ${n} events.` : '';
    if (stick) list.scrollTop = list.scrollHeight;
  }
}
