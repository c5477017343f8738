/** The decide bar: mark by rule, reference folders, the action, and the way to the plan's review. */
import { ACTION_OPS, type ActionOp } from '../../plan/plan.js';
import type { Actions } from '../actions.js';
import { h } from '../dom.js';
import { count, formatBytes } from '../format.js';
import { keeping } from '../results.js';
import { RULE_CHOICES, ruleChoiceOf, type RuleChoice, type State } from '../state.js';

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

/**
 * The bar keeps one row on a laptop (the fields shrink; reference folders get a row of their own below); on a
 * phone only the plan and its button show, the rest (and the list's filters) behind "Filters & marks".
 */
export function mountDecide(root: HTMLElement, actions: Actions): (state: State) => void {
  // A choice shows the rule the plan was built with; before any, "Mark by rule…" (the plan keeps by path order).
  const rule = h(
    'select',
    { testid: 'rule-select', 'aria-label': 'Mark by rule' },
    h('option', { value: '', disabled: true, hidden: true }, 'Mark by rule…'),
    RULE_CHOICES.map((value) => h('option', { value }, RULE_LABELS[value])),
  );
  rule.value = '';
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
  const mark = h('button', { type: 'submit', testid: 'rule-apply' }, 'Mark');
  const showRuleInputs = () => {
    folder.hidden = rule.value !== 'prefer';
    glob.hidden = rule.value !== 'prefer-match';
    mark.disabled = rule.value === '';
  };
  /** The select as the plan's rules are (after an inversion, which is a one-off edit, not a rule). */
  const showRules = (rules: readonly string[]) => {
    const shown = ruleChoiceOf(rules);
    rule.value = shown?.choice ?? '';
    if (shown?.choice === 'prefer') folder.value = shown.argument;
    if (shown?.choice === 'prefer-match') glob.value = shown.argument;
    showRuleInputs();
  };
  rule.addEventListener('change', showRuleInputs);
  showRuleInputs();
  const ruleForm = h(
    'form',
    {
      class: 'tool rule-tool',
      onsubmit: (event: Event) => {
        event.preventDefault();
        if (rule.value === '') return;
        const choice = rule.value as RuleChoice;
        void actions.applyRule(choice, folder.value, glob.value).then(() => {
          if (choice === 'invert') showRules(currentRules);
        });
      },
    },
    rule,
    folder,
    glob,
    mark,
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
      class: 'tool reference-tool',
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
  const planCounts = h('span', { class: 'plan-counts' });
  const planRules = h('span', { class: 'plan-rules' });
  const plan = h('span', { class: 'plan-line', 'aria-live': 'polite' }, planCounts, planRules);
  const review = h(
    'button',
    { type: 'button', class: 'primary', testid: 'plan-review', onclick: () => void actions.reviewPlan() },
    'Review the plan',
  );
  const more = h(
    'button',
    {
      type: 'button',
      class: 'more-tools',
      'aria-expanded': 'false',
      'aria-controls': 'decide list-pane',
      onclick: () => {
        const open = document.body.classList.toggle('tools-open');
        more.setAttribute('aria-expanded', String(open));
      },
    },
    'Filters & marks',
  );
  root.append(
    h(
      'div',
      { class: 'decide-row' },
      ruleForm,
      referenceForm,
      h('div', { class: 'tool action-tool' }, action, to),
      h('div', { class: 'tool plan-tool' }, plan, review, more),
    ),
    references,
  );

  let shown: State | undefined;
  let currentRules: readonly string[] = [];
  return (state) => {
    if (shown?.rules !== state.rules) {
      currentRules = state.rules;
      showRules(state.rules);
    }
    if (shown?.protect !== state.protect) {
      references.hidden = state.protect.length === 0;
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
    if (shown?.plan !== state.plan || shown?.rebuilding !== state.rebuilding) {
      const s = state.plan?.summary;
      planCounts.textContent = state.rebuilding
        ? 'Rebuilding the plan…'
        : s
          ? `${count(s.actions, 'file')} marked · ${formatBytes(s.bytes)}`
          : 'No plan yet';
      const rules = state.rebuilding || !state.plan ? '' : keeping(state.plan.policy.rules);
      const protect = state.plan?.policy.protect.length ?? 0;
      planRules.textContent =
        rules === '' ? '' : `${rules}${protect > 0 ? ` · protects ${count(protect, 'folder')}` : ''}`;
      planRules.title = planRules.textContent;
      review.disabled = state.rebuilding;
    }
    shown = state;
  };
}
