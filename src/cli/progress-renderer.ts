import { systemClock, type Clock } from '../core/clock.js';
import type { PhaseSnapshot, ProgressTracker } from '../core/progress.js';
import { throttle } from '../core/throttle.js';
import { formatBytes, formatCount, formatDuration } from '../core/format.js';

/** What the renderer writes to: stderr, or a test double. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressRendererOptions {
  stream: ProgressStream;
  clock?: Clock;
  /** Redraws of the live line at most this often on a terminal. */
  intervalMs?: number;
  /** Without a terminal, a plain progress line at most this often (and one per finished phase). */
  plainIntervalMs?: number;
}

const BAR_WIDTH = 20;

/**
 * Draws a tracker's snapshots. On a terminal: one live line, redrawn at most ten times a second, and a summary
 * line per finished phase. Elsewhere (a pipe, a log file): plain lines only, never control characters. Redraws
 * follow changes; with no change there is no timer.
 */
export function renderProgress(tracker: ProgressTracker, options: ProgressRendererOptions): { stop(): void } {
  const { stream } = options;
  const clock = options.clock ?? systemClock;
  const tty = stream.isTTY === true;
  const plainIntervalMs = options.plainIntervalMs ?? 10_000;
  let finished = 0;
  let live = false;

  const draw = (final: boolean): void => {
    const snapshot = tracker.snapshot();
    let out = live ? '\r\x1b[2K' : '';
    live = false;
    for (; finished < snapshot.phases.length && snapshot.phases[finished]!.state === 'done'; finished++) {
      out += `${describePhase(snapshot.phases[finished]!)}\n`;
    }
    const current = snapshot.current;
    if (current && !final) {
      const line = describePhase(current);
      if (tty) {
        // A terminal that does not say its width (or says 0) gets 80 columns.
        out += line.slice(0, (stream.columns !== undefined && stream.columns > 20 ? stream.columns : 80) - 1);
        live = true;
      } else if (!out && current.elapsedMs >= plainIntervalMs) {
        // Plain output: a line for a phase only once it has run a while, never a flurry of zeros.
        out = `${line}\n`;
      }
    }
    if (out) stream.write(out);
  };

  const redraw = throttle(clock, tty ? (options.intervalMs ?? 100) : plainIntervalMs, () => draw(false));
  const unsubscribe = tracker.subscribe(() => redraw.call());
  return {
    stop() {
      unsubscribe();
      redraw.cancel();
      draw(true);
    },
  };
}

/** "hash  [######--------------]  31%  1,204 files  2.10 GiB  412 MiB/s  ETA 0:07" */
export function describePhase(p: PhaseSnapshot): string {
  const parts = [p.name.padEnd(5)];
  if (p.state === 'running' && p.fraction !== undefined) {
    const filled = Math.round(p.fraction * BAR_WIDTH);
    parts.push(
      `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(p.fraction * 100)).padStart(3)}%`,
    );
  }
  parts.push(
    `${formatCount(p.items)}${p.itemsTotal === undefined ? '' : `/${formatCount(p.itemsTotal)}`} files`,
  );
  if (p.bytes > 0 || p.bytesTotal !== undefined) parts.push(formatBytes(p.bytes));
  // A phase measured in bytes (hashing) shows a byte rate; one measured in files (the walk), a file rate.
  const byBytes = p.bytesTotal !== undefined;
  const rate = byBytes ? p.bytesPerSecond : p.itemsPerSecond;
  if (rate !== undefined) {
    parts.push(byBytes ? `${formatBytes(rate)}/s` : `${formatCount(Math.round(rate))} files/s`);
  }
  if (p.state === 'done') parts.push(`in ${formatDuration(p.elapsedMs)}`);
  else if (p.etaMs !== undefined) parts.push(`ETA ${formatDuration(p.etaMs)}`);
  return parts.join('  ');
}
