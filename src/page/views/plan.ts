/** The plan side: its summary, apply (with the delete confirmation), live progress, per-file results, runs, undo. */
import type { JobView, PlanView, RunView, StepView } from '../../serve/protocol.js';
import type { Actions } from '../actions.js';
import { h } from '../dom.js';
import { count, formatBytes, formatJob, formatTime } from '../format.js';
import { lastUndoableRun, needsConfirmation, type State } from '../state.js';

/** Steps drawn per result list: the latest ones (a big apply has thousands; the totals say the rest). */
const STEPS_SHOWN = 500;

export function renderPlan(state: State, actions: Actions): HTMLElement {
  const plan = state.reviewed;
  const applyJob = state.applyJob === undefined ? undefined : state.jobs[state.applyJob];
  const undoJob = state.undoJob === undefined ? undefined : state.jobs[state.undoJob];
  const busy = Object.values(state.jobs).some((job) => job.state === 'running');
  const undoable = lastUndoableRun(state.runs);
  return h(
    'article',
    { class: 'plan' },
    h(
      'header',
      { class: 'detail-head' },
      h(
        'button',
        {
          type: 'button',
          class: 'quiet back',
          onclick: () => actions.back(),
          title: 'Back to the list (Escape)',
        },
        '← Groups',
      ),
      h('h2', {}, 'Plan'),
    ),
    plan
      ? summary(plan)
      : h('p', { class: 'plan-summary', testid: 'plan-summary' }, 'No plan: there are no duplicate groups.'),
    plan
      ? h(
          'p',
          { class: 'actions-row' },
          h(
            'button',
            {
              type: 'button',
              class: 'primary',
              testid: 'apply-start',
              disabled: plan.applied || plan.summary.actions === 0 || busy,
              onclick: () => void actions.startApply(),
            },
            needsConfirmation(plan) ? 'Apply… (asks first)' : 'Apply',
          ),
          h(
            'a',
            { href: `/plans/${encodeURIComponent(plan.id)}.json`, download: `nodupe-plan-${plan.id}.json` },
            'Download the plan',
          ),
          h('a', { href: '/report.json', download: 'nodupe-report.json' }, 'Report (JSON)'),
          h('a', { href: '/report.csv', download: 'nodupe-report.csv' }, 'Report (CSV)'),
        )
      : null,
    plan && state.confirming ? confirmation(plan, actions) : null,
    applyJob ? progress(applyJob, 'apply-progress') : null,
    applyJob ? results(applyJob, state.steps[applyJob.id] ?? [], 'apply-result') : null,
    h(
      'section',
      { class: 'runs-box', 'aria-label': 'Runs' },
      h('h3', {}, 'Runs'),
      runs(state.runs),
      h(
        'button',
        {
          type: 'button',
          testid: 'undo-start',
          disabled: !undoable || busy,
          onclick: () => void actions.startUndo(),
        },
        undoable ? `Undo run ${undoable.id}` : 'Nothing to undo',
      ),
      undoJob ? undoResult(undoJob, state.steps[undoJob.id] ?? []) : null,
    ),
  );
}

function summary(plan: PlanView): HTMLElement {
  const s = plan.summary;
  const goes = `${count(s.actions, 'file')} in ${count(s.groups, 'group')} ${verb(plan)}: ${formatBytes(s.bytes)}.`;
  const frees = `Frees ${formatBytes(s.freedNow)} now and ${formatBytes(s.freedAfterPurge)} more after \`nodupe quarantine purge\`.`;
  return h(
    'div',
    { class: 'plan-summary', testid: 'plan-summary' },
    h('p', {}, h('strong', {}, goes), ' ', frees),
    s.irreversible > 0
      ? h(
          'p',
          { class: 'irreversible' },
          `⚠ Irreversible: ${count(s.irreversible, 'action')} cannot be undone (delete).`,
        )
      : h('p', { class: 'note' }, 'Every action can be undone.'),
    plan.policy.protect.length > 0
      ? h('p', { class: 'note' }, `Reference folders (never acted on): ${plan.policy.protect.join(', ')}`)
      : null,
    plan.policy.rules.length > 0
      ? h('p', { class: 'note' }, `Keeper rules: ${plan.policy.rules.join(', ')}`)
      : null,
    plan.warnings.length > 0
      ? h(
          'ul',
          { class: 'warnings' },
          plan.warnings.map((w) => h('li', {}, w)),
        )
      : null,
    plan.applied ? h('p', { class: 'note' }, 'This plan has been applied.') : null,
  );
}

function verb(plan: PlanView): string {
  switch (plan.action) {
    case 'quarantine':
      return 'go to quarantine';
    case 'delete':
      return 'are deleted';
    case 'move':
      return `move to ${plan.to ?? 'another folder'}`;
    default:
      return `become ${plan.action}s to their keeper`;
  }
}

function confirmation(plan: PlanView, actions: Actions): HTMLElement {
  return h(
    'div',
    { class: 'confirm', role: 'alertdialog', 'aria-label': 'Confirm the deletion' },
    h(
      'p',
      {},
      `This deletes ${count(plan.summary.irreversible || plan.summary.actions, 'file')} for good: it cannot be undone.`,
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        testid: 'apply-confirm',
        onclick: () => void actions.startApply(true),
      },
      'Delete for good',
    ),
    h('button', { type: 'button', class: 'quiet', onclick: () => actions.cancelConfirmation() }, 'Cancel'),
  );
}

function progress(job: JobView, testid: string): HTMLElement {
  const fraction = job.progress?.current?.fraction;
  return h(
    'div',
    { class: 'progress', testid, 'data-state': job.state, role: 'status', 'aria-live': 'polite' },
    h(
      'progress',
      job.state === 'running'
        ? fraction === undefined
          ? {}
          : { max: 1, value: fraction }
        : { max: 1, value: 1 },
    ),
    h('span', {}, formatJob(job)),
  );
}

function resultLine(job: JobView): string {
  if (!job.result) return '';
  return Object.entries(job.result)
    .filter(
      ([, value]) => typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean',
    )
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(' · ');
}

function results(job: JobView, steps: StepView[], testid: string): HTMLElement {
  const shown = steps.slice(-STEPS_SHOWN);
  return h(
    'section',
    { class: 'results', testid, 'data-state': job.state, 'aria-label': 'What happened to each file' },
    h('h3', {}, 'Result per file'),
    job.state === 'running' ? null : h('p', { class: 'note' }, resultLine(job) || job.state),
    shown.length < steps.length
      ? h('p', { class: 'note' }, `The last ${shown.length} of ${steps.length} steps:`)
      : null,
    h(
      'ol',
      { class: 'steps' },
      shown.map((step) =>
        h(
          'li',
          {
            class: `apply-step ${step.outcome}`,
            testid: 'apply-step',
            'data-outcome': step.outcome,
          },
          h('strong', {}, `${step.op} ${step.outcome}`),
          ` ${step.path.text}`,
          step.reason ? h('span', { class: 'why' }, ` — ${step.reason}`) : null,
        ),
      ),
    ),
  );
}

function undoResult(job: JobView, steps: StepView[]): HTMLElement {
  return h(
    'div',
    {
      class: 'results',
      testid: 'undo-result',
      'data-state': job.state,
      role: 'status',
      'aria-live': 'polite',
    },
    h('p', {}, formatJob(job)),
    job.state === 'running' ? null : h('p', { class: 'note' }, resultLine(job)),
    steps.length > 0
      ? h(
          'ol',
          { class: 'steps' },
          steps
            .slice(-STEPS_SHOWN)
            .map((step) => h('li', {}, `undo ${step.op}: ${step.outcome} ${step.path.text}`)),
        )
      : null,
  );
}

function runs(list: RunView[]): HTMLElement {
  if (list.length === 0) return h('p', { class: 'note', testid: 'runs' }, 'No runs yet.');
  return h(
    'ol',
    { class: 'runs', testid: 'runs', reversed: true },
    [...list]
      .sort((a, b) => b.id - a.id)
      .map((run) =>
        h(
          'li',
          { 'data-run': run.id },
          h('strong', {}, `Run ${run.id}`),
          ` · ${run.state} · ${formatTime(run.startedAt)}`,
          ` · ${
            Object.entries(run.entries)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || 'no entries'
          }`,
          run.undoneAt ? ` · undone ${formatTime(run.undoneAt)}` : run.undoable ? ' · can be undone' : '',
        ),
      ),
  );
}
