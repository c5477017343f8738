import type { ProgressSnapshot } from '../core/progress.js';
import type { ErrorData } from '../serve/protocol.js';

/** What a scan job's thread is given: the scan's options that can cross to a thread. */
export interface ScanSetup {
  /** The catalog's file, or its PostgreSQL URL. */
  catalogPath: string;
  /** The service's environment: which machine this is, for a shared catalog. */
  env: Record<string, string | undefined>;
  roots: string[];
  algorithm: string;
  hasherModule?: string;
  hasherPlugin?: string;
  hasherTimeLimitMs?: number;
  skipFolders: string[];
  skipFiles: string[];
  maxReadRate?: number;
  threads?: number;
}

/** The summary a finished scan sends back (the job's result). */
export interface ScanSummary {
  scanId: number;
  roots: string[];
  files: number;
  paths: number;
  dirs: number;
  totalBytes: number;
  bytesRead: number;
  reused: number;
  gone: number;
  groups: number;
  problems: number;
  changed: number;
}

/** To the thread: stop (the scan ends at its next check of the signal). */
export type ToScan = { kind: 'cancel' };

/** From the thread: progress snapshots, then one of done, failed or cancelled. */
export type FromScan =
  | { kind: 'progress'; progress: ProgressSnapshot }
  | { kind: 'done'; summary: ScanSummary }
  | { kind: 'failed'; error: ErrorData }
  | { kind: 'cancelled' };
