import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes, scratch } from '../../test/helpers/tree.js';
import { adversary } from '../../test/helpers/adversary.js';
import { injecting } from '../../test/helpers/ops.js';
import { AbortError } from '../core/errors.js';
import { FakeClock } from '../core/fake-clock.js';
import { nodeFileOps } from '../fs/file-ops.js';
import { blobPath, manifestPath } from './layout.js';
import { readManifest } from './manifest.js';
import {
  createSnapshot,
  deleteSnapshot,
  listSnapshots,
  restoreSnapshot,
  type CreateSnapshotResult,
} from './snapshot-store.js';

const sha256 = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex');
const BIG = 2 ** 20 + 10; // more than one read buffer
const MTIME = 1_700_000_000.25; // exact in a double, so the restored mtime can be compared to the nanosecond

let t: ReturnType<typeof scratch>;
let store: string;
let clock: FakeClock;
beforeEach(() => {
  t = scratch();
  store = t.path('store');
  clock = new FakeClock();
});
afterEach(() => t.remove());

/** Takes a snapshot, then moves the clock on so the next one sorts after it. */
async function snapshot(paths: (string | Buffer)[], note?: string): Promise<CreateSnapshotResult> {
  const result = await createSnapshot(store, paths, { clock, ...(note === undefined ? {} : { note }) });
  clock.advance(1000);
  return result;
}

function blobCount(): number {
  const root = join(store, 'blobs');
  return readdirSync(root)
    .filter((d) => d.length === 2)
    .reduce((n, d) => n + readdirSync(join(root, d)).length, 0);
}

describe('snapshot store', () => {
  it('restores content, mode and mtime after the originals are changed or deleted', async () => {
    const a = t.write('data/a.txt', 'alpha');
    const big = t.write('data/sub/big.bin', bytes(BIG, 1));
    const same = t.write('data/same.txt', 'kept as is');
    chmodSync(a, 0o640);
    utimesSync(a, MTIME, MTIME);
    const before = statSync(a, { bigint: true });

    const created = await snapshot([t.path('data')]);
    expect(created).toMatchObject({ files: 3, problems: [], symlinks: 0 });
    expect(created.bytes).toBe(5 + BIG + 10);
    expect(created.newBlobBytes).toBe(created.bytes);
    expect(readFileSync(blobPath(store, sha256('alpha')), 'utf8')).toBe('alpha');
    expect(statSync(store).mode & 0o777).toBe(0o700);

    writeFileSync(a, 'changed!');
    chmodSync(a, 0o600);
    rmSync(t.path('data/sub'), { recursive: true });

    const result = await restoreSnapshot(store, created.id);
    expect(result).toEqual({ restored: 2, unchanged: 1, problems: [] });
    const after = statSync(a, { bigint: true });
    expect(readFileSync(a, 'utf8')).toBe('alpha');
    expect(after.mode & 0o7777n).toBe(0o640n);
    expect(after.mtimeNs).toBe(before.mtimeNs);
    expect(readFileSync(big).equals(bytes(BIG, 1))).toBe(true);
    expect(readFileSync(same, 'utf8')).toBe('kept as is');
    expect(readdirSync(t.path('data')).sort()).toEqual(['a.txt', 'same.txt', 'sub']); // no temporary files
  });

  it('stores identical contents once', async () => {
    const files = [t.write('x/1', 'same'), t.write('x/2', 'same'), t.write('y/3', 'other')];
    const first = await snapshot(files);
    expect(first).toMatchObject({ files: 3, bytes: 13, newBlobBytes: 9 });
    expect(blobCount()).toBe(2);
    const second = await snapshot([t.path('x')]);
    expect(second).toMatchObject({ files: 2, newBlobBytes: 0 });
    expect(blobCount()).toBe(2);
  });

  it('lists snapshots by id with their notes and dates', async () => {
    const file = t.write('f', 'content');
    const first = await snapshot([file], 'before cleanup');
    const second = await snapshot([file]);
    expect(await listSnapshots(store)).toEqual([
      {
        id: first.id,
        createdAt: '2026-01-01T00:00:00.000Z',
        files: 1,
        totalBytes: 7,
        note: 'before cleanup',
      },
      { id: second.id, createdAt: '2026-01-01T00:00:01.000Z', files: 1, totalBytes: 7 },
    ]);
    expect(first.id).toMatch(/^20260101-000000-[0-9a-f]{6}$/);
    expect(await listSnapshots(t.path('nowhere'))).toEqual([]);
  });

  it('deletes the blobs no remaining snapshot uses, and keeps the others', async () => {
    const [x, y, z] = [t.write('x', 'x only'), t.write('y', 'shared'), t.write('z', 'z only')];
    const first = await snapshot([x, y]);
    const second = await snapshot([y, z]);
    expect(await deleteSnapshot(store, first.id)).toEqual({ removedBlobs: 1, freedBytes: 6 });
    expect(existsSync(blobPath(store, sha256('x only')))).toBe(false);
    expect(existsSync(blobPath(store, sha256('shared')))).toBe(true);
    expect((await listSnapshots(store)).map((s) => s.id)).toEqual([second.id]);

    await deleteSnapshot(store, second.id);
    expect(readdirSync(join(store, 'blobs'))).toEqual([]); // folders left empty go too
    expect(readdirSync(join(store, 'manifests'))).toEqual([]);
  });

  it('reports a damaged or missing blob and leaves that target untouched, restoring the rest', async () => {
    const [a, b, c] = [t.write('a', 'first'), t.write('b', 'second'), t.write('c', 'third')];
    const { id } = await snapshot([a, b, c]);
    for (const path of [a, b, c]) writeFileSync(path, 'edited');
    writeFileSync(blobPath(store, sha256('first')), 'fir5t'); // same size, other bytes
    rmSync(blobPath(store, sha256('second')));

    const result = await restoreSnapshot(store, id);
    expect(result.restored).toBe(1);
    expect(result.problems).toEqual([
      { path: a, code: 'CORRUPT_BLOB', message: expect.stringMatching(/damaged/) as unknown },
      { path: b, code: 'MISSING_BLOB', message: expect.stringMatching(/missing/) as unknown },
    ]);
    expect(readFileSync(a, 'utf8')).toBe('edited');
    expect(readFileSync(b, 'utf8')).toBe('edited');
    expect(readFileSync(c, 'utf8')).toBe('third');
    expect(readdirSync(t.root).sort()).toEqual(['a', 'b', 'c', 'store']);
  });

  it('keeps a file name that is not valid UTF-8', async () => {
    mkdirSync(t.path('odd'));
    const name = Buffer.concat([Buffer.from(`${t.path('odd')}/`), Buffer.from([0x66, 0xff, 0x6f])]);
    writeFileSync(name, 'bytes');
    const { id } = await snapshot([name]);
    const doc = JSON.parse(readFileSync(manifestPath(store, id), 'utf8')) as {
      files: { pathBytes: string }[];
    };
    expect(doc.files[0]!.pathBytes).toBe(name.toString('base64'));
    const folder = await snapshot([t.path('odd')]);
    expect(readManifest(nodeFileOps, store, folder.id).files.map((f) => f.path)).toEqual([name]);
    const oddFolder = Buffer.concat([Buffer.from(`${t.path('odd')}/`), Buffer.from([0xfe])]);
    mkdirSync(oddFolder);
    writeFileSync(Buffer.concat([oddFolder, Buffer.from('/x')]), 'inside');
    const named = await snapshot([oddFolder]);
    expect(readManifest(nodeFileOps, store, named.id).files.map((f) => f.path)).toEqual([
      Buffer.concat([oddFolder, Buffer.from('/x')]),
    ]);

    rmSync(t.path('odd'), { recursive: true });
    expect(await restoreSnapshot(store, id)).toMatchObject({ restored: 1, problems: [] });
    expect(readFileSync(name, 'utf8')).toBe('bytes');
  });

  it('reports a link or a missing path named explicitly, and skips links inside folders', async () => {
    const target = t.write('dir/target', 'target');
    const link = t.path('link');
    symlinkSync(target, link);
    symlinkSync(target, t.path('dir/inner-link'));
    const result = await snapshot([link, t.path('missing'), t.path('dir')]);
    expect(result.problems).toEqual([
      { path: link, code: 'SYMLINK', message: 'a symbolic link (not followed)' },
      { path: t.path('missing'), code: 'ENOENT', message: 'no such file or directory (lstat)' },
    ]);
    expect(result).toMatchObject({ files: 1, symlinks: 1 });
    expect(readManifest(nodeFileOps, store, result.id).files.map((f) => f.path)).toEqual([target]);
  });

  it('leaves its own store out of a folder that holds it', async () => {
    t.write('file', 'content');
    await snapshot([t.root]);
    const { id } = await snapshot([t.root]);
    expect(readManifest(nodeFileOps, store, id).files.map((f) => f.path)).toEqual([t.path('file')]);
  });

  it('turns an unknown id or a malformed manifest into BAD_INPUT', async () => {
    const file = t.write('f', 'content');
    const { id } = await snapshot([file]);
    const unknown = '20990101-000000-000000';
    await expect(restoreSnapshot(store, unknown)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(deleteSnapshot(store, unknown)).rejects.toThrow(/no snapshot 20990101-000000-000000/);
    await expect(restoreSnapshot(store, '../manifests/x')).rejects.toMatchObject({ code: 'BAD_INPUT' });

    const broken = '20260101-120000-abcdef';
    writeFileSync(manifestPath(store, broken), '{"schema": "nodupe.snapshot/1", "id": 5}');
    await expect(restoreSnapshot(store, broken)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(listSnapshots(store)).rejects.toThrow(/malformed manifest: id/);
    // Its blobs cannot be told apart, so deleting another snapshot removes nothing...
    await expect(deleteSnapshot(store, id)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(existsSync(manifestPath(store, id))).toBe(true);
    // ...while the malformed one itself can be deleted.
    await deleteSnapshot(store, broken);
    expect((await listSnapshots(store)).map((s) => s.id)).toEqual([id]);
  });

  it('stops with an AbortError and writes no manifest when aborted', async () => {
    const file = t.write('f', 'content');
    const controller = new AbortController();
    controller.abort();
    await expect(createSnapshot(store, [file], { clock, signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(await listSnapshots(store)).toEqual([]);
    expect(readdirSync(join(store, 'blobs'))).toEqual([]);
  });
});

describe('snapshot store, through injected file operations', () => {
  const tempFiles = (folder: string) => readdirSync(folder).filter((name) => name.startsWith('.tmp-'));

  it('reports a full disk while a blob is written, leaves no partial blob, and saves the other files', async () => {
    const [a, b] = [t.write('a', 'alpha'), t.write('b', 'beta')];
    const ops = injecting(nodeFileOps, [{ call: 'write', nth: 1, code: 'ENOSPC' }]);
    const result = await createSnapshot(store, [a, b], { clock, ops });
    expect(result.problems).toEqual([{ path: a, code: 'ENOSPC', message: 'injected failure (write)' }]);
    expect(result.files).toBe(1);
    expect(existsSync(blobPath(store, sha256('alpha')))).toBe(false);
    expect(tempFiles(join(store, 'blobs'))).toEqual([]);
    expect(blobCount()).toBe(1);
    expect(readManifest(nodeFileOps, store, result.id).files.map((f) => f.path)).toEqual([b]);
  });

  it('reports a file that changes between the two looks at it, and stores nothing of it', async () => {
    const a = t.write('a', 'alpha');
    // Another program appends to the file after it was copied, right before the copy is checked (fstat again).
    let fstats = 0;
    const ops = adversary((call) => {
      if (call.name !== 'fstat' || ++fstats < 2) return false;
      appendFileSync(a, '!');
      return true;
    });
    const result = await createSnapshot(store, [a], { clock, ops });
    expect(result.problems).toEqual([
      { path: a, code: 'CHANGED', message: 'changed while it was copied; not saved' },
    ]);
    expect(blobCount()).toBe(0);
    expect(tempFiles(join(store, 'blobs'))).toEqual([]);
  });

  it('writes no manifest, not even part of one, when writing it fails', async () => {
    const a = t.write('a', 'alpha');
    const ops = injecting(nodeFileOps, [{ call: 'rename', pathIncludes: 'manifests', code: 'EIO' }]);
    await expect(createSnapshot(store, [a], { clock, ops })).rejects.toMatchObject({ code: 'EIO' });
    expect(readdirSync(join(store, 'manifests'))).toEqual([]);
    expect(await listSnapshots(store)).toEqual([]);
  });

  it('leaves a target untouched when reading its blob fails, and restores the others', async () => {
    const [a, b] = [t.write('data/a', 'alpha'), t.write('data/b', 'beta')];
    const { id } = await snapshot([a, b]);
    writeFileSync(a, 'edited a'); // other sizes: restore reads no target, only blobs
    writeFileSync(b, 'edited b');
    const ops = injecting(nodeFileOps, [{ call: 'read', nth: 1, code: 'EIO' }]);
    const result = await restoreSnapshot(store, id, { ops });
    expect(result).toEqual({
      restored: 1,
      unchanged: 0,
      problems: [{ path: a, code: 'EIO', message: 'injected failure (read)' }],
    });
    expect(readFileSync(a, 'utf8')).toBe('edited a');
    expect(readFileSync(b, 'utf8')).toBe('beta');
    expect(tempFiles(t.path('data'))).toEqual([]);
  });

  it('stops a delete whose blob cannot be removed, and keeps that blob', async () => {
    const a = t.write('a', 'alpha');
    const { id } = await snapshot([a]);
    const blob = blobPath(store, sha256('alpha'));
    const ops = injecting(nodeFileOps, [{ call: 'unlink', pathIncludes: sha256('alpha'), code: 'EACCES' }]);
    await expect(deleteSnapshot(store, id, { ops })).rejects.toMatchObject({ code: 'EACCES' });
    expect(existsSync(blob)).toBe(true);
  });
});
