import { systemClock, type Clock } from './clock.js';
import { checkNumber, checkOptions } from './errors.js';

export interface ProgressTotals {
  items?: number;
  bytes?: number;
}

/** Work done since the last report: items and bytes (counted into rates), and folders gone through (a count). */
export interface ProgressWork extends ProgressTotals {
  folders?: number;
}

/** One phase as seen at one moment. Rates are per second, smoothed; `etaMs` is absent until it can be known. */
export interface PhaseSnapshot {
  name: string;
  state: 'running' | 'done';
  items: number;
  bytes: number;
  folders: number;
  itemsTotal: number | undefined;
  bytesTotal: number | undefined;
  elapsedMs: number;
  itemsPerSecond: number | undefined;
  bytesPerSecond: number | undefined;
  /** Share done, 0..1, by bytes where a byte total is known, else by items. */
  fraction: number | undefined;
  etaMs: number | undefined;
}

export interface ProgressSnapshot {
  /** The phase running now, if any. */
  current: PhaseSnapshot | undefined;
  phases: PhaseSnapshot[];
  elapsedMs: number;
}

export interface ProgressTrackerOptions {
  clock?: Clock;
  /** Half-life of the rate smoothing: an old rate weighs half as much after this long. */
  halfLifeMs?: number;
  /** Updates closer together than this are pooled into one rate sample. */
  sampleMs?: number;
}

/** The handle of a running phase: count work into it, then end it. */
export interface Phase {
  readonly name: string;
  add(work: ProgressWork): void;
  setTotals(totals: ProgressTotals): void;
  end(): void;
}

type Listener = (tracker: ProgressTracker) => void;

class Rate {
  value: number | undefined;
  #pending = 0;
  update(amount: number, dtMs: number, halfLifeMs: number): void {
    this.#pending += amount;
    if (dtMs <= 0) return;
    const instant = (this.#pending * 1000) / dtMs;
    this.#pending = 0;
    // Time-weighted exponential smoothing: irregular sample spacing weighs each sample by how long it covers.
    const alpha = 1 - Math.pow(0.5, dtMs / halfLifeMs);
    this.value = this.value === undefined ? instant : this.value + alpha * (instant - this.value);
  }
  add(amount: number): void {
    this.#pending += amount;
  }
  /**
   * The rate as of `dtMs` after the last sample, as if a sample were taken now: a feed that stalls shows a
   * falling rate, not the last one it had. Nothing changes.
   */
  at(dtMs: number, halfLifeMs: number): number | undefined {
    if (dtMs <= 0) return this.value;
    const instant = (this.#pending * 1000) / dtMs;
    const alpha = 1 - Math.pow(0.5, dtMs / halfLifeMs);
    return this.value === undefined ? instant : this.value + alpha * (instant - this.value);
  }
}

class PhaseState implements Phase {
  items = 0;
  bytes = 0;
  folders = 0;
  itemsTotal: number | undefined;
  bytesTotal: number | undefined;
  endedAt: number | undefined;
  readonly itemRate = new Rate();
  readonly byteRate = new Rate();
  sampledAt: number;

  constructor(
    readonly name: string,
    readonly startedAt: number,
    totals: ProgressTotals,
    private readonly tracker: ProgressTracker,
  ) {
    this.sampledAt = startedAt;
    this.#assignTotals(totals);
  }

  add(work: ProgressWork): void {
    const items = work.items ?? 0;
    const bytes = work.bytes ?? 0;
    this.items += items;
    this.bytes += bytes;
    this.folders += work.folders ?? 0;
    this.tracker.sample(this, items, bytes);
  }

  setTotals(totals: ProgressTotals): void {
    this.#assignTotals(totals);
    this.tracker.changed();
  }

  #assignTotals(totals: ProgressTotals): void {
    if (totals.items !== undefined)
      this.itemsTotal = checkNumber('progress items total', totals.items, { min: 0 });
    if (totals.bytes !== undefined)
      this.bytesTotal = checkNumber('progress bytes total', totals.bytes, { min: 0 });
  }

  end(): void {
    if (this.endedAt !== undefined) return;
    this.tracker.finish(this);
  }
}

/**
 * Counts items and bytes per phase (walk, hash, …), with smoothed rates on the monotonic clock and an ETA.
 * Renderers and API events read the same `snapshot()`; listeners hear of every change and throttle themselves.
 */
export class ProgressTracker {
  readonly #clock: Clock;
  readonly #halfLifeMs: number;
  readonly #sampleMs: number;
  readonly #startedAt: number;
  readonly #phases: PhaseState[] = [];
  readonly #listeners = new Set<Listener>();
  #current: PhaseState | undefined;
  #ended = 0;

  constructor(options: ProgressTrackerOptions = {}) {
    const o = checkOptions('ProgressTracker options', options);
    this.#clock = (o.clock as Clock | undefined) ?? systemClock;
    this.#halfLifeMs =
      o.halfLifeMs === undefined
        ? 3000
        : checkNumber('ProgressTracker halfLifeMs', o.halfLifeMs, { above: 0 });
    this.#sampleMs =
      o.sampleMs === undefined ? 250 : checkNumber('ProgressTracker sampleMs', o.sampleMs, { min: 0 });
    this.#startedAt = this.#clock.now();
  }

  /** Starts a phase (ending the one running, if any). */
  phase(name: string, totals: ProgressTotals = {}): Phase {
    this.#current?.end();
    const state = new PhaseState(name, this.#clock.now(), totals, this);
    this.#phases.push(state);
    this.#current = state;
    this.changed();
    return state;
  }

  /** How many phases have ended: cheap to ask at every change (a renderer prints a phase's summary at once). */
  get phasesEnded(): number {
    return this.#ended;
  }

  /** Calls `listener` after every change; returns the function that unsubscribes it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(): ProgressSnapshot {
    const now = this.#clock.now();
    const phases = this.#phases.map((p) => this.#describe(p, now));
    return {
      current: this.#current ? phases[phases.length - 1] : undefined,
      phases,
      elapsedMs: now - this.#startedAt,
    };
  }

  /** @internal */
  sample(phase: PhaseState, items: number, bytes: number): void {
    const now = this.#clock.now();
    const dt = now - phase.sampledAt;
    if (dt >= this.#sampleMs && dt > 0) {
      phase.itemRate.update(items, dt, this.#halfLifeMs);
      phase.byteRate.update(bytes, dt, this.#halfLifeMs);
      phase.sampledAt = now;
    } else {
      phase.itemRate.add(items);
      phase.byteRate.add(bytes);
    }
    this.changed();
  }

  /** @internal */
  finish(phase: PhaseState): void {
    phase.endedAt = this.#clock.now();
    this.#ended++;
    if (this.#current === phase) this.#current = undefined;
    this.changed();
  }

  /** @internal */
  changed(): void {
    for (const listener of this.#listeners) listener(this);
  }

  #describe(p: PhaseState, now: number): PhaseSnapshot {
    const elapsedMs = (p.endedAt ?? now) - p.startedAt;
    const done = p.endedAt !== undefined;
    const byBytes = p.bytesTotal !== undefined && p.bytesTotal > 0;
    const total = byBytes ? p.bytesTotal : p.itemsTotal;
    const count = byBytes ? p.bytes : p.items;
    // Between samples the rates are as of the last one; once a sample is owed, as of now.
    const sinceSample = done || now - p.sampledAt < this.#sampleMs ? 0 : now - p.sampledAt;
    const itemRate = p.itemRate.at(sinceSample, this.#halfLifeMs);
    const byteRate = p.byteRate.at(sinceSample, this.#halfLifeMs);
    const rate = byBytes ? byteRate : itemRate;
    const fraction = total === undefined ? undefined : total === 0 ? 1 : Math.min(1, count / total);
    let etaMs: number | undefined;
    if (done) etaMs = 0;
    else if (total !== undefined && rate !== undefined && rate > 0)
      etaMs = (Math.max(0, total - count) / rate) * 1000;
    return {
      name: p.name,
      state: done ? 'done' : 'running',
      items: p.items,
      bytes: p.bytes,
      folders: p.folders,
      itemsTotal: p.itemsTotal,
      bytesTotal: p.bytesTotal,
      elapsedMs,
      itemsPerSecond: done ? average(p.items, elapsedMs) : itemRate,
      bytesPerSecond: done ? average(p.bytes, elapsedMs) : byteRate,
      fraction: done ? 1 : fraction,
      etaMs,
    };
  }
}

function average(amount: number, ms: number): number | undefined {
  return ms > 0 ? (amount * 1000) / ms : undefined;
}
