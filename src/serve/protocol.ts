/**
 * The API of `nodupe serve`, as clients see it: JSON-RPC 2.0 methods with their params and results, the events,
 * and the error codes. The same methods answer on `POST /rpc` and on the unix socket; the page (src/page/) and the
 * service (src/service/) are typed by this file. Plain data only: everything here crosses JSON.
 */
import type { ActionOp } from '../plan/plan.js';
import type { ProgressSnapshot } from '../core/progress.js';
import type { WatchReport } from '../watch/reports.js';
import type {
  SimilarDetectorView,
  SimilarGroupsParams,
  SimilarGroupsResult,
  SimilarParams,
} from './similar-protocol.js';

export const API_VERSION = 1;

/** A path as the API shows it: text to display; `base64` holds the raw bytes when they are not UTF-8. */
export interface PathView {
  text: string;
  base64?: string;
}

/** A catalog row id: a file (by the row of its first path). */
export type FileId = number;
/** A group's stable name: `${size}:${hash}` (the size and the full-content hash its members share). */
export type GroupKey = string;

/** A coarse kind, from the file name's extension (content types come later). */
export const FILE_KINDS = ['image', 'video', 'audio', 'document', 'text', 'archive', 'other'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export const GROUP_SORTS = ['reclaimable', 'size', 'path', 'count'] as const;
export type GroupSort = (typeof GROUP_SORTS)[number];

export interface GroupSummary {
  key: GroupKey;
  size: number;
  hash: string;
  /** Physical files (hard links count once) and paths. */
  files: number;
  paths: number;
  /** `size * (files - 1)`: what removing all but one copy would free. */
  reclaimable: number;
  /** The first path in path order: the group's name in lists. */
  first: PathView;
  kind: FileKind;
  ignored: boolean;
}

export interface GroupsParams {
  /** From the previous page's `next`; absent for the first page. A cursor of an older catalog state is refused. */
  cursor?: string;
  /** 1..500, default 100. */
  limit?: number;
  /** Default `reclaimable`; `order` defaults to `desc` (`asc` for `path`). */
  sort?: GroupSort;
  order?: 'asc' | 'desc';
  /** A glob (as the README's Globs say) that some path of the group must match. */
  path?: string;
  minSize?: number;
  maxSize?: number;
  kind?: FileKind;
  /** Groups marked "not duplicates" are left out unless this is true. */
  includeIgnored?: boolean;
}

export interface GroupsResult {
  groups: GroupSummary[];
  next: string | null;
  /** Groups and reclaimable bytes matching the filters (all pages). */
  total: number;
  reclaimable: number;
}

/** One physical file of a group. `plan` is present when the request named a plan. */
export interface MemberView {
  id: FileId;
  /** Its paths (hard links of one file), first the one shown. */
  paths: PathView[];
  size: number;
  /** Wall-clock, ISO 8601. */
  mtime: string;
  /** Looked up when asked (null: the file is gone or cannot be stat'ed). */
  owner: { uid: number; name: string | null } | null;
  /** The file on disk no longer matches what the catalog saw (or is gone): apply would skip it. */
  changed: boolean;
  kind: FileKind;
  plan?:
    { role: 'keeper'; reason: string; protected: boolean } | { role: 'action'; op: ActionOp; reason: string };
}

export interface GroupParams {
  key: GroupKey;
  /** A plan whose keepers and actions to show per member. */
  plan?: string;
}

export interface GroupDetails extends GroupSummary {
  members: MemberView[];
}

export interface PolicyParams {
  /** Keeper rules in the CLI's words, in order: `newest`, `oldest`, `shortest-path`, `prefer:DIR`, `prefer-match:GLOB`, … */
  rules?: string[];
  /** Reference folders: files below them are never acted on. */
  protect?: string[];
  onlyFrom?: string[];
  keepN?: number;
}

export interface PlanBuildParams {
  policy?: PolicyParams;
  /** Default `quarantine`. */
  action?: ActionOp;
  /** For `move`: the folder files go to. */
  to?: string;
}

export type PlanEdit =
  /** Keep this file (its action goes). */
  | { op: 'keep'; file: FileId }
  /** Act on this file instead of keeping it; refused when it is a group's last keeper or protected. */
  | { op: 'unkeep'; file: FileId }
  /** "Not duplicates": the group leaves the plan and is remembered in the catalog. */
  | { op: 'ignore'; group: GroupKey }
  /** Swap kept and acted-on files in one group (or every group): refused where no keeper would remain. */
  | { op: 'invert'; group?: GroupKey }
  /** The action for one file, or for the whole plan. */
  | { op: 'action'; action: ActionOp; to?: string; file?: FileId };

export interface PlanEditParams {
  id: string;
  edits: PlanEdit[];
}

export interface PlanView {
  id: string;
  createdAt: string;
  action: ActionOp;
  to?: string;
  policy: { rules: string[]; protect: string[]; onlyFrom: string[]; keepN: number };
  summary: {
    groups: number;
    actions: number;
    /** Bytes of the files acted on, once per inode. */
    bytes: number;
    /**
     * What is freed at once (delete, links) and what only after `quarantine purge` (quarantine). A move frees
     * nothing: the files take their space where they go (on another file system, it is freed here and used there).
     */
    freedNow: number;
    freedAfterPurge: number;
    /** Actions that cannot be undone (delete). */
    irreversible: number;
  };
  warnings: string[];
  /** A run of this plan exists: it cannot be edited or applied again. */
  applied: boolean;
}

export interface ApplyParams {
  plan: string;
  /** Required when the plan deletes files (as `--yes`). */
  confirm?: boolean;
  dryRun?: boolean;
}

export interface UndoParams {
  /** The run to undo; default the last one. */
  run?: number;
}

export interface ScanParams {
  paths: string[];
}

export interface VerifyParams {
  mode?: 'integrity' | 'consistency' | 'checksums' | 'all';
}

export type JobKind = 'scan' | 'apply' | 'undo' | 'verify' | 'similar';
export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

/** What a step of an apply did to one path. */
export interface StepView {
  seq: number;
  op: ActionOp;
  path: PathView;
  keeper: PathView;
  outcome: 'done' | 'skipped' | 'would';
  reason?: string;
}

export interface JobView {
  id: string;
  kind: JobKind;
  state: JobState;
  startedAt: string;
  endedAt?: string;
  /** What it works on, in words (`scan /photos`, `apply plan 1f3…`). */
  title: string;
  progress?: ProgressSnapshot;
  /** When done: the job's own summary (scan: files, groups…; apply: done/skipped counts, run id; verify: errors). */
  result?: Record<string, unknown>;
  error?: ErrorData;
}

export interface RunView {
  id: number;
  planId: string;
  state: string;
  startedAt: string;
  finishedAt?: string;
  undoneAt?: string;
  entries: Record<string, number>;
  /** Whether `undo` can still bring something back. */
  undoable: boolean;
}

export interface StatsResult {
  catalog: { location: string; id: string };
  files: number;
  bytes: number;
  groups: number;
  reclaimable: number;
  ignoredGroups: number;
  scans: { id: number; roots: string[]; startedAt: string; finishedAt?: string }[];
  /** Changes whenever the catalog does (a scan, an apply, an undo, an ignore): cursors carry it. */
  generation: number;
}

export interface PluginView {
  name: string;
  version: string;
  state: string;
  provides: string[];
  error?: string;
}

/** Every method: its params and its result. */
export interface Methods {
  stats: { params: Record<string, never>; result: StatsResult };
  groups: { params: GroupsParams; result: GroupsResult };
  group: { params: GroupParams; result: GroupDetails };
  'group.ignore': {
    params: { key: GroupKey; ignored: boolean };
    result: { key: GroupKey; ignored: boolean };
  };
  scan: { params: ScanParams; result: JobView };
  jobs: { params: Record<string, never>; result: JobView[] };
  job: { params: { id: string }; result: JobView };
  'job.cancel': { params: { id: string }; result: JobView };
  'plan.build': { params: PlanBuildParams; result: PlanView };
  'plan.get': { params: { id: string }; result: PlanView };
  'plan.edit': { params: PlanEditParams; result: PlanView };
  apply: { params: ApplyParams; result: JobView };
  undo: { params: UndoParams; result: JobView };
  runs: { params: Record<string, never>; result: RunView[] };
  verify: { params: VerifyParams; result: JobView };
  'plugins.list': { params: Record<string, never>; result: PluginView[] };
  'plugins.reload': { params: Record<string, never>; result: PluginView[] };
  similar: { params: SimilarParams; result: JobView };
  'similar.groups': { params: SimilarGroupsParams; result: SimilarGroupsResult };
  'similar.detectors': { params: Record<string, never>; result: SimilarDetectorView[] };
}
export type MethodName = keyof Methods;

/** Events, in the order they happened; `id` grows by one per event (SSE `id:`, resume with `Last-Event-ID`). */
export type ServerEvent = { id: number; at: string } & (
  | { type: 'job.started'; job: JobView }
  | { type: 'job.progress'; jobId: string; progress: ProgressSnapshot }
  | { type: 'job.step'; jobId: string; step: StepView }
  | { type: 'job.finished'; job: JobView }
  | { type: 'catalog.changed'; generation: number }
  | { type: 'plugins.reloaded'; plugins: PluginView[] }
  /** `serve --watch`: what the watch reported (see WatchReport: new duplicates, duplicates gone, …). */
  | { type: 'watch'; report: WatchReport }
);
export type EventBody = ServerEvent extends infer E
  ? E extends ServerEvent
    ? Omit<E, 'id' | 'at'>
    : never
  : never;

/** JSON-RPC 2.0's own codes, then nodupe's (the server range). */
export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** Bad input (a path outside every scanned root, an unknown group): nothing was touched. */
  badInput: -32000,
  /** The operation ran and failed (as exit 1). */
  failed: -32001,
  /** A mutating job is running, or another process holds the catalog lock. */
  busy: -32002,
  notFound: -32003,
  /** A delete plan needs `confirm: true`. */
  confirm: -32004,
} as const;

/** `error.data` of every nodupe error: the library's error code, and the fix apart from the message. */
export interface ErrorData {
  code: string;
  message?: string;
  hint?: string;
}
