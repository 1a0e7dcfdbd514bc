// URL state: the page's URL is its share link. Moving a slider or picking a choice updates
// its <output>, rewrites the address with history.replaceState and refreshes the #share link.
// Loading a URL needs nothing from here: the server renders the values. A wide param (one of
// more values than a slider can pick among, scenarios.Param.Wide) is a number box, which holds
// its value and its name, beside a slider without a name: pairWide keeps the two in step.
//
// The link holds the scenario's params in param order, then the run settings as the server
// writes them (scenarios.Settings.Query): nothing for a live run by time (the defaults),
// mode=seeded&seed=N&processors=P for a seeded one (mode=steer&… for a steered one, with its
// schedule so far), then view=events for a run laid out by event order (or view=time, the
// default, when a person chose it: a finished run whose events crowd a few instants opens by
// event order unless the link says otherwise), then the challenge, then, for a finished
// seeded run, where the page stands: at=, the playhead, once a person has paused it or moved
// it short of the end, and zoom=t0-t1, the part in view once they have zoomed (see look).
//
// The run settings' names, limits and defaults are the server's: it renders its table of the
// settings links carry (scenarios.RunSettings) into #run-settings as JSON, data-settings, and
// this module reads them from there rather than holding copies. A page without it (the
// not-found page) has no run settings to read.

const TABLE = readTable();

function readTable() {
  const el = document.getElementById('run-settings');
  return el && el.dataset.settings ? JSON.parse(el.dataset.settings) : [];
}

/** setting is the named row of the server's table: {name, kind, choices, min, max, default, modes, always}. */
function setting(name) {
  return TABLE.find((s) => s.name === name) || { name, kind: 'choice', choices: [], min: 0, max: 0, default: '' };
}

/** RUN_NAMES are the run settings' field names; every other field is a scenario param. */
export const RUN_NAMES = new Set(TABLE.map((s) => s.name));
const SEED = setting('seed');
const PROCESSORS = setting('processors');
/** MAX_SEED is the largest seed: 2^53−1, the largest integer a JSON number carries exactly. */
export const MAX_SEED = SEED.max;

// wholeText reads a whole number of setting s as typed: its digits, or null when it is none
// or out of the setting's range.
function wholeText(s, text) {
  const t = String(text).trim();
  if (!/^[0-9]+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= s.min && n <= s.max ? n : null;
}

/** parseSeed reads a seed field: a whole number 0…MAX_SEED, or null. */
export function parseSeed(text) {
  return wholeText(SEED, text);
}

/** randomSeed picks a seed short enough to read aloud: 1…999999. */
export function randomSeed() {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return 1 + (a[0] % 999999);
}

/**
 * runSettings reads the run settings: {mode: "live"|"seeded"|"steer", seed: a number or null
 * (the field is empty or not a seed), seedText: the field as typed, processors: within the
 * server's range, or its default, schedule: the link's schedule or '', challenge: the
 * challenge the link poses or ''}.
 */
export function runSettings(form) {
  const checked = form.querySelector('input[name="mode"]:checked');
  const seedEl = form.querySelector('input[name="seed"]');
  const procEl = form.querySelector('select[name="processors"]');
  const p = procEl ? wholeText(PROCESSORS, procEl.value) : null;
  const seedText = seedEl ? seedEl.value.trim() : '';
  return {
    mode: checked && (checked.value === 'seeded' || checked.value === 'steer') ? checked.value : 'live',
    seed: parseSeed(seedText),
    seedText,
    processors: p === null ? Number(PROCESSORS.default) : p,
    schedule: fieldValue(form, setting('schedule')) ?? '',
    challenge: fieldValue(form, setting('challenge')) ?? '',
  };
}

/**
 * setSchedule makes the form hold schedule as its link's (#p-schedule, as the server renders
 * a link's): a steered run's choices so far, which the link then carries.
 */
export function setSchedule(form, schedule) {
  let el = form.querySelector('#p-schedule');
  if (!el) {
    el = document.createElement('div');
    el.className = 'param seeded-only';
    el.id = 'p-schedule';
    el.hidden = true;
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = 'schedule';
    el.append(input);
    (form.querySelector('#run-settings') || form).append(el);
  }
  el.querySelector('input[name="schedule"]').value = schedule;
}

/**
 * setChallenge makes the form hold the challenge the page poses ('' for none), which its
 * link then carries; the server renders no field for it, as a page without a script shows
 * no challenge.
 */
export function setChallenge(form, id) {
  hiddenField(form, 'challenge', id);
}

// hiddenField gives the form a hidden field name holding value, or takes it away for ''.
function hiddenField(form, name, value) {
  let input = form.querySelector(`input[type="hidden"][name="${name}"]`);
  if (value === '') {
    if (input) input.remove();
    return;
  }
  if (!input) {
    input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    form.append(input);
  }
  input.value = value;
}

/**
 * look is where a seeded link's page stands once its run is in, as the link says: {at: the
 * playhead or null, zoom: {t0, t1} or null}, in the units of the run's view.
 */
export function look(form) {
  const at = fieldValue(form, setting('at'));
  const zoom = fieldValue(form, setting('zoom'));
  const [t0, t1] = zoom === null ? [] : zoom.split('-').map(Number);
  return { at: at === null ? null : Number(at), zoom: zoom === null ? null : { t0, t1 } };
}

/**
 * setLook makes the form hold a playhead and a part of the run in view (null: none), which
 * its link then carries, in whole units.
 */
export function setLook(form, at, zoom) {
  hiddenField(form, 'at', at === null ? '' : String(Math.max(0, Math.round(at))));
  let span = '';
  if (zoom) {
    const t0 = Math.max(0, Math.round(zoom.t0));
    span = `${t0}-${Math.max(t0 + 1, Math.round(zoom.t1))}`;
  }
  hiddenField(form, 'zoom', span);
}

/**
 * dropSchedule forgets the schedule a link brought (#p-schedule holds it): it fits only the
 * run it was made on, so any change to the settings ends it.
 */
export function dropSchedule(form) {
  const el = form.querySelector('#p-schedule');
  if (el) el.remove();
}

// fieldValue is the value of setting s as the form holds it, as a link writes it, or null
// when the form holds none the server would take.
function fieldValue(form, s) {
  const el = form.elements.namedItem(s.name); // a radio group's is its checked radio's
  const text = el ? String(el.value).trim() : '';
  if (text === '') return null;
  if (s.kind === 'schedule') return text.length <= s.max ? text : null;
  if (s.kind === 'name') return text.length <= s.max && /^[a-z][a-z0-9-]*$/.test(text) ? text : null;
  if (s.kind === 'span') {
    const m = /^([0-9]+)-([0-9]+)$/.exec(text);
    if (!m) return null;
    const [t0, t1] = [Number(m[1]), Number(m[2])];
    return Number.isSafeInteger(t1) && t0 < t1 && t1 <= s.max ? `${t0}-${t1}` : null;
  }
  if (s.kind === 'choice') return s.choices.includes(text) ? text : null;
  if (s.kind === 'whole') {
    const n = wholeText(s, text);
    return n === null ? null : String(n);
  }
  const n = Number(text);
  return Number.isFinite(n) && n >= s.min && n <= s.max ? String(n) : null;
}

/**
 * runQuery renders the run settings the form holds as the server's links do: in the table's
 * order, those that apply to the mode, left out at their defaults unless always named, and
 * left out when the field holds nothing usable (a seeded link without a seed gets one where
 * it is opened).
 */
export function runQuery(form) {
  const mode = fieldValue(form, setting('mode')) ?? setting('mode').default;
  const parts = [];
  for (const s of TABLE) {
    if (s.modes && !s.modes.includes(mode)) continue;
    const v = fieldValue(form, s);
    // A setting a person chose (the view: data-chosen) is named even at its default, where
    // leaving it out would let the page choose for whoever opens the link.
    const chosen = form.elements.namedItem(s.name)?.dataset?.chosen === 'true';
    if (v === null || (!s.always && !chosen && v === s.default)) continue;
    parts.push(`${encodeURIComponent(s.name)}=${encodeURIComponent(v)}`);
  }
  return parts.join('&');
}

/** formatValue renders a slider value as the page shows it: "300 ms", "4". */
export function formatValue(input) {
  const unit = input.dataset.unit;
  return unit ? `${input.value} ${unit}` : input.value;
}

/** sliders are the form's range inputs, in the form's (the scenario's) param order. */
export function sliders(form) {
  return Array.from(form.querySelectorAll('input[type="range"]'));
}

/**
 * settings are the form's params in param order: {name, value, choice}. A slider's value is
 * its number as text; a choice param's (a group of radio buttons) is the checked choice's
 * name, or null when none is checked.
 */
export function settings(form) {
  const seen = new Set();
  const out = [];
  for (const el of form.querySelectorAll('input[type="range"], input[type="number"], input[type="radio"]')) {
    if (!el.name || seen.has(el.name) || RUN_NAMES.has(el.name)) continue;
    seen.add(el.name);
    if (el.type !== 'radio') {
      out.push({ name: el.name, value: el.value, choice: false });
    } else {
      const checked = form.querySelector(`input[type="radio"][name="${CSS.escape(el.name)}"]:checked`);
      out.push({ name: el.name, value: checked ? checked.value : null, choice: true });
    }
  }
  return out;
}

/** values reads the params as the run message wants them: numbers, and names for choices. */
export function values(form) {
  const v = {};
  for (const s of settings(form)) {
    if (s.value === null) continue; // nothing picked: the server takes the default
    v[s.name] = s.choice ? s.value : Number(s.value);
  }
  return v;
}

/** paramsQuery renders the params as the canonical query: names in param order. */
export function paramsQuery(form) {
  return settings(form)
    .filter((s) => s.value !== null)
    .map((s) => `${encodeURIComponent(s.name)}=${encodeURIComponent(s.value)}`)
    .join('&');
}

/** query is the page's canonical query: the params, then the run settings. */
export function query(form) {
  return [paramsQuery(form), runQuery(form)].filter((q) => q !== '').join('&');
}

// isSetting tells the fields that change the link: sliders, choices and the run settings'
// fields (the seed, the processors).
function isSetting(el) {
  if (el instanceof HTMLSelectElement) return RUN_NAMES.has(el.name);
  if (!(el instanceof HTMLInputElement)) return false;
  return el.type === 'range' || el.type === 'radio' || RUN_NAMES.has(el.name) || isWideBox(el);
}

// isWideBox tells a wide param's number box.
function isWideBox(el) {
  return el.type === 'number' && el.classList.contains('param-number');
}

/**
 * wholeIn reads a wide param's box as the server reads the param (scenarios.Param.parse): a
 * whole number in the box's range, on its step; otherwise null.
 */
function wholeIn(box) {
  const t = box.value.trim();
  if (!/^-?[0-9]+$/.test(t)) return null;
  const n = Number(t), lo = Number(box.min), hi = Number(box.max), step = Number(box.step) || 1;
  return n >= lo && n <= hi && (n - lo) % step === 0 ? n : null;
}

/**
 * pairWide keeps each wide param's number box and slider in step: the slider moves the box;
 * the box, while it holds a whole number in range, moves the slider. While it holds anything
 * else it is marked invalid and the link waits; when it is left (change), it takes a whole
 * number clamped into range, as the server would, or, for anything else, the slider's value,
 * the last good one.
 */
function pairWide(form) {
  for (const slider of form.querySelectorAll('.param-slider')) {
    const box = document.getElementById(`p-${slider.dataset.param}`);
    const valid = () => box.removeAttribute('aria-invalid');
    // The slider is of logarithmic stops, as scenarios.Param.SliderStop and SliderValue
    // compute them: each multiplies the distance from the least value, plus a step, alike.
    const lo = Number(slider.dataset.min);
    const hi = Number(slider.dataset.max);
    const step = Number(slider.dataset.step);
    const stops = Number(slider.max);
    const steps = Math.log1p((hi - lo) / step);
    const stopOf = (v) => Math.round((stops * Math.log1p((v - lo) / step)) / steps);
    const valueAt = (s) => Math.min(lo + Math.round(Math.expm1((s / stops) * steps)) * step, hi);
    const unit = slider.dataset.unit;
    // The slider says the value it stands for, which is the box's.
    const stand = (v) => {
      slider.value = String(stopOf(v));
      slider.setAttribute('aria-valuetext', `${v.toLocaleString('en')}${unit ? ` ${unit}` : ''}`);
    };
    // A reload may restore the two apart: the box, which the link reads, leads.
    if (wholeIn(box) !== null) stand(Number(box.value));
    // Listeners on the fields themselves run before the form's, which then see the box set.
    slider.addEventListener('input', () => {
      const v = valueAt(Number(slider.value));
      box.value = String(v);
      stand(v);
      valid();
    });
    box.addEventListener('input', (ev) => {
      const n = wholeIn(box);
      if (n !== null) {
        stand(n);
        return valid();
      }
      box.setAttribute('aria-invalid', 'true');
      ev.stopPropagation(); // no link, no run, with a value the server would refuse
    });
    box.addEventListener('change', () => {
      const t = box.value.trim();
      if (wholeIn(box) === null) box.value = /^-?[0-9]+$/.test(t) ? String(Math.min(Math.max(Number(t), box.min), box.max)) : String(valueAt(Number(slider.value)));
      stand(Number(box.value));
      valid();
    });
  }
}

// applyOnlyWhen disables the params that have no effect under the choices picked (the server
// marks them: data-only-param names the choice, data-only-in the values they apply under). A
// disabled slider still holds its value, and the link still carries it.
function applyOnlyWhen(form) {
  for (const row of form.querySelectorAll('[data-only-param]')) {
    const picked = form.querySelector(`input[name="${CSS.escape(row.dataset.onlyParam)}"]:checked`);
    const off = !!picked && !row.dataset.onlyIn.split(' ').includes(picked.value);
    row.classList.toggle('off', off);
    for (const el of row.querySelectorAll('input')) el.disabled = off;
  }
}

/**
 * initURLState keeps outputs, address and share link in step with the settings; onChange is
 * called after each change with the field changed. It returns a function that brings address
 * and link up to date after the page changed a field itself.
 */
export function initURLState(form, share, onChange = () => {}) {
  const path = new URL(form.action, location.href).pathname;
  const update = (rewrite) => {
    const q = query(form);
    const rel = q ? `${path}?${q}` : path;
    if (rewrite && location.pathname + location.search !== rel) {
      history.replaceState(history.state, '', rel);
    }
    if (share) {
      share.href = rel;
      share.textContent = new URL(rel, location.href).href;
    }
  };
  const seedEl = form.querySelector('input[name="seed"]');
  const checkSeed = () => {
    if (!seedEl) return;
    const bad = seedEl.value.trim() !== '' && parseSeed(seedEl.value) === null;
    if (bad) seedEl.setAttribute('aria-invalid', 'true');
    else seedEl.removeAttribute('aria-invalid');
  };
  // A slider fires input while it moves; radio buttons and selects fire input and change;
  // each updates the same way, so twice does no harm.
  const changed = (ev) => {
    const input = ev.target;
    if (!isSetting(input)) return;
    if (input.type === 'range' && input.name) {
      const out = document.getElementById(`o-${input.name}`);
      if (out) out.textContent = formatValue(input);
    }
    if (input === seedEl) checkSeed();
    if (input.type === 'radio') applyOnlyWhen(form);
    dropSchedule(form);
    setLook(form, null, null); // the look fits the run it was taken on, as the schedule does
    update(true);
    onChange(input);
  };
  pairWide(form);
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  // A reload may restore slider positions the server did not render: show what they hold.
  for (const input of sliders(form)) {
    const out = document.getElementById(`o-${input.name}`);
    if (out) out.textContent = formatValue(input);
  }
  checkSeed();
  applyOnlyWhen(form);
  // Show the link in full from the start; the address itself stays as loaded.
  update(false);
  return () => {
    checkSeed();
    update(true);
  };
}
