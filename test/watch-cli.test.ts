import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { AbortError } from '../src/core/errors.js';
import { eventually } from './helpers/eventually.js';
import { scratchEnv } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  cleanups = [];
});

/** `nodupe watch` in-process on the fake clock, until the test stops it as Ctrl-C would. */
function startWatch(args: string[]) {
  const dir = scratch();
  cleanups.push(dir.remove);
  dir.write('t/photo.jpg', 'jpeg bytes');
  const clock = new FakeClock();
  const controller = new AbortController();
  let stdout = '';
  let stderr = '';
  const exit = main(['watch', dir.path('t'), '--settle', '1000', ...args], {
    stdout: { write: (chunk) => void (stdout += chunk.toString()) },
    stderr: { isTTY: false, write: (chunk) => void (stderr += chunk.toString()) },
    env: scratchEnv(dir),
    cwd: dir.root,
    clock,
    signal: controller.signal,
  });
  return {
    dir,
    clock,
    exit,
    stdout: () => stdout,
    stderr: () => stderr,
    interrupt: () => controller.abort(new AbortError('interrupted')),
  };
}

describe('nodupe watch', () => {
  it('--format ndjson: one event a line with stable fields; Ctrl-C ends it with 130', async () => {
    const run = startWatch(['--format', 'ndjson']);
    await eventually(() => run.stdout().includes('"type":"ready"'), 'ready');
    writeFileSync(run.dir.path('t/copy.jpg'), 'jpeg bytes');
    await eventually(() => run.clock.pendingTimers() > 0, 'the new file settling');
    run.clock.advance(1000);
    await eventually(() => run.stdout().includes('"type":"duplicate"'), 'duplicate');
    run.interrupt();
    expect(await run.exit).toBe(130);
    const lines = run
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        at: '2026-01-01T00:00:00.000Z',
        type: 'ready',
        roots: [run.dir.path('t')],
        backend: 'fs.watch',
        files: 1,
        bytesRead: 0,
        groups: 0,
      },
      {
        at: '2026-01-01T00:00:01.000Z',
        type: 'duplicate',
        path: run.dir.path('t/copy.jpg'),
        change: 'new',
        size: 10,
        algorithm: 'xxh3',
        hash: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown,
        duplicates: [run.dir.path('t/photo.jpg')],
      },
    ]);
  });

  it('text: says a new file duplicates another and a duplicate went away, for people', async () => {
    const run = startWatch([]);
    await eventually(() => run.stderr().includes('watching'), 'watching');
    writeFileSync(run.dir.path('t/copy.jpg'), 'jpeg bytes');
    await eventually(() => run.clock.pendingTimers() > 0, 'the new file settling');
    run.clock.advance(1000);
    await eventually(() => run.stdout().includes('duplicates'), 'duplicate');
    const { unlinkSync } = await import('node:fs');
    unlinkSync(run.dir.path('t/copy.jpg'));
    await eventually(() => run.stdout().includes('went away'), 'a duplicate gone');
    run.interrupt();
    expect(await run.exit).toBe(130);
    expect(run.stdout()).toMatch(
      new RegExp(
        `^new file ${run.dir.path('t/copy.jpg')} duplicates ${run.dir.path('t/photo.jpg')} \\(10 B, xxh3 [0-9a-f]{16}\\)\n` +
          `a duplicate went away: ${run.dir.path('t/copy.jpg')} \\(10 B; copies left: ${run.dir.path('t/photo.jpg')}\\)\n$`,
      ),
    );
    expect(run.stderr()).toContain('nodupe: interrupted');
  });

  it('a path that does not exist is bad input (exit 2), before anything is watched', async () => {
    const dir = scratch();
    cleanups.push(dir.remove);
    let stderr = '';
    const code = await main(['watch', dir.path('nope')], {
      stdout: { write: () => undefined },
      stderr: { isTTY: false, write: (chunk) => void (stderr += chunk.toString()) },
      env: scratchEnv(dir),
      cwd: dir.root,
      clock: new FakeClock(),
      signal: new AbortController().signal,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('no such file or directory');
  });
});
