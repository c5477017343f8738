// The library API: the CLI and, later, the server are thin layers over these.
export { systemClock, type Clock, type Timer } from './core/clock.js';
export { FakeClock } from './core/fake-clock.js';
export { AbortError, NodupeError, type ErrorCode } from './core/errors.js';
export {
  RateLimiter,
  type RateLimiterOptions,
  type RateLimiterStats,
  type AcquireOptions,
} from './core/rate-limiter.js';
export { BoundedQueue, QueueClosedError, type BoundedQueueOptions } from './core/bounded-queue.js';
export {
  WorkerPool,
  PoolClosedError,
  type WorkerPoolOptions,
  type SubmitOptions,
  type Submitted,
} from './core/worker-pool.js';
export {
  ProgressTracker,
  type Phase,
  type PhaseSnapshot,
  type ProgressSnapshot,
  type ProgressTrackerOptions,
} from './core/progress.js';
export { Profiler, startCpuProfile, type SpanTiming } from './core/profiler.js';
