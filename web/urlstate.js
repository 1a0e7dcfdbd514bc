// URL state: the page's URL is its share link. Moving a slider or picking a choice updates
// its <output>, rewrites the address with history.replaceState and refreshes the #share link.
// Loading a URL needs nothing from here: the server renders the values.

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
    if (!el.name || seen.has(el.name)) continue;
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

/** query renders the params as the canonical query: names in param order. */
export function query(form) {
  return settings(form)
    .filter((s) => s.value !== null)
    .map((s) => `${encodeURIComponent(s.name)}=${encodeURIComponent(s.value)}`)
    .join('&');
}

/**
 * initURLState keeps outputs, address and share link in step with the params; onChange is
 * called after each change.
 */
export function initURLState(form, share, onChange = () => {}) {
  const path = new URL(form.action, location.href).pathname;
  const update = (rewrite) => {
    const q = query(form);
    const rel = `${path}?${q}`;
    if (rewrite && location.pathname + location.search !== rel) {
      history.replaceState(history.state, '', rel);
    }
    if (share) {
      share.href = rel;
      share.textContent = new URL(rel, location.href).href;
    }
  };
  const changed = (ev) => {
    const input = ev.target;
    if (!(input instanceof HTMLInputElement) || (input.type !== 'range' && input.type !== 'radio')) return;
    if (input.type === 'range') {
      const out = document.getElementById(`o-${input.name}`);
      if (out) out.textContent = formatValue(input);
    }
    update(true);
    onChange(input);
  };
  // A radio button fires input and change; a slider fires input while it moves.
  form.addEventListener('input', changed);
  form.addEventListener('change', (ev) => {
    if (ev.target instanceof HTMLInputElement && ev.target.type === 'radio') changed(ev);
  });
  // A reload may restore slider positions the server did not render: show what they hold.
  for (const input of sliders(form)) {
    const out = document.getElementById(`o-${input.name}`);
    if (out) out.textContent = formatValue(input);
  }
  // Show the link in full from the start; the address itself stays as loaded.
  update(false);
}
