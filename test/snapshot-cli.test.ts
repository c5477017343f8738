import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from './helpers/tree.js';
import { snapshotCommand } from '../src/cli/commands/snapshot.js';
import type { CliContext } from '../src/cli/context.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { blobPath } from '../src/snapshot/layout.js';

let t: ReturnType<typeof scratch>;
let out: string;
let err: string;
let ctx: CliContext;
beforeEach(() => {
  t = scratch();
  out = '';
  err = '';
  ctx = {
    stdout: { write: (chunk) => void (out += chunk.toString()) },
    stderr: { isTTY: false, write: (chunk) => void (err += chunk.toString()) },
    env: { XDG_DATA_HOME: t.path('xdg') },
    cwd: t.root,
    clock: new FakeClock(),
    signal: new AbortController().signal,
  };
});
afterEach(() => t.remove());

/** Runs `nodupe snapshot ...args` in-process; resolves to stdout, or rejects as the command failed. */
async function run(...args: string[]): Promise<string> {
  out = '';
  err = '';
  const program = new Command('nodupe').exitOverride().addCommand(snapshotCommand(ctx));
  await program.parseAsync(['snapshot', ...args], { from: 'user' });
  return out;
}

const idIn = (text: string): string => /snapshot (\S+):/.exec(text)![1]!;

describe('nodupe snapshot', () => {
  it('creates, lists, restores and deletes in the default folder', async () => {
    t.write('data/a.txt', 'alpha');
    t.write('data/b.txt', 'alpha');
    const created = await run('create', 'data', '--note', 'before cleanup');
    expect(created).toMatch(/^snapshot \d{8}-\d{6}-[0-9a-f]{6}: 2 files, 10 B \(5 B new\)\n$/);
    const id = idIn(created);
    expect(existsSync(join(t.path('xdg'), 'nodupe', 'snapshots', 'manifests', `${id}.json`))).toBe(true);

    expect(await run('list')).toBe(`${id}  2026-01-01 00:00:00  2 files  10 B  before cleanup\n`);

    writeFileSync(t.path('data/a.txt'), 'changed');
    expect(await run('restore', id)).toBe('restored 1 file; 1 was already intact\n');
    expect(readFileSync(t.path('data/a.txt'), 'utf8')).toBe('alpha');

    expect(await run('delete', id)).toBe(
      `deleted snapshot ${id}; freed 5 B (1 stored copy no other snapshot uses)\n`,
    );
    expect(await run('list')).toBe('');
    expect(err).toMatch(/no snapshots in/);
  });

  it('takes --snapshots relative to the working folder', async () => {
    t.write('f', 'content');
    const id = idIn(await run('create', 'f', '--snapshots', 'store'));
    expect(existsSync(join(t.root, 'store', 'manifests', `${id}.json`))).toBe(true);
    expect(await run('list', '--snapshots', 'store')).toContain(id);
  });

  it('checks the paths before saving anything', async () => {
    await expect(run('create', 'missing')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(existsSync(join(t.path('xdg'), 'nodupe'))).toBe(false);
  });

  it('lists what could not be restored on stderr and fails', async () => {
    t.write('f', 'content');
    const id = idIn(await run('create', 'f'));
    writeFileSync(t.path('f'), 'edited');
    const store = join(t.path('xdg'), 'nodupe', 'snapshots');
    writeFileSync(blobPath(store, readBlobName(store, id)), 'damaged');
    await expect(run('restore', id)).rejects.toMatchObject({
      code: 'FAILED',
      message: '1 file was not restored (listed above)',
    });
    expect(out).toBe('restored 0 files; 0 were already intact\n');
    expect(err).toBe(
      `nodupe: ${t.path('f')}: blob ${readBlobName(store, id)} is damaged; the file was left as it is\n`,
    );
  });

  it('saves what it can, lists the rest on stderr and fails', async () => {
    // A root that is a link is followed (as find -H does): it names its file; a FIFO cannot be saved.
    t.write('f', 'content');
    symlinkSync(t.path('f'), t.path('link'));
    execFileSync('mkfifo', [t.path('pipe')]);
    await expect(run('create', 'link', 'pipe')).rejects.toMatchObject({ code: 'FAILED' });
    expect(out).toMatch(/^snapshot \S+: 1 file, 7 B \(7 B new\)\n$/);
    expect(err).toBe(`nodupe: ${t.path('pipe')}: not a regular file\n`);
  });

  it('rejects an unknown id as bad input', async () => {
    await expect(run('restore', '20990101-000000-000000')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});

function readBlobName(store: string, id: string): string {
  const doc = JSON.parse(readFileSync(join(store, 'manifests', `${id}.json`), 'utf8')) as {
    files: { sha256: string }[];
  };
  return doc.files[0]!.sha256;
}
