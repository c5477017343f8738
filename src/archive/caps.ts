import { checkNumber } from '../core/errors.js';
import { DEFAULT_ARCHIVE_CAPS, type ArchiveCaps, type ArchiveProblemCode } from './listing.js';

/** Inflated bytes allowed before the ratio cap applies (small archives of very compressible files are fine). */
export const RATIO_GRACE_BYTES = 1024 ** 2;

/** A cap passed, or damage found: reading stops, and this becomes the listing's problem. */
export class ArchiveStop extends Error {
  constructor(
    readonly code: ArchiveProblemCode,
    message: string,
  ) {
    super(message);
  }
}

/** The caps with defaults filled in, each checked ("expected … received …"). */
export function checkCaps(caps: Partial<ArchiveCaps> | undefined): ArchiveCaps {
  const all = { ...DEFAULT_ARCHIVE_CAPS, ...caps };
  for (const key of Object.keys(DEFAULT_ARCHIVE_CAPS) as (keyof ArchiveCaps)[]) {
    checkNumber(`archive caps ${key}`, all[key], { above: 0 });
  }
  return all;
}

/**
 * Counts what one archive makes nodupe inflate, by the bytes that really come out (never by what headers
 * declare), and stops the read when a cap is passed.
 */
export class Inflation {
  total = 0;
  entries = 0;

  constructor(readonly caps: ArchiveCaps) {}

  /** One more entry of any kind. */
  entry(): void {
    if (++this.entries > this.caps.maxEntries) {
      throw new ArchiveStop('too-many-entries', `more than ${this.caps.maxEntries} entries`);
    }
  }

  /** `bytes` more came out of a decompressor, for `compressed` stored bytes read so far. */
  inflated(bytes: number, compressed: number): void {
    this.total += bytes;
    if (this.total > this.caps.maxTotalBytes) {
      throw new ArchiveStop('too-large', `inflates to more than ${this.caps.maxTotalBytes} bytes`);
    }
    if (overRatio(this.total, compressed, this.caps.maxRatio)) {
      throw new ArchiveStop(
        'ratio-too-high',
        `inflates more than ${this.caps.maxRatio} times its stored size`,
      );
    }
  }
}

/** Whether `inflated` bytes from `stored` ones exceed the ratio cap (past the first MiB). */
export function overRatio(inflated: number, stored: number, maxRatio: number): boolean {
  return inflated > RATIO_GRACE_BYTES && inflated > Math.max(stored, 1) * maxRatio;
}
