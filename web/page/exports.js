// The exports of the run shown.

import { $, download } from './dom.js';

/**
 * initExports wires the export links and returns refresh(ready), which offers the exports of
 * the run shown (state's) once ready (complete): a seeded run's as links to the trace API, a
 * live run's built from the events received (its Chrome trace by trace/chrome.js, loaded
 * when first asked for). setStatus(text, kind) tells what failed.
 */
export function initExports(scenario, state, timeline, setStatus) {
  const json = $('export-json');
  const chrome = $('export-chrome');
  const png = $('export-png');
  const fileBase = () => {
    const { shown } = state;
    // as the server names a seeded trace (downloadName): what makes the run, but its params
    if (shown.mode === 'live' || shown.seed === undefined) return `${scenario}-live`;
    const steered = shown.mode === 'steer' || shown.schedule;
    return `${scenario}-seed-${shown.seed}-${shown.processors}-processors${steered ? '-steered' : ''}`;
  };
  const save = (blob, file) => {
    const url = URL.createObjectURL(blob);
    download(url, file);
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  };
  const saveJSON = (doc, file) => save(new Blob([JSON.stringify(doc)], { type: 'application/json' }), file);
  // traceQuery is the query of the trace API for the run shown (seeded runs only).
  const traceQuery = () => {
    const { shown } = state;
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(shown.params)) q.set(k, String(v));
    if (shown.seed !== undefined) q.set('seed', String(shown.seed));
    if (shown.processors !== undefined) q.set('processors', String(shown.processors));
    if (shown.schedule) q.set('schedule', shown.schedule);
    return q.toString();
  };

  json.addEventListener('click', (ev) => {
    if (!json.hasAttribute('href') || json.dataset.local !== 'true') return; // a link to the trace API
    ev.preventDefault();
    // A live run cannot be asked for again: save what the page received, in the trace API's shape.
    const { shown, trace } = state;
    const end = shown.end ? (({ v, type, run: _, ...rest }) => rest)(shown.end) : null;
    const doc = { v: 1, scenario, params: shown.params, mode: shown.mode, events: trace.events, end };
    saveJSON(doc, json.download);
  });
  chrome.addEventListener('click', async (ev) => {
    if (!chrome.hasAttribute('href') || chrome.dataset.local !== 'true') return; // a link to the trace API
    ev.preventDefault();
    const { events } = state.trace; // this run's, whatever runs while the converter loads
    const file = chrome.download;
    try {
      const { chromeTrace } = await import('../trace/chrome.js');
      saveJSON(chromeTrace(events), file);
    } catch (err) {
      setStatus(`Could not make the Chrome trace: ${err.message}`, 'error');
    }
  });
  png.addEventListener('click', async () => {
    const file = `${fileBase()}.png`;
    try {
      save(await timeline.snapshot(), file);
    } catch (err) {
      setStatus(`Could not make the image: ${err.message}`, 'error');
    }
  });

  return (ready) => {
    const { shown } = state;
    const seeded = ready && shown && shown.mode === 'seeded' && shown.seed !== undefined;
    const api = `/api/scenarios/${encodeURIComponent(scenario)}/trace?`;
    if (ready) {
      json.href = seeded ? api + traceQuery() : '#';
      json.dataset.local = String(!seeded);
      json.download = `${fileBase()}.json`;
      json.title = seeded ? 'The whole seeded trace, from the server' : 'The events this page received, as JSON';
    } else {
      json.removeAttribute('href');
    }
    if (ready) {
      chrome.href = seeded ? `${api}${traceQuery()}&format=chrome` : '#';
      chrome.dataset.local = String(!seeded);
      chrome.download = `${fileBase()}.chrome.json`;
      chrome.title = `Chrome Trace Event Format${seeded ? '' : ' of the events this page received'}: opens in Perfetto (ui.perfetto.dev) or chrome://tracing`;
    } else {
      chrome.removeAttribute('href');
    }
    png.disabled = !ready;
  };
}
