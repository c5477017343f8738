import type { CatalogFile } from '../catalog/store.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { NOT_REGULAR, Outcome } from '../hash/task.js';
import { hashWholeFiles } from '../hash/whole-files.js';
import type { VerifyError, VerifyOptions } from './verify.js';

/** A failed read, in the words of the integrity check. */
const ERROR_CODES: Partial<Record<string, string>> = { ENOENT: 'missing', [NOT_REGULAR]: 'not-a-file' };

/**
 * Re-hashes every catalog file that has a full hash, streaming, in the worker pool (one pool per algorithm the
 * catalog used), and compares. A file changed since its scan (size or mtime) is reported as changed rather
 * than as a mismatch: only equal metadata with different bytes is corruption.
 */
export async function checkChecksums(
  files: readonly CatalogFile[],
  options: VerifyOptions,
): Promise<{ checked: number; errors: VerifyError[] }> {
  const byAlgorithm = new Map<HashAlgorithm, CatalogFile[]>();
  for (const f of files) {
    if (f.hashes?.full === undefined) continue;
    const list = byAlgorithm.get(f.hashes.algorithm) ?? [];
    list.push(f);
    byAlgorithm.set(f.hashes.algorithm, list);
  }
  const errors: VerifyError[] = [];
  let checked = 0;
  const phase = options.progress?.phase('checksums', {
    items: [...byAlgorithm.values()].reduce((n, l) => n + l.length, 0),
  });
  for (const [algorithm, list] of byAlgorithm) {
    const hashed = await hashWholeFiles(list, { ...options, algorithm }, (batch, results) => {
      // The errors are listed in file order: the next one belongs to the next file that failed.
      let e = 0;
      batch.forEach((f, j) => {
        checked++;
        const fail = (code: string, message: string) =>
          errors.push({ check: 'checksums', path: f.path, code, message });
        const kind = results.kind[j];
        const hash = results.hash[j];
        if (kind === Outcome.changed) fail('changed', 'changed since the last scan; not compared');
        else if (kind === Outcome.error) {
          const error = results.errors[e++]!;
          fail(ERROR_CODES[error.code] ?? 'unreadable', error.message);
        } else if (hash !== f.hashes!.full) {
          fail(
            'checksum-mismatch',
            `content hash ${hash} (${algorithm}), the catalog says ${f.hashes!.full!}: the bytes changed without the size or mtime changing`,
          );
        }
      });
      phase?.add({ items: batch.length, bytes: batch.reduce((n, f) => n + f.size, 0) });
    });
    if (!hashed) {
      for (const f of list) {
        errors.push({
          check: 'checksums',
          path: f.path,
          code: 'unknown-hash',
          message: `hashed with "${algorithm}", which no loaded plugin provides; not compared`,
        });
      }
    }
  }
  phase?.end();
  return { checked, errors };
}
