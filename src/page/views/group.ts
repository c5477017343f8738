/** An open group: its members with their marks, previews and roles; ignore; and two members side by side. */
import type { GroupDetails, MemberView } from '../../serve/protocol.js';
import type { Actions } from '../actions.js';
import { h } from '../dom.js';
import { backButton } from './back.js';
import { count, formatBytes } from '../format.js';
import { isMarked, isProtected, type State } from '../state.js';
import { facts, pathLines, preview, role } from './member.js';

/** Which two members the side-by-side view shows, per group (the first two until the user picks). */
const comparePairs = new Map<string, [number, number]>();

export function renderGroup(
  group: GroupDetails,
  state: State,
  actions: Actions,
  redraw: () => void,
): HTMLElement {
  const editable = state.plan !== undefined && !state.plan.applied;
  const members = h(
    'div',
    { class: 'members', role: 'list', 'aria-label': 'Copies' },
    group.members.map((member) => memberRow(member, editable, actions, redraw)),
  );
  return h(
    'article',
    { class: 'group-detail', testid: 'group-detail', 'aria-label': `Group ${group.first.text}` },
    h(
      'header',
      { class: 'detail-head' },
      backButton(actions),
      h('h2', {}, group.first.text),
      h(
        'p',
        { class: 'facts' },
        `${count(group.files, 'copy', 'copies')} of ${formatBytes(group.size)} · frees ${formatBytes(group.reclaimable)} · ${group.kind}`,
      ),
      h(
        'button',
        {
          type: 'button',
          testid: 'ignore-group',
          title: 'Not duplicates: leave this group out of the plan and the list (remembered in the catalog)',
          onclick: () => void actions.ignoreGroup(group.key),
        },
        'Not duplicates',
      ),
    ),
    editable ? null : h('p', { class: 'note' }, 'No plan to edit yet: scan a folder, or rebuild the plan.'),
    members,
    compare(group, redraw),
  );
}

function memberRow(member: MemberView, editable: boolean, actions: Actions, redraw: () => void): HTMLElement {
  const marked = isMarked(member);
  const locked = !editable || isProtected(member);
  const path = member.paths[0]?.text ?? '';
  const toggle = (next: boolean) => {
    // The box shows the plan's answer once it comes (a refused edit leaves the old mark).
    void actions.mark(member, next).finally(redraw);
  };
  const box: HTMLInputElement = h('input', {
    type: 'checkbox',
    testid: 'member-mark',
    'data-file-id': member.id,
    checked: marked,
    disabled: locked,
    'aria-label': `Act on ${path}`,
    title: isProtected(member)
      ? 'In a reference folder: never acted on'
      : 'Checked: the plan acts on this copy',
    onchange: () => {
      toggle(box.checked);
    },
  });
  const row = h(
    'div',
    {
      class: `member-row ${marked ? 'marked' : 'kept'}`,
      testid: 'member-row',
      role: 'listitem',
      tabindex: 0,
      'data-file-id': member.id,
      'data-role': member.plan?.role,
      'aria-label': `${path}, ${marked ? 'marked' : 'kept'}`,
    },
    h('label', { class: 'mark' }, box),
    preview(member),
    h('div', { class: 'member-text' }, pathLines(member), facts(member), role(member)),
  );
  row.addEventListener('keydown', (event) => {
    if (event.target !== row) return;
    if (event.key === ' ' || event.key === 'Spacebar') {
      event.preventDefault();
      if (!locked) toggle(!marked);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      if (next instanceof HTMLElement) next.focus();
    }
  });
  return row;
}

function compare(group: GroupDetails, redraw: () => void): HTMLElement {
  const members = group.members;
  const [left, right] = comparePairs.get(group.key) ?? [0, 1];
  const choose = (side: 0 | 1) =>
    h(
      'select',
      {
        'aria-label': side === 0 ? 'Left copy' : 'Right copy',
        onchange: (event: Event) => {
          const pair: [number, number] = [left, right];
          pair[side] = Number((event.target as HTMLSelectElement).value);
          comparePairs.set(group.key, pair);
          redraw();
        },
      },
      members.map((member, index) =>
        h(
          'option',
          { value: index, selected: index === (side === 0 ? left : right) },
          member.paths[0]?.text ?? '',
        ),
      ),
    );
  const column = (index: number, side: 0 | 1) => {
    const member = members[index];
    return h(
      'div',
      { class: 'compare-side' },
      choose(side),
      member ? [preview(member, true), pathLines(member), facts(member), role(member)] : null,
    );
  };
  return h(
    'section',
    { class: 'compare', testid: 'compare', 'aria-label': 'Two copies side by side' },
    h('h3', {}, 'Side by side'),
    h('div', { class: 'compare-sides' }, column(left, 0), column(right, 1)),
  );
}
