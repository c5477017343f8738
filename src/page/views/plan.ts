/** The plan side: its summary, apply (with the delete confirmation), live progress, per-file results, runs, undo. */
import type { JobView, PlanView, RunView, StepView } from '../../serve/protocol.js';
import type { Actions } from '../actions.js';
import { h } from '../dom.js';
import { download } from '../page-fetch.js';
import { backButton } from './back.js';
import { count, formatBytes, formatJob, formatProgress, formatTime } from '../format.js';
import { applySummary, runOutcome, runState, shortId, undoSummary } from '../results.js';
import { lastUndoableRun, needsConfirmation, type State } from '../state.js';

/** Steps drawn per result list: the latest ones (a big apply has thousands; the totals say the rest). */
const STEPS_SHOWN = 500;

export function renderPlan(state: State, actions: Actions): HTMLElement {
  const plan = state.reviewed;
  const applyJob = state.applyJob === undefined ? undefined : state.jobs[state.applyJob];
  const undoJob = state.undoJob === undefined ? undefined : state.jobs[state.undoJob];
  const busy = Object.values(state.jobs).some((job) => job.state === 'running');
  const undoable = lastUndoableRun(state.runs);
  const applying = applyJob?.state === 'running';
  return h(
    'article',
    { class: 'plan' },
    h('header', { class: 'detail-head' }, backButton(actions), h('h2', {}, 'Plan')),
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
          downloadButton(
            `/plans/${encodeURIComponent(plan.id)}.json`,
            `nodupe-plan-${plan.id}.json`,
            'Download the plan',
            actions,
          ),
          downloadButton('/report.json', 'nodupe-report.json', 'Report (JSON)', actions),
          downloadButton('/report.csv', 'nodupe-report.csv', 'Report (CSV)', actions),
        )
      : null,
    plan && state.confirming ? confirmation(plan, actions) : null,
    applyJob ? progress(applyJob) : null,
    applyJob ? results(applyJob, state.steps[applyJob.id] ?? [], plan) : null,
    h(
      'section',
      { class: 'runs-box', 'aria-label': 'Runs' },
      h('h3', {}, 'Runs'),
      runs(state.runs, applying),
      cutShort(state.runs, applying),
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
  return h(
    'div',
    { class: 'plan-summary', testid: 'plan-summary' },
    h('p', {}, h('strong', {}, goes), ' ', frees(plan)),
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

/** What the plan frees: now (deletes, links), and after the quarantine is purged. */
function frees(plan: PlanView): (string | HTMLElement)[] {
  const { freedNow, freedAfterPurge } = plan.summary;
  if (plan.action === 'move') return ['Frees nothing here: the files take their space where they go.'];
  const now = freedNow > 0 ? `Frees ${formatBytes(freedNow)} now` : 'Frees nothing yet';
  if (freedAfterPurge === 0) return [`${now}.`];
  return [
    `${now}, and ${formatBytes(freedAfterPurge)} ${freedNow > 0 ? 'more ' : ''}once `,
    h('code', {}, 'nodupe quarantine purge'),
    ' empties the quarantine.',
  ];
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

/** The apply's progress bar and line: "Applying: 1 of 12 files · compared 2.00 MiB · 8%". */
function progress(job: JobView): HTMLElement {
  const fraction = job.progress?.current?.fraction;
  const line =
    job.state === 'running'
      ? `Applying${job.progress ? `: ${formatProgress(job.progress, false)}` : '…'}`
      : `${job.state.charAt(0).toUpperCase()}${job.state.slice(1)}${job.error?.message ? `: ${job.error.message}` : ''}` +
        (job.error?.hint ? ` (${job.error.hint})` : '');
  return h(
    'div',
    {
      class: 'progress',
      testid: 'apply-progress',
      'data-state': job.state,
      role: 'status',
      'aria-live': 'polite',
    },
    h(
      'progress',
      job.state === 'running'
        ? fraction === undefined
          ? {}
          : { max: 1, value: fraction }
        : { max: 1, value: 1 },
    ),
    h('span', {}, line),
  );
}

function results(job: JobView, steps: StepView[], plan: PlanView | undefined): HTMLElement {
  const shown = steps.slice(-STEPS_SHOWN);
  return h(
    'section',
    {
      class: 'results',
      testid: 'apply-result',
      'data-state': job.state,
      'aria-label': 'What happened to each file',
    },
    h('h3', {}, 'Result per file'),
    job.state === 'running'
      ? null
      : h('p', { class: 'result-line' }, applySummary(job, plan?.action, plan?.to) || job.state),
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
    job.state === 'running'
      ? h('p', {}, formatJob(job))
      : h('p', { class: 'result-line' }, undoSummary(job) || formatJob(job)),
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

/** A run left "running" with no apply under way was cut short (the server stopped): say how to finish it. */
function cutShort(list: RunView[], applying: boolean): HTMLElement | null {
  const run = applying ? undefined : list.find((r) => r.state === 'running');
  if (!run) return null;
  return h(
    'p',
    { class: 'note irreversible' },
    `Run ${run.id} stopped part way. `,
    h('code', {}, 'nodupe apply --resume'),
    ' finishes it; undo puts back what it did.',
  );
}

/** The runs, newest first, as a small table: what each did, and whether undo can still bring it back. */
function runs(list: RunView[], applying: boolean): HTMLElement {
  if (list.length === 0) return h('p', { class: 'note', testid: 'runs' }, 'No runs yet.');
  const head = ['Run', 'When', 'Plan', 'State', 'What happened', 'Undoable'];
  return h(
    'table',
    { class: 'runs', testid: 'runs' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((title) => h('th', { scope: 'col' }, title)),
      ),
    ),
    h(
      'tbody',
      {},
      [...list]
        .sort((a, b) => b.id - a.id)
        .map((run) =>
          h(
            'tr',
            { 'data-run': run.id },
            h('td', {}, String(run.id)),
            h('td', {}, formatTime(run.startedAt)),
            h('td', { title: run.planId }, shortId(run.planId)),
            h('td', {}, runState(run, applying)),
            h('td', {}, runOutcome(run)),
            h('td', {}, run.undoable ? 'yes' : 'no'),
          ),
        ),
    ),
  );
}

/** A button that saves what the server sends at `url` (fetched with the page's session). */
function downloadButton(url: string, filename: string, label: string, actions: Actions): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'link',
      onclick: () => void download(url, filename).catch((error: unknown) => actions.showError(error)),
    },
    label,
  );
}
