import type { FileOps } from '../../src/fs/file-ops.js';

export interface Injection {
  /** The call to fail. */
  call: keyof FileOps;
  /** Fail the n-th such call (from 1); every one when absent. */
  nth?: number;
  /** Fail only calls whose first argument's text includes this (a path; for the calls on an fd, the fd). */
  pathIncludes?: string;
  code: string;
}

/**
 * File operations that fail on cue with an errno code, as a full disk or a permission change would. The errors
 * look like Node's: a `code`, a `syscall`, and a message such as "ENOSPC: injected failure, write". (Races:
 * `adversary()` in adversary.ts.)
 */
export function injecting(ops: FileOps, injections: Injection[]): FileOps {
  const counts = new Map<Injection, number>();
  const wrapped = { ...ops } as Record<string, (...args: unknown[]) => unknown>;
  for (const name of Object.keys(ops) as (keyof FileOps)[]) {
    const original = (ops as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    wrapped[name] = (...args: unknown[]) => {
      for (const inj of injections) {
        if (inj.call !== name) continue;
        if (inj.pathIncludes !== undefined && !String(args[0]).includes(inj.pathIncludes)) continue;
        const n = (counts.get(inj) ?? 0) + 1;
        counts.set(inj, n);
        if (inj.nth === undefined || inj.nth === n) {
          throw Object.assign(new Error(`${inj.code}: injected failure, ${name}`), {
            code: inj.code,
            syscall: name,
          });
        }
      }
      return original(...args);
    };
  }
  return wrapped as unknown as FileOps;
}
