// Worker module for the worker-pool benchmark: hashes `size` bytes of a buffer the worker made once, so the
// figure is the pool's cost around real hashing work, not the cost of copying data between threads.
import { createHash } from 'node:crypto';

const data = Buffer.alloc(8 * 1024 * 1024);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;

export default function hash({ size, seed }) {
  return createHash('sha256')
    .update(data.subarray(seed % 1024, (seed % 1024) + size))
    .digest('hex');
}

export function square(n) {
  return n * n;
}
