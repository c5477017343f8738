import { formatBytes } from '../core/format.js';
import type { Stat } from '../fs/file-ops.js';
import type { ActionOp } from '../plan/plan.js';
import { ACTION_KINDS } from './actions/index.js';
import type { EntryTally } from './journal.js';

/**
 * Disk space, in one definition for apply, its dry run, `runs` and purge. A file's size is what it holds; what an
 * action frees is the file's allocated blocks (st_blocks × 512, so a sparse file counts its blocks only and a
 * tiny file a whole block), and only when its last name goes (a file with another hard link that stays frees
 * nothing). That is at most what `df` then shows: blocks the file shares with another (a reflink clone, a
 * snapshot on Btrfs or XFS) stay in use, and no call tells which are shared, so the words say "up to".
 * Quarantine and move free nothing: the file keeps its blocks under its new name. A purge of a quarantined copy
 * frees them, once no name of the file is left outside the quarantine.
 */
export interface SpaceTotals {
  /** Allocated bytes freed by deletes, hard links, symlinks and reflinks. */
  freed: number;
  /** Size of the files moved into quarantine: still on the disk. */
  quarantined: number;
  /** What a purge of those would free (allocated bytes). */
  purgeable: number;
  /** Allocated bytes freed by `quarantine purge`. */
  purged: number;
  /** Size of the files moved under --to. */
  moved: number;
  /** A run of near-duplicates: what it quarantined is never purged (no copy of its keeper). */
  neverPurged?: boolean;
}

export function noSpace(): SpaceTotals {
  return { freed: 0, quarantined: 0, purgeable: 0, purged: 0, moved: 0 };
}

/** The bytes a file's blocks take on the disk. */
function allocatedBytes(st: Pick<Stat, 'blocks'>): number {
  return Number(st.blocks) * 512;
}

/**
 * Adds one action carried out (or, in a dry run, one that would be): `bytes`, the file's size once per inode;
 * `freed`, the allocated bytes it freed, or for quarantine the bytes a purge would free.
 */
export function countAction(totals: SpaceTotals, op: ActionOp, bytes: number, freed: number): void {
  if (ACTION_KINDS[op].destroys) totals.freed += freed;
  else if (op === 'quarantine') {
    totals.quarantined += bytes;
    totals.purgeable += freed;
  } else totals.moved += bytes;
}

/** What a run's entries did to disk space: what is done counts, and what a purge freed. */
export function runSpace(tallies: readonly EntryTally[]): SpaceTotals {
  const totals = noSpace();
  for (const t of tallies) {
    if (t.state === 'done') countAction(totals, t.op, t.bytes, t.freed);
    else if (t.state === 'purged') totals.purged += t.freed;
  }
  return totals;
}

/**
 * Bytes freed in words: "up to 1.2 MiB" (see {@link SpaceTotals}: shared blocks stay in use), or "0 B".
 */
export function upTo(freed: number): string {
  return freed > 0 ? `up to ${formatBytes(freed)}` : formatBytes(freed);
}

/**
 * The space in words: "up to 1.2 MiB freed", "40 KiB moved to quarantine (nothing freed yet; a purge would free
 * up to 48 KiB)". `would`: for a dry run. Quarantine and move never say freed.
 */
export function describeSpace(totals: SpaceTotals, tense: 'done' | 'would'): string {
  const b = formatBytes;
  const would = tense === 'would';
  const parts: string[] = [];
  const relocated = totals.quarantined > 0 || totals.moved > 0 || totals.purged > 0;
  if (totals.freed > 0) parts.push(`${upTo(totals.freed)} ${would ? 'would be freed' : 'freed'}`);
  else if (!relocated) parts.push(would ? 'nothing would be freed' : 'nothing freed');
  if (totals.quarantined > 0 && totals.neverPurged === true) {
    parts.push(
      `${b(totals.quarantined)} ${would ? 'would move' : 'moved'} to quarantine (nothing freed: near-duplicates ` +
        'are never purged; remove them yourself once reviewed, or undo)',
    );
  } else if (totals.quarantined > 0) {
    parts.push(
      would
        ? `${b(totals.quarantined)} would move to quarantine (nothing freed; a purge would then free ${upTo(totals.purgeable)})`
        : `${b(totals.quarantined)} moved to quarantine (nothing freed yet; a purge would free ${upTo(totals.purgeable)})`,
    );
  }
  if (totals.purged > 0) parts.push(`${upTo(totals.purged)} freed by purge`);
  if (totals.moved > 0) {
    parts.push(
      `${b(totals.moved)} ${would ? 'would be moved' : 'moved'} (${would ? 'nothing would be' : 'nothing'} freed)`,
    );
  }
  return parts.join(', ');
}

/**
 * The names of each inode a run has taken from their place, so that an inode's blocks count as freed with its
 * last name only. While acting, the file's link count (st_nlink, taken right before its name goes) already
 * counts the names removed before; a dry run removes none, so it counts them here.
 */
export class LinkTally {
  readonly #removed = new Map<string, number>();
  readonly #quarantined = new Map<string, number>();
  constructor(private readonly dryRun: boolean) {}

  /** A destroying action takes a name of `st` away for good: the allocated bytes freed (0 unless its last). */
  removes(st: Stat): number {
    const key = keyOf(st);
    const before = this.#removedBefore(key);
    if (this.dryRun) this.#removed.set(key, before + 1);
    return Number(st.nlink) - before <= 1 ? allocatedBytes(st) : 0;
  }

  /** A name of `st` goes into quarantine: what a purge would free, once no name of it is left outside. */
  quarantines(st: Stat): number {
    const key = keyOf(st);
    const before = this.#quarantined.get(key) ?? 0;
    this.#quarantined.set(key, before + 1);
    return Number(st.nlink) - before - this.#removedBefore(key) <= 1 ? allocatedBytes(st) : 0;
  }

  /** A name of this inode went into quarantine earlier in the run (before an interruption, or judged so after). */
  quarantinedBefore(inode: { dev: bigint; ino: bigint }): void {
    const key = keyOf(inode);
    this.#quarantined.set(key, (this.#quarantined.get(key) ?? 0) + 1);
  }

  #removedBefore(key: string): number {
    return this.dryRun ? (this.#removed.get(key) ?? 0) : 0;
  }
}

function keyOf(f: { dev: bigint; ino: bigint }): string {
  return `${f.dev}:${f.ino}`;
}
