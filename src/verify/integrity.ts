import type { CatalogFile } from '../catalog/store.js';
import { describeErrno, errnoOf, type FileOps } from '../fs/file-ops.js';
import type { VerifyError } from './verify.js';

/** Each catalog file still exists as a regular file, with the size and mtime the catalog recorded. */
export function checkIntegrity(ops: FileOps, files: readonly CatalogFile[]): VerifyError[] {
  const errors: VerifyError[] = [];
  const fail = (path: CatalogFile['path'], code: string, message: string) =>
    errors.push({ check: 'integrity', path, code, message });
  for (const f of files) {
    let st;
    try {
      st = ops.lstat(f.path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') fail(f.path, 'missing', 'in the catalog, but not on disk');
      else fail(f.path, 'unreadable', describeErrno(error));
      continue;
    }
    if (!st.isFile()) fail(f.path, 'not-a-file', 'no longer a regular file');
    else if (Number(st.size) !== f.size)
      fail(f.path, 'size-changed', `size ${st.size}, the catalog says ${f.size}`);
    else if (st.mtimeNs !== f.mtimeNs) fail(f.path, 'mtime-changed', 'modified since the last scan');
  }
  return errors;
}
