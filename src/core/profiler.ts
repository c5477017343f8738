import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { systemClock, type Clock } from './clock.js';

export interface SpanTiming {
  name: string;
  /** Total monotonic milliseconds spent in spans of this name. */
  ms: number;
  count: number;
}

/**
 * Phase timings on the monotonic clock. `span` wraps work; `start` returns the function that ends a span.
 * Spans of the same name add up. `--profile` prints `format()` on stderr.
 */
export class Profiler {
  readonly #clock: Clock;
  readonly #spans = new Map<string, SpanTiming>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  start(name: string): () => void {
    const began = this.#clock.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const entry = this.#spans.get(name) ?? { name, ms: 0, count: 0 };
      entry.ms += this.#clock.now() - began;
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

  /** Timings in the order the spans first ended. */
  timings(): SpanTiming[] {
    return [...this.#spans.values()].map((s) => ({ ...s }));
  }

  format(): string {
    const rows = this.timings();
    const total = rows.reduce((sum, r) => sum + r.ms, 0);
    const width = Math.max(5, ...rows.map((r) => r.name.length));
    const lines = rows.map(
      (r) =>
        `${r.name.padEnd(width)}  ${r.ms.toFixed(1).padStart(10)} ms  ${(total > 0 ? (r.ms / total) * 100 : 0).toFixed(1).padStart(5)} %` +
        (r.count > 1 ? `  (${r.count}×)` : ''),
    );
    return [`${'phase'.padEnd(width)}  ${'time'.padStart(13)}  share`, ...lines].join('\n');
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
