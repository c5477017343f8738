import type { FileOps } from '../../src/fs/file-ops.js';

export type CallName = keyof FileOps;

/**
 * `base` with every call passed through `around`, which gets the call's name and arguments and `call`, which
 * makes the call itself: the one wrapper fault injection, races and crashes are built on. New FileOps methods
 * are wrapped as they come.
 */
export function wrapOps(
  base: FileOps,
  around: (name: CallName, args: unknown[], call: () => unknown) => unknown,
): FileOps {
  const wrapped = {} as Record<string, (...args: unknown[]) => unknown>;
  for (const name of Object.keys(base) as CallName[]) {
    const original = (base as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    wrapped[name] = (...args: unknown[]) => around(name, args, () => original(...args));
  }
  return wrapped as unknown as FileOps;
}

export interface Injection {
  /** The call to fail. */
  call: CallName;
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
  return wrapOps(ops, (name, args, call) => {
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
    return call();
  });
}
