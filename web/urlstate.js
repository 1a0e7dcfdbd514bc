// URL state: the page's URL is its share link. Moving a slider or picking a choice updates
// its <output>, rewrites the address with history.replaceState and refreshes the #share link.
// Loading a URL needs nothing from here: the server renders the values.
//
// The link holds the scenario's params in param order, then the run settings: nothing for a
// live run (the default), mode=seeded&seed=N&processors=P for a seeded one.

/** RUN_NAMES are the run settings' field names; every other field is a scenario param. */
export const RUN_NAMES = new Set(['mode', 'seed', 'processors']);
/** MAX_SEED is the largest seed: 2^53−1, the largest integer a JSON number carries exactly. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;
const DEFAULT_PROCESSORS = 4;

/** parseSeed reads a seed field: a whole number 0…MAX_SEED, or null. */
export function parseSeed(text) {
  const s = String(text).trim();
  if (!/^[0-9]{1,16}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** randomSeed picks a seed short enough to read aloud: 1…999999. */
export function randomSeed() {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return 1 + (a[0] % 999999);
}

/**
 * runSettings reads the run settings: {mode: "live"|"seeded", seed: a number or null (the
 * field is empty or not a seed), seedText: the field as typed, processors: 1…8}.
 */
export function runSettings(form) {
  const checked = form.querySelector('input[name="mode"]:checked');
  const seedEl = form.querySelector('input[name="seed"]');
  const procEl = form.querySelector('select[name="processors"]');
  const p = procEl ? Number(procEl.value) : DEFAULT_PROCESSORS;
  const seedText = seedEl ? seedEl.value.trim() : '';
  return {
    mode: checked && checked.value === 'seeded' ? 'seeded' : 'live',
    seed: parseSeed(seedText),
    seedText,
    processors: Number.isInteger(p) && p >= 1 && p <= 8 ? p : DEFAULT_PROCESSORS,
  };
}

/** runQuery renders run settings for a link: empty for live runs. */
export function runQuery(rs) {
  if (rs.mode !== 'seeded') return '';
  const seed = rs.seed === null ? '' : `&seed=${rs.seed}`;
  return `mode=seeded${seed}&processors=${rs.processors}`;
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
  for (const el of form.querySelectorAll('input[type="range"], input[type="radio"]')) {
    if (!el.name || seen.has(el.name) || RUN_NAMES.has(el.name)) continue;
    seen.add(el.name);
    if (el.type === 'range') {
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

/** query is the page's canonical query: the params, the run settings, then view=events when the run is laid out by event order. */
export function query(form) {
  const view = form.elements.namedItem('view');
  const byEvents = view && view.value === 'events' ? 'view=events' : '';
  return [paramsQuery(form), runQuery(runSettings(form)), byEvents].filter((q) => q !== '').join('&');
}

// isSetting tells the fields that change the link: sliders, choices, the seed and the
// processors.
function isSetting(el) {
  if (el instanceof HTMLSelectElement) return el.name === 'processors';
  if (!(el instanceof HTMLInputElement)) return false;
  return el.type === 'range' || el.type === 'radio' || el.name === 'seed';
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
    if (input.type === 'range') {
      const out = document.getElementById(`o-${input.name}`);
      if (out) out.textContent = formatValue(input);
    }
    if (input === seedEl) checkSeed();
    if (input.type === 'radio') applyOnlyWhen(form);
    update(true);
    onChange(input);
  };
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
