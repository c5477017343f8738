import { NodupeError } from '../core/errors.js';
import type { ContainerKey, StoredContainer, StoredEntry } from './entries.js';

/** A value of the entries' tables that nodupe never writes: the catalog was changed by something else. */
function damagedEntries(what: string): NodupeError {
  return new NodupeError(
    'BAD_INPUT',
    `the catalog's read-only entries (archive members, imported manifests) are damaged: ${what}; nodupe never writes this`,
  );
}

function skippedOf(text: unknown): Record<string, number> {
  try {
    const value: unknown = JSON.parse(String(text));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, number>;
  } catch {
    // said below
  }
  throw damagedEntries('a count of skipped members that is not JSON');
}

function textOf(name: unknown): string {
  if (typeof name !== 'string') throw damagedEntries('a name that is not text');
  return name;
}

/** The rows of the `containers` and `entries` tables as both stores read them, and their one mapping. */
export interface ContainerRow {
  id: bigint;
  kind: string;
  file_id: bigint | null;
  label: string | null;
  dev: bigint | null;
  ino: bigint | null;
  size: bigint | null;
  mtime_ns: bigint | null;
  ctime_ns: bigint | null;
  format: string;
  hash_alg: string;
  skipped: string;
  problem_code: string | null;
  problem_message: string | null;
  read_at: bigint;
  entries: bigint;
}

export interface EntryRow {
  kind: string;
  file_id: bigint | null;
  label: string | null;
  hash_alg: string;
  name: string;
  size: bigint;
  mtime_ms: bigint | null;
  head_hash: string | null;
  tail_hash: string | null;
  full_hash: string | null;
  crc32: bigint | null;
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  encrypted: bigint | boolean;
  type: string | null;
}

function keyOf(kind: string, fileId: bigint | null, label: string | null): ContainerKey {
  return kind === 'archive'
    ? { kind: 'archive', fileId: Number(fileId) }
    : { kind: 'manifest', label: label ?? '' };
}

export function toContainer(row: ContainerRow): StoredContainer {
  return {
    id: Number(row.id),
    key: keyOf(row.kind, row.file_id, row.label),
    identity:
      row.ino === null
        ? undefined
        : {
            dev: BigInt.asUintN(64, row.dev ?? 0n),
            ino: BigInt.asUintN(64, row.ino),
            size: Number(row.size),
            mtimeNs: row.mtime_ns ?? 0n,
            ctimeNs: row.ctime_ns ?? 0n,
          },
    format: row.format,
    algorithm: row.hash_alg,
    skipped: skippedOf(row.skipped),
    problem:
      row.problem_code === null ? undefined : { code: row.problem_code, message: row.problem_message ?? '' },
    readAt: Number(row.read_at),
    entries: Number(row.entries),
  };
}

export function toEntry(row: EntryRow): StoredEntry {
  return {
    container: keyOf(row.kind, row.file_id, row.label),
    algorithm: row.hash_alg,
    name: textOf(row.name),
    size: Number(row.size),
    mtimeMs: row.mtime_ms === null ? undefined : Number(row.mtime_ms),
    hashes:
      row.full_hash === null
        ? undefined
        : { head: row.head_hash ?? undefined, tail: row.tail_hash ?? undefined, full: row.full_hash },
    ...(row.crc32 === null ? {} : { crc32: Number(row.crc32) }),
    ...(row.encrypted ? { encrypted: true } : {}),
    ...(row.type === null ? {} : { type: row.type }),
  };
}

/**
 * The SQL condition (both stores) that container `c` is live: a manifest, or an archive whose files row is there,
 * not gone, and unchanged since it was read. Only live containers' entries are read back.
 */
export const LIVE = `(c.kind = 'manifest' OR EXISTS (SELECT 1 FROM files f WHERE f.id = c.file_id AND f.gone_at IS NULL
  AND f.ino = c.ino AND f.size = c.size AND f.mtime_ns = c.mtime_ns AND f.ctime_ns = c.ctime_ns))`;
