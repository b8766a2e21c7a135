// Paper A's ablation side by side (`#compare=ablation`): the same data, seed and source points
// trained four ways (Rust config::ablation), each variant in a training worker of its own. A
// variant trains in turns of about TURN_MS, each ending in a snapshot (held-out metrics, plots)
// that takes at most SNAPSHOT_SHARE of the turn; `lanes` of them train at once: on the CPU backend as
// many as the machine has cores (the others wait their turn), on WebGPU all four (on the fused
// kernels where they cover the run; each run's adapter line says). A variant that diverges stops
// alone; the others go on.

import { SNAPSHOT_SHARE } from './pacing.js';
import { TrainingWorker } from './worker-client.js';

const TURN_MS = 300;
const MAX_TURN = 500; // iterations a turn at most
const MAX_HISTORY = 1000; // records a variant keeps for the curves; older ones are thinned

/**
 * How many variants train at once: `setting` ('auto' or a number of workers); with 'auto' one a
 * core on the CPU (navigator.hardwareConcurrency), and all four on WebGPU, whose queue
 * interleaves them.
 */
export function lanesFor(backend, setting, variants) {
  if (setting !== 'auto') return Math.min(variants, Number(setting));
  if (backend === 'webgpu') return variants;
  return Math.max(1, Math.min(variants, navigator.hardwareConcurrency || 1));
}

/** Says where the variants run, for the page. */
export function describeLanes(backend, lanes, variants) {
  const where = backend === 'webgpu'
    ? 'on WebGPU'
    : `on the CPU backend (${navigator.hardwareConcurrency || 1} cores)`;
  const together = lanes >= variants ? 'all training at once' : `${lanes} training at once, the others taking turns`;
  return `${variants} variants, each in its own worker, ${where}: ${together}`;
}

export class AblationRuns {
  /**
   * `variants`: [{name, config}], one worker each; `onChange(run)` after each of a variant's
   * snapshots and failures. A run is {name, status ('starting' | 'training' | 'diverged' |
   * 'failed'), message, adapter (where it trains), latest (metrics), arrays (the snapshot),
   * history, iterationsPerSecond}.
   */
  constructor(variants, { backend, lanes, instrument, onChange }) {
    this.backend = backend;
    this.lanes = lanes;
    this.onChange = onChange;
    this.playing = false;
    this.activeMs = 0; // wall time spent training (playing or stepping), shared by the variants
    this.activeSince = null;
    this.nextIndex = 0;
    this.runs = variants.map(({ name, config }) => ({
      name, config, status: 'starting', message: '', adapter: '', latest: null, arrays: null, history: [],
      firstIteration: null, iterationsPerSecond: null, turn: 5, trainingMs: 0, busy: false, worker: null,
    }));
    for (const run of this.runs) {
      run.worker = new TrainingWorker({
        onReady: () => {},
        onSnapshot: (message) => this.receive(run, message),
        onFailure: (text, { diverged }) => this.fail(run, text, diverged),
      }, { instrument });
    }
  }

  /**
   * Starts every variant from scratch; `viewOf(data)` is the view the first variant's data
   * asks for (the variants share their data). Resolves once each has drawn or failed.
   */
  start(viewOf) {
    return Promise.all(this.runs.map((run) => new Promise((resolve) => {
      run.started = resolve;
      run.worker.handlers.onReady = (message) => {
        run.adapter = message.adapter;
        run.worker.post({ type: 'view', view: viewOf(message.data) });
      };
      run.worker.post({ type: 'start', config: run.config, backend: this.backend, view: null, pretrained: false });
    })));
  }

  alive() {
    return this.runs.filter((run) => run.status === 'training');
  }

  receive(run, message) {
    const metrics = message.snapshot.metrics;
    run.latest = metrics;
    run.arrays = message.snapshot;
    run.firstIteration ??= metrics.iteration;
    if (run.status === 'starting') run.status = 'training';
    if (!run.history.length || run.history[run.history.length - 1].iteration !== metrics.iteration) run.history.push(metrics);
    if (run.history.length > MAX_HISTORY) run.history = run.history.filter((_, i) => i % 2 === 0 || i === run.history.length - 1);
    const seconds = this.activeSeconds();
    run.iterationsPerSecond = seconds > 0 ? (metrics.iteration - run.firstIteration) / seconds : null;
    this.onChange(run);
    if (run.started) run.started();
    run.started = null;
  }

  fail(run, text, diverged) {
    run.status = diverged ? 'diverged' : 'failed';
    run.message = text;
    this.onChange(run);
    if (run.started) run.started();
    run.started = null;
  }

  activeSeconds() {
    const now = this.activeSince === null ? 0 : performance.now() - this.activeSince;
    return (this.activeMs + now) / 1000;
  }

  /** Counts the wall time from now on as training time, while `work` runs. */
  async active(work) {
    const outer = this.activeSince === null;
    if (outer) this.activeSince = performance.now();
    try {
      return await work();
    } finally {
      if (outer) {
        this.activeMs += performance.now() - this.activeSince;
        this.activeSince = null;
      }
    }
  }

  /** The next variant to train, round robin over those alive and idle; null when none is. */
  next() {
    for (let k = 0; k < this.runs.length; k++) {
      const run = this.runs[(this.nextIndex + k) % this.runs.length];
      if (run.status === 'training' && !run.busy) {
        this.nextIndex = (this.runs.indexOf(run) + 1) % this.runs.length;
        return run;
      }
    }
    return null;
  }

  /**
   * `n` iterations of `run`, drawn on reply; a failure is the run's own (see fail). The next turn
   * trains for about TURN_MS, longer where the snapshot would take more than its share.
   */
  async turn(run, n) {
    run.busy = true;
    const started = performance.now();
    try {
      const reply = await run.worker.request({ type: 'step', n });
      const trainingMs = Math.max(1, reply.trainingMs - run.trainingMs);
      const snapshotMs = performance.now() - started - trainingMs;
      run.trainingMs = reply.trainingMs;
      this.receive(run, reply);
      const target = Math.max(TURN_MS, snapshotMs * (1 - SNAPSHOT_SHARE) / SNAPSHOT_SHARE);
      run.turn = Math.max(1, Math.min(MAX_TURN, Math.round(n * target / trainingMs)));
    } catch {
      // The worker reported the failure to fail(), which marked the run.
    } finally {
      run.busy = false;
    }
  }

  play() {
    if (this.playing) return;
    this.playing = true;
    this.playback = this.active(() => Promise.all(Array.from({ length: this.lanes }, () => this.lane())));
  }

  async lane() {
    while (this.playing) {
      const run = this.next();
      if (!run) {
        // Every variant is training in another lane or has stopped.
        if (!this.alive().length) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      await this.turn(run, run.turn);
    }
  }

  /** Stops after the turns under way; resolves once they are drawn. */
  async pause() {
    this.playing = false;
    await this.playback;
  }

  /** `n` iterations of every variant alive, `lanes` at a time; resolves once all are drawn. */
  async step(n) {
    await this.pause();
    const waiting = this.alive();
    await this.active(() => Promise.all(Array.from({ length: this.lanes }, async () => {
      for (let run = waiting.shift(); run; run = waiting.shift()) await this.turn(run, n);
    })));
  }

  /** Applies live settings (a learning rate, λ, L) to every variant at its next iteration. */
  update(settings) {
    for (const run of this.alive()) run.worker.post({ type: 'update', settings });
  }

  /** Posts `message` to the named variant's worker (the test hooks of `?instrument`). */
  post(name, message) {
    const run = this.runs.find((r) => r.name === name);
    if (!run) throw new Error(`no variant “${name}”`);
    run.worker.post(message);
  }

  terminate() {
    this.playing = false;
    for (const run of this.runs) run.worker.terminate();
  }
}
