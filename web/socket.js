// The WebSocket client: one connection to /ws on the page's host, reopened when it closes.
// Once given the batch decoder (readBatches), it asks for runs' events as binary batches,
// which a decoder of the connection's own turns into events messages; the other messages are
// JSON text, checked by decodeMessage. Messages are dispatched as events named by their type
// (meta, events, choice, end, error), each with the message as detail. Connection changes
// dispatch open and close; a message the page cannot use dispatches invalid.

import { decodeMessage, fail } from './trace/decode.js';

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 15000;

export class Socket extends EventTarget {
  constructor(path = '/ws') {
    super();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = `${scheme}//${location.host}${path}`;
    this.ws = null;
    this.retryMs = MIN_RETRY_MS;
    this.retryTimer = 0;
    this.pending = null; // a run asked for while the connection was down
    this.BatchDecoder = null; // trace/batch.js's, once given: runs then ask for binary batches
    this.batches = null; // the connection's decoder
  }

  /**
   * readBatches makes the runs asked for from now on come with their events as binary
   * batches, which BatchDecoder (trace/batch.js's, loaded after the page) decodes.
   */
  readBatches(BatchDecoder) {
    this.BatchDecoder = BatchDecoder;
    this.batches = new BatchDecoder();
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    clearTimeout(this.retryTimer);
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.scheduleRetry(`cannot open ${this.url}: ${err.message}`);
      return;
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    // A connection numbers its runs afresh, and a run's batches share its strings.
    if (this.BatchDecoder) this.batches = new this.BatchDecoder();
    ws.addEventListener('open', () => {
      this.retryMs = MIN_RETRY_MS;
      this.emit('open', null);
      if (this.pending) {
        const m = this.pending;
        this.pending = null;
        this.send(m);
      }
    });
    ws.addEventListener('message', (ev) => {
      let msg;
      try {
        if (typeof ev.data === 'string') msg = decodeMessage(ev.data);
        else if (this.batches) msg = this.batches.decode(ev.data);
        else fail('server sent a binary message, which this page did not ask for');
      } catch (err) {
        this.emit('invalid', err);
        return;
      }
      this.emit(msg.type, msg);
    });
    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const why = ev.reason ? `: ${ev.reason}` : '';
      this.scheduleRetry(`connection closed${why}`);
    });
    // An error is always followed by close, which reconnects.
  }

  scheduleRetry(reason) {
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.emit('close', { reason, retryMs: wait });
    this.retryTimer = setTimeout(() => this.connect(), wait);
  }

  /**
   * send writes msg as JSON. A run sent while the connection is down waits for it to reopen;
   * other messages (stop) are dropped, since the server stops a run whose client went away.
   * It reports whether msg was written now.
   */
  send(msg) {
    if (this.open) {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    if (msg.type === 'run') {
      this.pending = msg;
      if (!this.ws) this.connect();
    }
    return false;
  }

  /**
   * run asks the server to run a scenario. settings are the run settings ({mode, seed,
   * processors, schedule, from}); a live run sends neither seed nor processors, a seeded or
   * steered one without a seed lets the server pick it, and one without a schedule leaves
   * it out. A steered run's from follows the schedule for that many events only.
   */
  run(scenario, params, speed, settings = { mode: 'live' }) {
    const mode = settings.mode === 'seeded' || settings.mode === 'steer' ? settings.mode : 'live';
    const msg = { type: 'run', scenario, params, mode, speed };
    if (this.batches) msg.events = 'binary';
    if (mode !== 'live') {
      if (settings.seed !== null && settings.seed !== undefined) msg.seed = settings.seed;
      msg.processors = settings.processors;
      if (settings.schedule) msg.schedule = settings.schedule;
      if (mode === 'steer' && settings.from > 0) msg.from = settings.from;
    }
    return this.send(msg);
  }

  stop() {
    this.pending = null;
    return this.send({ type: 'stop' });
  }

  /** pick answers the choice steered run run waits on: {g}, the goroutine to run, or at a select {case}, the ready case to take. */
  pick(run, what) {
    return this.send({ type: 'pick', run, ...what });
  }

  /** finish hands the rest of steered run run to its seed. */
  finish(run) {
    return this.send({ type: 'finish', run });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
