/**
 * What the user can do in the Similar view, as calls to the server and changes to the state: choose pictures or
 * documents and a level, run it (a job, followed by its events), page its groups, compare two members. No DOM.
 */
import type { ServerEvent } from '../serve/protocol.js';
import type { SimilarSubjectName } from '../serve/similar-protocol.js';
import { RpcFailure, type Call } from './rpc.js';
import { chosenPreset, type SimilarState } from './similar-state.js';
import { withJob } from './state.js';
import type { Store } from './store.js';

/** Groups per page of the view. */
const PAGE = 20;

export class SimilarActions {
  readonly #store: Store;
  readonly #call: Call;
  readonly #showError: (error: unknown) => void;
  /** Bumped by every fresh load: a page that answers after a newer load started is dropped. */
  #load = 0;

  constructor(store: Store, call: Call, showError: (error: unknown) => void) {
    this.#store = store;
    this.#call = call;
    this.#showError = showError;
  }

  get #similar(): SimilarState {
    return this.#store.state.similar;
  }

  #set(change: Partial<SimilarState>): void {
    this.#store.update((state) => ({ ...state, similar: { ...state.similar, ...change } }));
  }

  async #guard(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.#showError(error);
    }
  }

  /** Opens the view: the detectors' presets (once), and the subject's latest result, if the server keeps one. */
  open(): Promise<void> {
    this.#store.update({ view: 'similar', open: undefined, confirming: false });
    return this.#guard(async () => {
      if (this.#similar.detectors.length === 0)
        this.#set({ detectors: await this.#call('similar.detectors', {}) });
      await this.loadGroups();
    });
  }

  chooseSubject(subject: SimilarSubjectName): Promise<void> {
    if (subject === this.#similar.subject) return Promise.resolve();
    this.#set({ subject, result: undefined, compare: undefined });
    return this.#guard(() => this.loadGroups());
  }

  choosePreset(preset: string): void {
    this.#set({ presets: { ...this.#similar.presets, [this.#similar.subject]: preset } });
  }

  /** Starts `similar` for the subject and level chosen, over the whole catalog; its events say how it goes. */
  run(): Promise<void> {
    return this.#guard(async () => {
      const { subject } = this.#similar;
      const preset = chosenPreset(this.#similar);
      const job = await this.#call(
        'similar',
        preset === undefined ? { subject } : { subject, similarity: preset },
      );
      this.#store.update((state) => ({
        ...withJob(state, job),
        similar: { ...state.similar, jobs: { ...state.similar.jobs, [subject]: job.id } },
      }));
    });
  }

  /** The subject's groups from the first page; none kept yet shows as no result, not as an error. */
  async loadGroups(): Promise<void> {
    const load = ++this.#load;
    const { subject } = this.#similar;
    this.#set({ loading: true });
    try {
      const result = await this.#call('similar.groups', { subject, limit: PAGE });
      if (load === this.#load) this.#set({ result, compare: undefined });
    } catch (error) {
      if (error instanceof RpcFailure && error.data?.code === 'NOT_FOUND') {
        if (load === this.#load) this.#set({ result: undefined });
      } else throw error;
    } finally {
      if (load === this.#load) this.#set({ loading: false });
    }
  }

  /** The next page of groups. */
  loadMore(): Promise<void> {
    const result = this.#similar.result;
    if (!result || result.next === null || this.#similar.loading) return Promise.resolve();
    const load = this.#load;
    return this.#guard(async () => {
      this.#set({ loading: true });
      try {
        const page = await this.#call('similar.groups', {
          subject: result.subject,
          cursor: result.next!,
          limit: PAGE,
        });
        if (load === this.#load)
          this.#set({ result: { ...page, groups: [...result.groups, ...page.groups] } });
      } finally {
        if (load === this.#load) this.#set({ loading: false });
      }
    });
  }

  /** Shows two members of a group side by side (by their places in the group). */
  compare(group: number, left: number, right: number): void {
    this.#set({ compare: { group, left, right } });
  }

  closeCompare(): void {
    this.#set({ compare: undefined });
  }

  /** A `similar` job of the subject shown ended: its result is the one to show. */
  async handleEvent(event: ServerEvent): Promise<void> {
    // The catalog changed: the result shown may name files gone or edited (the server marks it stale).
    if (event.type === 'catalog.changed' && this.#store.state.view === 'similar') {
      await this.#guard(() => this.loadGroups());
      return;
    }
    if (event.type !== 'job.finished' || event.job.kind !== 'similar') return;
    const subject = (event.job.result as { subject?: SimilarSubjectName } | undefined)?.subject;
    if (event.job.state !== 'done' || subject !== this.#similar.subject) return;
    await this.#guard(() => this.loadGroups());
  }
}
