import { syncPath } from '../fs/durable.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { NodupeError } from '../core/errors.js';
import type { FileOps } from '../fs/file-ops.js';
import { jsonPath, pathFromJson, toBytes, type FsPath } from '../model/paths.js';
import { fsErrorCode, NEW_FILE, removeIfPresent, writeAll } from './io.js';
import { manifestPath, manifestsDir, tempName } from './layout.js';

export const SNAPSHOT_SCHEMA = 'nodupe.snapshot/1';

/** One saved file: where it was, what it looked like, and the blob that holds its content. */
export interface SnapshotEntry {
  /** Absolute. */
  path: FsPath;
  size: number;
  mtimeNs: bigint;
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  /** Lowercase hex; also the blob's name. */
  sha256: string;
}

export interface SnapshotManifest {
  id: string;
  /** ISO 8601, from the wall clock. */
  createdAt: string;
  note?: string;
  files: SnapshotEntry[];
  totalBytes: number;
}

const ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const INTEGER = /^-?\d+$/;
const SLASH = 0x2f;

/** `YYYYMMDD-HHMMSS-<6 random hex>` (UTC): sorts by time, and two snapshots in one second still differ. */
export function newSnapshotId(wallMs: number): string {
  const stamp = new Date(wallMs).toISOString(); // 2026-01-01T00:00:00.000Z
  const date = stamp.slice(0, 10).replaceAll('-', '');
  const time = stamp.slice(11, 19).replaceAll(':', '');
  return `${date}-${time}-${randomBytes(3).toString('hex')}`;
}

/** Ids become file names, so only this shape is accepted (no `..`, no slashes). */
export function isSnapshotId(text: string): boolean {
  return ID.test(text);
}

export function encodeManifest(manifest: SnapshotManifest): string {
  const doc = {
    schema: SNAPSHOT_SCHEMA,
    id: manifest.id,
    createdAt: manifest.createdAt,
    ...(manifest.note === undefined ? {} : { note: manifest.note }),
    files: manifest.files.map((f) => ({
      // The same convention as the dupes JSON: display text, plus the raw bytes when they are not UTF-8.
      ...jsonPath(f.path),
      size: f.size,
      mtimeNs: String(f.mtimeNs),
      mode: f.mode,
      sha256: f.sha256,
    })),
    totalBytes: manifest.totalBytes,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isMode = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777;
const matches = (v: unknown, pattern: RegExp): v is string => typeof v === 'string' && pattern.test(v);

/** Parses and checks a manifest by hand (no schema library); anything off is BAD_INPUT naming the field. */
export function decodeManifest(id: string, text: string): SnapshotManifest {
  function bad(where: string, expected: string, value: unknown): never {
    throw new NodupeError(
      'BAD_INPUT',
      `snapshot ${id}: malformed manifest: ${where}: expected ${expected}, received ${show(value)}`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new NodupeError('BAD_INPUT', `snapshot ${id}: malformed manifest: not JSON`, { cause: error });
  }
  if (!isRecord(doc)) bad('the document', 'an object', doc);
  const { schema, createdAt, note, files, totalBytes } = doc;
  if (schema !== SNAPSHOT_SCHEMA) bad('schema', `"${SNAPSHOT_SCHEMA}"`, schema);
  if (doc.id !== id) bad('id', `"${id}" (the file's name)`, doc.id);
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)))
    bad('createdAt', 'a date', createdAt);
  if (note !== undefined && typeof note !== 'string') bad('note', 'a string', note);
  if (!isCount(totalBytes)) bad('totalBytes', 'a whole number of bytes', totalBytes);
  if (!Array.isArray(files)) bad('files', 'an array', files);
  const entries = files.map((file: unknown, i): SnapshotEntry => {
    const at = `files[${i}]`;
    if (!isRecord(file)) bad(at, 'an object', file);
    const { path, pathBytes, size, mtimeNs, mode, sha256 } = file;
    if (typeof path !== 'string') bad(`${at}.path`, 'a string', path);
    if (pathBytes !== undefined && !matches(pathBytes, BASE64)) bad(`${at}.pathBytes`, 'base64', pathBytes);
    // The bytes, when present, are the path; the text is only for people reading the file.
    const where = pathFromJson(path, pathBytes);
    if (toBytes(where)[0] !== SLASH) bad(`${at}.path`, 'an absolute path', path);
    if (!isCount(size)) bad(`${at}.size`, 'a whole number of bytes', size);
    if (!matches(mtimeNs, INTEGER)) bad(`${at}.mtimeNs`, 'an integer in a string', mtimeNs);
    if (!isMode(mode)) bad(`${at}.mode`, 'permission bits (0 to 0o7777)', mode);
    if (!matches(sha256, SHA256)) bad(`${at}.sha256`, '64 lowercase hex digits', sha256);
    return { path: where, size, mtimeNs: BigInt(mtimeNs), mode, sha256 };
  });
  return { id, createdAt, ...(note === undefined ? {} : { note }), files: entries, totalBytes };
}

/** Writes the manifest whole or not at all: a temporary file, fsync, rename, fsync of the folder. */
export function writeManifest(ops: FileOps, dir: string, manifest: SnapshotManifest): void {
  const temp = join(manifestsDir(dir), tempName());
  try {
    const fd = ops.open(temp, NEW_FILE, 0o600);
    try {
      writeAll(ops, fd, Buffer.from(encodeManifest(manifest)), 0);
      ops.fsync(fd);
    } finally {
      ops.close(fd);
    }
    ops.rename(temp, manifestPath(dir, manifest.id));
  } catch (error) {
    removeIfPresent(ops, temp);
    throw error;
  }
  syncPath(ops, manifestsDir(dir));
}

/** Reads and checks one manifest; an unknown id or a malformed manifest is BAD_INPUT. */
export function readManifest(ops: FileOps, dir: string, id: string): SnapshotManifest {
  return decodeManifest(id, readManifestText(ops, dir, id));
}

export function readManifestText(ops: FileOps, dir: string, id: string): string {
  if (!isSnapshotId(id)) {
    throw new NodupeError('BAD_INPUT', `"${id}" is not a snapshot id (expected YYYYMMDD-HHMMSS-xxxxxx)`);
  }
  try {
    return ops.readFile(manifestPath(dir, id)).toString('utf8');
  } catch (error) {
    if (fsErrorCode(error) !== 'ENOENT') throw error;
    throw new NodupeError('BAD_INPUT', `no snapshot ${id} in ${dir}`, { cause: error });
  }
}

/** The ids of the manifests in the store, sorted (so by time); none when the store does not exist yet. */
export function manifestIds(ops: FileOps, dir: string): string[] {
  let names: string[];
  try {
    names = ops.readdir(manifestsDir(dir)).map((entry) => entry.name.toString());
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith('.json') && isSnapshotId(name.slice(0, -5)))
    .map((name) => name.slice(0, -5))
    .sort();
}
