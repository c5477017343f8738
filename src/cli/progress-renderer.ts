import {
  count,
  formatBytes,
  formatCount,
  formatDuration,
  systemClock,
  throttle,
  type Clock,
  type PhaseSnapshot,
  type ProgressTracker,
  type Timer,
} from '../index.js';
import type { CliContext } from './context.js';

/** What the renderer writes to: stderr, or a test double. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressRendererOptions {
  stream: ProgressStream;
  clock?: Clock;
  /** Draws at most this often: the live line on a terminal; elsewhere, the look at whether a line is owed. */
  intervalMs?: number;
  /** Without a terminal: a phase's first progress line once it has run this long. */
  firstLineMs?: number;
  /** Without a terminal: then a progress line at most this often (and one per finished phase, at once). */
  plainIntervalMs?: number;
}

/** With nothing new, a terminal's live line is still drawn again this often: a stalled read shows its rate fall. */
const REFRESH_MS = 1000;
/** Clears the terminal's current line and puts the cursor at its start. */
const CLEAR_LINE = '\r\x1b[2K';
const BAR_WIDTH = 20;
const MIN_BAR_WIDTH = 8;

/** The last plain line written: of which phase, when (the phase's elapsed time), and its counts then. */
interface PlainMark {
  phase: number;
  elapsedMs: number;
  items: number;
  bytes: number;
  /** On the tracker's time line, for when the next line is owed. */
  at: number;
}

/**
 * Draws a tracker's snapshots. On a terminal: one live line, redrawn at most ten times a second, and a summary
 * line per finished phase. Elsewhere (a pipe, a log file): plain lines only, never control characters: a
 * summary line per finished phase as it finishes, and for a phase still running, a line once it has run a
 * second, then every ten seconds, whose rates are measured over the time since the line before (a log shows
 * what happened, not a smoothed guess). Redraws follow changes; while a phase runs, one timer also draws the
 * live line a second after its last draw, or writes a plain line when it falls due, so that a stalled phase
 * shows its rate falling. With nothing running there is no timer.
 */
export function renderProgress(tracker: ProgressTracker, options: ProgressRendererOptions): { stop(): void } {
  const { stream } = options;
  const clock = options.clock ?? systemClock;
  const tty = stream.isTTY === true;
  const firstLineMs = options.firstLineMs ?? 1000;
  const plainIntervalMs = options.plainIntervalMs ?? 10_000;
  let finished = 0;
  let live = false;
  let mark: PlainMark | undefined;
  let due: { at: number; timer: Timer } | undefined;
  let refresh: Timer | undefined;
  let drawnAt = 0;

  /** On a terminal, the live line is drawn again a second after the last draw, even with nothing new. */
  const refreshLater = (): void => {
    if (refresh) return;
    refresh = clock.setTimer(
      () => {
        refresh = undefined;
        if (clock.now() - drawnAt >= REFRESH_MS) draw(false);
        else refreshLater();
      },
      drawnAt + REFRESH_MS - clock.now(),
    );
  };

  /** The plain line owed for the running phase now, if any; and the timer set for the next one. */
  const plainLine = (current: PhaseSnapshot, index: number, now: number): string => {
    const startedAt = now - current.elapsedMs;
    const dueAt = (): number =>
      Math.max(startedAt + firstLineMs, mark === undefined ? -Infinity : mark.at + plainIntervalMs);
    let line = '';
    if (now >= dueAt()) {
      const since = mark?.phase === index ? mark : { elapsedMs: 0, items: 0, bytes: 0 };
      line = `${describePhase(measuredSince(current, since))}\n`;
      mark = {
        phase: index,
        elapsedMs: current.elapsedMs,
        items: current.items,
        bytes: current.bytes,
        at: now,
      };
    }
    const next = dueAt();
    if (due?.at !== next) {
      due?.timer.cancel();
      const timer = clock.setTimer(() => {
        due = undefined;
        draw(false);
      }, next - now);
      due = { at: next, timer };
    }
    return line;
  };

  const draw = (final: boolean): void => {
    const snapshot = tracker.snapshot();
    let out = live ? CLEAR_LINE : '';
    live = false;
    for (; finished < snapshot.phases.length && snapshot.phases[finished]!.state === 'done'; finished++) {
      out += `${describePhase(snapshot.phases[finished]!)}\n`;
    }
    const current = final ? undefined : snapshot.current;
    if (current && tty) {
      // A terminal that does not say its width (or says 0) gets 80 columns.
      out += describePhase(
        current,
        (stream.columns !== undefined && stream.columns > 20 ? stream.columns : 80) - 1,
      );
      live = true;
      drawnAt = clock.now();
      refreshLater();
    } else if (current) {
      out += plainLine(current, snapshot.phases.length - 1, snapshot.elapsedMs);
    } else {
      due?.timer.cancel();
      due = undefined;
      refresh?.cancel();
      refresh = undefined;
    }
    if (out) stream.write(out);
  };

  const redraw = throttle(clock, options.intervalMs ?? 100, () => draw(false));
  const unsubscribe = tracker.subscribe(() => {
    if (tracker.phasesEnded === finished) return redraw.call();
    // A phase just ended: its summary line now, not up to an interval later (before any result printed next).
    redraw.cancel();
    draw(false);
  });
  return {
    stop() {
      unsubscribe();
      redraw.cancel();
      draw(true);
    },
  };
}

/** A running phase with its rates (and ETA) measured from `since` (the same phase, earlier) to now. */
function measuredSince(
  p: PhaseSnapshot,
  since: { elapsedMs: number; items: number; bytes: number },
): PhaseSnapshot {
  const ms = p.elapsedMs - since.elapsedMs;
  if (ms <= 0) return p;
  const itemsPerSecond = ((p.items - since.items) * 1000) / ms;
  const bytesPerSecond = ((p.bytes - since.bytes) * 1000) / ms;
  const byBytes = p.bytesTotal !== undefined && p.bytesTotal > 0;
  const left = byBytes
    ? p.bytesTotal! - p.bytes
    : p.itemsTotal === undefined
      ? undefined
      : p.itemsTotal - p.items;
  const rate = byBytes ? bytesPerSecond : itemsPerSecond;
  const etaMs = left === undefined || rate <= 0 ? undefined : (Math.max(0, left) / rate) * 1000;
  return { ...p, itemsPerSecond, bytesPerSecond, etaMs };
}

/** What each phase is called on screen. */
const PHASE_LABELS: Record<string, string> = {
  head: 'head hash',
  tail: 'tail hash',
  full: 'full hash',
};

/**
 * One phase as a line that says what each number counts:
 * "walk: 12,345 files in 1,234 folders  2,469 files/s",
 * "full hash: [######--------------]  31%  1,204/3,000 files  2.10/6.80 GiB  412 MiB/s  ETA 0:07",
 * and once done, "full hash: 3,000 files  6.80 GiB  412 MiB/s  done in 0:17" (or, ended short of its total,
 * "apply: 12/40 files  …  stopped after 0:03"). In fewer than `width` columns the bar shrinks, then goes, then
 * the line is cut.
 */
export function describePhase(p: PhaseSnapshot, width = Infinity): string {
  const parts: string[] = [];
  const withBar = p.state === 'running' && p.fraction !== undefined;
  if (withBar) parts.push(`${String(Math.floor(p.fraction! * 100)).padStart(3)}%`);
  // A phase that ended short of its total was stopped (Ctrl-C, an error): it says so, and how far it got.
  const stopped = p.state === 'done' && p.itemsTotal !== undefined && p.items < p.itemsTotal;
  const files =
    p.itemsTotal === undefined || (p.state === 'done' && !stopped)
      ? count(p.items, 'file')
      : `${formatCount(p.items)}/${count(p.itemsTotal, 'file')}`;
  parts.push(p.folders > 0 ? `${files} in ${count(p.folders, 'folder')}` : files);
  // A phase measured in bytes (hashing) shows a byte rate; one measured in files (the walk), a file rate and
  // the bytes read on the side (the first reads of files that have a twin in size).
  const byBytes = p.bytesTotal !== undefined;
  if (byBytes) parts.push(p.state === 'done' ? formatBytes(p.bytes) : bytesOf(p.bytes, p.bytesTotal!));
  const rate = byBytes ? p.bytesPerSecond : p.itemsPerSecond;
  if (rate !== undefined) {
    parts.push(byBytes ? `${formatBytes(rate)}/s` : `${formatCount(Math.round(rate))} files/s`);
  }
  if (!byBytes && p.bytes > 0) parts.push(`${formatBytes(p.bytes)} read`);
  if (p.state === 'done') {
    parts.push(`${stopped ? 'stopped after' : 'done in'} ${formatDuration(p.elapsedMs)}`);
  } else if (p.etaMs !== undefined) parts.push(`ETA ${formatDuration(p.etaMs)}`);
  const label = `${PHASE_LABELS[p.name] ?? p.name}: `;
  const text = parts.join('  ');
  // The bar takes the room the words leave, up to its full width; too narrow to say much, it goes.
  const barWidth = Math.min(BAR_WIDTH, width - label.length - text.length - 3);
  if (!withBar || barWidth < MIN_BAR_WIDTH) return `${label}${text}`.slice(0, width);
  const filled = Math.round(p.fraction! * barWidth);
  return `${label}[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${text}`;
}

/** "1.05/3.73 GiB", or "512 KiB/1.20 GiB" when the units differ. */
function bytesOf(done: number, total: number): string {
  const [value, unit] = formatBytes(done).split(' ');
  const all = formatBytes(total);
  return all.endsWith(` ${unit}`) ? `${value}/${all}` : `${formatBytes(done)}/${all}`;
}

/**
 * The command's stdout and stderr, kept from running into the live progress line. On a terminal, a write that
 * is not a redraw of that line (a redraw starts with a carriage return) first clears it, so every message,
 * warning and result starts on a line of its own ("nodupe: interrupted" too); the next redraw puts the
 * progress line back below. stdout counts only when it is a terminal as well. Without a terminal, `ctx` as is.
 */
export function onOwnLines(ctx: CliContext): CliContext {
  const { stdout, stderr } = ctx;
  if (stderr.isTTY !== true) return ctx;
  let open = false;
  const endLine = (): void => {
    if (!open) return;
    open = false;
    stderr.write(CLEAR_LINE);
  };
  return {
    ...ctx,
    stderr: {
      isTTY: true,
      get columns() {
        return stderr.columns;
      },
      write(chunk: string | Buffer) {
        const text = chunk.toString();
        if (!text.startsWith('\r')) endLine();
        stderr.write(chunk);
        open = leavesLineOpen(text, open);
      },
    },
    stdout:
      stdout.isTTY === true
        ? {
            isTTY: true,
            write(chunk: string | Buffer) {
              endLine();
              stdout.write(chunk);
            },
          }
        : stdout,
  };
}

/** Whether text is left on the terminal's current line once `text` is written after a line that was (`open`). */
function leavesLineOpen(text: string, open: boolean): boolean {
  const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  // eslint-disable-next-line no-control-regex
  const shown = text.slice(lastBreak + 1).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  if (shown.length > 0) return true;
  return lastBreak < 0 && open;
}
