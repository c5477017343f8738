/**
 * The Similar view: choose pictures or documents and a level, run it, then its groups, largest reclaimable first:
 * each member with its preview, size, distance and "% alike", the one to keep marked; two members side by side.
 */
import type { JobView } from '../../serve/protocol.js';
import type {
  SimilarGroupsResult,
  SimilarGroupView,
  SimilarMemberView,
  SimilarSubjectName,
} from '../../serve/similar-protocol.js';
import { SIMILAR_SUBJECTS } from '../../serve/similar-protocol.js';
import { h } from '../dom.js';
import { count, formatBytes, formatJob, formatTime } from '../format.js';
import type { SimilarActions } from '../similar-actions.js';
import {
  chosenPreset,
  formatDistance,
  percentAlike,
  PRESET_LABELS,
  similarJob,
  SUBJECT_LABELS,
} from '../similar-state.js';
import type { State } from '../state.js';
import { backButton } from './back.js';
import type { Actions } from '../actions.js';
import { pathLines, preview } from './member.js';

export function renderSimilar(state: State, actions: Actions, similar: SimilarActions): HTMLElement {
  const view = state.similar;
  const job = similarJob(view, state.jobs);
  const running = job?.state === 'running';
  return h(
    'article',
    { class: 'similar', testid: 'similar-view', 'aria-label': 'Similar files' },
    h(
      'header',
      { class: 'detail-head' },
      backButton(actions),
      h('h2', {}, 'Similar pictures and documents'),
      h(
        'p',
        { class: 'facts' },
        'Alike without being the same bytes: resized, recompressed, edited copies. Review them here; nothing is changed.',
      ),
    ),
    runForm(state, similar, running),
    status(job, view.result, view.loading),
    view.result ? results(view.result, state, similar) : null,
  );
}

function runForm(state: State, similar: SimilarActions, running: boolean): HTMLElement {
  const view = state.similar;
  const detector = view.detectors.find((d) => d.subject === view.subject);
  const subjects = h(
    'fieldset',
    { class: 'similar-subjects' },
    h('legend', { class: 'sr-only' }, 'Compare'),
    SIMILAR_SUBJECTS.map((subject: SimilarSubjectName) =>
      h(
        'label',
        { class: 'similar-subject' },
        h('input', {
          type: 'radio',
          name: 'similar-subject',
          value: subject,
          testid: `similar-subject-${subject}`,
          checked: view.subject === subject,
          onchange: () => void similar.chooseSubject(subject),
        }),
        ` ${SUBJECT_LABELS[subject]}`,
      ),
    ),
  );
  const chosen = chosenPreset(view);
  const level = h(
    'select',
    {
      testid: 'similar-level',
      'aria-label': 'How alike',
      title: detector ? `${detector.description}; distance in ${detector.distanceUnit}` : undefined,
      onchange: (event: Event) => similar.choosePreset((event.target as HTMLSelectElement).value),
    },
    (detector?.presets ?? []).map((preset) =>
      h(
        'option',
        { value: preset.name, selected: preset.name === chosen },
        PRESET_LABELS[preset.name] ?? preset.name,
      ),
    ),
  );
  return h(
    'form',
    {
      class: 'tool similar-run',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void similar.run();
      },
    },
    subjects,
    level,
    h(
      'button',
      {
        type: 'submit',
        class: 'primary',
        testid: 'similar-run',
        disabled: running || detector === undefined,
        title:
          'Compares every file of the catalog the detector reads (fingerprints are kept: a second run is quick)',
      },
      running ? 'Finding…' : 'Find similar',
    ),
  );
}

/** The job's progress while it runs (as the scan's), else what the result holds. */
function status(
  job: JobView | undefined,
  result: SimilarGroupsResult | undefined,
  loading: boolean,
): HTMLElement {
  let text: string;
  if (job && job.state !== 'done') text = formatJob(job);
  else if (result) {
    const parts = [
      count(result.total, 'group'),
      `frees ${formatBytes(result.reclaimable)}`,
      `${count(result.files, 'file')} compared`,
      `${count(result.unique, 'file')} like no other`,
    ];
    if (result.problemCount > 0) parts.push(count(result.problemCount, 'problem'));
    text = `${parts.join(' · ')} (${result.preset ?? `distance ${result.maxDistance}`}, ${formatTime(result.finishedAt)})`;
  } else if (loading) text = 'Loading…';
  else text = 'Not run yet: choose what to compare and how alike, then Find similar.';
  return h(
    'p',
    { class: 'similar-status', testid: 'similar-status', role: 'status', 'data-state': job?.state ?? 'idle' },
    text,
  );
}

function results(result: SimilarGroupsResult, state: State, similar: SimilarActions): HTMLElement {
  return h(
    'div',
    { class: 'similar-results' },
    result.stale
      ? h(
          'p',
          { class: 'note changed', testid: 'similar-stale' },
          'The catalog changed since this result: some files may be gone or edited. Find similar again.',
        )
      : null,
    result.groups.length === 0 ? h('p', { class: 'note' }, 'No similar files at this level.') : null,
    result.groups.map((group) => groupSection(group, result, state, similar)),
    result.next !== null
      ? h(
          'button',
          { type: 'button', testid: 'similar-more', onclick: () => void similar.loadMore() },
          `More groups (${result.groups.length} of ${result.total} shown)`,
        )
      : null,
    result.problemCount > 0 ? problems(result) : null,
  );
}

function groupSection(
  group: SimilarGroupView,
  result: SimilarGroupsResult,
  state: State,
  similar: SimilarActions,
): HTMLElement {
  const comparing = state.similar.compare?.group === group.index ? state.similar.compare : undefined;
  const shown = group.members.length < group.files ? ` (the first ${group.members.length} shown)` : '';
  return h(
    'section',
    {
      class: 'similar-group',
      testid: 'similar-group',
      'data-index': group.index,
      'aria-label': `Group ${group.index + 1}`,
    },
    h(
      'h3',
      {},
      `Group ${group.index + 1} · ${count(group.files, 'file')}${shown} · frees ${formatBytes(group.reclaimable)}`,
    ),
    h(
      'div',
      { class: 'members', role: 'list', 'aria-label': `Files of group ${group.index + 1}` },
      group.members.map((member, i) => memberRow(member, i, group, result, similar)),
    ),
    comparing
      ? sideBySide(group, result, comparing, similar)
      : h(
          'button',
          {
            type: 'button',
            testid: 'similar-compare-open',
            onclick: () => similar.compare(group.index, 0, 1),
          },
          'Side by side',
        ),
  );
}

function memberFacts(member: SimilarMemberView, result: SimilarGroupsResult): HTMLElement {
  return h(
    'span',
    { class: 'facts' },
    `${formatBytes(member.size)} · ${formatTime(member.mtime)} · `,
    member.keep
      ? 'the one to keep'
      : h(
          'span',
          { testid: 'similar-distance' },
          `${formatDistance(member.distance, result.distanceUnit)} · ${percentAlike(member)}`,
        ),
  );
}

function memberRow(
  member: SimilarMemberView,
  index: number,
  group: SimilarGroupView,
  result: SimilarGroupsResult,
  similar: SimilarActions,
): HTMLElement {
  const path = member.paths[0]?.text ?? '';
  const row = h(
    'div',
    {
      class: `member-row similar-member ${member.keep ? 'kept' : ''}`,
      testid: 'similar-member',
      role: 'listitem',
      tabindex: 0,
      'data-file-id': member.id,
      'data-keep': member.keep ? 'true' : undefined,
      'aria-label': `${path}, ${member.keep ? 'the one to keep' : percentAlike(member)}`,
      title: member.keep ? undefined : 'Enter: side by side with the one to keep',
    },
    h('span', { class: 'similar-badge' }, member.keep ? h('strong', { class: 'keep-badge' }, 'Keep') : null),
    preview(member),
    h('div', { class: 'member-text' }, pathLines(member), memberFacts(member, result)),
  );
  row.addEventListener('keydown', (event) => {
    if (event.target !== row) return;
    if (event.key === 'Enter' && index > 0) {
      event.preventDefault();
      similar.compare(group.index, 0, index);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      if (next instanceof HTMLElement) next.focus();
    }
  });
  return row;
}

/** Two members of a group side by side, large previews; each side picks its member. */
function sideBySide(
  group: SimilarGroupView,
  result: SimilarGroupsResult,
  pair: { left: number; right: number },
  similar: SimilarActions,
): HTMLElement {
  const choose = (side: 'left' | 'right') =>
    h(
      'select',
      {
        testid: `similar-compare-${side}`,
        'aria-label': side === 'left' ? 'Left file' : 'Right file',
        onchange: (event: Event) => {
          const value = Number((event.target as HTMLSelectElement).value);
          if (side === 'left') similar.compare(group.index, value, pair.right);
          else similar.compare(group.index, pair.left, value);
        },
      },
      group.members.map((member, index) =>
        h(
          'option',
          { value: index, selected: index === pair[side] },
          `${member.keep ? 'Keep: ' : ''}${member.paths[0]?.text ?? ''}`,
        ),
      ),
    );
  const column = (side: 'left' | 'right') => {
    const member = group.members[pair[side]];
    return h(
      'div',
      { class: 'compare-side', testid: 'similar-compare-side' },
      choose(side),
      member ? [preview(member, true), pathLines(member), memberFacts(member, result)] : null,
    );
  };
  return h(
    'section',
    { class: 'compare', testid: 'similar-compare', 'aria-label': 'Two files side by side' },
    h(
      'h4',
      {},
      'Side by side ',
      h(
        'button',
        {
          type: 'button',
          class: 'quiet',
          testid: 'similar-compare-close',
          onclick: () => similar.closeCompare(),
        },
        'Close',
      ),
    ),
    h('div', { class: 'compare-sides' }, column('left'), column('right')),
  );
}

function problems(result: SimilarGroupsResult): HTMLElement {
  const more = result.problemCount - result.problems.length;
  return h(
    'details',
    { class: 'similar-problems', testid: 'similar-problems' },
    h('summary', {}, `${count(result.problemCount, 'file')} could not be compared`),
    h(
      'ul',
      {},
      result.problems.map((problem) =>
        h('li', {}, h('span', { class: 'path' }, problem.path.text), ` — ${problem.reason}`),
      ),
      more > 0 ? h('li', { class: 'note' }, `and ${count(more, 'more file')}`) : null,
    ),
  );
}
