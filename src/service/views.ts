import type { Step } from '../apply/apply.js';
import type { JournalEntry, RunRecord } from '../apply/journal.js';
import type { PluginHost } from '../plugins/host.js';
import type { PluginView, RunView, StepView } from '../serve/protocol.js';
import { pathView } from './path-view.js';

/** One step of an apply as the API shows it. */
export function applyStepView(step: Step): StepView {
  return {
    seq: step.seq,
    op: step.op,
    path: pathView(step.path),
    keeper: pathView(step.keeper),
    outcome: step.outcome,
    ...(step.reason === undefined ? {} : { reason: step.reason }),
  };
}

/** One entry undone (or found in place, or not undone) as a step. */
export function undoStepView(
  entry: JournalEntry,
  outcome: 'undone' | 'already' | 'problem',
  reason: string | undefined,
): StepView {
  return {
    seq: entry.seq,
    op: entry.op,
    path: pathView(entry.path),
    keeper: pathView(entry.keeper),
    outcome: outcome === 'undone' ? 'done' : 'skipped',
    ...(outcome === 'already' ? { reason: 'already in place' } : reason === undefined ? {} : { reason }),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A run of the journal; `undoable` as `nodupe undo` judges it (something done, other than a delete, or unsettled). */
export function runView(run: RunRecord): RunView {
  return {
    id: run.id,
    planId: run.planId,
    state: run.state,
    startedAt: iso(run.startedAt),
    ...(run.finishedAt === undefined ? {} : { finishedAt: iso(run.finishedAt) }),
    ...(run.undoneAt === undefined ? {} : { undoneAt: iso(run.undoneAt) }),
    entries: { ...run.entries },
    undoable:
      run.state !== 'undone' &&
      run.state !== 'partly-undone' &&
      run.tallies.some((t) => t.state === 'intent' || (t.state === 'done' && t.op !== 'delete')),
  };
}

export function pluginViews(host: PluginHost): PluginView[] {
  return host.list().map((p) => ({
    name: p.name,
    version: p.version ?? '',
    state: p.state,
    provides: host.registry.providedBy(p.name),
    ...(p.error === undefined ? {} : { error: p.error }),
  }));
}
