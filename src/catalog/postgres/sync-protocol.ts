// What passes between a SyncPostgres and its worker thread (sync-worker.ts).
import type { MessagePort } from 'node:worker_threads';

/** What the worker is given when it starts. */
export interface SyncSetup {
  url: string;
  timeoutMs: number;
  /** A counter the worker bumps after each answer to a synchronous call (the caller waits on it). */
  signal: Int32Array;
  /** Where the answers to synchronous calls go. */
  syncPort: MessagePort;
  /** Where the answers to asynchronous calls go, in the order asked. */
  asyncPort: MessagePort;
}

/** A request: a parameterised query, statements in the simple protocol, or COPY FROM STDIN with its bytes. */
export type SyncRequest =
  | { kind: 'query'; id: number; sync: boolean; sql: string; params: unknown[] }
  | { kind: 'exec'; id: number; sync: boolean; sql: string }
  | { kind: 'copy'; id: number; sync: boolean; sql: string; data: Uint8Array }
  | { kind: 'end'; id: number; sync: true };

/** The server's error, as it can cross a port. */
export interface ErrorShape {
  message: string;
  code: string | undefined;
  detail: string | undefined;
}

export type SyncAnswer =
  | { id: number; ok: true; rows: Record<string, unknown>[] | undefined; count: number | undefined }
  | { id: number; ok: false; error: ErrorShape };
