import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import type { ServerEvent } from './protocol.js';
import { EventLog, parseEventId } from './events.js';

const changed = (generation: number) => ({ type: 'catalog.changed', generation }) as const;

describe('EventLog', () => {
  it('numbers events from 1 and stamps them with the wall clock', () => {
    const clock = new FakeClock({ wallNow: Date.UTC(2026, 5, 1) });
    const log = new EventLog(clock);
    expect(log.append(changed(1))).toEqual({ ...changed(1), id: 1, at: '2026-06-01T00:00:00.000Z' });
    clock.advance(1500);
    expect(log.append(changed(2))).toEqual({ ...changed(2), id: 2, at: '2026-06-01T00:00:01.500Z' });
    expect(log.lastId).toBe(2);
  });

  it('replays the kept events after an id, then follows; only the last ones are kept', () => {
    const log = new EventLog(new FakeClock(), 3);
    for (let g = 1; g <= 5; g++) log.append(changed(g));
    const seen: number[] = [];
    const stop = log.subscribe(0, (e: ServerEvent) => seen.push(e.id));
    expect(seen).toEqual([3, 4, 5]);
    log.append(changed(6));
    expect(seen).toEqual([3, 4, 5, 6]);
    stop();
    log.append(changed(7));
    expect(seen).toEqual([3, 4, 5, 6]);
    const after4: number[] = [];
    log.subscribe(4, (e) => after4.push(e.id));
    expect(after4).toEqual([5, 6, 7]);
  });

  it('without an id, only new events; a listener that throws does not stop the others', () => {
    const clock = new FakeClock();
    const log = new EventLog(clock);
    log.append(changed(1));
    const seen: number[] = [];
    log.subscribe(undefined, () => {
      throw new Error('gone');
    });
    log.subscribe(undefined, (e) => seen.push(e.id));
    log.append(changed(2));
    expect(seen).toEqual([2]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reads the ids clients send', () => {
    expect(parseEventId('12')).toBe(12);
    expect(parseEventId(' 3 ')).toBe(3);
    for (const bad of [undefined, null, '', '-1', '1.5', 'x', '1e3'])
      expect(parseEventId(bad)).toBeUndefined();
  });
});
