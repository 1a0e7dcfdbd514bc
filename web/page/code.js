// The code panel: the line the playhead is at lit, and the Go and Rust tabs.

export class CodePanel {
  /** box holds the tabs and both sources; code is the Go source, whose lines light. */
  constructor(box, code) {
    this.code = code;
    this.lit = null; // the lit line
    // arrows move between the tabs, as in any tab list
    const tabs = Array.from(box.querySelectorAll('[role="tab"]'));
    const show = (tab) => {
      for (const t of tabs) {
        t.setAttribute('aria-selected', String(t === tab));
        t.tabIndex = t === tab ? 0 : -1;
      }
      box.classList.toggle('show-rust', tab.id === 'tab-rust');
    };
    for (const t of tabs) {
      t.addEventListener('click', () => show(t));
      t.addEventListener('keydown', (ev) => {
        if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
        ev.preventDefault(); // not a step of the timeline
        const next = tabs[(tabs.indexOf(t) + 1) % tabs.length];
        show(next);
        next.focus();
      });
    }
  }

  /** follow lights the line of the latest of the first n events of trace that has one. */
  follow(trace, n) {
    let line = 0;
    for (let i = n - 1; i >= 0 && i >= n - 64; i--) {
      if (trace.events[i].line) {
        line = trace.events[i].line;
        break;
      }
    }
    this.light(line);
  }

  /** light lights source line n (0: none). */
  light(n) {
    const el = n ? this.code.querySelector(`.line[data-line="${n}"]`) : null;
    if (el === this.lit) return;
    if (this.lit) this.lit.classList.remove('lit');
    if (el) el.classList.add('lit');
    this.lit = el;
  }
}
