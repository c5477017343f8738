import type { CatalogRows } from '../store.js';

/** What the scan writer's thread is given when it starts. */
export interface WriterSetup {
  location: string;
  scanId: number;
}

/** Messages to the thread, handled one at a time in the order sent. */
export type ToWriter =
  | { kind: 'write'; rows: CatalogRows; at: number }
  | { kind: 'seen'; files: number }
  | { kind: 'flush'; id: number }
  | { kind: 'close' };

/** An error as it crosses threads: its message and SQLite's code (a structured clone would drop the code). */
export interface WriterFailure {
  message: string;
  code: string | undefined;
}

/** The thread's answer to a flush (or close): everything before it is committed, or the first failure. */
export interface Flushed {
  id: number;
  failure: WriterFailure | undefined;
}

export function failureOf(error: unknown): WriterFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    code?: unknown;
  };
  return {
    message: typeof e.message === 'string' ? e.message : String(error),
    code: typeof e.code === 'string' ? e.code : undefined,
  };
}
