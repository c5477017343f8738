// Nothing a user's tree or a plugin holds can hang nodupe: a fifo where a file was, a hasher that never returns,
// a worker stuck in a system call. The spawned runs need dist/ (`npm run build` first).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { unlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { ProgressTracker } from '../src/core/progress.js';
import { scan } from '../src/scan/scan.js';
import { runCli, scratchEnv } from './helpers/cli.js';
import { bytes, scratch } from './helpers/tree.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = scratch();
  env = scratchEnv(dir);
  const big = bytes(70_000, 5);
  dir.write('t/a', big);
  dir.write('t/b', big);
  dir.write('t/c', big);
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env });

function mkfifo(path: string): void {
  unlinkSync(path);
  execFileSync('mkfifo', [path]);
}

describe('a fifo where a catalogued file was', () => {
  it('verify --mode checksums reports it as no longer a regular file, and does not wait for a writer', async () => {
    expect((await cli('scan', '--no-progress', 't')).code).toBe(0);
    mkfifo(dir.path('t/b'));
    const r = await cli('verify', '--mode', 'checksums', '--no-progress');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`checksums: not-a-file: ${dir.path('t/b')}: no longer a regular file\n`);
    expect(r.stdout).toContain('verified (checksums 3): 1 error\n');
  });

  it('a rescan reports a file that became a fifo between the walk and its read, and groups the others', async () => {
    const catalog = SqliteCatalog.open(dir.path('catalog.db'));
    try {
      const roots = [dir.path('t')];
      expect((await scan({ roots, catalog, threads: 1 })).groups).toHaveLength(1);
      // Changed files are read again; the last one turns into a fifo as the whole-content reads begin.
      const changed = bytes(80_000, 6);
      for (const name of ['a', 'b', 'c']) writeFileSync(dir.path('t', name), changed);
      const progress = new ProgressTracker();
      const stop = progress.subscribe((p) => {
        if (p.snapshot().current?.name !== 'full') return;
        stop();
        mkfifo(dir.path('t/c'));
      });
      const report = await scan({ roots, catalog, threads: 1, progress });
      expect(report.problems).toEqual([
        { path: dir.path('t/c'), op: 'read', code: 'ENOTREG', message: 'no longer a regular file' },
      ]);
      expect(report.groups.map((g) => g.files.map((f) => f.paths[0]))).toEqual([
        [dir.path('t/a'), dir.path('t/b')],
      ]);
    } finally {
      catalog.close();
    }
  });
});

describe('a hasher plugin that never returns', () => {
  it('is stopped after the time limit: the scan fails with exit 1 and a message naming the plugin', async () => {
    dir.write('config/nodupe/config.toml', '[plugins]\nhasher_time_limit_ms = 200\n');
    const r = await cli('scan', '--plugins', FIXTURES, '--hash', 'stuck', '--no-progress', 't');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^nodupe: plugin "stuck-hasher": its hasher "stuck" did not return from update\(\) within 200 ms, hashing \/.*\/t\/[abc] \(an endless loop\?\); its workers were stopped\n$/m,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a time limit in the config file must be a number of milliseconds', async () => {
    dir.write('config/nodupe/config.toml', '[plugins]\nhasher_time_limit_ms = "soon"\n');
    const r = await cli('scan', '--no-progress', 't');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('plugins.hasher_time_limit_ms must be a number of milliseconds, at least 10');
  });
});

describe('SIGINT and SIGTERM end the process', () => {
  /** Starts a scan that gets stuck in the stuck hasher (60 s time limit) and resolves once it is. */
  async function stuckScan(how: 'say' | 'syscall') {
    const child = spawn(
      process.execPath,
      [BIN, 'scan', '--plugins', FIXTURES, '--hash', 'stuck', '--no-progress', 't'],
      { cwd: dir.root, env: { ...process.env, ...env, STUCK_HASHER: how } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (!stderr.includes('stuck-hasher: stuck in')) return;
        child.stderr.off('data', onData);
        resolve();
      };
      child.stderr.on('data', onData);
      void exited.then(() => reject(new Error(`exited before it got stuck: ${stderr}`)));
    });
    return {
      child,
      stderr: () => stderr,
      /** Sends `signal`; resolves to how the process ended and how long that took. */
      async stop(signal: 'SIGINT' | 'SIGTERM') {
        const sent = performance.now();
        child.kill(signal);
        const [code, by] = await exited;
        return { code, signal: by, ms: performance.now() - sent };
      },
    };
  }

  it('a scan stuck in a plugin hasher ends at SIGTERM with exit 143, at SIGINT with 130', async () => {
    const cases = [
      { signal: 'SIGTERM', code: 143, said: 'terminated' },
      { signal: 'SIGINT', code: 130, said: 'interrupted' },
    ] as const;
    const runs = await Promise.all(cases.map(() => stuckScan('say')));
    const ended = await Promise.all(runs.map((run, i) => run.stop(cases[i]!.signal)));
    cases.forEach(({ code, said }, i) => {
      const stderr = runs[i]!.stderr();
      expect(ended[i]!.code, stderr).toBe(code);
      // Within a second or so; the bound is loose so that a busy machine does not fail the test.
      expect(ended[i]!.ms).toBeLessThan(5000);
      expect(stderr).toMatch(new RegExp(`^nodupe: ${said}\n$`, 'm'));
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('a worker stuck in a system call does not keep the process: after the grace period it dies of the signal', async () => {
    const run = await stuckScan('syscall');
    try {
      const ended = await run.stop('SIGTERM');
      expect(ended).toMatchObject({ code: null, signal: 'SIGTERM' });
      expect(ended.ms).toBeLessThan(5000);
      expect(run.stderr()).toContain('nodupe: still stopping 900 ms after SIGTERM; ending now\n');
    } finally {
      // The shell the stuck hasher waits on reads nodupe's stdin: closing it lets the shell go.
      run.child.stdin.end();
    }
  });
});
