import type { CatalogFile, CatalogStore } from '../catalog/store.js';
import type { ContentKey, MadeFullHash, StoredFingerprint } from '../catalog/fingerprints.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { WorkerPool } from '../core/worker-pool.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { throttleChannel } from '../hash/throttle-port.js';
import { toBytes, type FsPath } from '../model/paths.js';
import type {
  DetectorModule,
  FingerprintOutcome,
  FingerprintTask,
  FingerprintWorkerSetup,
} from './fingerprint-task.js';
import { fingerprintWorkerUrl } from './worker-url.js';

/** What the fingerprinting needs of a detector. */
export interface FingerprintMaker {
  /** Its name and version, as the catalog keeps its fingerprints: `images.phash/1`. */
  key: string;
  /** File URL of its worker module (exports `fingerprint(bytes, name)`). */
  module: string;
  /** Files larger than this are reported, not read. */
  maxBytes: number;
  /** What the module exports. */
  makes: DetectorModule;
}

export interface FingerprintOptions {
  /** The catalog's content hash (the scan's `--hash`), and a hasher plugin's module when it is one. */
  algorithm: HashAlgorithm;
  hasherModule?: string;
  threads?: number;
  /** Throttles the reads (`--max-read-rate`). */
  limiter?: RateLimiter;
  signal?: AbortSignal;
  /** Wall-clock ms, for what is stored. */
  now: () => number;
  /** Told of each file done (made, reused or a problem). */
  onFile?: () => void;
}

export interface Fingerprinted {
  /** The files with a fingerprint, and it. */
  prints: { file: CatalogFile; fingerprint: Uint8Array }[];
  /** Files without one, and why: none is left out silently. */
  problems: { path: FsPath; reason: string }[];
  /** Files read now, and files whose content's fingerprint the catalog already held. */
  read: number;
  reused: number;
}

/** Files per task: enough to keep a thread busy between messages, few enough to spread over the threads. */
const FILES_PER_TASK = 4;

/**
 * The detector's fingerprints of `files` (catalog rows): those of a content the catalog already holds are used as
 * they are; the others are read once in the worker pool (hashed as they are read, so their fingerprint is kept
 * by content, and the row gets its full hash when it had none), and kept in the catalog.
 */
export async function fingerprintFiles(
  catalog: CatalogStore,
  files: readonly CatalogFile[],
  maker: FingerprintMaker,
  options: FingerprintOptions,
): Promise<Fingerprinted> {
  const store = catalog.fingerprints();
  const result: Fingerprinted = { prints: [], problems: [], read: 0, reused: 0 };
  const settle = (file: CatalogFile, made: StoredFingerprint): void => {
    if ('fingerprint' in made) result.prints.push({ file, fingerprint: made.fingerprint });
    else result.problems.push({ path: file.path, reason: made.problem });
    options.onFile?.();
  };

  // Files whose content the catalog has a full hash of, by this algorithm: one read per content at most.
  const known = new Map<string, CatalogFile[]>();
  const unknown: CatalogFile[] = [];
  for (const file of files) {
    if (file.size > maker.maxBytes) {
      settle(file, { problem: `larger than ${maker.maxBytes} bytes; not read` });
      continue;
    }
    const full = file.hashes?.algorithm === options.algorithm ? file.hashes.full : undefined;
    if (full === undefined) unknown.push(file);
    else {
      const key = `${file.size}:${full}`;
      const same = known.get(key);
      if (same) same.push(file);
      else known.set(key, [file]);
    }
  }
  const keys: ContentKey[] = [...known.values()].map((same) => ({
    size: same[0]!.size,
    hash: same[0]!.hashes!.full!,
  }));
  const stored = store.get(maker.key, options.algorithm, keys);
  const toRead: CatalogFile[][] = [];
  [...known.values()].forEach((same, i) => {
    const made = stored[i];
    if (made === undefined) toRead.push(same);
    else {
      result.reused += same.length;
      for (const file of same) settle(file, made);
    }
  });
  for (const file of unknown) toRead.push([file]);
  if (toRead.length === 0) return result;

  const pool = new WorkerPool<FingerprintTask, FingerprintOutcome[]>({
    filename: fingerprintWorkerUrl,
    workerData: {
      detector: maker.module,
      makes: maker.makes,
      algorithm: options.algorithm,
      ...(options.hasherModule === undefined ? {} : { hasher: options.hasherModule }),
    } satisfies FingerprintWorkerSetup,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Largest first, so the long reads start early and the threads finish together.
  toRead.sort((a, b) => b[0]!.size - a[0]!.size);
  const pending: Promise<void>[] = [];
  try {
    for (let at = 0; at < toRead.length; at += FILES_PER_TASK) {
      const batch = toRead.slice(at, at + FILES_PER_TASK);
      const task: FingerprintTask = {
        files: batch.map((same) => ({
          path: toBytes(same[0]!.path),
          dev: same[0]!.dev,
          ino: same[0]!.ino,
          size: same[0]!.size,
          mtimeNs: same[0]!.mtimeNs,
          ctimeNs: same[0]!.ctimeNs,
        })),
      };
      const throttle = options.limiter && throttleChannel(options.limiter, options.signal);
      const submitted = await pool.submit(
        throttle ? { ...task, throttle: throttle.port } : task,
        throttle ? { transferList: [throttle.port] } : {},
      );
      const done = submitted.result
        .finally(() => throttle?.close())
        .then((outcomes) => {
          result.read += batch.length;
          keep(batch, outcomes);
        });
      // A cancel rejects the tasks in flight while this loop waits to submit the next one, before
      // `Promise.all` below watches them: handled here, so they are no unhandled rejection (which ends the process).
      done.catch(() => undefined);
      pending.push(done);
    }
    await Promise.all(pending);
    await pool.close();
  } catch (error) {
    await pool.destroy();
    throw error;
  }
  return result;

  function keep(batch: CatalogFile[][], outcomes: FingerprintOutcome[]): void {
    const made: (ContentKey & StoredFingerprint)[] = [];
    const hashes: MadeFullHash[] = [];
    batch.forEach((same, i) => {
      const outcome = outcomes[i]!;
      if ('unread' in outcome) {
        for (const file of same) settle(file, { problem: outcome.unread });
        return;
      }
      const first = same[0]!;
      const print: StoredFingerprint =
        'fingerprint' in outcome ? { fingerprint: outcome.fingerprint } : { problem: outcome.problem };
      made.push({ size: first.size, hash: outcome.hash, ...print });
      if (first.hashes?.full === undefined || first.hashes.algorithm !== options.algorithm) {
        hashes.push({
          id: first.id,
          size: first.size,
          mtimeNs: first.mtimeNs,
          ctimeNs: first.ctimeNs,
          hash: outcome.hash,
        });
      }
      for (const file of same) settle(file, print);
    });
    catalog.atomically(() => {
      store.put(maker.key, options.algorithm, made, options.now());
      store.recordFullHashes(options.algorithm, hashes);
    });
  }
}
