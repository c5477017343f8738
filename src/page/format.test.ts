import { describe, expect, it } from 'vitest';
import { formatJob, formatProgress, parseSize } from './format.js';

describe('parseSize', () => {
  it('reads plain bytes and units the way people type them', () => {
    expect(parseSize('1500')).toBe(1500);
    expect(parseSize('10 MiB')).toBe(10 * 1024 ** 2);
    expect(parseSize('2.5G')).toBe(Math.round(2.5 * 1024 ** 3));
    expect(parseSize('700kb')).toBe(700_000);
  });

  it('treats an empty box as no bound and anything else as not a size', () => {
    expect(parseSize('  ')).toBeUndefined();
    expect(parseSize('ten')).toBeNull();
    expect(parseSize('5 parsecs')).toBeNull();
  });
});

describe('formatJob', () => {
  const phase = {
    name: 'hash',
    state: 'running' as const,
    items: 1204,
    bytes: 3 * 1024 ** 2,
    folders: 0,
    itemsTotal: undefined,
    bytesTotal: undefined,
    elapsedMs: 1000,
    itemsPerSecond: undefined,
    bytesPerSecond: undefined,
    fraction: 0.375,
    etaMs: undefined,
  };

  it('shows the running phase, its counts and share done', () => {
    expect(formatProgress({ current: phase, phases: [phase], elapsedMs: 1000 })).toBe(
      'hash · 1,204 files · 3.00 MiB · 37%',
    );
  });

  it("shows an apply's files done of all, and its bytes as the bytes compared (each file and its keeper)", () => {
    const apply = {
      ...phase,
      name: 'apply',
      items: 1,
      itemsTotal: 12,
      bytes: 2 * 1024 ** 2,
      fraction: 0.083,
    };
    expect(formatProgress({ current: apply, phases: [apply], elapsedMs: 1000 })).toBe(
      'apply · 1 of 12 files · compared 2.00 MiB · 8%',
    );
  });

  it('shows a failed job with its message', () => {
    const job = {
      id: 'j1',
      kind: 'scan' as const,
      state: 'failed' as const,
      startedAt: '2024-01-01T00:00:00Z',
      title: 'scan /photos',
      error: { code: 'BAD_INPUT', message: 'no such folder' },
    };
    expect(formatJob(job)).toBe('scan /photos: failed · no such folder');
  });
});
