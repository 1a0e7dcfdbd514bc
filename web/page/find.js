// Find: the server tries seeds until one shows what is wanted, and the page runs it.

import { paramsQuery, runSettings } from '../urlstate.js';

const WANTS = { deadlock: 'a deadlock', 'lost-update': 'a lost update' };

/**
 * initFind wires the find box's buttons, if the page has one. useSeed(seed) puts a seed that
 * was found in the seeded mode's settings; start() runs them.
 */
export function initFind(box, result, form, scenario, useSeed, start) {
  const buttons = box ? Array.from(box.querySelectorAll('button[data-want]')) : [];
  async function find(want) {
    const rs = runSettings(form);
    const tries = Number(box.dataset.tries) || 200;
    const what = WANTS[want] || want;
    const q = [paramsQuery(form), `processors=${rs.processors}`, `want=${encodeURIComponent(want)}`, `tries=${tries}`]
      .filter((x) => x !== '').join('&');
    for (const b of buttons) b.disabled = true;
    box.setAttribute('aria-busy', 'true');
    result.className = 'help busy';
    result.textContent = `Looking for ${what} in up to ${tries} seeds…`;
    let res;
    let body = {};
    try {
      res = await fetch(`/api/scenarios/${encodeURIComponent(scenario)}/search?${q}`, { headers: { Accept: 'application/json' } });
      body = await res.json().catch(() => ({}));
    } catch (err) {
      res = null;
      body = { error: `the server could not be reached (${err.message})` };
    } finally {
      for (const b of buttons) b.disabled = false;
      box.removeAttribute('aria-busy');
    }
    if (!res || !res.ok) {
      result.className = 'help error';
      result.textContent = `The search failed: ${body.error || body.message || `the server answered ${res.status}`}`;
      return;
    }
    if (!body.found || !Number.isSafeInteger(body.seed)) {
      result.className = 'help warn';
      result.textContent = `${body.message ? `${body.message[0].toUpperCase()}${body.message.slice(1)}` : `No ${what.replace(/^an? /, '')} in ${body.tries ?? tries} seeds`}. Other settings may show one.`;
      return;
    }
    useSeed(body.seed);
    result.className = 'help ok';
    result.textContent = `Found ${what} at seed ${body.seed}${body.tries ? ` after ${body.tries} ${body.tries === 1 ? 'try' : 'tries'}` : ''}; running it.`;
    start();
  }
  for (const b of buttons) b.addEventListener('click', () => find(b.dataset.want));
  return buttons;
}
