import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { RateLimiter } from '../core/rate-limiter.js';

/**
 * A worker's reads throttled by the main thread's rate limiter: the task carries `port` (transferred), the
 * worker asks through it with `portBudget`, and the grant comes back once the limiter has the bytes. `close` ends
 * the channel (when the task has settled).
 */
export function throttleChannel(
  limiter: RateLimiter,
  signal: AbortSignal | undefined,
): { port: MessagePort; close: () => void } {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (bytes: number) => {
    acquireBytes(limiter, bytes, signal).then(
      () => port1.postMessage(0),
      () => port1.close(),
    );
  });
  return { port: port2, close: () => port1.close() };
}

/** In a worker: asks the main thread's rate limiter for `bytes` through the task's port and waits for the grant. */
export function portBudget(port: MessagePort): (bytes: number) => Promise<void> {
  return (bytes) =>
    new Promise<void>((resolve) => {
      port.once('message', () => resolve());
      port.postMessage(bytes);
    });
}

/** Takes `bytes` tokens, in pieces no larger than the bucket, so any read size can be throttled. */
export async function acquireBytes(limiter: RateLimiter, bytes: number, signal?: AbortSignal): Promise<void> {
  for (let left = bytes; left > 0; left -= limiter.burst) {
    await limiter.acquire(Math.min(left, limiter.burst), signal ? { signal } : {});
  }
}
