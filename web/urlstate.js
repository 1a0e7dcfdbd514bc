// URL state: the page's URL is its share link. Moving a slider updates its <output>, rewrites
// the address with history.replaceState and refreshes the #share link. Loading a URL needs
// nothing from here: the server renders the values.

/** formatValue renders a slider value as the page shows it: "300 ms", "4". */
export function formatValue(input) {
  const unit = input.dataset.unit;
  return unit ? `${input.value} ${unit}` : input.value;
}

/** sliders are the form's range inputs, in the form's (the scenario's) param order. */
export function sliders(form) {
  return Array.from(form.querySelectorAll('input[type="range"]'));
}

/** values reads the sliders as numbers by name, as the run message wants them. */
export function values(form) {
  const v = {};
  for (const input of sliders(form)) v[input.name] = Number(input.value);
  return v;
}

/** query renders the sliders as the canonical query: names in param order. */
export function query(form) {
  return sliders(form)
    .map((input) => `${encodeURIComponent(input.name)}=${encodeURIComponent(input.value)}`)
    .join('&');
}

/**
 * initURLState keeps outputs, address and share link in step with the sliders; onChange is
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
  form.addEventListener('input', (ev) => {
    const input = ev.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'range') return;
    const out = document.getElementById(`o-${input.name}`);
    if (out) out.textContent = formatValue(input);
    update(true);
    onChange(input);
  });
  // A reload may restore slider positions the server did not render: show what they hold.
  for (const input of sliders(form)) {
    const out = document.getElementById(`o-${input.name}`);
    if (out) out.textContent = formatValue(input);
  }
  // Show the link in full from the start; the address itself stays as loaded.
  update(false);
}
