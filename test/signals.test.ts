// Ctrl-C and SIGTERM: the message on a line of its own, then a clean end (locks released, catalog closed, exit
// 130 or 143), and nothing of nodupe's left behind, now or by an earlier nodupe that was killed. The spawned runs
// need dist/ (`npm run build` first).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { runOnTerminal } from './helpers/terminal.js';
import { bytes, scratch } from './helpers/tree.js';

const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = scratch();
  env = scratchEnv(dir);
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env });
const catalogFolder = () => dir.path('data/nodupe');

/** `pairs` pairs of identical files of `size` bytes under t/. */
function twins(pairs: number, size: number): void {
  for (let i = 0; i < pairs; i++) {
    const content = bytes(size, i + 1);
    dir.write(`t/${i}/a`, content);
    dir.write(`t/${i}/b`, content);
  }
}

/** Every name under `folder` that is a temporary file (`.tmp-`), at any depth. */
function temporaryFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return (readdirSync(folder, { recursive: true }) as string[]).filter((name) => name.includes('.tmp-'));
}

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

describe('Ctrl-C on a terminal', () => {
  it('during a scan: the progress line is cleared and "nodupe: interrupted" stands on a line of its own', async () => {
    twins(3, 100_000);
    const r = await runOnTerminal(['scan', 't'], {
      cwd: dir.root,
      env,
      // Ctrl-C as soon as a live progress line is drawn (a line left open).
      onWrite: (chunk, ctrlC) => {
        if (!chunk.endsWith('\n')) ctrlC.abort();
      },
    });
    expect(r.code).toBe(130);
    // Above it, only the summaries of phases that ended (the walk of so small a tree may be over before the
    // Ctrl-C is seen), each on its own line.
    const shown = r.lines.filter(Boolean);
    expect(shown.at(-1)).toBe('nodupe: interrupted');
    for (const line of shown.slice(0, -1)) expect(line).toMatch(/^walk: .* done in \d+:\d\d$/);
    expect(existsSync(dir.path('data/nodupe/catalog.db-wal'))).toBe(false);
  });

  it('during an apply: each message on a line of its own, none run into the progress line', async () => {
    twins(3, 100_000);
    expect((await cli('plan', 't', '-o', 'plan.json')).code).toBe(0);
    const r = await runOnTerminal(['apply', 'plan.json'], {
      cwd: dir.root,
      env,
      onWrite: (chunk, ctrlC) => {
        if (!chunk.endsWith('\n')) ctrlC.abort();
      },
    });
    expect(r.code).toBe(130);
    expect(r.lines.filter(Boolean)).toEqual([
      expect.stringMatching(/^apply: 0\/3 files {2}0 B {2}.*stopped after \d+:\d\d$/),
      'nodupe: the run was interrupted: `nodupe apply --resume` finishes it, `nodupe undo` reverses it',
      'nodupe: interrupted',
    ]);
    // The progress line was there, and was cleared before anything else was written.
    // eslint-disable-next-line no-control-regex
    expect(r.output).toMatch(/apply: \[-+\] +0% {2}0\/3 files[^\n]*\r\x1b\[2Kapply: 0\/3 files/);
    expect((await cli('apply', '--resume')).code).toBe(0);
  });
});

describe('SIGTERM ends a command as Ctrl-C does (a real process)', () => {
  /** Starts nodupe; `until` resolves once its stderr matches, `stop` sends a signal and resolves to how it ended. */
  function start(...args: string[]) {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir.root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    return {
      stderr: () => stderr,
      until: (pattern: RegExp) =>
        new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (!pattern.test(stderr)) return;
            child.stderr.off('data', check);
            resolve();
          };
          child.stderr.on('data', check);
          void exited.then(() => reject(new Error(`nodupe ended first: ${stderr}`)));
        }),
      async stop(signal: NodeJS.Signals) {
        child.kill(signal);
        const [code, by] = await exited;
        return { code, signal: by };
      },
    };
  }

  it('a scan: "nodupe: terminated", exit 143, the catalog closed, nothing temporary left', async () => {
    twins(1, 8 << 20);
    // Reads throttled to 2 MiB/s: the whole-content hash takes eight seconds; its first progress line comes
    // after one (stderr is not a terminal here).
    const run = start('scan', '--max-read-rate', '2MiB/s', 't');
    await run.until(/^full hash: \[/m);
    expect(await run.stop('SIGTERM')).toEqual({ code: 143, signal: null });
    expect(run.stderr()).toMatch(/\nnodupe: terminated\n$/);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
    // A catalog closed cleanly has folded its write-ahead log back in and removed it.
    expect(readdirSync(catalogFolder()).sort()).toEqual(['catalog.db']);
  });

  it('an apply: both messages, exit 143, the lock released, the catalog closed; --resume then finishes', async () => {
    twins(12, 1 << 20);
    expect((await cli('plan', 't', '-o', 'plan.json')).code).toBe(0);
    // Compares throttled to 2 MiB/s: about a second per file.
    const run = start('apply', '--max-read-rate', '2MiB/s', 'plan.json');
    await run.until(/^apply: \[/m);
    expect(await run.stop('SIGTERM')).toEqual({ code: 143, signal: null });
    expect(run.stderr()).toMatch(
      /\nnodupe: the run was interrupted: `nodupe apply --resume` finishes it, `nodupe undo` reverses it\nnodupe: terminated\n$/,
    );
    // The lock's holder note goes with the lock; the catalog's log is folded in.
    const left = readdirSync(catalogFolder());
    expect(left.filter((name) => name.startsWith('catalog.db'))).toEqual(['catalog.db', 'catalog.db-lock']);
    expect(temporaryFiles(dir.root)).toEqual([]);
    const resumed = await cli('apply', '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
  });
});

describe('what a killed nodupe left is cleaned up by the next one', () => {
  /** Makes a file look untouched for 11 minutes: younger, its process might be running unseen (a container). */
  const untouched = (path: string) => utimesSync(path, Date.now() / 1000 - 660, Date.now() / 1000 - 660);
  it('plan -o: a half-written plan of a process that is gone is removed, and the user is told', async () => {
    twins(1, 1000);
    const dead = deadPid();
    untouched(dir.write(`plan.json.tmp-${dead}-0123456789ab`, '{"schema": "nodupe.pl'));
    // A temporary file of a process that still runs (this one) is left alone.
    const live = dir.write(`plan.json.tmp-${process.pid}-0123456789ab`, '{"schema"');
    const r = await cli('plan', 't', '-o', 'plan.json');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `nodupe: removed ${dir.path(`plan.json.tmp-${dead}-0123456789ab`)}, left by an interrupted nodupe\n`,
    );
    expect(
      readdirSync(dir.root)
        .filter((name) => name.startsWith('plan.json'))
        .sort(),
    ).toEqual(['plan.json', live.slice(dir.root.length + 1)]);
    expect(JSON.parse(readFileSync(dir.path('plan.json'), 'utf8'))).toMatchObject({
      schema: 'nodupe.plan/1',
    });
  });

  it('a catalog whose making was cut short: its temporary files are removed when the catalog is made', async () => {
    twins(1, 1000);
    const stale = `catalog.db.tmp-${deadPid()}-00ff00ff00ff`;
    untouched(dir.write(`data/nodupe/${stale}`, 'SQLite format 3\0 cut short'));
    untouched(dir.write(`data/nodupe/${stale}-wal`, 'its log'));
    expect((await cli('scan', 't')).code).toBe(0);
    expect(readdirSync(catalogFolder()).sort()).toEqual(['catalog.db']);
  });

  it('the lock: a half-written holder note of a killed holder is removed when the lock is next taken', async () => {
    twins(1, 1000);
    expect((await cli('plan', 't', '-o', 'plan.json')).code).toBe(0);
    untouched(dir.write(`data/nodupe/catalog.db-lock.pid.tmp-${deadPid()}-abcdefabcdef`, '12'));
    expect((await cli('apply', 'plan.json')).code).toBe(0);
    expect(temporaryFiles(catalogFolder())).toEqual([]);
  });
});
