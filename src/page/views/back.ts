/** The button that goes back from a detail view (a group, the plan) to the groups list. */
import type { Actions } from '../actions.js';
import { h } from '../dom.js';

export function backButton(actions: Actions): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'quiet back',
      onclick: () => actions.back(),
      title: 'Back to the list (Escape)',
    },
    '← Groups',
  );
}
