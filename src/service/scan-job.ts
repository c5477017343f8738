import { Worker } from 'node:worker_threads';
import { AbortError } from '../core/errors.js';
import type { ProgressSnapshot } from '../core/progress.js';
import { serviceError } from './errors.js';
import type { FromScan, ScanSetup, ScanSummary, ToScan } from './scan-protocol.js';
import { scanWorkerUrl } from './scan-worker-url.js';

/**
 * Runs one scan on a thread of its own (see scan-worker.ts). Resolves with its summary; rejects with an
 * AbortError once `signal` stopped it, or with the scan's own error.
 */
export function runScanThread(
  setup: ScanSetup,
  signal: AbortSignal,
  onProgress: (progress: ProgressSnapshot) => void,
): Promise<ScanSummary> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(scanWorkerUrl, { workerData: setup });
    let settled = false;
    const cancel = () => thread.postMessage({ kind: 'cancel' } satisfies ToScan);
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', cancel);
      outcome();
    };
    thread.on('message', (message: FromScan) => {
      switch (message.kind) {
        case 'progress':
          onProgress(message.progress);
          return;
        case 'done':
          return finish(() => resolve(message.summary));
        case 'cancelled':
          return finish(() => reject(new AbortError('the scan was cancelled')));
        case 'failed':
          return finish(() =>
            reject(serviceError(message.error.code as 'FAILED', message.error.message ?? 'the scan failed')),
          );
        default:
          message satisfies never;
      }
    });
    thread.on('error', (error) => finish(() => reject(error)));
    thread.on('exit', (code) =>
      finish(() =>
        reject(serviceError('FAILED', `the scan thread ended (exit code ${code}) before the scan did`)),
      ),
    );
  });
}
