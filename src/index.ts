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

export { scan, type ScanOptions } from './scan/scan.js';
export type { ScanReport, DuplicateGroup, PhysicalFile } from './model/groups.js';
export type { FsPath } from './model/paths.js';
export { SqliteCatalog } from './catalog/sqlite/sqlite-store.js';
export type { CatalogStore, CatalogFile, StoredHashes } from './catalog/store.js';
export { HASH_ALGORITHMS, type HashAlgorithm } from './hash/algorithms.js';
export { dupesFromCatalog } from './dupes/from-catalog.js';
export { reportFromScan, type DupesReport, type DupesSummary } from './dupes/report.js';
export { FORMATS, type DupesFormat, type Output } from './dupes/formats/index.js';

export { parseRule, DEFAULT_POLICY, type KeepRule, type Policy } from './plan/policy.js';
export { buildPlan, type PlanMeta } from './plan/build.js';
export { planToJson, readPlan } from './plan/plan-json.js';
export { planToCsv } from './plan/plan-csv.js';
export {
  ACTION_OPS,
  summarizePlan,
  type ActionOp,
  type Plan,
  type PlanGroup,
  type PlannedAction,
  type PlannedKeeper,
} from './plan/plan.js';
export { applyPlan, resumeApply, type ApplyOptions, type ApplyReport, type Step } from './apply/apply.js';
export { undoRun, runToUndo, type UndoOptions, type UndoReport } from './apply/undo.js';
export { purgeQuarantine, type PurgeReport } from './apply/purge.js';
export { nodeFileOps, type FileOps } from './fs/file-ops.js';
export type { Journal, JournalEntry, RunRecord } from './apply/journal.js';
export {
  verify,
  VERIFY_MODES,
  type VerifyMode,
  type VerifyReport,
  type VerifyError,
} from './verify/verify.js';
export {
  createSnapshot,
  listSnapshots,
  restoreSnapshot,
  deleteSnapshot,
  defaultSnapshotDir,
} from './snapshot/snapshot-store.js';

export {
  PluginHost,
  type PluginRecord,
  type PluginState,
  type HostEvent,
  type Candidate,
} from './plugins/host.js';
export { HotReloader, type ReloaderEvent } from './plugins/hot-reload.js';
export { builtinCandidates } from './plugins/builtins.js';
export { discoverPlugins } from './plugins/discovery.js';
export {
  definePlugin,
  PLUGIN_API_VERSION,
  type PluginDefinition,
  type PluginContext,
} from './plugins/api.js';
