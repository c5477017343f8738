import { describe, expect, it } from 'vitest';
import { listWindow, scrollToRow } from './window.js';

describe('listWindow', () => {
  it('draws only the rows in view, plus the overscan', () => {
    const w = listWindow({ rows: 10_000, rowHeight: 50, scrollTop: 5_000, viewportHeight: 500, overscan: 5 });
    expect(w).toEqual({ start: 95, end: 115, height: 500_000, nearEnd: false });
  });

  it('stops at the ends of the list', () => {
    expect(listWindow({ rows: 3, rowHeight: 50, scrollTop: 0, viewportHeight: 800 })).toMatchObject({
      start: 0,
      end: 3,
      nearEnd: true,
    });
  });

  it('asks for more rows when the view comes near the end of what is loaded', () => {
    const far = listWindow({ rows: 100, rowHeight: 50, scrollTop: 0, viewportHeight: 500, loadAhead: 20 });
    const near = listWindow({
      rows: 100,
      rowHeight: 50,
      scrollTop: 3_600,
      viewportHeight: 500,
      loadAhead: 20,
    });
    expect([far.nearEnd, near.nearEnd]).toEqual([false, true]);
  });

  it('draws nothing for an empty list', () => {
    expect(listWindow({ rows: 0, rowHeight: 50, scrollTop: 0, viewportHeight: 500 })).toMatchObject({
      start: 0,
      end: 0,
      height: 0,
    });
  });
});

describe('scrollToRow', () => {
  it('leaves the scroll alone when the row is visible', () => {
    expect(scrollToRow(3, 50, 100, 500)).toBe(100);
  });

  it('scrolls up to a row above the view and down to one below it', () => {
    expect(scrollToRow(1, 50, 100, 500)).toBe(50);
    expect(scrollToRow(20, 50, 100, 500)).toBe(550);
  });
});
