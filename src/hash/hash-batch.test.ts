import { describe, expect, it } from 'vitest';
import { halvesOf } from '../model/records.js';
import { HashBatch } from './hash-batch.js';
import type { HashFiles } from './task.js';

/** Adds every file and collects the batches as a scan would send them. */
function batches(batch: HashBatch, sizes: number[]): HashFiles[] {
  const sent: HashFiles[] = [];
  sizes.forEach((size, i) => {
    batch.add(`/tree/file-${i}`, size, BigInt(i));
    const full = batch.takeFull();
    if (full) sent.push(full);
  });
  const last = batch.finish();
  if (last) sent.push(last);
  return sent;
}

function pathOf(files: HashFiles, i: number): string {
  return Buffer.from(files.paths.subarray(files.pathStart[i], files.pathStart[i + 1])).toString();
}

describe('HashBatch', () => {
  it('holds each file in columns: path bytes, size and mtime', () => {
    const batch = new HashBatch('full');
    const odd = Buffer.from([0x2f, 0x61, 0xff, 0x62]); // not UTF-8: kept as raw bytes
    batch.add('/tree/été', 5, 1_700_000_000_123_456_789n);
    batch.add(odd, 7, -1n);
    const files = batch.finish()!;
    expect(files.count).toBe(2);
    expect(pathOf(files, 0)).toBe('/tree/été');
    expect(Buffer.from(files.paths.subarray(files.pathStart[1], files.pathStart[2]))).toEqual(odd);
    expect([...files.size.subarray(0, 2)]).toEqual([5, 7]);
    expect([...files.mtimeNs.subarray(0, 2)]).toEqual([1_700_000_000_123_456_789n, -1n]);
    expect(batch.finish()).toBeUndefined();
  });

  it("adds a file from a table's arena and mtime halves exactly as from its path and mtime", () => {
    const arena = Buffer.from('/a/one/a/two-with-a-longer-name');
    const mtimes = BigInt64Array.from([123n, 9_007_199_254_740_993n]);
    const from = new HashBatch('head');
    from.addFrom(arena, 0, 6, 10, halvesOf(mtimes), 0);
    from.addFrom(arena, 6, arena.length, 20, halvesOf(mtimes), 1);
    const direct = new HashBatch('head');
    direct.add('/a/one', 10, 123n);
    direct.add('/a/two-with-a-longer-name', 20, 9_007_199_254_740_993n);
    const a = from.finish()!;
    const b = direct.finish()!;
    expect(a.count).toBe(2);
    expect([pathOf(a, 0), pathOf(a, 1)]).toEqual(['/a/one', '/a/two-with-a-longer-name']);
    expect(a.paths.subarray(0, a.pathStart[2])).toEqual(b.paths.subarray(0, b.pathStart[2]));
    expect(a.mtimeNs.subarray(0, 2)).toEqual(b.mtimeNs.subarray(0, 2));
  });

  it('sends a batch on at 256 files, the next file starting the next batch', () => {
    const sent = batches(
      new HashBatch('full'),
      Array.from({ length: 600 }, () => 1),
    );
    expect(sent.map((f) => f.count)).toEqual([256, 256, 88]);
    expect(pathOf(sent[1]!, 0)).toBe('/tree/file-256');
    expect(sent[2]!.mtimeNs[87]).toBe(599n);
  });

  it('keeps a batch within 8 MiB of reads; a larger file goes alone', () => {
    const MiB = 1 << 20;
    const sent = batches(new HashBatch('full'), [3 * MiB, 3 * MiB, 3 * MiB, 20 * MiB, MiB]);
    expect(sent.map((f) => [...f.size.subarray(0, f.count)])).toEqual([
      [3 * MiB, 3 * MiB],
      [3 * MiB],
      [20 * MiB],
      [MiB],
    ]);
  });

  it('counts a head or tail range as at most one block, so large files share a batch', () => {
    const sent = batches(
      new HashBatch('head'),
      Array.from({ length: 300 }, () => 1 << 30),
    );
    expect(sent.map((f) => f.count)).toEqual([256, 44]);
  });

  it('grows its path bytes for long paths', () => {
    const batch = new HashBatch('full');
    const long = '/' + 'x'.repeat(40_000);
    batch.add(long, 1, 0n);
    batch.add('/short', 1, 0n);
    const files = batch.finish()!;
    expect(pathOf(files, 0)).toBe(long);
    expect(pathOf(files, 1)).toBe('/short');
  });

  it('each column has a buffer of its own, so the batch can move to a worker', () => {
    const batch = new HashBatch('full');
    batch.add('/x', 1, 0n);
    const files = batch.finish()!;
    const buffers = new Set([files.paths, files.pathStart, files.size, files.mtimeNs].map((c) => c.buffer));
    expect(buffers.size).toBe(4);
    expect(() => structuredClone(files, { transfer: [...buffers] as ArrayBuffer[] })).not.toThrow();
  });
});
