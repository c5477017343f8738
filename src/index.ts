// The library's public entry: the command line (src/cli/, held to this file by a lint rule) and the server are
// thin faces over these. Bundlers keep only what a face uses: the modules here have no side effects on import.

// Core: clocks, errors, waiting lines, workers, progress, formatting.
export { systemClock, type Clock, type Timer } from './core/clock.js';
export { FakeClock } from './core/fake-clock.js';
export {
  AbortError,
  NodupeError,
  isAbortError,
  type ErrorCode,
  type NodupeErrorOptions,
} from './core/errors.js';
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
export { throttle } from './core/throttle.js';
export { byteRateLimiter } from './core/byte-rate.js';
/** The words and numbers every face prints: "3 files", "1.2 MiB", "4.5 s". */
export { count, formatBytes, formatCount, formatDuration, shellWord } from './core/format.js';
export { printableName } from './core/printable.js';
/** nodupe's XDG folders: data (catalog, quarantine, snapshots), config, cache. */
export { dataDir, configDir, cacheDir } from './core/xdg.js';

// Paths and files written whole.
export { displayPath, jsonPath } from './model/paths.js';
export { outputProblem, writeOutput, type OutputRules, type OwnPlaces } from './fs/output-file.js';

// Scan: the walk, the hashing, the catalog.
export { scan, type ScanOptions } from './scan/scan.js';
export { describeProblem } from './scan/walk.js';
export { describeArchives, type ArchiveReader } from './scan/archives.js';
export { describeWalkReader } from './scan/native-reader.js';
export type { ScanReport, DuplicateGroup, PhysicalFile } from './model/groups.js';
export { memberPath, type ArchiveMemberRef, type ArchiveScanStats } from './model/groups.js';
export type { FsPath } from './model/paths.js';
export { SqliteCatalog } from './catalog/sqlite/sqlite-store.js';
export { PostgresCatalog } from './catalog/postgres/postgres-store.js';
export {
  isPostgresLocation,
  openCatalog,
  redactedUrl,
  shownLocation,
  type OpenCatalogOptions,
} from './catalog/open-catalog.js';
export { catalogPlaceProblem } from './catalog/sqlite/catalog-file.js';
export { catalogTrust } from './apply/catalog-trust.js';
export type { CatalogStore, CatalogFile, StoredHashes } from './catalog/store.js';
export { HASH_ALGORITHMS, type HashAlgorithm } from './hash/algorithms.js';

// Watch: the catalog kept current with folder trees, new duplicates reported as they appear.
export { watchCatalog, type CatalogWatch, type CatalogWatchOptions } from './watch/catalog-watch.js';
export type { WatchReport } from './watch/reports.js';

// Reports: the groups, from a scan or from the catalog, and their formats.
export { dupesFromCatalog } from './dupes/from-catalog.js';
export { withArchiveMembers, type EntryKinds } from './dupes/archive-groups.js';
export { hashToAskFor } from './dupes/hash-to-ask-for.js';
export { describeUnfinished, type UnfinishedScan } from './dupes/unfinished.js';
export { reportFromScan, type DupesReport, type DupesSummary } from './dupes/report.js';
export { FORMATS, type DupesFormat, type Output } from './dupes/formats/index.js';
export { buffered, writeBuffered } from './dupes/formats/buffered.js';
// File types: detected from a file's first bytes when the scan reads them; `--type` filters, extension mismatches.
export { detectType } from './types/detect.js';
export { parseTypeFilter, typeMatches, type TypeFilter } from './types/filter.js';
export { extensionMismatch } from './types/extensions.js';
export { groupsOfTypes, groupType } from './types/groups.js';
export { reportOfTypes } from './types/report-filter.js';
export { whereElse, type WhereAnswer, type WhereOptions } from './where/where.js';
export { COPY_FORMATS, renderCopyGroups, renderWhere, type CopyFormat } from './where/copies-report.js';
export type { Content, ContentCopy, CopyLookup } from './catalog/copies.js';
export { ownFolders, quarantineFolders } from './catalog/own-folders.js';
export { machineIdentity, localVolumes, type MachineIdentity, type VolumeMap } from './catalog/identity.js';
export { textStyle, type GroupOptions } from './dupes/formats/text.js';
export { fdupesStyle, fdupesSummaryFormat, type FdupesOptions } from './dupes/formats/fdupes.js';

// Plans: keeper rules, the plan document.
export { parseRule, DEFAULT_POLICY, type KeepRule, type Policy } from './plan/policy.js';
export { builtinRuleLookup, unknownRule, type RuleLookup } from './plan/keepers.js';
export { unmatchedRules, unmatchedRuleWarning } from './plan/unmatched-rules.js';
export { buildPlan, type PlanMeta } from './plan/build.js';
export { planToJson, readPlan } from './plan/plan-json.js';
export { planToCsv } from './plan/plan-csv.js';
export {
  ACTION_OPS,
  isActionOp,
  summarizePlan,
  describePlanBytes,
  planWarnings,
  type ActionOp,
  type Plan,
  type PlanGroup,
  type PlannedAction,
  type PlannedKeeper,
} from './plan/plan.js';

// Apply, undo, purge: the journaled clean-up.
export { applyPlan, resumeApply, type ApplyOptions, type ApplyReport, type Step } from './apply/apply.js';
export { NoQuarantineError } from './apply/quarantine.js';
export { describeSpace, runSpace, upTo, type SpaceTotals } from './apply/space.js';
export { undoRun, runToUndo, anythingToUndo, type UndoOptions, type UndoReport } from './apply/undo.js';
export { isNearDuplicateRun, purgeQuarantine, type PurgeReport } from './apply/purge.js';
export { nodeFileOps, type FileOps } from './fs/file-ops.js';
export {
  restoreCommand,
  type Journal,
  type JournalEntry,
  type RunRecord,
  type RunSnapshot,
} from './apply/journal.js';

// Verify: the catalog and the journal against the disk.
export {
  verify,
  VERIFY_MODES,
  type VerifyMode,
  type VerifyReport,
  type VerifyError,
} from './verify/verify.js';
export { verifyReportDocument, verifyReportJson } from './verify/verify-json.js';

// Folder manifests: `nodupe manifest write|verify|compare` (schema nodupe.manifest/1).
export { MANIFEST_NAME, MANIFEST_SCHEMA, type Manifest, type ManifestEntry } from './manifest/manifest.js';
export { manifestText, readManifest } from './manifest/manifest-json.js';
export { readManifestFile } from './manifest/manifest-file.js';
export {
  makeManifest,
  verifyManifest,
  type ManifestScanOptions,
  type ManifestVerification,
} from './manifest/tree-manifest.js';
export { checkComparable, compareManifests, manifestGroups } from './manifest/compare-manifests.js';
export {
  forgetManifest,
  importManifest,
  labelOf,
  manifestsHashedOtherwise,
  SKIPPED_NOT_UTF8,
  type ManifestImport,
} from './manifest/import-manifest.js';
export {
  differenceCounts,
  MANIFEST_REPORT_FORMATS,
  renderComparison,
  renderVerification,
  type ManifestReportFormat,
} from './manifest/manifest-report.js';

// Results of other tools: `nodupe import` (fdupes, jdupes, rmlint, fclones, czkawka).
export {
  isPeerFormat,
  leaveOutOwn,
  PEER_FORMAT_NAMES,
  PEER_FORMATS,
  readPeerBytes,
  readPeerStream,
  readPeerOutput,
  recheck,
  regroup,
  type LeftOut,
  type PeerFormat,
  type SplitGroup,
} from './import/index.js';

// Snapshots: copies kept by content.
export {
  createSnapshot,
  listSnapshots,
  restoreSnapshot,
  deleteSnapshot,
  type SnapshotProblem,
} from './snapshot/snapshot-store.js';
// From its own module: apply names the default store without loading the store's code (see snapshotPlanDeletes).
export { defaultSnapshotDir } from './snapshot/layout.js';
export { snapshotPlanDeletes } from './snapshot/plan-deletes.js';

// Plugins: the host, its registry, what a name stands for.
export {
  PluginHost,
  describeSource,
  type PluginRecord,
  type PluginState,
  type HostEvent,
  type Candidate,
} from './plugins/host.js';
export { HotReloader, type ReloaderEvent } from './plugins/hot-reload.js';
export { KINDS, Registry, type Kind, type Kinds, type RegisteredHasher } from './plugins/registry.js';
export { hasherNamed, formatNamed, ruleLookup, hasherLookup } from './plugins/named.js';
export { builtinCandidates } from './plugins/builtins.js';
export { discoverPlugins } from './plugins/discovery.js';
export {
  definePlugin,
  PLUGIN_API_VERSION,
  type PluginDefinition,
  type PluginContext,
} from './plugins/api.js';

// The service and the server: every method of `nodupe serve` (src/serve/protocol.ts), without and with a transport.
export { Service, type ServiceOptions } from './service/service.js';
export { makePreviews, thumbCacheDir, type Preview, type Previews } from './service/previews.js';
export { startServer, type ServerOptions, type RunningServer } from './serve/server.js';
export { serviceBackend, servicePreviews } from './serve/service-backend.js';
export {
  API_VERSION,
  RPC_ERRORS,
  type Methods,
  type MethodName,
  type ServerEvent,
  type JobView,
  type PlanView,
  type GroupSummary,
  type GroupDetails,
  type ErrorData,
} from './serve/protocol.js';

// Near-duplicates: `nodupe similar images|docs|folders`.
export { findSimilar, type FindSimilarOptions } from './similar/find-similar.js';
export { builtinDetector, BUILTIN_DETECTOR, detectorNamed } from './similar/builtin-detectors.js';
export { SIMILAR_FORMATS, type SimilarFormat } from './similar/formats.js';
export type { SimilarReport } from './similar/report.js';
export type { SimilarityDetector, SimilarSubject } from './similar/detector.js';
export type { SimilarGroup, SimilarMember } from './similar/group-similar.js';
export { similarFoldersInCatalog } from './similar/folders/similar-folders.js';
export type { SimilarFolders } from './similar/folders/folder-result.js';
export { FOLDER_FORMATS, type FolderFormat } from './similar/folder-formats.js';
export { similarPlan, type SimilarPlan, type SimilarPlanCatalog } from './plan/similar-plan.js';
export { SIMILAR_OPS, SIMILAR_OPS_REASON, type SimilarBasis, type SimilarOp } from './plan/plan.js';
export { isMemberKeeperOp, MEMBER_KEEPER_OPS, MEMBER_KEEPER_REASON } from './plan/plan.js';
