/** The page's state, and the pure rules that change it: events in, rule choices out. No DOM, no network. */
import type { ActionOp } from '../plan/plan.js';
import type {
  FileKind,
  GroupDetails,
  GroupSort,
  GroupSummary,
  GroupsParams,
  JobView,
  MemberView,
  PlanEdit,
  PlanView,
  RunView,
  ServerEvent,
  StepView,
} from '../serve/protocol.js';
import { initialSimilarState, type SimilarState } from './similar-state.js';
import { initialWatchState, withWatchReport, type WatchState } from './watch-state.js';

export interface Filters {
  sort: GroupSort;
  order: 'asc' | 'desc';
  path: string;
  minSize: number | undefined;
  maxSize: number | undefined;
  kind: FileKind | undefined;
}

export interface ShownError {
  message: string;
  hint: string | undefined;
}

export interface State {
  filters: Filters;
  groups: GroupSummary[];
  next: string | null;
  total: number;
  reclaimable: number;
  loading: boolean;
  /** The highlighted row of the list (keyboard and click). */
  selected: number;
  /** What the detail side shows. */
  view: 'none' | 'group' | 'plan' | 'similar';
  open: GroupDetails | undefined;
  rules: string[];
  protect: string[];
  action: ActionOp;
  to: string | undefined;
  plan: PlanView | undefined;
  /** A job changed the catalog or used the plan: a new plan is on its way, the one in `plan` is stale. */
  rebuilding: boolean;
  /** The plan as the review shows it, and the one apply carries out (it stays shown, applied, after its run). */
  reviewed: PlanView | undefined;
  /** The delete confirmation is showing. */
  confirming: boolean;
  jobs: Record<string, JobView>;
  steps: Record<string, StepView[]>;
  /** The last job the page started or saw start: the status line shows it. */
  lastJob: string | undefined;
  applyJob: string | undefined;
  undoJob: string | undefined;
  runs: RunView[];
  error: ShownError | undefined;
  /** The Similar view: near-duplicate pictures or documents. */
  similar: SimilarState;
  /** `serve --watch`: the watched folders and what the watch found lately. */
  watch: WatchState;
}

export function initialState(): State {
  return {
    filters: {
      sort: 'reclaimable',
      order: 'desc',
      path: '',
      minSize: undefined,
      maxSize: undefined,
      kind: undefined,
    },
    groups: [],
    next: null,
    total: 0,
    reclaimable: 0,
    loading: false,
    selected: 0,
    view: 'none',
    open: undefined,
    rules: [],
    protect: [],
    action: 'quarantine',
    to: undefined,
    plan: undefined,
    rebuilding: false,
    reviewed: undefined,
    confirming: false,
    jobs: {},
    steps: {},
    lastJob: undefined,
    applyJob: undefined,
    undoJob: undefined,
    runs: [],
    error: undefined,
    similar: initialSimilarState(),
    watch: initialWatchState(),
  };
}

/** The `groups` request for the filters (the first page when no cursor). */
export function groupsParams(filters: Filters, cursor?: string): GroupsParams {
  const params: GroupsParams = { sort: filters.sort, order: filters.order, limit: 100 };
  if (cursor !== undefined) params.cursor = cursor;
  if (filters.path.trim() !== '') params.path = filters.path.trim();
  if (filters.minSize !== undefined) params.minSize = filters.minSize;
  if (filters.maxSize !== undefined) params.maxSize = filters.maxSize;
  if (filters.kind !== undefined) params.kind = filters.kind;
  return params;
}

/** A job event folded into the state: jobs by id, their progress and steps, in any order they arrive. */
export function applyEvent(state: State, event: ServerEvent): State {
  switch (event.type) {
    case 'job.started':
    case 'job.finished':
      return { ...state, jobs: { ...state.jobs, [event.job.id]: event.job }, lastJob: event.job.id };
    case 'job.progress': {
      const job = state.jobs[event.jobId];
      if (!job) return state;
      return { ...state, jobs: { ...state.jobs, [job.id]: { ...job, progress: event.progress } } };
    }
    case 'job.step': {
      const steps = state.steps[event.jobId] ?? [];
      return { ...state, steps: { ...state.steps, [event.jobId]: [...steps, event.step] } };
    }
    case 'watch':
      return { ...state, watch: withWatchReport(state.watch, event.report) };
    case 'catalog.changed':
    case 'plugins.reloaded':
      return state;
    default:
      return assertNever(event);
  }
}

/** A job the page learnt of by its own call: kept unless an event already told a newer state. */
export function withJob(state: State, job: JobView): State {
  const known = state.jobs[job.id];
  const jobs = known && known.state !== 'running' ? state.jobs : { ...state.jobs, [job.id]: job };
  return { ...state, jobs, lastJob: job.id };
}

/**
 * The jobs as the server lists them after the page lost it for a while: each job the page saw running and the
 * server no longer runs (it ended unseen, or a restarted server never knew it) takes the server's word, or, when the
 * server does not know it, is marked as stopped with the server.
 */
export function settleJobs(state: State, listed: JobView[]): State {
  const jobs = { ...state.jobs };
  for (const job of listed) jobs[job.id] = job;
  const known = new Set(listed.map((job) => job.id));
  for (const job of Object.values(state.jobs)) {
    if (job.state !== 'running' || known.has(job.id)) continue;
    jobs[job.id] = {
      ...job,
      state: 'cancelled',
      error: {
        code: 'INTERRUPTED',
        message: 'the server stopped before the job ended',
        hint: job.kind === 'apply' ? '`nodupe apply --resume` finishes the run' : 'start it again',
      },
    };
  }
  return { ...state, jobs };
}

export const RULE_CHOICES = [
  'newest',
  'oldest',
  'shortest-path',
  'prefer',
  'prefer-match',
  'invert',
] as const;
export type RuleChoice = (typeof RULE_CHOICES)[number];

export type RuleRequest =
  | { kind: 'rebuild'; rules: string[] }
  | { kind: 'invert' }
  | { kind: 'invalid'; message: string; hint: string };

/** "Mark by rule": which keeper rules to rebuild the plan with, or an inversion of the marks. */
export function ruleRequest(choice: RuleChoice, folder: string, glob: string): RuleRequest {
  switch (choice) {
    case 'newest':
    case 'oldest':
    case 'shortest-path':
      return { kind: 'rebuild', rules: [choice] };
    case 'prefer':
      return folder.trim() === ''
        ? { kind: 'invalid', message: 'No folder to prefer.', hint: 'Type the folder whose copies to keep.' }
        : { kind: 'rebuild', rules: [`prefer:${folder.trim()}`] };
    case 'prefer-match':
      return glob.trim() === ''
        ? { kind: 'invalid', message: 'No pattern to match.', hint: 'Type a glob, e.g. **/originals/**.' }
        : { kind: 'rebuild', rules: [`prefer-match:${glob.trim()}`] };
    case 'invert':
      return { kind: 'invert' };
    default:
      return assertNever(choice);
  }
}

/** The rule choice (and its folder or glob) that gave these rules, as `ruleRequest` makes them; none for []. */
export function ruleChoiceOf(
  rules: readonly string[],
): { choice: Exclude<RuleChoice, 'invert'>; argument: string } | undefined {
  const [first] = rules;
  if (first === undefined) return undefined;
  if (first === 'newest' || first === 'oldest' || first === 'shortest-path')
    return { choice: first, argument: '' };
  const colon = first.indexOf(':');
  const name = first.slice(0, colon);
  if (colon > 0 && (name === 'prefer' || name === 'prefer-match'))
    return { choice: name, argument: first.slice(colon + 1) };
  return undefined;
}

/** A member's mark: checked means the plan acts on it. */
export function isMarked(member: MemberView): boolean {
  return member.plan?.role === 'action';
}

/** A keeper the plan protects (a reference folder): its mark cannot be set. */
export function isProtected(member: MemberView): boolean {
  return member.plan?.role === 'keeper' && member.plan.protected;
}

/** The plan edit that makes a member's mark `marked`. */
export function markEdit(member: MemberView, marked: boolean): PlanEdit {
  return marked ? { op: 'unkeep', file: member.id } : { op: 'keep', file: member.id };
}

/** Applying this plan needs an explicit confirmation: it deletes, or does something else that cannot be undone. */
export function needsConfirmation(plan: PlanView): boolean {
  return plan.action === 'delete' || plan.summary.irreversible > 0;
}

/** The most recent run that undo can still bring back. */
export function lastUndoableRun(runs: RunView[]): RunView | undefined {
  return runs.filter((run) => run.undoable).sort((a, b) => b.id - a.id)[0];
}

function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}
