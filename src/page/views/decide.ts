/** The decide bar: mark by rule, reference folders, the action, and the way to the plan's review. */
import { ACTION_OPS, type ActionOp } from '../../plan/plan.js';
import type { Actions } from '../actions.js';
import { h } from '../dom.js';
import { count, formatBytes } from '../format.js';
import { RULE_CHOICES, type RuleChoice, type State } from '../state.js';

const RULE_LABELS: Record<RuleChoice, string> = {
  newest: 'Keep the newest',
  oldest: 'Keep the oldest',
  'shortest-path': 'Keep the shortest path',
  prefer: 'Keep the one in folder…',
  'prefer-match': 'Keep the one matching…',
  invert: 'Invert the marks',
};

const ACTION_LABELS: Record<ActionOp, string> = {
  quarantine: 'Quarantine (undoable)',
  delete: 'Delete (cannot be undone)',
  hardlink: 'Replace with hard links',
  symlink: 'Replace with symlinks',
  reflink: 'Replace with reflinks',
  move: 'Move to a folder…',
};

export function mountDecide(root: HTMLElement, actions: Actions): (state: State) => void {
  const rule = h(
    'select',
    { testid: 'rule-select', 'aria-label': 'Mark by rule' },
    RULE_CHOICES.map((value) => h('option', { value }, RULE_LABELS[value])),
  );
  const folder = h('input', {
    type: 'text',
    testid: 'rule-folder',
    placeholder: 'Folder',
    'aria-label': 'Folder to prefer',
  });
  const glob = h('input', {
    type: 'text',
    testid: 'rule-glob',
    placeholder: 'Glob, e.g. **/originals/**',
    'aria-label': 'Glob to prefer',
  });
  const showRuleInputs = () => {
    folder.hidden = rule.value !== 'prefer';
    glob.hidden = rule.value !== 'prefer-match';
  };
  rule.addEventListener('change', showRuleInputs);
  showRuleInputs();
  const ruleForm = h(
    'form',
    {
      class: 'tool',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void actions.applyRule(rule.value as RuleChoice, folder.value, glob.value);
      },
    },
    rule,
    folder,
    glob,
    h('button', { type: 'submit', testid: 'rule-apply' }, 'Mark'),
  );

  const reference = h('input', {
    type: 'text',
    testid: 'reference-input',
    placeholder: 'Reference folder',
    'aria-label': 'Reference folder (never acted on)',
  });
  const references = h('ul', { class: 'chips', 'aria-label': 'Reference folders' });
  const referenceForm = h(
    'form',
    {
      class: 'tool',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void actions.addReference(reference.value).then(() => (reference.value = ''));
      },
    },
    reference,
    h(
      'button',
      { type: 'submit', testid: 'reference-add', title: 'Files below it are never acted on' },
      'Protect',
    ),
    references,
  );

  const action = h(
    'select',
    { testid: 'action-select', 'aria-label': 'Action' },
    ACTION_OPS.map((value) =>
      h('option', { value, class: value === 'delete' ? 'irreversible' : undefined }, ACTION_LABELS[value]),
    ),
  );
  const to = h('input', {
    type: 'text',
    placeholder: 'Move to folder',
    'aria-label': 'Folder to move to',
    hidden: true,
  });
  action.addEventListener('change', () => {
    to.hidden = action.value !== 'move';
    if (action.value === 'move') to.focus();
    else void actions.setAction(action.value as ActionOp);
  });
  to.addEventListener('change', () => {
    if (to.value.trim() !== '') void actions.setAction('move', to.value.trim());
  });
  const plan = h('span', { class: 'plan-line', 'aria-live': 'polite' });
  const review = h(
    'button',
    { type: 'button', class: 'primary', testid: 'plan-review', onclick: () => void actions.reviewPlan() },
    'Review the plan',
  );
  root.append(
    ruleForm,
    referenceForm,
    h('div', { class: 'tool' }, action, to),
    h('div', { class: 'tool' }, plan, review),
  );

  let shown: State | undefined;
  return (state) => {
    if (shown?.protect !== state.protect) {
      references.replaceChildren(
        ...state.protect.map((item) =>
          h(
            'li',
            {},
            item,
            h(
              'button',
              {
                type: 'button',
                class: 'quiet',
                'aria-label': `Stop protecting ${item}`,
                onclick: () => void actions.removeReference(item),
              },
              '×',
            ),
          ),
        ),
      );
    }
    if (shown?.action !== state.action) {
      action.value = state.action;
      action.classList.toggle('irreversible', state.action === 'delete');
    }
    if (shown?.plan !== state.plan) {
      const s = state.plan?.summary;
      plan.textContent = s ? `${count(s.actions, 'file')} marked · ${formatBytes(s.bytes)}` : 'No plan yet';
    }
    shown = state;
  };
}
