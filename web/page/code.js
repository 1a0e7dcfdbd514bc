// The code panel: the line the playhead is at lit, with its Rust counterpart when it has one
// (the server marks such Go lines with data-rust), and the Go and Rust tabs.

export class CodePanel {
  /** box holds the tabs and both sources; code is the Go source, whose lines light; rust the Rust. */
  constructor(box, code, rust) {
    this.code = code;
    this.rust = rust;
    this.lit = null; // the lit Go line
    this.twin = null; // the lit Rust line
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

  /** light lights source line n (0: none), and the Rust line that does the same. */
  light(n) {
    const el = n ? this.code.querySelector(`.line[data-line="${n}"]`) : null;
    if (el === this.lit) return;
    const twin = el && el.dataset.rust ? this.rust.querySelector(`.line[data-line="${el.dataset.rust}"]`) : null;
    for (const old of [this.lit, this.twin]) if (old) old.classList.remove('lit');
    for (const now of [el, twin]) if (now) now.classList.add('lit');
    this.lit = el;
    this.twin = twin;
    for (const now of [el, twin]) if (now) reveal(now);
  }
}

// reveal scrolls a source's own box, never the page, to bring line into its view.
function reveal(line) {
  const box = line.closest('pre');
  if (!box || box.clientHeight === 0) return;
  const top = line.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
  const pad = line.offsetHeight * 2;
  if (top < box.scrollTop + pad) box.scrollTop = Math.max(0, top - pad);
  else if (top + line.offsetHeight > box.scrollTop + box.clientHeight - pad) box.scrollTop = top + line.offsetHeight - box.clientHeight + pad;
}
