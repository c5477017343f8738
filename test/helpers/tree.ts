import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A scratch folder for one test; `write` creates files (and their folders) under it. */
export function scratch(base = tmpdir()) {
  const root = mkdtempSync(join(base, 'nodupe-test-'));
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

export { bytes } from '../fixtures/bytes.mjs';
