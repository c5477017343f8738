import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => {
  dir = scratch();
  // A picture detector whose hash is a file's first 8 bytes, and a document detector for `.note` files whose text
  // is their lines after the first (a header).
  dir.write(
    'plugins/near.mjs',
    `import { definePlugin } from 'nodupe/plugin';
export default definePlugin({
  name: 'near',
  version: '1.0.0',
  api: '^1.1.0',
  provides: {
    detectors: [
      { name: 'first-bytes', subject: 'images', extensions: ['raw8'], module: './near-lib/worker.mjs' },
      { name: 'notes', subject: 'docs', extensions: ['note'], module: './near-lib/worker.mjs', version: 2 },
    ],
  },
});
`,
  );
  dir.write(
    'plugins/near-lib/worker.mjs',
    `export async function fingerprint(bytes, name) {
  if (bytes.length < 8) return { problem: 'shorter than 8 bytes' };
  return { fingerprint: bytes.slice(0, 8) };
}
export async function text(bytes) {
  const lines = Buffer.from(bytes).toString('utf8').split('\\n');
  return lines.length < 2 ? { problem: 'no header' } : { text: lines.slice(1).join('\\n') };
}
`,
  );
});
afterEach(() => dir.remove());

const similar = (args: string[]) =>
  runCli(
    [
      'similar',
      ...args,
      '--plugins',
      dir.path('plugins'),
      '--catalog',
      dir.path('c.db'),
      '--threads',
      '1',
      '--no-progress',
      '--format',
      'json',
    ],
    { env: scratchEnv(dir) },
  );
const names = (stdout: string) =>
  (JSON.parse(stdout) as { groups: { members: { path: string }[] }[] }).groups.map((g) =>
    g.members.map((m) => m.path.split('/').pop()).sort(),
  );

describe("a plugin's detector", () => {
  it('makes fingerprints in the workers: pictures by its hashes, documents by its text', async () => {
    // 0x00 vs 0x01 in the last of the first 8 bytes: 1 bit apart. 0xff…: far.
    dir.write('p/a.raw8', Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 9, 9]));
    dir.write('p/b.raw8', Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 7]));
    dir.write('p/c.raw8', Buffer.from([255, 255, 255, 255, 255, 255, 255, 255]));
    dir.write('p/short.raw8', Buffer.from([1, 2]));
    const pictures = await similar([
      'images',
      dir.path('p'),
      '--detector',
      'first-bytes',
      '--similarity',
      '2',
    ]);
    expect(pictures.stderr).toBe('');
    expect(names(pictures.stdout)).toEqual([['a.raw8', 'b.raw8']]);
    const report = JSON.parse(pictures.stdout) as { detector: string; problems: { reason: string }[] };
    expect(report.detector).toBe('first-bytes/1');
    expect(report.problems.map((p) => p.reason)).toEqual(['shorter than 8 bytes']);

    const words = 'the quick brown fox jumps over the lazy dog and runs far away into the woods';
    dir.write('d/one.note', `header one\n${words}`);
    dir.write('d/two.note', `another header\n${words}`);
    dir.write('d/other.note', 'header\nsomething else entirely, written in other words than those');
    const docs = await similar(['docs', dir.path('d'), '--detector', 'notes']);
    expect(docs.stderr).toBe('');
    expect(names(docs.stdout)).toEqual([['one.note', 'two.note']]);
    expect((JSON.parse(docs.stdout) as { detector: string }).detector).toBe('notes/2');
  });

  it('is refused by a name no plugin provides, or of the other subject, naming those there are', async () => {
    dir.write('p/a.raw8', Buffer.alloc(8));
    const unknown = await similar(['images', dir.path('p'), '--detector', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      '--detector nope: no detector has that name; for images: images.phash, first-bytes',
    );
    const other = await similar(['images', dir.path('p'), '--detector', 'notes']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('--detector notes: it compares docs, not images');
  });
});
