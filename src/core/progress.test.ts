import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { ProgressTracker } from './progress.js';

describe('ProgressTracker', () => {
  it('estimates within 5 % once 10 % is done on a constant-rate feed', () => {
    const clock = new FakeClock();
    const tracker = new ProgressTracker({ clock });
    const total = 1_000_000_000;
    const phase = tracker.phase('hash', { bytes: total, items: 1000 });
    const step = 1_000_000; // 1 MB every 10 ms: 100 MB/s, 10 s in all
    let checked = 0;
    for (let done = step; done <= total; done += step) {
      clock.advance(10);
      phase.add({ bytes: step, items: 1 });
      const snap = tracker.snapshot().current!;
      if (snap.fraction! >= 0.1 && snap.fraction! < 1) {
        const trueRemaining = ((total - done) / 100e6) * 1000;
        expect(snap.etaMs).toBeDefined();
        expect(Math.abs(snap.etaMs! - trueRemaining)).toBeLessThanOrEqual(0.05 * trueRemaining + 1e-6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(800);
  });

  it('estimates within 5 % once 10 % is done when the feed arrives in uneven bursts', () => {
    const clock = new FakeClock();
    const tracker = new ProgressTracker({ clock });
    const phase = tracker.phase('walk', { items: 100_000 });
    // 1,000 items per second on average, delivered as 3 quick updates then a pause.
    let done = 0;
    for (let tick = 0; done < 100_000; tick++) {
      clock.advance(tick % 4 === 3 ? 97 : 1);
      phase.add({ items: 25 });
      done += 25;
      const snap = tracker.snapshot().current!;
      if (done >= 10_000 && done < 100_000 && tick % 4 === 3) {
        const trueRemaining = ((100_000 - done) / 1000) * 1000;
        expect(Math.abs(snap.etaMs! - trueRemaining)).toBeLessThanOrEqual(0.05 * trueRemaining);
      }
    }
  });

  it('reports phases, items, bytes, rates and elapsed time in its snapshot', () => {
    const clock = new FakeClock();
    const tracker = new ProgressTracker({ clock, sampleMs: 0 });
    const walk = tracker.phase('walk');
    clock.advance(1000);
    walk.add({ items: 500 });
    expect(tracker.snapshot().current).toMatchObject({
      name: 'walk',
      state: 'running',
      items: 500,
      itemsPerSecond: 500,
      fraction: undefined,
      etaMs: undefined,
    });
    const hash = tracker.phase('hash', { bytes: 4000 });
    clock.advance(2000);
    hash.add({ bytes: 1000, items: 1 });
    const snap = tracker.snapshot();
    expect(snap.phases.map((p) => [p.name, p.state])).toEqual([
      ['walk', 'done'],
      ['hash', 'running'],
    ]);
    expect(snap.phases[0]).toMatchObject({ elapsedMs: 1000, itemsPerSecond: 500, etaMs: 0, fraction: 1 });
    expect(snap.current).toMatchObject({ bytes: 1000, bytesPerSecond: 500, fraction: 0.25, etaMs: 6000 });
    hash.end();
    expect(tracker.snapshot().current).toBeUndefined();
    expect(tracker.snapshot().elapsedMs).toBe(3000);
  });

  it('tells subscribers of every change until they unsubscribe', () => {
    const tracker = new ProgressTracker({ clock: new FakeClock() });
    let calls = 0;
    const unsubscribe = tracker.subscribe(() => calls++);
    const phase = tracker.phase('walk');
    phase.add({ items: 1 });
    unsubscribe();
    phase.add({ items: 1 });
    expect(calls).toBe(2);
  });

  it('validates its options and totals', () => {
    expect(() => new ProgressTracker({ halfLifeMs: 0 })).toThrow(
      new RangeError('ProgressTracker halfLifeMs: expected a finite number > 0, received 0'),
    );
    const tracker = new ProgressTracker({ clock: new FakeClock() });
    expect(() => tracker.phase('x', { bytes: -1 })).toThrow(RangeError);
  });
});
