// nodupe as a process, as users start it: `nodupe dupes DIR | head -1` (the reader goes away, nodupe ends
// quietly), node given flags of its own. The spawned runs need dist/ (`npm run build` first).
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

it('hashes in its workers when node is given flags a worker thread cannot take', async () => {
  const child = spawn(
    process.execPath,
    [
      '--max-old-space-size=500',
      '--stack-size=2000',
      BIN,
      'dupes',
      '--no-progress',
      '--format',
      'json',
    ].concat(['--catalog', dir.path('c.db'), dir.path('t')]),
    { env: { ...process.env, XDG_DATA_HOME: dir.path('data') } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(stderr).toBe('');
  expect(code).toBe(0);
  // Every file of t/a has its twin in t/b: all 400 are in groups, hashed by the workers.
  expect((JSON.parse(stdout) as { summary: { files: number } }).summary.files).toBe(400);
});
