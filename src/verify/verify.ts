import type { CatalogFile, CatalogStore } from '../catalog/store.js';
import { nodeFileOps, type FileOps } from '../fs/file-ops.js';
import type { Clock } from '../core/clock.js';
import type { ProgressTracker } from '../core/progress.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { catalogLockHolder, describeHolder } from '../apply/catalog-lock.js';
import { checkConsistency } from './consistency.js';
import { checkIntegrity } from './integrity.js';
import { checkChecksums } from './checksums.js';
import type { FsPath } from '../model/paths.js';
import type { HasherLookup } from '../hash/whole-files.js';

export const VERIFY_MODES = ['integrity', 'consistency', 'checksums', 'all'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];
export type VerifyCheck = Exclude<VerifyMode, 'all'>;

/** One thing found wrong: which check found it, about which path, a stable code and a sentence. */
export interface VerifyError {
  check: VerifyCheck;
  path: FsPath;
  code: string;
  message: string;
  run?: number;
}

export interface VerifyReport {
  modes: VerifyCheck[];
  /** Items each check looked at: catalog files, journal entries, files re-hashed. */
  checked: Partial<Record<VerifyCheck, number>>;
  errors: VerifyError[];
}

export interface VerifyOptions {
  mode: VerifyMode;
  ops?: FileOps;
  threads?: number;
  limiter?: RateLimiter;
  signal?: AbortSignal;
  progress?: ProgressTracker;
  /** Which hashers exist, and the module of a plugin's and its plugin's name (default: the built-in ones). */
  hasher?: HasherLookup;
  /** How long one call into a plugin's hasher may run (see `HashPoolOptions`); default 60 s. */
  hasherTimeLimitMs?: number;
  /** Times those calls. */
  clock?: Clock;
}

/**
 * Checks what nodupe remembers against the disk. integrity: every catalog file still exists with its size and
 * mtime. consistency: the catalog and the journal agree with the disk (quarantined files present, no completed
 * action whose keeper vanished, no run left unsettled); while an apply, undo or purge holds the catalog's lock,
 * one error says so (`apply-running`) and the journal is not checked. checksums: files re-hashed in the worker pool match
 * their stored hash.
 */
export async function verify(catalog: CatalogStore, options: VerifyOptions): Promise<VerifyReport> {
  const ops = options.ops ?? nodeFileOps;
  const modes: VerifyCheck[] =
    options.mode === 'all' ? ['integrity', 'consistency', 'checksums'] : [options.mode];
  const report: VerifyReport = { modes, checked: {}, errors: [] };
  let files: CatalogFile[] | undefined;
  for (const mode of modes) {
    options.signal?.throwIfAborted();
    switch (mode) {
      case 'integrity': {
        files ??= catalog.liveFiles();
        report.checked.integrity = files.length;
        report.errors.push(...checkIntegrity(ops, files));
        break;
      }
      case 'consistency': {
        // While an apply (or resume, undo, purge) holds the catalog's lock, the journal and the disk are moving
        // under it: its work in progress is no error, and nothing said about it now would hold.
        const holder = catalogLockHolder(catalog);
        if (holder !== undefined) {
          report.checked.consistency = 0;
          report.errors.push({
            check: 'consistency',
            path: catalog.location,
            code: 'apply-running',
            message:
              `an apply, undo or purge${describeHolder(holder)} is running with this catalog: the ` +
              'journal was not checked; verify again once it has finished',
          });
          break;
        }
        const { checked, errors } = checkConsistency(ops, catalog.journal());
        report.checked.consistency = checked;
        report.errors.push(...errors);
        break;
      }
      case 'checksums': {
        files ??= catalog.liveFiles();
        const { checked, errors } = await checkChecksums(files, options);
        report.checked.checksums = checked;
        report.errors.push(...errors);
        break;
      }
      default: {
        const unknown: never = mode;
        throw new Error(`unhandled mode ${String(unknown)}`);
      }
    }
  }
  return report;
}
