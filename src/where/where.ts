import { statSync, type BigIntStats } from 'node:fs';
import type { Clock } from '../core/clock.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import type { CatalogStore } from '../catalog/store.js';
import type { ContentCopy, CopyLookup } from '../catalog/copies.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { hashWholeFiles, type HasherLookup } from '../hash/whole-files.js';
import { Outcome } from '../hash/task.js';
import { comparePaths, displayPath, type FsPath } from '../model/paths.js';
import { NodupeError } from '../core/errors.js';
import { contentKey, manifestCopies } from '../manifest/manifest-copies.js';

/** Where else the content of one file is: every other copy the catalog knows, on this machine or another. */
export interface WhereAnswer {
  path: FsPath;
  size: number;
  algorithm: HashAlgorithm;
  /** Its full hash; undefined for an empty file (every empty file is the same, so none is looked up). */
  hash: string | undefined;
  /** Whether its hash came from the catalog (its row matched the file as it is) rather than from reading it. */
  fromCatalog: boolean;
  /** The other copies. */
  copies: ContentCopy[];
  /**
   * Rows with its content, its inode number, size and modification time: most likely this very file under
   * another name (a hard link) or through another mount (a NAS's disk and its share), so not counted as copies.
   */
  sameFile: ContentCopy[];
}

export interface WhereOptions {
  algorithm: HashAlgorithm;
  /** Which hashers are known (a plugin's, by module); built-ins by default. */
  hasher?: HasherLookup;
  clock?: Clock;
  signal?: AbortSignal;
  threads?: number;
  limiter?: RateLimiter;
}

/**
 * Looks up where else each file's content is. A file the catalog holds unchanged (same device, inode, size,
 * mtime and ctime) is not read: its stored hash is used; any other is hashed whole, in the hashing workers.
 * `files` are real paths of regular files (the command line checks them). The answers keep their order.
 */
export async function whereElse(
  catalog: CatalogStore & CopyLookup,
  files: readonly FsPath[],
  options: WhereOptions,
): Promise<WhereAnswer[]> {
  const answers: WhereAnswer[] = [];
  const toHash: { index: number; path: FsPath; size: number; mtimeNs: bigint }[] = [];
  const stats: BigIntStats[] = [];
  for (const path of files) {
    const st = statSync(path, { bigint: true });
    stats.push(st);
    const size = Number(st.size);
    const answer: WhereAnswer = {
      path,
      size,
      algorithm: options.algorithm,
      hash: undefined,
      fromCatalog: false,
      copies: [],
      sameFile: [],
    };
    answers.push(answer);
    if (size === 0) continue;
    const row = catalog.fileAtPath(path);
    const same =
      row !== undefined &&
      row.dev === st.dev &&
      row.ino === st.ino &&
      row.size === size &&
      row.mtimeNs === st.mtimeNs &&
      row.ctimeNs === st.ctimeNs;
    if (same && row.hashes?.algorithm === options.algorithm && row.hashes.full !== undefined) {
      answer.hash = row.hashes.full;
      answer.fromCatalog = true;
    } else {
      toHash.push({ index: answers.length - 1, path, size, mtimeNs: st.mtimeNs });
    }
  }
  if (toHash.length > 0) {
    await hashWhole(toHash, answers, options);
    // What was read must be the file that was looked at: another one put at its name meanwhile is not it.
    for (const { index, path } of toHash) {
      if (!sameIdentity(stats[index]!, statSync(path, { bigint: true }))) {
        throw new NodupeError('FAILED', `${displayPath(path)}: changed while it was read; try again`);
      }
    }
  }
  // Copies listed in imported manifests (disks not mounted now) count too.
  const listed = manifestCopies(
    catalog.entries(),
    options.algorithm,
    answers.flatMap((a) => (a.hash === undefined ? [] : [{ size: a.size, hash: a.hash }])),
  );
  answers.forEach((answer, i) => {
    if (answer.hash === undefined) return;
    const st = stats[i]!;
    const found = [
      ...catalog.copiesOf({ size: answer.size, algorithm: answer.algorithm, hash: answer.hash }),
      ...(listed.get(contentKey(answer.size, answer.hash)) ?? []),
    ];
    for (const copy of found) {
      if (copy.local && comparePaths(copy.path, answer.path) === 0) continue;
      const same = copy.ino === st.ino && copy.mtimeNs === st.mtimeNs;
      (same ? answer.sameFile : answer.copies).push(copy);
    }
    answer.copies.sort((a, b) => Number(b.local) - Number(a.local) || a.machine.localeCompare(b.machine));
  });
  return answers;
}

function sameIdentity(a: BigIntStats, b: BigIntStats): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  );
}

async function hashWhole(
  files: { index: number; path: FsPath; size: number; mtimeNs: bigint }[],
  answers: WhereAnswer[],
  options: WhereOptions,
): Promise<void> {
  const hashed = await hashWholeFiles(
    files,
    { ...options, threads: Math.min(options.threads ?? 2, files.length) },
    (batch, results) => {
      let e = 0;
      batch.forEach((f, j) => {
        const kind = results.kind[j];
        if (kind === Outcome.hash) {
          answers[f.index]!.hash = results.hash[j]!;
          return;
        }
        const why = kind === Outcome.changed ? 'changed while it was read' : results.errors[e++]!.message;
        throw new NodupeError('FAILED', `${displayPath(f.path)}: ${why}`);
      });
    },
  );
  if (!hashed) throw new NodupeError('BAD_INPUT', `no hasher "${options.algorithm}" is known (a plugin's?)`);
}
