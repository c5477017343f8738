import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { systemClock, type Clock } from './clock.js';

export interface SpanTiming {
  name: string;
  /** Total monotonic milliseconds spent in spans of this name. */
  ms: number;
  count: number;
  /** Of those, the milliseconds the main thread was busy (not waiting in its event loop for other threads). */
  mainMs: number;
}

/** How busy the main thread has been: milliseconds active since it started (the event loop's own count). */
export type BusyMeter = () => number;

const mainThreadBusy: BusyMeter = () => performance.eventLoopUtilization().active;

/**
 * Phase timings on the monotonic clock. `start` returns the function that ends a span; spans of the same name
 * add up. Each span also records how much of it the main thread was busy (the rest it waited for workers, the
 * disk or the catalog's thread), and `items` sets what the per-item column divides by (the scan's files).
 * `--profile` prints `format()` on stderr.
 */
export class Profiler {
  readonly #clock: Clock;
  readonly #busy: BusyMeter;
  readonly #spans = new Map<string, SpanTiming>();
  #items: { noun: string; count: number } | undefined;

  constructor(clock: Clock = systemClock, busy: BusyMeter = mainThreadBusy) {
    this.#clock = clock;
    this.#busy = busy;
  }

  start(name: string): () => void {
    const began = this.#clock.now();
    const busyBefore = this.#busy();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const entry = this.#spans.get(name) ?? { name, ms: 0, count: 0, mainMs: 0 };
      const ms = this.#clock.now() - began;
      entry.ms += ms;
      entry.mainMs += Math.min(ms, Math.max(0, this.#busy() - busyBefore));
      entry.count++;
      this.#spans.set(name, entry);
    };
  }

  async span<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    const end = this.start(name);
    try {
      return await work();
    } finally {
      end();
    }
  }

  /** What the work was done on: `count` of `noun` (files), for the cost per item of each phase. */
  items(noun: string, count: number): void {
    this.#items = { noun, count };
  }

  /** Timings in the order the spans first ended. */
  timings(): SpanTiming[] {
    return [...this.#spans.values()].map((s) => ({ ...s }));
  }

  /** µs per item of `ms` milliseconds, when items were counted. */
  #perItem(ms: number): number | undefined {
    return this.#items && this.#items.count > 0 ? (ms * 1000) / this.#items.count : undefined;
  }

  format(): string {
    const rows = this.timings();
    const total = rows.reduce((sum, r) => sum + r.ms, 0);
    const mainTotal = rows.reduce((sum, r) => sum + r.mainMs, 0);
    const width = Math.max(5, ...rows.map((r) => r.name.length));
    const noun = this.#items?.noun ?? 'item';
    const perItem = (ms: number) => (this.#perItem(ms)?.toFixed(2) ?? '-').padStart(8 + noun.length);
    const percent = (part: number, whole: number) =>
      (whole > 0 ? (part / whole) * 100 : 0).toFixed(1).padStart(5);
    const line = (name: string, ms: number, mainMs: number, count: number) =>
      `${name.padEnd(width)}  ${ms.toFixed(1).padStart(10)} ms  ${percent(ms, total)} %  ${perItem(ms)}  ${percent(mainMs, ms)} %` +
      (count > 1 ? `  (${count}×)` : '');
    const header = `${'phase'.padEnd(width)}  ${'time'.padStart(13)}  share  ${`µs/${noun}`.padStart(8 + noun.length)}   main`;
    const lines = rows.map((r) => line(r.name, r.ms, r.mainMs, r.count));
    const items = this.#items
      ? [`${this.#items.count} ${this.#items.noun}s; main: the share of each phase the main thread was busy`]
      : [];
    return [header, ...lines, line('total', total, mainTotal, 1), ...items].join('\n');
  }
}

/**
 * Records a V8 CPU profile of the main thread until the returned function is called, then writes it to `file`
 * (open it in Chrome DevTools or speedscope).
 */
export async function startCpuProfile(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await writeFile(file, JSON.stringify(profile));
  };
}
