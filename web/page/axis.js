// How a finished run opens: which axis, and which part of the time. A seeded run's virtual
// time stands still between Work and Sleep, so most of its events share a few instants (the
// dining philosophers all reach for their forks at once): by time they would be drawn on top
// of one another, so such a run opens by event order, and the page says so. A live run of a
// few microseconds spends most of them before its first operation (the runtime warming up):
// it opens zoomed to its events.

// A run is crowded when its events stand at fewer than half as many instants, and some
// instant holds at least CROWD_MIN of them.
const CROWD_MIN = 4;
// A live run shorter than this (ns) whose events leave most of it empty opens on them.
const SHORT_RUN = 1e6;

/**
 * crowding sums up how trace's events share instants: {events, instants, most (the most at
 * one instant), crowded}.
 */
export function crowding(trace) {
  const evs = trace.events;
  let instants = 0;
  let most = 0;
  for (let i = 0; i < evs.length; ) {
    let j = i + 1;
    while (j < evs.length && evs[j].t === evs[i].t) j++;
    instants++;
    most = Math.max(most, j - i);
    i = j;
  }
  return { events: evs.length, instants, most, crowded: most >= CROWD_MIN && instants * 2 <= evs.length };
}

/**
 * eventsSpan is the part of a short run (lasting endT ns) that holds its events, {t0, t1},
 * when they leave most of it empty; null when the whole run is the better view. It looks
 * past the widest gap between events (from 0 to the first included), to the side of it with
 * more events.
 */
export function eventsSpan(trace, endT) {
  const evs = trace.events;
  if (evs.length < 2 || endT <= 0 || endT > SHORT_RUN) return null;
  let gap = evs[0].t;
  let at = 0; // the gap ends before evs[at]
  for (let i = 1; i < evs.length; i++) {
    const d = evs[i].t - evs[i - 1].t;
    if (d > gap) {
      gap = d;
      at = i;
    }
  }
  if (gap < endT * 0.5) return null;
  const after = evs.length - at >= at;
  const a = after ? evs[at].t : evs[0].t;
  const b = after ? Math.max(evs[evs.length - 1].t, endT) : evs[at - 1].t;
  const pad = Math.max((b - a) * 0.06, 200);
  return { t0: Math.max(0, a - pad), t1: b + pad };
}
