import type { CatalogStore } from '../catalog/store.js';
import type { Clock } from '../core/clock.js';
import { abortErrorFrom } from '../core/errors.js';
import type { Phase } from '../core/progress.js';
import { ProgressTracker } from '../core/progress.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { findSimilar } from '../similar/find-similar.js';
import type { SimilarReport } from '../similar/report.js';
import type { JobContext } from './jobs.js';
import type { SimilarRequest } from './similar-params.js';

export interface SimilarJobSetup {
  catalog: CatalogStore;
  clock: Clock;
  /** The catalog's content hash (the scan's), and a hasher plugin's module when it is one. */
  algorithm: string;
  hasherModule?: string | undefined;
  threads?: number | undefined;
  limiter?: RateLimiter | undefined;
}

/**
 * Finds the near-duplicates a `similar` request asks for, as a job: the fingerprint phase counts files (of the
 * total the detector reads) as the scan's phases do; a cancel stops the reads and keeps no result.
 */
export async function runSimilar(
  request: SimilarRequest,
  setup: SimilarJobSetup,
  ctx: JobContext,
): Promise<SimilarReport> {
  const progress = new ProgressTracker({ clock: setup.clock });
  ctx.track(progress);
  let phase: Phase | undefined;
  stopIfCancelled(ctx.signal);
  const report = await findSimilar({
    catalog: setup.catalog,
    detector: request.detector,
    roots: request.roots,
    maxDistance: request.maxDistance,
    ...(request.preset === undefined ? {} : { preset: request.preset }),
    algorithm: setup.algorithm,
    ...(setup.hasherModule === undefined ? {} : { hasherModule: setup.hasherModule }),
    ...(setup.threads === undefined ? {} : { threads: setup.threads }),
    ...(setup.limiter === undefined ? {} : { limiter: setup.limiter }),
    signal: ctx.signal,
    now: () => setup.clock.wallNow(),
    onFiles: (items) => (phase = progress.phase('fingerprint', { items })),
    onFile: () => phase?.add({ items: 1 }),
  });
  phase?.end();
  // A cancel that came once every file was done (none left to read) still keeps no result.
  stopIfCancelled(ctx.signal);
  return report;
}

function stopIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw abortErrorFrom(signal);
}
