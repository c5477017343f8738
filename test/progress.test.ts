// Progress that tells the truth: what each number counts, bytes as they are read, and without a terminal, a
// first line soon and rates measured, not guessed. The scans here hash in workers: `npm run build` first.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../src/catalog/sqlite/sqlite-store.js';
import { FakeClock } from '../src/core/fake-clock.js';
import { ProgressTracker, type PhaseSnapshot } from '../src/core/progress.js';
import { renderProgress } from '../src/cli/progress-renderer.js';
import { scan } from '../src/scan/scan.js';
import { runCli, scratchEnv } from './helpers/cli.js';
import { runOnTerminal, screen } from './helpers/terminal.js';
import { bytes, scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = scratch();
  env = scratchEnv(dir);
});
afterEach(() => dir.remove());

/** Five files in three folders (t, t/x, t/x/y); a and x/b are twins of 100 KB. */
function tree(): void {
  const twin = bytes(100_000, 1);
  dir.write('t/a', twin);
  dir.write('t/c', 'small');
  dir.write('t/x/b', twin);
  dir.write('t/x/d', 'other');
  dir.write('t/x/y/e', bytes(100_000, 2));
}

/** A terminal's rate: "12,345 files/s", "1.50 MiB/s", "880 B/s". */
const RATE = String.raw`[\d,.]+ (?:files|B|KiB|MiB|GiB)\/s`;

describe('each progress line says what it counts', () => {
  it('without a terminal: files and folders walked, then files and bytes hashed', async () => {
    tree();
    const r = await runCli(['scan', 't'], { cwd: dir.root, env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^walk: 5 files in 3 folders  ${RATE}  done in 0:0\\d$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^tail hash: 2 files  8.00 KiB  ${RATE}  done in 0:0\\d$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^full hash: 2 files  195 KiB  ${RATE}  done in 0:0\\d$`, 'm'));
  });

  it('on a terminal: the same words, and the results below, each on a line of its own', async () => {
    tree();
    const r = await runOnTerminal(['scan', 't'], { cwd: dir.root, env });
    expect(r.code).toBe(0);
    const shown = r.lines.filter(Boolean);
    expect(shown[0]).toMatch(new RegExp(`^walk: 5 files in 3 folders  ${RATE}  done in 0:0\\d$`));
    expect(shown).toContainEqual(expect.stringMatching(/^full hash: 2 files {2}195 KiB {2}/));
    expect(shown.at(-1)).toMatch(
      /^scanned 5 files \(.*\) in 3 folders; read .*; 1 duplicate group; catalog: /,
    );
    // While it ran, the live line counted files and folders too.
    // eslint-disable-next-line no-control-regex
    expect(r.output).toMatch(/\r\x1b\[2Kwalk: [\d,]+ files? in [\d,]+ folders?/);
  });
});

describe('the full hash moves within a large file', () => {
  it('shows bytes as the workers read them, long before the file is done', async () => {
    const clock = new FakeClock();
    const big = bytes(4 << 20, 7);
    dir.write('t/a', big);
    dir.write('t/b', big);
    const catalog = SqliteCatalog.open(dir.path('catalog.db'));
    const tracker = new ProgressTracker({ clock });
    let output = '';
    const renderer = renderProgress(tracker, {
      stream: { isTTY: true, columns: 120, write: (chunk) => void (output += chunk) },
      clock,
    });
    const full: PhaseSnapshot[] = [];
    tracker.subscribe(() => {
      const current = tracker.snapshot().current;
      if (current?.name === 'full') full.push(current);
    });
    try {
      // Reads throttled to 1 MiB per second of the fake clock: a 4 MiB file takes four seconds to read.
      const scanning = scan({
        roots: [dir.path('t')],
        catalog,
        threads: 1,
        maxReadRate: 1 << 20,
        progress: tracker,
        clock,
      });
      const state = { done: false };
      void scanning.finally(() => (state.done = true)).catch(() => undefined);
      while (!state.done) {
        await clock.advanceAsync(100);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect((await scanning).groups).toHaveLength(1);
    } finally {
      renderer.stop();
      catalog.close();
    }
    const midFile = full.filter((p) => p.items === 0 && p.bytes > 0 && p.bytes < 4 << 20);
    expect(midFile.length).toBeGreaterThanOrEqual(2);
    expect(new Set(midFile.map((p) => p.bytes)).size).toBeGreaterThanOrEqual(2);
    // What the user saw: the bar and the bytes moving while no file was done yet.
    expect(output).toMatch(/full hash: \[#+-+\] +\d+% {2}0\/2 files {2}[1-3]\.00\/8\.00 MiB/);
    expect(screen(output).filter(Boolean).at(-1)).toMatch(/^full hash: 2 files {2}8\.00 MiB {2}/);
    expect(full.at(-1)).toMatchObject({ bytes: 8 << 20 });
    // Nothing keeps ticking once the scan is over.
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('without a terminal (a log, a pipe)', () => {
  /** A tracker and its plain renderer on the fake clock; `lines` are what was printed, with the time of each. */
  function plain() {
    const clock = new FakeClock();
    const tracker = new ProgressTracker({ clock });
    const lines: { at: number; text: string }[] = [];
    const renderer = renderProgress(tracker, {
      stream: {
        isTTY: false,
        write: (chunk) => {
          for (const text of chunk.split('\n').filter(Boolean)) lines.push({ at: clock.now(), text });
        },
      },
      clock,
    });
    return { clock, tracker, renderer, lines };
  }

  it('prints its first line within 2 s, then one every 10 s, each with the rate of the time it covers', () => {
    const { clock, tracker, renderer, lines } = plain();
    const walk = tracker.phase('walk');
    // 1,000 files a second for 10.5 s, then 100 a second: the drop shows in the next line but one, whole.
    for (let t = 0; t < 30_000; t += 100) {
      walk.add({ items: t < 10_500 ? 100 : 10, folders: 1 });
      clock.advance(100);
    }
    walk.end();
    renderer.stop();
    expect(lines).toEqual([
      { at: 1000, text: 'walk: 1,000 files in 10 folders  1,000 files/s' },
      { at: 11_000, text: 'walk: 10,550 files in 110 folders  955 files/s' },
      { at: 21_000, text: 'walk: 11,550 files in 210 folders  100 files/s' },
      { at: 30_000, text: 'walk: 12,450 files in 300 folders  415 files/s  done in 0:30' },
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a line falls due even while nothing moves (a stalled read), and says so', () => {
    const { clock, tracker, renderer, lines } = plain();
    const full = tracker.phase('full', { items: 2, bytes: 4 << 20 });
    clock.advance(200);
    full.add({ bytes: 1 << 20 });
    clock.advance(20_800);
    renderer.stop();
    expect(lines).toEqual([
      {
        at: 1000,
        text: 'full hash: [#####---------------]  25%  0/2 files  1.00/4.00 MiB  1.00 MiB/s  ETA 0:03',
      },
      { at: 11_000, text: 'full hash: [#####---------------]  25%  0/2 files  1.00/4.00 MiB  0 B/s' },
      { at: 21_000, text: 'full hash: [#####---------------]  25%  0/2 files  1.00/4.00 MiB  0 B/s' },
    ]);
  });

  it('a phase done within its first second prints only its summary, at once', () => {
    const { clock, tracker, renderer, lines } = plain();
    const walk = tracker.phase('walk');
    clock.advance(400);
    walk.add({ items: 20, folders: 2 });
    walk.end();
    clock.advance(60_000);
    expect(lines).toEqual([{ at: 400, text: 'walk: 20 files in 2 folders  50 files/s  done in 0:00' }]);
    expect(clock.pendingTimers()).toBe(0);
    renderer.stop();
  });
});
