// A scan job's thread: it opens its own connection to the catalog and runs `scan()` there, so that the server's
// event loop stays free for reads. Progress goes to the parent as snapshots, at most every PROGRESS_MS.
import { parentPort, workerData } from 'node:worker_threads';
import { openCatalog } from '../catalog/open-catalog.js';
import { systemClock } from '../core/clock.js';
import { isAbortError, NodupeError } from '../core/errors.js';
import { ProgressTracker } from '../core/progress.js';
import { throttle } from '../core/throttle.js';
import { scan } from '../scan/scan.js';
import type { FromScan, ScanSetup, ToScan } from './scan-protocol.js';

/** The parent throttles events again, on its own clock; this only keeps the messages few. */
const PROGRESS_MS = 100;

const setup = workerData as ScanSetup;
const port = parentPort!;
const controller = new AbortController();
const send = (message: FromScan) => port.postMessage(message);

// The one message there is: cancel.
port.on('message', (_message: ToScan) => controller.abort());

async function run(): Promise<void> {
  // A cancel sent before the thread was up is heard before anything starts.
  await new Promise((resolve) => setImmediate(resolve));
  if (controller.signal.aborted) return send({ kind: 'cancelled' });
  const catalog = openCatalog(setup.catalogPath, { create: false, migrate: false, env: setup.env });
  const progress = new ProgressTracker();
  const report = throttle(systemClock, PROGRESS_MS, () =>
    send({ kind: 'progress', progress: progress.snapshot() }),
  );
  const unsubscribe = progress.subscribe(() => report.call());
  try {
    const result = await scan({
      roots: setup.roots,
      catalog,
      algorithm: setup.algorithm,
      skipFolders: setup.skipFolders,
      skipFiles: setup.skipFiles,
      ...(setup.hasherModule === undefined ? {} : { hasherModule: setup.hasherModule }),
      ...(setup.hasherPlugin === undefined ? {} : { hasherPlugin: setup.hasherPlugin }),
      ...(setup.hasherTimeLimitMs === undefined ? {} : { hasherTimeLimitMs: setup.hasherTimeLimitMs }),
      ...(setup.maxReadRate === undefined ? {} : { maxReadRate: setup.maxReadRate }),
      ...(setup.threads === undefined ? {} : { threads: setup.threads }),
      progress,
      signal: controller.signal,
    });
    report.cancel();
    send({ kind: 'progress', progress: progress.snapshot() });
    send({
      kind: 'done',
      summary: {
        scanId: result.scanId,
        roots: [...result.roots],
        files: result.files,
        paths: result.paths,
        dirs: result.dirs,
        totalBytes: result.totalBytes,
        bytesRead: result.bytesRead,
        reused: result.reused,
        gone: result.gone,
        groups: result.groups.length,
        problems: result.problems.length,
        changed: result.changed.length,
      },
    });
  } finally {
    unsubscribe();
    report.cancel();
    catalog.close();
  }
}

run().then(
  () => port.close(),
  (error: unknown) => {
    if (isAbortError(error) || controller.signal.aborted) send({ kind: 'cancelled' });
    else
      send({
        kind: 'failed',
        error: {
          code: error instanceof NodupeError ? error.code : 'FAILED',
          message: error instanceof Error ? error.message : String(error),
        },
      });
    port.close();
  },
);
