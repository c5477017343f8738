/** What the page shows and reads: sizes, dates, progress, paths. */
import { count, formatBytes, formatCount } from '../core/format.js';
import type { ProgressSnapshot } from '../core/progress.js';
import type { JobView } from '../serve/protocol.js';

export { count, formatBytes };

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/**
 * A size typed in a filter box: "1500", "10 MiB", "2.5G", "700kb" (K/M/G alone are binary, as `du -h` writes them).
 * Empty text is no bound (undefined); text that is not a size is null.
 */
export function parseSize(text: string): number | undefined | null {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(trimmed);
  if (!match) return null;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return null;
  return Math.round(Number(match[1]) * unit);
}

/** An ISO time as "2024-05-01 13:45", in the browser's time zone. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/**
 * Phases whose bytes are not the files' sizes: an apply reads each file and its keeper to compare them before it
 * acts, so it counts both.
 */
const BYTES_COMPARED = new Set(['apply', 'check']);

/** A job's progress in one line: "hash · 1,204 files · 45 MiB · 37%"; "apply · 1 of 12 files · compared 2.00 MiB". */
export function formatProgress(progress: ProgressSnapshot | undefined, withPhase = true): string {
  const phase = progress?.current ?? progress?.phases.at(-1);
  if (!phase) return '';
  const files =
    phase.itemsTotal === undefined
      ? count(phase.items, 'file')
      : `${formatCount(phase.items)} of ${count(phase.itemsTotal, 'file')}`;
  const parts = withPhase ? [phase.name, files] : [files];
  if (phase.bytes > 0)
    parts.push(
      BYTES_COMPARED.has(phase.name) ? `compared ${formatBytes(phase.bytes)}` : formatBytes(phase.bytes),
    );
  if (phase.fraction !== undefined) parts.push(`${Math.floor(phase.fraction * 100)}%`);
  return parts.join(' · ');
}

/** Plan ids are UUIDs: their first eight characters tell them apart on screen. */
const UUID = /\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/** A job's status line: "scan /photos: running · hash · 1,204 files"; "apply plan 1f3a9c2e: done". */
export function formatJob(job: JobView): string {
  const progress = job.state === 'running' ? formatProgress(job.progress) : '';
  const error = job.error?.message ? ` · ${job.error.message}` : '';
  return `${job.title.replace(UUID, '$1')}: ${job.state}${progress ? ` · ${progress}` : ''}${error}`;
}
