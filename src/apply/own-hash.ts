import { isAbortError } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { describeErrno, type FileOps } from '../fs/file-ops.js';
import type { HashState } from '../hash/hashers.js';
import { describeChange, identityChange, type Expectation, type FileIdentity } from '../model/identity.js';

const CHUNK = 512 * 1024;
let buffer: Buffer | undefined;

/**
 * Proves a near-duplicate is still the content planned: reads the open file `fd` whole, now, throttled by the read
 * budget, and hashes it with `state` (the plan's algorithm); it must be exactly `expect.size` bytes and hash to
 * `expect.hash` (its own, never its keeper's), and must not have changed since it was opened and checked
 * (`checked`: device, inode, size, mtime and ctime, looked at through the descriptor after the read). Resolves to undefined when it is, else to the reason. An abort is no verdict:
 * it is thrown.
 */
export async function checkOwnHash(
  ops: FileOps,
  fd: number,
  checked: FileIdentity,
  expect: Pick<Expectation, 'size' | 'hash'>,
  options: { state: HashState; limiter?: RateLimiter | undefined; signal?: AbortSignal | undefined },
): Promise<string | undefined> {
  const buf = (buffer ??= Buffer.allocUnsafe(CHUNK));
  const { state } = options;
  try {
    state.reset();
    for (let pos = 0; pos < expect.size; pos += CHUNK) {
      const length = Math.min(CHUNK, expect.size - pos);
      if (options.limiter)
        await options.limiter.acquire(length, options.signal ? { signal: options.signal } : {});
      if (ops.read(fd, buf, length, pos) !== length) return 'the file shrank while its content was checked';
      state.update(buf.subarray(0, length));
    }
    if (ops.read(fd, buf, 1, expect.size) !== 0) return 'the file grew while its content was checked';
    const now = ops.fstat(fd);
    const change = identityChange(now, checked);
    if (change !== undefined)
      return `the file ${describeChange(change, checked, now)} while its content was checked`;
    if (state.digest() !== expect.hash) {
      return (
        'its content is not what the plan saw (its own content hash differs from the planned one): ' +
        'it changed since the plan, so it stays'
      );
    }
    return undefined;
  } catch (error) {
    if (isAbortError(error)) throw error;
    return `could not check its content: ${describeErrno(error)}`;
  }
}
