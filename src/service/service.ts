import { randomUUID } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { applyPlan } from '../apply/apply.js';
import { catalogLockHolder, describeHolder, lockCatalog } from '../apply/catalog-lock.js';
import { catalogTrust } from '../apply/catalog-trust.js';
import { anythingToUndo, runToUndo, undoRun } from '../apply/undo.js';
import { isPostgresLocation, openCatalog } from '../catalog/open-catalog.js';
import { SqliteCatalog } from '../catalog/sqlite/sqlite-store.js';
import type { CatalogStore } from '../catalog/store.js';
import type { Clock } from '../core/clock.js';
import { abortErrorFrom, isAbortError } from '../core/errors.js';
import { ProgressTracker } from '../core/progress.js';
import { byteRateLimiter } from '../core/byte-rate.js';
import { catalogGroups, sharedHashRuns } from '../catalog/groups.js';
import { dupesFromCatalog } from '../dupes/from-catalog.js';
import { FORMATS, type DupesFormat } from '../dupes/formats/index.js';
import { sortGroups } from '../model/groups.js';
import { identityOf } from '../model/identity.js';
import type { FsPath } from '../model/paths.js';
import type { RuleLookup } from '../plan/keepers.js';
import { hasherLookup, ruleLookup } from '../plugins/named.js';
import { hashToAskFor } from '../dupes/hash-to-ask-for.js';
import { buildPlan } from '../plan/build.js';
import { unmatchedRules, unmatchedRuleWarning } from '../plan/unmatched-rules.js';
import { planToJson, readPlan } from '../plan/plan-json.js';
import type { PluginHost } from '../plugins/host.js';
import {
  FILE_KINDS,
  GROUP_SORTS,
  type EventBody,
  type FileId,
  type FileKind,
  type GroupDetails,
  type JobView,
  type MemberView,
  type MethodName,
  type Methods,
  type PlanView,
  type StatsResult,
} from '../serve/protocol.js';
import { VERIFY_MODES, verify } from '../verify/verify.js';
import { verifyReportDocument } from '../verify/verify-json.js';
import { badInput, invalidParams, notFound, serviceError } from './errors.js';
import { ownFolders } from '../catalog/own-folders.js';
import { ServiceEvents } from './events.js';
import { GroupIndex, type GroupQuery } from './group-index.js';
import { Jobs } from './jobs.js';
import { kindOf } from './kinds.js';
import type { PreviewFile } from './previews.js';
import { memberView } from './members.js';
import { editPlan, forcedKeeper, readEdits } from './plan-edit.js';
import { PlanStore } from './plan-store.js';
import { planView, RuleWarnings } from './plan-view.js';
import { FOLDERS_MAX, Params, realFolders } from './params.js';
import { readPolicy } from './policy-params.js';
import { runScanThread } from './scan-job.js';
import { runSimilar } from './similar-job.js';
import { readSimilarRequest, similarDetectors } from './similar-params.js';
import { SimilarResults } from './similar-results.js';
import { SIMILAR_SUBJECTS } from '../serve/similar-protocol.js';
import { watchCatalog, type CatalogWatch } from '../watch/catalog-watch.js';
import { applyStepView, pluginViews, runView, undoStepView } from './views.js';

export interface ServiceOptions {
  catalogPath: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** nodupe's data folder (the CLI's): plans go to `plans/` in it, the default quarantine is in it. */
  dataDir: string;
  plugins: PluginHost;
  /** Bytes per second for the reads of scans, verify and apply's compares (`--max-read-rate`). */
  maxReadRate?: number;
  /** The content hash groups are read by and scans use; default xxh3, or the one the catalog holds. */
  algorithm?: string;
  /** Hashing threads per scan. */
  scanThreads?: number;
}

type Handler<M extends MethodName> = (
  params: unknown,
  signal?: AbortSignal,
) => Methods[M]['result'] | Promise<Methods[M]['result']>;

const DEFAULT_ALGORITHM = 'xxh3';
const PAGE_LIMIT = { min: 1, max: 500, default: 100 };
/** Groups per page of `similar.groups` (each shows up to 100 members). */
const SIMILAR_PAGE = { min: 1, max: 100, default: 50 };

/**
 * Everything `nodupe serve` answers, without the transport: the methods of `Methods` (src/serve/protocol.ts), the
 * events, the downloads. Reads are answered from an index of the catalog's groups kept per catalog generation;
 * scans run on a thread of their own, apply, undo and verify in this process; one mutating job at a time, and
 * the catalog's lock keeps a CLI apply and this service apart.
 */
export class Service {
  readonly events = new ServiceEvents();
  readonly #options: ServiceOptions;
  readonly #catalog: CatalogStore;
  readonly #plans: PlanStore;
  readonly #ruleWarnings = new RuleWarnings();
  readonly #jobs: Jobs;
  readonly #epoch = randomUUID().slice(0, 8);
  readonly #unsubscribePlugins: () => void;
  #generation = 1;
  /** The catalog's data version when the index was last known to be current (see `#noticeOthers`). */
  #seenVersion: number;
  /** A scan job of this service is writing (from its own thread): its commits are not another process's. */
  #scanning = false;
  /** `plugins.reload` is at work: the host's events of each plugin are summed up in one event at its end. */
  #reloading = false;
  /** The groups, and the algorithm of their hashes. */
  #index: { index: GroupIndex; algorithm: string } | undefined;
  /** The catalog's own figures for `stats`, read once per generation (counting the rows takes a while). */
  #figures: (Pick<StatsResult, 'files' | 'bytes' | 'scans'> & { generation: number }) | undefined;
  #closed: Promise<void> | undefined;
  /** Running apply jobs (dry runs too) by job id, with the plan each carries out: that plan is not edited meanwhile. */
  readonly #applying = new Map<string, { plan: string; title: string }>();
  readonly #handlers: { [M in MethodName]: Handler<M> };
  /** The latest `similar` result of each subject. */
  readonly #similar = new SimilarResults();

  private constructor(options: ServiceOptions, catalog: CatalogStore) {
    this.#options = options;
    this.#catalog = catalog;
    this.#seenVersion = catalog.dataVersion();
    this.#plans = new PlanStore(join(options.dataDir, 'plans'), options.clock, {
      catalogId: catalog.id,
      inUse: () =>
        new Set([
          ...catalog
            .journal()
            .runs()
            .map((run) => run.planId),
          ...[...this.#applying.values()].map((job) => job.plan),
        ]),
    });
    this.#jobs = new Jobs(options.clock, (e) => this.events.emit(e));
    this.#unsubscribePlugins = options.plugins.on((event) => {
      // A plugin file changed while serving (the host's hot reload); `plugins.reload` sends one event of its own.
      if (event.type !== 'log' && !this.#reloading)
        this.#emit({ type: 'plugins.reloaded', plugins: pluginViews(options.plugins) });
    });
    this.#handlers = {
      stats: (p) => (new Params('stats', p, []), this.#stats()),
      groups: (p) => this.#groups(p),
      group: (p) => this.#group(p),
      'group.ignore': (p) => this.#ignore(p),
      scan: (p) => this.#scan(p),
      jobs: (p) => (new Params('jobs', p, []), this.#jobs.list()),
      job: (p) => this.#jobs.get(new Params('job', p, ['id']).string('id')),
      'job.cancel': (p) => this.#jobs.cancel(new Params('job.cancel', p, ['id']).string('id')),
      'plan.build': (p) => this.#planBuild(p),
      'plan.get': (p) => this.#planView(new Params('plan.get', p, ['id']).string('id')),
      'plan.edit': (p) => this.#planEdit(p),
      apply: (p) => this.#apply(p),
      undo: (p) => this.#undo(p),
      runs: (p) => (new Params('runs', p, []), this.#catalog.journal().runs().map(runView)),
      verify: (p) => this.#verify(p),
      'plugins.list': (p) => (new Params('plugins.list', p, []), pluginViews(this.#options.plugins)),
      'plugins.reload': (p) => this.#reloadPlugins(p),
      similar: (p) => this.#findSimilar(p),
      'similar.groups': (p) => this.#similarGroups(p),
      'similar.detectors': (p) => (new Params('similar.detectors', p, []), similarDetectors()),
    };
  }

  /**
   * Opens the catalog (made when there is none; brought up to date when older), refusing one that others could
   * have written, as apply and undo do.
   */
  static open(options: ServiceOptions): Promise<Service> {
    return new Promise((resolve) => resolve(Service.#openNow(options)));
  }

  static #openNow(options: ServiceOptions): Service {
    if (isPostgresLocation(options.catalogPath)) {
      // The user's own server: no file to check (opening says when it cannot be reached or refuses the login).
      return new Service(options, openCatalog(options.catalogPath, { create: true, env: options.env }));
    }
    if (!isAbsolute(options.catalogPath)) {
      throw badInput(`the catalog path ${JSON.stringify(options.catalogPath)}: expected an absolute path`);
    }
    if (!existsSync(options.catalogPath)) SqliteCatalog.open(options.catalogPath, { create: true }).close();
    const trust = catalogTrust(options.catalogPath);
    if ('problem' in trust) throw badInput(trust.problem);
    const catalog = SqliteCatalog.open(trust.real, { create: false, migrate: true });
    return new Service(options, catalog);
  }

  /** Answers one method. Bad params are a BAD_INPUT error; nothing is touched then. */
  async call<M extends MethodName>(
    method: M,
    params: Methods[M]['params'],
    signal?: AbortSignal,
  ): Promise<Methods[M]['result']> {
    if (this.#closed) throw serviceError('BUSY', 'the service is closing', 'try again once it is back');
    if (signal?.aborted) throw abortErrorFrom(signal);
    if (!Object.hasOwn(this.#handlers, method)) throw badInput(`unknown method ${JSON.stringify(method)}`);
    const handler = this.#handlers[method] as unknown as Handler<M>;
    return handler(params, signal);
  }

  /**
   * A catalog file, for thumbnails and text excerpts: its path, size, full hash (and the hash's algorithm),
   * identity at the scan (the previews refuse a file that is no longer this one) and kind.
   */
  fileForPreview(id: FileId): (PreviewFile & { kind: FileKind }) | undefined {
    if (!Number.isSafeInteger(id) || id < 0) return undefined;
    const file = this.#catalog.fileById(id);
    if (!file) return undefined;
    const { path, size, hashes } = file;
    const identity = identityOf(file);
    return { path, size, hash: hashes?.full, hashAlgorithm: hashes?.algorithm, identity, kind: kindOf(path) };
  }

  /** The catalog's groups in a format of FORMATS or a plugin's: what `nodupe dupes --format F` prints. */
  reportText(format: string): Promise<string | Uint8Array> {
    return new Promise((resolve) => resolve(this.#reportNow(format)));
  }

  #reportNow(format: string): string | Uint8Array {
    const chosen: DupesFormat | undefined =
      this.#options.plugins.registry.get('formats', format) ??
      (Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined);
    if (!chosen) {
      const known = [
        ...new Set([...Object.keys(FORMATS), ...this.#options.plugins.registry.names('formats')]),
      ];
      throw badInput(`unknown format ${JSON.stringify(format)}; known: ${known.join(', ')}`);
    }
    const parts: (string | Buffer)[] = [];
    const report = dupesFromCatalog(this.#catalog, this.#current().algorithm, false);
    chosen.render(report, { write: (chunk) => parts.push(chunk) });
    if (parts.every((p) => typeof p === 'string')) return parts.join('');
    return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  }

  /**
   * Keeps the catalog current with `roots` (absolute real paths; see `watchCatalog`) until the watch is closed
   * (before the service): each report is a `watch` event, and the catalog's changes a `catalog.changed` one
   * (one per turn, however many files a burst brought).
   */
  watch(roots: readonly string[], options: { settleMs?: number } = {}): CatalogWatch {
    let changed = false;
    return watchCatalog({
      roots,
      catalog: this.#catalog,
      clock: this.#options.clock,
      ...options,
      scan: {
        algorithm: this.#algorithm(),
        skipFolders: ownFolders(this.#catalog, this.#options.dataDir),
        // The catalog itself (a PostgreSQL catalog is no file here).
        skipFiles: isPostgresLocation(this.#options.catalogPath)
          ? []
          : [realpathSync(this.#options.catalogPath)],
        ...(this.#options.maxReadRate === undefined ? {} : { maxReadRate: this.#options.maxReadRate }),
        ...(this.#options.scanThreads === undefined ? {} : { threads: this.#options.scanThreads }),
      },
      onReport: (report) => {
        this.#emit({ type: 'watch', report });
        if (report.type === 'fallback' || report.type === 'rescan' || report.type === 'problem' || changed)
          return;
        changed = true;
        setImmediate(() => {
          changed = false;
          this.#changed();
        });
      },
    });
  }

  /** A plan's JSON (`nodupe.plan/1`), as apply reads it; undefined when there is no such plan. */
  planText(id: string): string | undefined {
    try {
      return this.#plans.find(id)?.text;
    } catch {
      return undefined;
    }
  }

  /**
   * Stops: running jobs are cancelled (an apply stops at a batch boundary; `nodupe apply --resume` finishes it)
   * and waited for, the catalog closed. `signal` only cuts the wait short.
   */
  close(signal?: AbortSignal): Promise<void> {
    this.#closed ??= (async () => {
      const ended = this.#jobs.close();
      if (signal) {
        await Promise.race([
          ended,
          new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
        ]);
      } else await ended;
      this.#unsubscribePlugins();
      this.#catalog.close();
    })();
    return this.#closed;
  }

  // ----- reads

  #emit(event: EventBody): void {
    this.events.emit(event);
  }

  /**
   * The groups of the catalog as it is now (read once per generation). The index keeps what pages show; the
   * files of a group are read from the catalog when asked for.
   */
  #current(): { index: GroupIndex; algorithm: string } {
    this.#noticeOthers();
    if (this.#index) return this.#index;
    const algorithm = this.#algorithm();
    const catalog = this.#catalog;
    const ignored = catalog.ignoredGroups().map((g) => `${g.size}:${g.hash}`);
    const source = {
      rows: (ids: readonly number[]) => catalog.filesById(ids),
      paths: (afterId: number, limit: number) => catalog.pathTexts(afterId, limit),
    };
    const runs = sharedHashRuns(catalog, algorithm, false);
    this.#index = {
      index: new GroupIndex(runs, source, ignored, this.#epoch, this.#generation),
      algorithm,
    };
    return this.#index;
  }

  /** The algorithm asked for; else xxh3, unless the catalog holds hashes by another only (as the CLI advises). */
  #algorithm(): string {
    if (this.#options.algorithm !== undefined) return this.#options.algorithm;
    return hashToAskFor(this.#catalog.hashAlgorithms(), DEFAULT_ALGORITHM);
  }

  /**
   * Notices a change another process committed to the catalog (a `nodupe scan`, `apply` or `undo` from the
   * command line): the catalog changed. A scan job of this service writes from another connection too; its end
   * is the change, not each of its commits.
   */
  #noticeOthers(): void {
    if (this.#scanning || this.#closed) return;
    if (this.#catalog.dataVersion() !== this.#seenVersion) this.#changed();
  }

  /** The catalog changed (a scan, an apply, an undo): cursors and the index of the old state go. */
  #changed(): void {
    if (this.#closed) return;
    this.#seenVersion = this.#catalog.dataVersion();
    this.#generation++;
    this.#index = undefined;
    this.#emit({ type: 'catalog.changed', generation: this.#generation });
  }

  #stats(): StatsResult {
    const { index } = this.#current();
    const counts = index.counts();
    if (this.#figures?.generation !== this.#generation) {
      this.#figures = {
        generation: this.#generation,
        ...this.#catalog.counts(),
        scans: this.#catalog.scans().map((s) => ({
          id: s.id,
          roots: s.roots,
          startedAt: new Date(s.startedAt).toISOString(),
          ...(s.finishedAt === undefined ? {} : { finishedAt: new Date(s.finishedAt).toISOString() }),
        })),
      };
    }
    const { files, bytes, scans } = this.#figures;
    return {
      catalog: { location: this.#catalog.location, id: this.#catalog.id },
      files,
      bytes,
      groups: counts.groups,
      reclaimable: counts.reclaimable,
      ignoredGroups: counts.ignored,
      scans: scans.map((s) => ({ ...s, roots: [...s.roots] })),
      generation: this.#generation,
    };
  }

  #groups(raw: unknown) {
    const p = new Params('groups', raw, [
      'cursor',
      'limit',
      'sort',
      'order',
      'path',
      'minSize',
      'maxSize',
      'kind',
      'includeIgnored',
    ]);
    const sort = p.optionalChoice('sort', GROUP_SORTS) ?? 'reclaimable';
    const query: GroupQuery = {
      cursor: p.optionalString('cursor'),
      limit: p.optionalInteger('limit', PAGE_LIMIT.min, PAGE_LIMIT.max) ?? PAGE_LIMIT.default,
      sort,
      order: p.optionalChoice('order', ['asc', 'desc'] as const) ?? (sort === 'path' ? 'asc' : 'desc'),
      path: p.optionalGlob('path'),
      minSize: p.optionalInteger('minSize', 0),
      maxSize: p.optionalInteger('maxSize', 0),
      kind: p.optionalChoice('kind', FILE_KINDS),
      includeIgnored: p.optionalBoolean('includeIgnored') ?? false,
    };
    return this.#current().index.page(query);
  }

  #group(raw: unknown): GroupDetails {
    const p = new Params('group', raw, ['key', 'plan']);
    const key = p.string('key');
    const planId = p.optionalString('plan');
    const { index } = this.#current();
    const entry = index.get(key);
    if (!entry)
      throw notFound(`there is no group ${key}`, 'the catalog may have changed: list the groups again');
    const plan = planId === undefined ? undefined : this.#plans.get(planId).plan;
    const planned = plan?.groups.find((g) => g.size === entry.size && g.hash === entry.hash);
    const forced = plan ? forcedKeeper(plan.policy) : undefined;
    const keepers = new Map(planned?.keepers.map((k) => [String(k.path), k]));
    const actions = new Map(planned?.actions.map((a) => [String(a.path), a]));
    const roleOf = (paths: readonly FsPath[]): MemberView['plan'] => {
      if (!plan) return undefined;
      const first = String(paths[0]);
      const protectedFile = forced!(paths) !== undefined;
      const keeper = keepers.get(first);
      if (keeper) return { role: 'keeper', reason: keeper.reason, protected: protectedFile };
      const action = actions.get(first);
      if (action) return { role: 'action', op: action.op, reason: action.reason };
      return { role: 'keeper', reason: 'the plan acts on no copy of this group', protected: protectedFile };
    };
    return {
      ...index.summary(entry),
      members: index.group(entry).files.map((f) => memberView(f, roleOf(f.paths))),
    };
  }

  #ignore(raw: unknown): { key: string; ignored: boolean } {
    const p = new Params('group.ignore', raw, ['key', 'ignored']);
    const key = p.string('key');
    const ignored = p.boolean('ignored');
    const { index } = this.#current();
    const entry = index.get(key);
    if (!entry) throw notFound(`there is no group ${key}`);
    this.#setIgnored(index, entry, ignored);
    return { key, ignored };
  }

  #setIgnored(index: GroupIndex, group: { size: number; hash: string }, ignored: boolean): void {
    const key = `${group.size}:${group.hash}`;
    if (index.isIgnored(key) === ignored) return;
    this.#catalog.setIgnored(group, ignored, this.#options.clock.wallNow());
    this.#generation++;
    index.setIgnored(key, ignored, this.#generation);
    this.#emit({ type: 'catalog.changed', generation: this.#generation });
  }

  // ----- plans

  #rules(): RuleLookup {
    return ruleLookup(this.#options.plugins);
  }

  #applied(id: string): boolean {
    return this.#catalog.journal().runsOfPlan(id).length > 0;
  }

  #planView(id: string): PlanView {
    return planView(this.#plans.get(id).plan, this.#applied(id), this.#ruleWarnings.of(id));
  }

  async #planBuild(raw: unknown): Promise<PlanView> {
    const p = new Params('plan.build', raw, ['policy', 'action', 'to']);
    const rules = this.#rules();
    const { policy, action } = readPolicy(p, rules);
    const { index, algorithm } = this.#current();
    // The glob rules' matches first, a few milliseconds a turn (no other request waits for a costly glob); the
    // plan is then made in one step with their answers.
    const matching = new Map<string, Set<string>>();
    for (const rule of policy.rules) {
      if ('glob' in rule && !matching.has(rule.glob))
        matching.set(rule.glob, await index.matchingPaths(rule.glob));
    }
    const matcherOf = (glob: string) => {
      const paths = matching.get(glob)!;
      return (path: string) => paths.has(path);
    };
    // The groups read again from the catalog for this plan alone (the index keeps no files).
    const groups = sortGroups(
      [...catalogGroups(this.#catalog, algorithm, false)].filter(
        (g) => !index.isIgnored(`${g.size}:${g.hash}`),
      ),
    );
    const plan = buildPlan(
      groups,
      policy,
      action,
      {
        id: randomUUID(),
        createdAt: new Date(this.#options.clock.wallNow()).toISOString(),
        catalog: { id: this.#catalog.id, location: this.#catalog.location },
        algorithm,
      },
      rules,
      matcherOf,
    );
    this.#ruleWarnings.set(
      plan.id,
      unmatchedRules(policy.rules, groups, matcherOf).map(unmatchedRuleWarning),
    );
    return planView(this.#plans.add(plan).plan, false, this.#ruleWarnings.of(plan.id));
  }

  #planEdit(raw: unknown): PlanView {
    const p = new Params('plan.edit', raw, ['id', 'edits']);
    const id = p.string('id');
    const edits = readEdits(p);
    for (const [jobId, job] of this.#applying) {
      if (job.plan === id) {
        throw serviceError(
          'BUSY',
          `cannot edit plan ${id}: ${job.title} is running (job ${jobId})`,
          'wait for it to finish (job.finished), or cancel it with job.cancel',
        );
      }
    }
    const { plan } = this.#plans.get(id);
    const runs = this.#catalog.journal().runsOfPlan(id);
    const last = runs[runs.length - 1];
    // A run marked running under another process's lock is that process's apply (a `nodupe apply` of the
    // downloaded plan), not an interrupted one. This process holds the lock only for a job of another plan.
    if (last?.state === 'running' && catalogLockHolder(this.#catalog)?.pid !== process.pid) this.#checkLock();
    if (last) {
      // As apply refuses a plan with a run: an interrupted run is finished or undone, never run from a new plan.
      throw badInput(
        last.state === 'running'
          ? `plan ${id} was partly applied (run ${last.id} was interrupted): it cannot be edited`
          : `plan ${id} was applied (run ${last.id}): it cannot be edited`,
        last.state === 'running'
          ? `\`nodupe apply --resume\` finishes run ${last.id}, \`undo\` reverses it; build a new plan for the rest`
          : 'build a new plan',
      );
    }
    const { index } = this.#current();
    const edited = editPlan(plan, edits, index);
    // The same checks as apply's reading of a plan file, before anything is kept.
    const checked = readPlan(planToJson(edited.plan), `plan ${id}`);
    for (const key of edited.ignored) this.#setIgnored(index, index.get(key)!, true);
    return planView(this.#plans.save(checked).plan, false, this.#ruleWarnings.of(id));
  }

  // ----- jobs

  /** BUSY when another process holds the catalog's lock (an apply, undo or purge from the command line). */
  #checkLock(): void {
    const holder = catalogLockHolder(this.#catalog);
    if (holder !== undefined) {
      throw serviceError(
        'BUSY',
        `another nodupe${describeHolder(holder, { since: true })} is applying, undoing or purging with this catalog`,
        'wait for it to finish',
      );
    }
  }

  #limiter() {
    const rate = this.#options.maxReadRate;
    return rate === undefined ? {} : { limiter: byteRateLimiter(rate, this.#options.clock) };
  }

  #scan(raw: unknown): JobView {
    const p = new Params('scan', raw, ['paths']);
    const paths = p.optionalStrings('paths', FOLDERS_MAX);
    if (paths === undefined || paths.length === 0)
      throw badInput('scan: paths: expected an array of absolute paths');
    const roots = realFolders('scan', paths);
    const shared = isPostgresLocation(this.#options.catalogPath);
    const release = this.#lockForJob('scan');
    const algorithm = this.#algorithm();
    const host = this.#options.plugins;
    const hasher = host.registry.get('hashers', algorithm);
    const plugin = host.registry.providerOf('hashers', algorithm);
    this.#scanning = true;
    try {
      return this.#jobs.start(
        'scan',
        `scan ${roots.join(' ')}`,
        true,
        async (ctx) => ({
          ...(await runScanThread(
            {
              // The thread opens its own connection: to a server, by the URL given (its location hides the
              // password); to a file, by its real path.
              catalogPath: shared ? this.#options.catalogPath : this.#catalog.location,
              env: this.#options.env,
              roots,
              algorithm,
              ...(hasher?.module === undefined
                ? {}
                : { hasherModule: hasher.module, hasherPlugin: plugin ?? hasher.module }),
              skipFolders: ownFolders(this.#catalog, this.#options.dataDir),
              skipFiles: shared ? [] : [realpathSync(this.#catalog.location)],
              ...(this.#options.maxReadRate === undefined ? {} : { maxReadRate: this.#options.maxReadRate }),
              ...(this.#options.scanThreads === undefined ? {} : { threads: this.#options.scanThreads }),
            },
            ctx.signal,
            (progress) => ctx.progress(progress),
          )),
        }),
        () => {
          release();
          this.#scanning = false;
          this.#changed();
        },
      );
    } catch (error) {
      this.#scanning = false;
      release();
      throw error;
    }
  }

  /**
   * The catalog's lock for a job that writes it (scan, similar): refused as BUSY while another job of this service
   * runs, or another process (apply, undo, purge) holds the lock. Returns its release.
   */
  #lockForJob(kind: 'scan' | 'similar'): () => void {
    this.#jobs.checkIdle(kind);
    try {
      return lockCatalog(this.#catalog);
    } catch (error) {
      throw serviceError('BUSY', (error as Error).message, 'wait for it to finish');
    }
  }

  /**
   * Near-duplicates as a job: it writes fingerprints (and full hashes) to the catalog, so it runs as a scan does,
   * one mutating job at a time and under the catalog's lock. The groups do not change (a fingerprint makes no
   * duplicate): no new generation. Its result is kept for `similar.groups`.
   */
  #findSimilar(raw: unknown): JobView {
    const request = readSimilarRequest(raw);
    const subject = request.detector.subject;
    const release = this.#lockForJob('similar');
    const algorithm = this.#algorithm();
    const hasher = this.#options.plugins.registry.get('hashers', algorithm);
    const where = request.roots.length === 0 ? 'the catalog' : request.roots.join(' ');
    // The catalog as the job starts reading it: a change seen later makes the result stale.
    this.#noticeOthers();
    const generation = this.#generation;
    try {
      return this.#jobs.start(
        'similar',
        `similar ${subject} in ${where}`,
        true,
        async (ctx) => {
          const report = await runSimilar(
            request,
            {
              catalog: this.#catalog,
              clock: this.#options.clock,
              algorithm,
              hasherModule: hasher?.module,
              threads: this.#options.scanThreads,
              limiter: this.#limiter().limiter,
            },
            ctx,
          );
          const finishedAt = new Date(this.#options.clock.wallNow()).toISOString();
          return this.#similar.keep(report, finishedAt, generation);
        },
        () => release(),
      );
    } catch (error) {
      release();
      throw error;
    }
  }

  #similarGroups(raw: unknown) {
    const p = new Params('similar.groups', raw, ['subject', 'cursor', 'limit']);
    const subject = p.optionalChoice('subject', SIMILAR_SUBJECTS);
    if (subject === undefined)
      throw invalidParams(`similar.groups: subject: expected one of ${SIMILAR_SUBJECTS.join(', ')}`);
    const cursor = p.optionalString('cursor');
    const limit = p.optionalInteger('limit', SIMILAR_PAGE.min, SIMILAR_PAGE.max) ?? SIMILAR_PAGE.default;
    this.#noticeOthers();
    return this.#similar.page(subject, cursor, limit, this.#generation);
  }

  #apply(raw: unknown): JobView {
    const p = new Params('apply', raw, ['plan', 'confirm', 'dryRun']);
    const id = p.string('plan');
    const confirm = p.optionalBoolean('confirm') ?? false;
    const dryRun = p.optionalBoolean('dryRun') ?? false;
    const { plan, text } = this.#plans.get(id);
    const view = planView(plan, this.#applied(id));
    if (view.applied && !dryRun) {
      throw badInput(
        `plan ${id} was applied already`,
        '`undo` reverses its run; build a new plan for what is left',
      );
    }
    if (view.summary.irreversible > 0 && !confirm && !dryRun) {
      throw serviceError(
        'CONFIRM',
        `this plan deletes ${view.summary.irreversible} file(s), which cannot be undone`,
        'apply it again with confirm: true (or make a quarantine plan)',
      );
    }
    if (!dryRun) {
      this.#jobs.checkIdle('apply');
      this.#checkLock();
      // The plan applied stays on file, as its run names it: `plan.get` and its download answer after a restart.
      this.#plans.getOnFile(id);
    }
    const title = `${dryRun ? 'dry run of' : 'apply'} plan ${id}`;
    let jobId = '';
    const job = this.#jobs.start(
      'apply',
      title,
      !dryRun,
      async (ctx) => {
        const progress = new ProgressTracker({ clock: this.#options.clock });
        ctx.track(progress);
        try {
          const report = await applyPlan(plan, text, {
            catalog: this.#catalog,
            clock: this.#options.clock,
            dataDir: this.#options.dataDir,
            signal: ctx.signal,
            dryRun,
            progress,
            onStep: (step) => ctx.step(applyStepView(step)),
            ...this.#limiter(),
          });
          return {
            runId: report.runId ?? null,
            dryRun: report.dryRun,
            done: report.done,
            skipped: report.skipped,
            bytes: report.bytes,
            space: report.space,
            alreadySettled: report.alreadySettled,
            stopped: report.stopped,
          };
        } catch (error) {
          if (isAbortError(error) && !dryRun) {
            throw serviceError(
              'ABORT_ERR',
              'the run was interrupted at a batch boundary',
              '`nodupe apply --resume` finishes it, `undo` reverses it',
            );
          }
          throw error;
        }
      },
      () => {
        this.#applying.delete(jobId);
        if (!dryRun) this.#changed();
      },
    );
    // The job's work starts after this turn, and `after` runs after its work: the entry is in place before both.
    jobId = job.id;
    this.#applying.set(jobId, { plan: id, title });
    return job;
  }

  #undo(raw: unknown): JobView {
    const p = new Params('undo', raw, ['run']);
    const runId = p.optionalInteger('run', 1);
    if (runId === undefined && !anythingToUndo(this.#catalog)) {
      throw badInput('nothing left to undo', '`runs` lists the runs');
    }
    const run = runToUndo(this.#catalog, runId);
    this.#jobs.checkIdle('undo');
    this.#checkLock();
    return this.#jobs.start(
      'undo',
      `undo run ${run.id}`,
      true,
      (ctx) => {
        const report = undoRun(run, {
          catalog: this.#catalog,
          clock: this.#options.clock,
          signal: ctx.signal,
          onStep: (entry, outcome, reason) => ctx.step(undoStepView(entry, outcome, reason)),
        });
        return {
          runId: report.runId,
          undone: report.undone,
          already: report.already,
          notUndone: report.problems.length,
          deleted: report.deleted,
          purged: report.purged,
          gone: report.gone,
          state: report.state,
          complete: report.complete,
        };
      },
      () => this.#changed(),
    );
  }

  #verify(raw: unknown): JobView {
    const p = new Params('verify', raw, ['mode']);
    const mode = p.optionalChoice('mode', VERIFY_MODES) ?? 'all';
    const host = this.#options.plugins;
    return this.#jobs.start('verify', `verify ${mode}`, false, async (ctx) => {
      const progress = new ProgressTracker({ clock: this.#options.clock });
      ctx.track(progress);
      const report = await verify(this.#catalog, {
        mode,
        signal: ctx.signal,
        progress,
        clock: this.#options.clock,
        hasher: hasherLookup(host),
        ...this.#limiter(),
      });
      return verifyReportDocument(report, this.#options.clock.wallNow());
    });
  }

  async #reloadPlugins(raw: unknown) {
    new Params('plugins.reload', raw, []);
    const host = this.#options.plugins;
    this.#reloading = true;
    try {
      for (const record of host.list()) {
        if (record.source.kind === 'file') await host.reloadFile(record.source.path);
      }
    } finally {
      this.#reloading = false;
    }
    const plugins = pluginViews(host);
    this.#emit({ type: 'plugins.reloaded', plugins });
    return plugins;
  }
}
