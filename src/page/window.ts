/** Which rows of a virtual list to draw: the visible ones plus an overscan each side, and when to load more. */
export interface ListWindow {
  /** First row drawn (inclusive) and the row after the last one drawn. */
  start: number;
  end: number;
  /** The full height of all loaded rows: the scroller's spacer. */
  height: number;
  /** The view is within `loadAhead` rows of the end of what is loaded. */
  nearEnd: boolean;
}

export interface WindowInput {
  rows: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  overscan?: number;
  loadAhead?: number;
}

export function listWindow(input: WindowInput): ListWindow {
  const { rows, rowHeight, scrollTop, viewportHeight, overscan = 6, loadAhead = 20 } = input;
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + viewportHeight) / rowHeight);
  return {
    start: Math.min(rows, Math.max(0, first - overscan)),
    end: Math.min(rows, last + overscan),
    height: rows * rowHeight,
    nearEnd: last + loadAhead >= rows,
  };
}

/** The scrollTop that brings row `index` fully into view, moving as little as possible (unchanged when visible). */
export function scrollToRow(
  index: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}
