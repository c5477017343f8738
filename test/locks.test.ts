import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockCatalog } from '../src/apply/catalog-lock.js';
import type { CatalogStore } from '../src/catalog/store.js';
import { scratch } from './helpers/tree.js';

// Cross-process behaviour of the catalog lock. The children run test/fixtures/lock-child.mjs against dist/.
const FIXTURE = fileURLToPath(new URL('./fixtures/lock-child.mjs', import.meta.url));

/** A child process that takes and releases catalog locks when asked; each request gets one reply line. */
class LockChild {
  readonly #process: ChildProcessByStdio<Writable, Readable, null>;
  readonly #replies: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];

  constructor(catalogs: string[], cwd?: string) {
    this.#process = spawn(process.execPath, [FIXTURE, ...catalogs], {
      cwd,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.#process.stdout }).on('line', (line) =>
      this.#replies.shift()?.resolve(line),
    );
    this.#process.on('exit', (code, signal) => {
      for (const reply of this.#replies.splice(0))
        reply.reject(new Error(`lock child exited (${code ?? signal})`));
    });
  }

  get pid(): number {
    return this.#process.pid!;
  }

  ask(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#replies.push({ resolve, reject });
      this.#process.stdin.write(`${request}\n`);
    });
  }

  /** Ends the child with `signal` (by closing its input when none), and waits for it to be gone. */
  async stop(signal?: NodeJS.Signals): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    const exited = once(this.#process, 'exit');
    if (signal === undefined) this.#process.stdin.end();
    else this.#process.kill(signal);
    await exited;
  }
}

const catalogAt = (location: string) => ({ location }) as unknown as CatalogStore;

let t: ReturnType<typeof scratch>;
let children: LockChild[];
beforeEach(() => {
  t = scratch();
  children = [];
});
afterEach(async () => {
  await Promise.all(children.map((child) => child.stop()));
  t.remove();
});

function child(catalogs: string[], cwd?: string): LockChild {
  const started = new LockChild(catalogs, cwd);
  children.push(started);
  return started;
}

/** What lockCatalog throws while process `pid` holds the lock. */
function refusal(pid: number): unknown {
  return expect.objectContaining({
    code: 'BAD_INPUT',
    message: expect.stringMatching(
      new RegExp(`^another nodupe \\(pid ${pid}\\b.* is applying, undoing or purging`),
    ) as unknown,
  });
}

describe('the catalog lock across processes', () => {
  it('lets only one spelling of a catalog hold it: symlinked folder, symlinked file, relative path', async () => {
    const catalog = t.write('real/catalog.db', '');
    symlinkSync(t.path('real'), t.path('home'));
    symlinkSync(catalog, t.path('alias.db'));
    const holder = child(['catalog.db'], t.path('real'));
    expect(await holder.ask('acquire 0')).toBe('won 0');
    for (const spelling of [
      t.path('home/catalog.db'),
      t.path('alias.db'),
      relative(process.cwd(), catalog),
      catalog,
    ]) {
      expect(() => lockCatalog(catalogAt(spelling))).toThrow(refusal(holder.pid));
    }
    expect(await holder.ask('release 0')).toBe('released 0');

    const release = lockCatalog(catalogAt(t.path('home/catalog.db')));
    const reply = await holder.ask('acquire 0');
    expect(reply).toMatch(new RegExp(`^lost 0 another nodupe \\(pid ${process.pid}\\b`));
    expect(reply).toContain('with the catalog catalog.db;');
    release();
    expect(await holder.ask('acquire 0')).toBe('won 0');
  });

  it.each(['SIGKILL', 'SIGTERM', 'SIGINT'] as const)(
    'is free for the next process once its holder is ended by %s',
    async (signal) => {
      const catalog = t.write('catalog.db', '');
      const holder = child([catalog]);
      expect(await holder.ask('acquire 0')).toBe('won 0');
      expect(() => lockCatalog(catalogAt(catalog))).toThrow(refusal(holder.pid));
      await holder.stop(signal);
      const release = lockCatalog(catalogAt(catalog));
      expect(readFileSync(`${catalog}-lock.pid`, 'utf8')).toMatch(new RegExp(`^${process.pid}\n`));
      release();
    },
  );

  it('is released only by its own holder: a release after another process took it changes nothing', async () => {
    const catalog = t.write('catalog.db', '');
    const release = lockCatalog(catalogAt(catalog));
    release();
    const other = child([catalog]);
    expect(await other.ask('acquire 0')).toBe('won 0');
    release();
    release();
    expect(() => lockCatalog(catalogAt(catalog))).toThrow(refusal(other.pid));
    expect(readFileSync(`${catalog}-lock.pid`, 'utf8')).toMatch(new RegExp(`^${other.pid}\n`));
    expect(await child([catalog]).ask('acquire 0')).toMatch(
      new RegExp(`^lost 0 another nodupe \\(pid ${other.pid}\\b`),
    );
    expect(await other.ask('release 0')).toBe('released 0');
    lockCatalog(catalogAt(catalog))();
  });

  it('has one owner at a time when 3 processes race for locks whose holder was SIGKILLed (200 rounds)', async () => {
    const ROUNDS = 200;
    mkdirSync(t.path('catalogs'));
    const catalogs = Array.from({ length: ROUNDS }, (_, i) => {
      const path = t.path('catalogs', `${i}.db`);
      writeFileSync(path, '');
      return path;
    });
    // One dead holder per round: a process that took every round's lock, then was killed holding them all.
    const holder = child(catalogs);
    const racers = [child(catalogs), child(catalogs), child(catalogs)];
    expect(await holder.ask('acquire all')).toBe('won all');
    await holder.stop('SIGKILL');
    for (const catalog of catalogs) {
      expect(readFileSync(`${realpathSync(catalog)}-lock.pid`, 'utf8')).toMatch(
        new RegExp(`^${holder.pid}\n`),
      );
    }

    // Each round, all three try at once; a winner holds until every racer has answered, so two winners in a
    // round would be two owners at the same time. It gives the lock back in the same message as the next
    // round's request (each round has its own lock): one wake-up per racer and round keeps the test quick.
    const owners: number[] = [];
    let winners: LockChild[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const released = winners.map((winner) => winner.ask(`release ${round - 1}`));
      const replies = await Promise.all(racers.map((racer) => racer.ask(`acquire ${round}`)));
      expect(await Promise.all(released)).toEqual(winners.map(() => `released ${round - 1}`));
      winners = racers.filter((_, i) => replies[i] === `won ${round}`);
      owners.push(winners.length);
      for (const reply of replies) {
        if (reply !== `won ${round}`)
          expect(reply).toMatch(new RegExp(`^lost ${round} another nodupe \\(pid \\d+`));
      }
    }
    expect(owners.filter((n) => n > 1)).toEqual([]);
    expect(owners).toEqual(Array<number>(ROUNDS).fill(1));
  });
});
