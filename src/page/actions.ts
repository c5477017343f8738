/**
 * What the user can do, as calls to the server and changes to the state. No DOM: the views call these, and the
 * tests call them with a fake `call`.
 */
import type { ActionOp } from '../plan/plan.js';
import type { MemberView, PlanBuildParams, PlanEdit, PlanView, ServerEvent } from '../serve/protocol.js';
import type { Connection } from './events.js';
import { RpcFailure, type Call } from './rpc.js';
import {
  applyEvent,
  groupsParams,
  lastUndoableRun,
  markEdit,
  needsConfirmation,
  ruleRequest,
  withJob,
  settleJobs,
  type Filters,
  type RuleChoice,
  type ShownError,
  type State,
} from './state.js';
import type { Store } from './store.js';

/** What the error box says while the page cannot hear the server (kept by identity: "back" clears only these). */
const CONNECTION_ERRORS: Record<'lost' | 'closed', ShownError> = {
  lost: {
    message: 'The connection to nodupe serve is lost.',
    hint: 'Is it still running? The page reconnects by itself as soon as the server answers again.',
  },
  closed: {
    message: 'nodupe serve no longer accepts this page.',
    hint:
      'It stopped, or another program answers here now. Open the page nodupe serve prints when it starts ' +
      '(file://…/open.html). Do not type its token into this page.',
  },
};

export class Actions {
  readonly #store: Store;
  readonly #call: Call;
  /** Bumped by every fresh list load: a page that answers after a newer load started is dropped. */
  #listLoad = 0;

  constructor(store: Store, call: Call) {
    this.#store = store;
    this.#call = call;
  }

  get #state() {
    return this.#store.state;
  }

  /** Runs a step; a failure shows in the error box instead of escaping. */
  async #guard(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.showError(error);
    }
  }

  showError(error: unknown): void {
    // Refused (401): the server the page followed is gone; say so as the event stream does.
    if (error instanceof RpcFailure && error.rpcCode === 401) {
      this.#store.update({ error: CONNECTION_ERRORS.closed });
    } else if (error instanceof RpcFailure) {
      this.#store.update({ error: { message: error.message, hint: error.hint } });
    } else {
      this.#store.update({
        error: { message: error instanceof Error ? error.message : String(error), hint: undefined },
      });
    }
  }

  dismissError(): void {
    this.#store.update({ error: undefined });
  }

  /** The first start: the list, a plan when there are groups, the runs. */
  async start(): Promise<void> {
    await this.reloadGroups();
    await this.#guard(() => this.#loadRuns());
    if (this.#state.total > 0) await this.buildPlan();
  }

  setFilters(filters: Partial<Filters>): Promise<void> {
    this.#store.update((state) => ({ ...state, filters: { ...state.filters, ...filters } }));
    return this.reloadGroups();
  }

  /** The list from its first page (filters changed, or the catalog did: older cursors are refused). */
  reloadGroups(): Promise<void> {
    const load = ++this.#listLoad;
    return this.#guard(async () => {
      this.#store.update({ loading: true });
      const page = await this.#call('groups', groupsParams(this.#state.filters));
      if (load !== this.#listLoad) return;
      const selectedKey = this.#state.groups[this.#state.selected]?.key;
      const keep = page.groups.findIndex((group) => group.key === selectedKey);
      this.#store.update({
        groups: page.groups,
        next: page.next,
        total: page.total,
        reclaimable: page.reclaimable,
        selected: Math.max(0, keep),
        loading: false,
      });
    }).finally(() => {
      if (load === this.#listLoad && this.#state.loading) this.#store.update({ loading: false });
    });
  }

  /** The next page, when the list is scrolled near its end. */
  loadMore(): Promise<void> {
    const { next, loading } = this.#state;
    if (next === null || loading) return Promise.resolve();
    const load = this.#listLoad;
    return this.#guard(async () => {
      this.#store.update({ loading: true });
      const page = await this.#call('groups', groupsParams(this.#state.filters, next));
      if (load !== this.#listLoad) return;
      this.#store.update((state) => ({
        ...state,
        groups: [...state.groups, ...page.groups],
        next: page.next,
      }));
    }).finally(() => {
      if (load === this.#listLoad) this.#store.update({ loading: false });
    });
  }

  select(index: number): void {
    const last = this.#state.groups.length - 1;
    this.#store.update({ selected: Math.max(0, Math.min(last, index)) });
  }

  openSelected(): Promise<void> {
    const group = this.#state.groups[this.#state.selected];
    return group ? this.openGroup(group.key) : Promise.resolve();
  }

  openGroup(key: string): Promise<void> {
    return this.#guard(async () => {
      const index = this.#state.groups.findIndex((group) => group.key === key);
      if (index >= 0) this.#store.update({ selected: index });
      const plan = this.#state.plan;
      const details = await this.#call('group', plan && !plan.applied ? { key, plan: plan.id } : { key });
      this.#store.update({ open: details, view: 'group' });
    });
  }

  /** Escape: back to the list. */
  back(): void {
    this.#store.update({ view: 'none', open: undefined, confirming: false });
  }

  async #refreshOpen(): Promise<void> {
    const open = this.#state.open;
    if (open && this.#state.view === 'group') {
      const plan = this.#state.plan;
      const details = await this.#call(
        'group',
        plan && !plan.applied ? { key: open.key, plan: plan.id } : { key: open.key },
      );
      this.#store.update({ open: details });
    }
  }

  #planParams(rules: string[]): PlanBuildParams {
    const { protect, action, to } = this.#state;
    const params: PlanBuildParams = { policy: { rules, protect }, action };
    if (to !== undefined) params.to = to;
    return params;
  }

  /**
   * A fresh plan from the current rules, reference folders and action (marks made by hand are dropped). The review
   * shows it at once when it is open, unless the plan was rebuilt `inBackground` (after a job: the review keeps the
   * plan that ran).
   */
  buildPlan(rules = this.#state.rules, inBackground = false): Promise<void> {
    return this.#guard(async () => {
      const plan = await this.#call('plan.build', this.#planParams(rules));
      this.#store.update({
        plan,
        rules,
        rebuilding: false,
        confirming: false,
        ...this.#reviewing(plan, inBackground),
      });
      await this.#refreshOpen();
    }).finally(() => {
      if (this.#state.rebuilding) this.#store.update({ rebuilding: false });
    });
  }

  #reviewing(plan: PlanView, inBackground = false): Partial<State> {
    return this.#state.view === 'plan' && !inBackground ? { reviewed: plan } : {};
  }

  async #edit(edits: PlanEdit[]): Promise<PlanView | undefined> {
    let result: PlanView | undefined;
    await this.#guard(async () => {
      const plan = this.#state.plan;
      if (!plan)
        throw new RpcFailure('There is no plan yet.', 0, { code: 'NO_PLAN', hint: 'Scan a folder first.' });
      result = await this.#call('plan.edit', { id: plan.id, edits });
      this.#store.update({ plan: result, confirming: false, ...this.#reviewing(result) });
      await this.#refreshOpen();
    });
    return result;
  }

  /** Mark (act on) or unmark (keep) one member. */
  async mark(member: MemberView, marked: boolean): Promise<void> {
    await this.#edit([markEdit(member, marked)]);
  }

  /** "Mark by rule": newest, oldest, shortest path, in a folder, matching a glob (a rebuild), or invert. */
  async applyRule(choice: RuleChoice, folder: string, glob: string): Promise<void> {
    const request = ruleRequest(choice, folder, glob);
    if (request.kind === 'invalid') {
      this.#store.update({ error: { message: request.message, hint: request.hint } });
    } else if (request.kind === 'invert') {
      await this.#edit([{ op: 'invert' }]);
    } else {
      await this.buildPlan(request.rules);
    }
  }

  /** A reference folder: files below it are kept, never acted on. The plan is rebuilt with it. */
  async addReference(folder: string): Promise<void> {
    const trimmed = folder.trim();
    if (trimmed === '') {
      this.#store.update({
        error: { message: 'No folder to protect.', hint: 'Type a folder path, e.g. /photos/originals.' },
      });
      return;
    }
    if (!this.#state.protect.includes(trimmed))
      this.#store.update({ protect: [...this.#state.protect, trimmed] });
    await this.buildPlan();
  }

  async removeReference(folder: string): Promise<void> {
    this.#store.update({ protect: this.#state.protect.filter((item) => item !== folder) });
    await this.buildPlan();
  }

  /** The action for the whole plan (quarantine by default; delete cannot be undone). */
  async setAction(action: ActionOp, to?: string): Promise<void> {
    this.#store.update({ action, to });
    const edit: PlanEdit = to === undefined ? { op: 'action', action } : { op: 'action', action, to };
    await this.#edit([edit]);
  }

  /** "Not duplicates": the group leaves the plan, the catalog remembers, the list loses it. */
  async ignoreGroup(key: string): Promise<void> {
    const plan = await this.#edit([{ op: 'ignore', group: key }]);
    if (!plan) return;
    this.back();
    await this.reloadGroups();
  }

  /** The plan's summary, fresh from the server. */
  reviewPlan(): Promise<void> {
    return this.#guard(async () => {
      if (!this.#state.plan) await this.buildPlan();
      const plan = this.#state.plan;
      if (!plan) return;
      const fresh = await this.#call('plan.get', { id: plan.id });
      this.#store.update({ plan: fresh, reviewed: fresh, view: 'plan', open: undefined, confirming: false });
      await this.#loadRuns();
    });
  }

  /** Apply the reviewed plan: one that deletes asks first (`confirmed` is the answer). */
  startApply(confirmed = false): Promise<void> {
    return this.#guard(async () => {
      const plan = this.#state.reviewed;
      if (!plan) return;
      if (needsConfirmation(plan) && !confirmed) {
        this.#store.update({ confirming: true });
        return;
      }
      const job = await this.#call('apply', confirmed ? { plan: plan.id, confirm: true } : { plan: plan.id });
      this.#store.update((state) => ({ ...withJob(state, job), applyJob: job.id, confirming: false }));
    });
  }

  cancelConfirmation(): void {
    this.#store.update({ confirming: false });
  }

  /** Undo the last run that can still be undone. */
  startUndo(): Promise<void> {
    return this.#guard(async () => {
      const run = lastUndoableRun(this.#state.runs);
      const job = await this.#call('undo', run ? { run: run.id } : {});
      this.#store.update((state) => ({ ...withJob(state, job), undoJob: job.id }));
    });
  }

  startScan(path: string): Promise<void> {
    return this.#guard(async () => {
      if (path.trim() === '') {
        this.#store.update({
          error: { message: 'No folder to scan.', hint: 'Type a folder path, e.g. /photos.' },
        });
        return;
      }
      const job = await this.#call('scan', { paths: [path.trim()] });
      this.#store.update((state) => withJob(state, job));
    });
  }

  async #loadRuns(): Promise<void> {
    const runs = await this.#call('runs', {});
    this.#store.update({ runs });
  }

  /**
   * The event stream was lost, came back, or was refused. Lost: say so, with what to do. Back: what happened
   * meanwhile (jobs that ended, the catalog, the runs) is fetched again. Refused (a new server, a new token): the
   * jobs the page followed are left as they were last seen, and the page says how to reach the new server.
   */
  async connection(connection: Connection): Promise<void> {
    if (connection === 'lost') {
      this.#store.update({ error: CONNECTION_ERRORS.lost });
      return;
    }
    if (connection === 'closed') {
      // The server the page followed is gone: its jobs ended with it.
      this.#store.update((state) => ({ ...settleJobs(state, []), error: CONNECTION_ERRORS.closed }));
      return;
    }
    if (Object.values(CONNECTION_ERRORS).includes(this.#state.error as ShownError))
      this.#store.update({ error: undefined });
    await this.#guard(async () => {
      const jobs = await this.#call('jobs', {});
      this.#store.update((state) => settleJobs(state, jobs));
    });
    await this.reloadGroups();
    await this.#guard(() => this.#loadRuns());
    if (this.#state.total > 0) await this.buildPlan(this.#state.rules, true);
  }

  /** A server event: jobs and steps into the state; a changed catalog reloads the list; a finished job refreshes. */
  async handleEvent(event: ServerEvent): Promise<void> {
    const firstStep = event.type === 'job.step' && (this.#state.steps[event.jobId] ?? []).length === 0;
    this.#store.update((state) => applyEvent(state, event));
    if (event.type === 'catalog.changed') {
      await this.reloadGroups();
    } else if (event.type === 'job.started' && (event.job.kind === 'apply' || event.job.kind === 'undo')) {
      // An apply or undo under way shows in the runs at once (its run is written by its first step at the latest).
      await this.#guard(() => this.#loadRuns());
    } else if (firstStep && this.#state.jobs[event.jobId]?.kind === 'apply') {
      await this.#guard(() => this.#loadRuns());
    } else if (event.type === 'job.finished' && event.job.kind !== 'verify' && event.job.kind !== 'similar') {
      // (A similar job changes no group: the list and the plan stay as they are.)
      // The plan in the decide bar is the one the job used (or of the catalog before it): say so until the new one comes.
      this.#store.update({ rebuilding: true });
      await this.reloadGroups();
      await this.#guard(() => this.#loadRuns());
      // The review shows what became of the plan it showed (applied).
      const reviewed = this.#state.reviewed;
      if (reviewed) {
        await this.#guard(async () =>
          this.#store.update({ reviewed: await this.#call('plan.get', { id: reviewed.id }) }),
        );
      }
      // The catalog moved on (scan) or the plan was used (apply, undo): a new plan from the same choices.
      if (this.#state.total > 0) await this.buildPlan(this.#state.rules, true);
      else this.#store.update({ plan: undefined, rebuilding: false });
    }
  }
}
