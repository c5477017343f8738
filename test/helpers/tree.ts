import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A scratch folder for one test; `write` creates files (and their folders) under it. */
export function scratch() {
  const root = mkdtempSync(join(tmpdir(), 'nodupe-test-'));
  return {
    root,
    path: (...parts: string[]) => join(root, ...parts),
    write(relative: string, content: string | Buffer) {
      const full = join(root, relative);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      return full;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Deterministic pseudo-random bytes (a seeded LCG), so contents differ without being random between runs. */
export function bytes(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
