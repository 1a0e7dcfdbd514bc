// The run state: which run the page shows and what it waits for. The socket's messages and
// the controls change it only by these transitions:
//
//   ask()      Run, a seeded link or Find asks for a run: asked + 1.
//   meta(m)    a run's meta: asked − 1; once none is left asked, m's run is shown, running
//              (true).
//   takes(m)   whether events m are the running run's.
//   cut()      the model refused its events: the page stops reading the run (cut).
//   end(m)     m ends the run shown (true): ended. While a newer run is asked for, the end is
//              held back instead (false): the newer run will replace it.
//   refused()  the server answered a run asked for with an error: asked − 1. When none is
//              left asked, the end held back ends the run shown after all, and is returned.
//   stop()     Stop: no run asked for is shown; the one running ends when its end comes (true
//              when the page only waited for a meta).
//   lost()     the connection closed: a run running is cut, none is asked for (true when the
//              page was busy).
//
// phase is the run shown's: none, running, ended or cut. The page is busy (Stop has something
// to stop) while a run runs or is asked for. trace is the run's model; shown, how it was run
// as its meta said ({params, mode, seed, processors, schedule}; mode live, seeded or steer),
// and its end message.

import { Trace } from '../trace/model.js';

export class RunState {
  constructor(scenario) {
    this.scenario = scenario;
    this.asked = 0;
    this.phase = 'none';
    this.run = 0; // the server's number of the run shown
    this.trace = null;
    this.shown = null;
    this.held = null; // the end of the run shown, come while a newer run was asked for
  }

  get running() {
    return this.phase === 'running';
  }

  get busy() {
    return this.running || this.asked > 0;
  }

  ask() {
    this.asked++;
  }

  meta(m) {
    if (this.asked === 0 || m.scenario !== this.scenario) return false;
    this.asked--;
    if (this.asked > 0) return false; // a newer run is on its way
    this.held = null;
    this.phase = 'running';
    this.run = m.run;
    this.trace = new Trace();
    const mode = m.mode === 'seeded' || m.mode === 'steer' ? m.mode : 'live';
    this.shown = { params: m.params, mode, seed: m.seed, processors: m.processors, schedule: m.schedule, end: null };
    return true;
  }

  takes(m) {
    return this.running && m.run === this.run;
  }

  cut() {
    this.phase = 'cut';
  }

  end(m) {
    if (m.run !== this.run || !this.trace) return false;
    if (this.asked > 0) {
      if (this.running) this.held = m;
      return false;
    }
    this.phase = 'ended';
    this.shown.end = m;
    return true;
  }

  refused() {
    if (this.asked > 0) this.asked--;
    const held = this.asked === 0 ? this.held : null;
    if (!held) return null;
    this.held = null;
    this.phase = 'ended';
    this.shown.end = held;
    return held;
  }

  stop() {
    const waiting = this.asked > 0 && !this.running;
    this.asked = 0;
    return waiting;
  }

  lost() {
    const busy = this.busy;
    if (this.running) this.phase = 'cut';
    this.asked = 0;
    return busy;
  }
}
