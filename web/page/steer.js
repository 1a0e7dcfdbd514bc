// Steering: the panel of a steered run's choice — who can go next and what each would do,
// picked by a click, a digit, or ↑/↓ and Enter; Back (Backspace) and Finish — and the card of
// the scenario's challenge above the timeline, with its progress and a search that says
// whether it can happen at all. It owns its own elements, made here, so the page's template
// holds nothing a page without a script would show empty.

// The panel's and the card's looks, fetched the first time steering is on the page.
function loadStyle() {
  if (document.getElementById('steer-css')) return;
  const link = document.createElement('link');
  link.id = 'steer-css';
  link.rel = 'stylesheet';
  link.href = '/static/steer.css';
  document.head.append(link);
}

/** el makes an element with a class and text. */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * SteerPanel shows the choice a steered run waits on: who goes next, or at a select with
 * several cases ready, which case it takes. onPick(choice, {g} or {case}), onBack(schedule)
 * and onFinish(choice) are what its controls ask for; onLight(line) lights an option's line
 * in the code panel while it has the focus or the pointer; onMarks(marks) is given the
 * options to mark on the timeline's lanes ([{g, label, title, onPick}], none when it clears).
 */
export class SteerPanel {
  constructor(before, { onPick, onBack, onFinish, onLight, onMarks = () => {} }) {
    this.onPick = onPick;
    this.onMarks = onMarks;
    this.onBack = onBack;
    this.onFinish = onFinish;
    this.onLight = onLight;
    this.choice = null;
    this.options = []; // what the choice offers: {name, text, line, pick}
    this.box = el('section', 'steer');
    this.box.id = 'steer';
    this.box.setAttribute('aria-labelledby', 'steer-h');
    this.box.hidden = true;
    this.heading = el('h2', '', 'Who goes next?');
    this.heading.id = 'steer-h';
    this.said = el('p', 'steer-said');
    this.said.setAttribute('role', 'status');
    this.list = el('ol', 'steer-options');
    this.list.addEventListener('keydown', (ev) => this.arrow(ev));
    const row = el('div', 'steer-buttons');
    this.backBtn = el('button', '', 'Back');
    this.backBtn.type = 'button';
    this.backBtn.title = 'Undo the last pick (Backspace)';
    this.backBtn.addEventListener('click', () => this.back());
    this.finishBtn = el('button', '', 'Finish');
    this.finishBtn.type = 'button';
    this.finishBtn.title = 'Let the seed choose the rest';
    this.finishBtn.addEventListener('click', () => this.finish());
    row.append(this.backBtn, this.finishBtn);
    this.box.append(this.heading, this.said, this.list, row);
    before.before(this.box);
  }

  /** show puts choice m up: its step and its options, the first focused if focus is true. */
  show(m, focus) {
    loadStyle();
    this.choice = m;
    this.box.hidden = false;
    // A select's choice offers its cases, each a pick of {case}; any other, the goroutines.
    const sel = m.select;
    const options = sel
      ? m.cases.map((c) => ({ name: sel.name, text: c.text, line: c.line, pick: { case: c.case } }))
      : m.options.map((o) => ({ name: o.name, text: o.text, line: o.line, pick: { g: o.g } }));
    if (sel) {
      this.heading.textContent = `Step ${m.step}: which case does ${sel.name}'s select take?`;
      this.said.textContent = `${m.cases.length} of its cases are ready.`;
    } else {
      this.heading.textContent = `Step ${m.step}: who goes next?`;
      const names = m.options.map((o) => o.name);
      this.said.textContent = `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]} can go next.`;
    }
    this.options = options;
    this.list.replaceChildren(...options.map((o, i) => {
      const li = el('li');
      const b = el('button', 'steer-option');
      b.type = 'button';
      if (o.pick.g !== undefined) b.dataset.g = String(o.pick.g);
      else b.dataset.case = String(o.pick.case);
      if (o.line) b.dataset.line = String(o.line);
      const key = i < 9 ? el('kbd', '', String(i + 1)) : el('span', 'steer-nokey');
      b.append(key, el('span', 'steer-name', o.name), el('span', 'steer-text', o.text));
      b.setAttribute('aria-label', `${i < 9 ? `${i + 1}: ` : ''}${o.name}: ${o.text}`);
      b.addEventListener('click', () => this.pick(i));
      for (const type of ['focus', 'pointerenter']) b.addEventListener(type, () => o.line && this.onLight(o.line));
      li.append(b);
      return li;
    }));
    this.onMarks(options.map((o, i) => ({
      g: sel ? sel.g : o.pick.g,
      label: `${i < 9 ? `${i + 1} ` : ''}${o.text}`,
      title: `${o.name}: ${o.text}`,
      onPick: () => this.pick(i),
    })));
    this.backBtn.disabled = m.back === undefined;
    this.finishBtn.disabled = false;
    if (focus) this.list.querySelector('button').focus();
  }

  /** waiting reports whether a choice is up. */
  get waiting() {
    return this.choice !== null;
  }

  /** hide takes the panel down: the run ended, or another began. */
  hide() {
    const had = this.list.contains(document.activeElement);
    if (this.choice) this.onMarks([]);
    this.choice = null;
    this.box.hidden = true;
    this.list.replaceChildren();
    return had;
  }

  /** busy disables the options once one was picked, until the next choice comes. */
  busy(text) {
    this.onMarks([]);
    for (const b of this.list.querySelectorAll('button')) b.disabled = true;
    this.finishBtn.disabled = true;
    this.said.textContent = text;
  }

  /** pick takes the i-th option shown. */
  pick(i) {
    if (!this.choice) return;
    const o = this.options[i];
    this.busy(`Step ${this.choice.step}: ${o.name} goes: ${o.text}.`);
    this.onPick(this.choice, o.pick);
  }

  back() {
    if (!this.choice || this.choice.back === undefined) return;
    this.busy(`Back to step ${this.choice.step - 1}.`);
    this.onBack(this.choice.back);
  }

  finish() {
    if (!this.choice) return;
    this.busy('The seed chooses the rest.');
    this.onFinish(this.choice);
  }

  // arrow moves the focus among the options with ↑ and ↓.
  arrow(ev) {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    const btns = Array.from(this.list.querySelectorAll('button'));
    const i = btns.indexOf(document.activeElement);
    if (i < 0) return;
    ev.preventDefault();
    btns[(i + (ev.key === 'ArrowDown' ? 1 : btns.length - 1)) % btns.length].focus();
  }

  /** key handles the page's steering keys: a digit picks, Backspace goes back. */
  key(ev) {
    if (!this.choice) return false;
    if (/^[1-9]$/.test(ev.key)) {
      const i = Number(ev.key) - 1;
      if (i >= this.options.length) return false;
      this.pick(i);
      return true;
    }
    if (ev.key === 'Backspace') {
      this.back();
      return true;
    }
    return false;
  }
}

/**
 * ChallengeCard poses one of the scenario's challenges above the timeline: its title and
 * sentence, and how the runs went. search(id) asks the server whether it can happen at all.
 */
export class ChallengeCard {
  constructor(before, search) {
    this.search = search;
    this.challenge = null;
    this.box = el('section', 'challenge');
    this.box.id = 'challenge';
    this.box.setAttribute('aria-labelledby', 'challenge-h');
    this.box.hidden = true;
    this.heading = el('h2');
    this.heading.id = 'challenge-h';
    this.text = el('p', 'challenge-text');
    this.progress = el('p', 'challenge-progress');
    this.progress.setAttribute('role', 'status');
    this.askBtn = el('button', '', 'Can it happen?');
    this.askBtn.type = 'button';
    this.askBtn.title = 'Search every interleaving of these settings';
    this.askBtn.addEventListener('click', () => this.ask());
    this.box.append(this.heading, this.text, this.progress, this.askBtn);
    before.before(this.box);
  }

  /** pose shows challenge c ({id, title, text}); null takes the card down. */
  pose(c) {
    this.challenge = c;
    this.box.hidden = !c;
    if (!c) return;
    loadStyle();
    this.box.dataset.challenge = c.id;
    this.heading.textContent = `Challenge: ${c.title}`;
    this.text.textContent = c.text.replaceAll('`', '');
    this.progress.textContent = 'Steer a run to make it happen: pick who goes next at every step.';
    delete this.box.dataset.solved;
    this.askBtn.disabled = false;
  }

  /** ended says how a run that ended after steps picks went: m is its end message. */
  ended(m, steps, link) {
    if (!this.challenge) return;
    const solved = (m.solved || []).includes(this.challenge.id);
    this.box.dataset.solved = String(solved);
    if (solved) {
      // A link that brings back a whole solved run steers no step here: it just says so.
      const how = steps > 0 ? `Solved in ${steps} step${steps === 1 ? '' : 's'}` : 'Solved';
      this.progress.replaceChildren(`${how}${m.summary.length ? `: ${m.summary.map((s) => `${s.label} ${s.value}`).join(', ')}` : ''}. `);
      const a = el('a', '', 'Share the solution');
      a.href = link;
      this.progress.append(a);
    } else {
      this.progress.textContent = `Not this time: the run ended ${m.reason} without it. Back, or Run to start again.`;
    }
  }

  async ask() {
    if (!this.challenge) return;
    this.askBtn.disabled = true;
    this.progress.textContent = 'Searching every interleaving…';
    try {
      const res = await this.search(this.challenge.id);
      if (res.found) {
        this.progress.replaceChildren('It can happen. ');
        const a = el('a', '', 'See an interleaving that does it');
        a.href = res.link;
        this.progress.append(a);
      } else if (res.all) {
        this.progress.textContent = `This cannot happen here: ${res.message}.`;
      } else {
        this.progress.textContent = `No answer yet: ${res.message}.`;
      }
    } catch (err) {
      this.progress.textContent = `The search failed: ${err.message}`;
    } finally {
      this.askBtn.disabled = false;
    }
  }
}
