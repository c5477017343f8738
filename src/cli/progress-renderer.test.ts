import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { ProgressTracker } from '../core/progress.js';
import { describePhase, onOwnLines, renderProgress } from './progress-renderer.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 100, chunks, write: (chunk: string) => chunks.push(chunk) };
}

describe('renderProgress', () => {
  it('redraws one live line on a terminal at most every 100 ms, and sets no timer once nothing runs', () => {
    const clock = new FakeClock();
    const tracker = new ProgressTracker({ clock, sampleMs: 0 });
    const out = stream(true);
    const renderer = renderProgress(tracker, { stream: out, clock });
    const phase = tracker.phase('hash', { bytes: 1000, items: 10 });
    for (let i = 0; i < 10; i++) {
      clock.advance(20);
      phase.add({ bytes: 100, items: 1 });
    }
    // 200 ms of updates every 20 ms: the first draw, then at most one per 100 ms.
    expect(out.chunks.length).toBeLessThanOrEqual(3);
    phase.end();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(1000);
    renderer.stop();
    const text = out.chunks.join('');
    expect(text).toContain('\r\x1b[2K');
    expect(text).toMatch(/hash: 10 files {2}1000 B {2}4.88 KiB\/s {2}done in 0:00\n$/);
  });

  it('on a terminal, a stalled phase is drawn again each second, its rate falling and its ETA growing', () => {
    const clock = new FakeClock();
    const tracker = new ProgressTracker({ clock });
    const out = stream(true);
    const renderer = renderProgress(tracker, { stream: out, clock });
    const phase = tracker.phase('full', { bytes: 4000, items: 2 });
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      phase.add({ bytes: 100 });
    }
    const lines = () => out.chunks.join('').split('\r\x1b[2K');
    const before = lines().length;
    expect(lines().at(-1)).toBe(
      'full hash: [#####---------------]  25%  0/2 files  1000 B/3.91 KiB  1000 B/s  ETA 0:03',
    );
    clock.advance(3000);
    expect(lines().slice(before)).toEqual([
      'full hash: [#####---------------]  25%  0/2 files  1000 B/3.91 KiB  796 B/s  ETA 0:04',
      'full hash: [#####---------------]  25%  0/2 files  1000 B/3.91 KiB  634 B/s  ETA 0:05',
      'full hash: [#####---------------]  25%  0/2 files  1000 B/3.91 KiB  505 B/s  ETA 0:06',
    ]);
    expect(clock.pendingTimers()).toBe(1);
    phase.end();
    renderer.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('prints plain lines, without control characters, when stderr is not a terminal', () => {
    const clock = new FakeClock();
    const tracker = new ProgressTracker({ clock, sampleMs: 0 });
    const out = stream(false);
    const renderer = renderProgress(tracker, { stream: out, clock });
    const walk = tracker.phase('walk');
    clock.advance(500);
    walk.add({ items: 1000, folders: 10 });
    clock.advance(1000);
    walk.add({ items: 2000, folders: 20 });
    const hash = tracker.phase('full', { bytes: 2048 });
    hash.add({ bytes: 1024 });
    clock.advance(12_000);
    hash.add({ bytes: 512 });
    clock.advance(10_000);
    renderer.stop();
    const text = out.chunks.join('');
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\r');
    expect(text.split('\n').filter(Boolean)).toEqual([
      // At 1 s: the first line, its rate measured over that second.
      'walk: 1,000 files in 10 folders  1,000 files/s',
      'walk: 3,000 files in 30 folders  2,000 files/s  done in 0:02',
      // Ten seconds after the line before; then ten more, each rate measured over its own ten seconds.
      'full hash: [##########----------]  50%  0 files  1.00/2.00 KiB  108 B/s  ETA 0:10',
      'full hash: [###############-----]  75%  0 files  1.50/2.00 KiB  51 B/s  ETA 0:10',
    ]);
  });
});

describe('describePhase', () => {
  const full = {
    name: 'full',
    state: 'running' as const,
    items: 1204,
    bytes: 2.1 * 2 ** 30,
    folders: 0,
    itemsTotal: 3000,
    bytesTotal: 6.8 * 2 ** 30,
    elapsedMs: 5000,
    itemsPerSecond: 240,
    bytesPerSecond: 412 * 2 ** 20,
    fraction: 2.1 / 6.8,
    etaMs: 7000,
  };

  it('fits the terminal: the bar shrinks, then gives way to the words, which are cut last', () => {
    expect(describePhase(full)).toBe(
      'full hash: [######--------------]  30%  1,204/3,000 files  2.10/6.80 GiB  412 MiB/s  ETA 0:07',
    );
    expect(describePhase(full, 85)).toBe(
      'full hash: [####--------]  30%  1,204/3,000 files  2.10/6.80 GiB  412 MiB/s  ETA 0:07',
    );
    expect(describePhase(full, 79)).toBe(
      'full hash:  30%  1,204/3,000 files  2.10/6.80 GiB  412 MiB/s  ETA 0:07',
    );
    expect(describePhase(full, 40)).toBe('full hash:  30%  1,204/3,000 files  2.10');
  });
});

describe('onOwnLines', () => {
  /** stdout and stderr on one pretend terminal; `stdoutIsTTY: false` sends stdout elsewhere (a file). */
  function terminal(stdoutIsTTY: boolean) {
    let shown = '';
    let file = '';
    const show = (chunk: string | Buffer): void => {
      shown += chunk.toString();
    };
    const ctx = onOwnLines({
      stdout: {
        isTTY: stdoutIsTTY,
        write: stdoutIsTTY ? show : (chunk) => void (file += chunk.toString()),
      },
      stderr: { isTTY: true, columns: 80, write: show },
      env: {},
      cwd: '/',
      clock: new FakeClock(),
      signal: new AbortController().signal,
    });
    return { ctx, shown: () => shown, file: () => file };
  }

  it('clears the live progress line before a message or a result, so each starts on a line of its own', () => {
    const t = terminal(true);
    t.ctx.stderr.write('full hash: [##------------------]  10%');
    t.ctx.stderr.write('nodupe: still stopping 900 ms after SIGTERM; ending now\n');
    t.ctx.stderr.write('\r\x1b[2Kfull hash: [####----------------]  20%');
    t.ctx.stdout.write('would quarantine /t/b (keeper /t/a)\n');
    t.ctx.stderr.write('\r\x1b[2Kfull hash: [######--------------]  30%');
    expect(t.shown()).toBe(
      'full hash: [##------------------]  10%\r\x1b[2Knodupe: still stopping 900 ms after SIGTERM; ending now\n' +
        '\r\x1b[2Kfull hash: [####----------------]  20%\r\x1b[2Kwould quarantine /t/b (keeper /t/a)\n' +
        '\r\x1b[2Kfull hash: [######--------------]  30%',
    );
  });

  it('leaves whole lines, and results written to a file, as they are', () => {
    const t = terminal(false);
    t.ctx.stderr.write('walk: 3 files in 1 folder  done in 0:00\n');
    t.ctx.stderr.write('nodupe: a warning\n');
    t.ctx.stderr.write('full hash: [##------------------]  10%');
    t.ctx.stdout.write('scanned 3 files\n');
    expect(t.shown()).toBe(
      'walk: 3 files in 1 folder  done in 0:00\nnodupe: a warning\nfull hash: [##------------------]  10%',
    );
    expect(t.file()).toBe('scanned 3 files\n');
  });

  it('without a terminal, gives the context back as it is', () => {
    const ctx = {
      stdout: { write: () => undefined },
      stderr: { isTTY: false, write: () => undefined },
      env: {},
      cwd: '/',
      clock: new FakeClock(),
      signal: new AbortController().signal,
    };
    expect(onOwnLines(ctx)).toBe(ctx);
  });
});
