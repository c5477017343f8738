import { AbortError } from '../../src/core/errors.js';
import { nodeFileOps, type FileOps } from '../../src/fs/file-ops.js';
import { wrapOps, type CallName } from './ops.js';

/** One file-ops call as an adversary sees it: its name, its arguments, and how many calls came before. */
export interface Call {
  name: CallName;
  args: unknown[];
  /** Calls made before this one (all names). */
  index: number;
  /** Reads made before this one: more than 0 once a compare has begun. */
  reads: number;
}

/**
 * File operations with an adversary: before each call, `act` may change the world (with the real file system,
 * not through these ops). `act` returns true once it has acted; it is not asked again after that.
 */
export function adversary(act: (call: Call) => boolean, base: FileOps = nodeFileOps): FileOps {
  let index = 0;
  let reads = 0;
  let done = false;
  return wrapOps(base, (name, args, call) => {
    if (!done) done = act({ name, args, index, reads });
    index++;
    if (name === 'read') reads++;
    return call();
  });
}

/** The first call named `name` whose first argument is `path`. */
export function at(name: CallName, path: string) {
  return (call: Call) => call.name === name && String(call.args[0]) === path;
}

/**
 * The first call once the bytes have been compared: the first after a read that is no read itself. Whatever
 * comes next in apply (a last look, a rename, an unlink), the world has changed by then.
 */
export function afterCompare(call: Call): boolean {
  return call.reads > 0 && call.name !== 'read';
}

/** Thrown by {@link crashing} ops: an abort, so that it passes through apply as a kill would. */
export class SimulatedCrash extends AbortError {
  constructor() {
    super('simulated crash');
  }
}

/**
 * File operations that "die" at call `n` (from 1): that call and every later one throws a SimulatedCrash and
 * does nothing, so the clean-up code that would run in a live process leaves the disk as a kill would.
 * `calls()` tells how many calls were made before (to size a sweep over every call).
 */
export function crashing(
  n: number,
  base: FileOps = nodeFileOps,
): FileOps & { calls(): number; closeLeft(): void } {
  let count = 0;
  // Descriptors a dead process would have lost: closed by `closeLeft`, as the kernel would.
  const open = new Set<number>();
  const ops = wrapOps(base, (name, args, call) => {
    if (++count >= n) throw new SimulatedCrash();
    const result = call();
    if (name === 'openRead' || name === 'open') open.add(result as number);
    if (name === 'close') open.delete(args[0] as number);
    return result;
  });
  return Object.assign(ops, {
    calls: () => count,
    closeLeft: () => {
      for (const fd of open) base.close(fd);
      open.clear();
    },
  });
}
