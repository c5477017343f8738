// `nodupe dupes DIR | head -1`: the reader goes away, nodupe ends quietly. The spawned runs need dist/ (`npm run
// build` first).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { bytes, scratch } from './helpers/tree.js';

const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
  for (let i = 0; i < 200; i++) {
    dir.write(`t/a/${i}`, bytes(100, i));
    dir.write(`t/b/${i}`, bytes(100, i));
  }
});
afterEach(() => dir.remove());

it('ends with exit 0 and no stack trace when the reader of its output has gone', async () => {
  const child = spawn(
    process.execPath,
    [BIN, 'dupes', '--no-progress', '--catalog', dir.path('c.db'), dir.path('t')],
    {
      env: { ...process.env, XDG_DATA_HOME: dir.path('data') },
    },
  );
  child.stdout.destroy(); // as `head -1` does once it has its line
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(stderr).toBe('');
  expect(code).toBe(0);
});
