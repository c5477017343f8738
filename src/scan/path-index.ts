import type { FileRecords } from '../model/records.js';

/**
 * Finds a record by its path bytes: an open-addressing hash table of record numbers over the records' own path
 * arena, so that a catalog of a million rows is looked up without a string or an object per row.
 */
export class PathIndex {
  readonly #records: FileRecords;
  readonly #slots: Int32Array;
  readonly #mask: number;

  constructor(records: FileRecords) {
    this.#records = records;
    let size = 16;
    while (size < records.count * 2) size *= 2;
    this.#slots = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
    const { paths, pathStart } = records;
    for (let r = 0; r < records.count; r++) {
      let slot = hashBytes(paths, pathStart[r]!, pathStart[r + 1]!) & this.#mask;
      while (this.#slots[slot] !== -1) slot = (slot + 1) & this.#mask;
      this.#slots[slot] = r;
    }
  }

  /** The record whose path is `bytes[start..end)`, or -1. */
  find(bytes: Uint8Array, start: number, end: number): number {
    const { paths, pathStart } = this.#records;
    const length = end - start;
    for (let slot = hashBytes(bytes, start, end) & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const r = this.#slots[slot]!;
      if (r === -1) return -1;
      const from = pathStart[r]!;
      if (pathStart[r + 1]! - from !== length) continue;
      let k = 0;
      while (k < length && paths[from + k] === bytes[start + k]) k++;
      if (k === length) return r;
    }
  }
}

/** FNV-1a over a range of bytes. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
