/** The review page: wires the state, the server and the views. */
import { Actions } from './actions.js';
import { listen } from './events.js';
import { createRpc } from './rpc.js';
import type { State } from './state.js';
import { Store } from './store.js';
import { mountDecide } from './views/decide.js';
import { renderGroup } from './views/group.js';
import { mountList } from './views/list.js';
import { renderPlan } from './views/plan.js';
import { mountTop } from './views/top.js';

const store = new Store();
const actions = new Actions(
  store,
  createRpc((url, init) => fetch(url, init)),
);

const top = mountTop(document.body, actions);
const decide = mountDecide(document.querySelector<HTMLElement>('#decide')!, actions);
const listPane = document.querySelector<HTMLElement>('#list-pane')!;
const list = mountList(listPane, actions, () => store.state);
const detailPane = document.querySelector<HTMLElement>('#detail-pane')!;

/** The detail side: an open group, the plan, or a word on what to do. Focus stays on the same member across redraws. */
function drawDetail(state: State): void {
  const active = document.activeElement;
  const focusedId =
    active instanceof HTMLElement && detailPane.contains(active) ? active.dataset['fileId'] : undefined;
  const focusedTestid = active instanceof HTMLElement ? active.dataset['testid'] : undefined;
  const redraw = () => drawDetail(store.state);
  if (state.view === 'group' && state.open) {
    detailPane.replaceChildren(renderGroup(state.open, state, actions, redraw));
  } else if (state.view === 'plan') {
    detailPane.replaceChildren(renderPlan(state, actions));
  } else {
    detailPane.replaceChildren(emptyDetail());
  }
  document.body.dataset['view'] = state.view;
  if (focusedId !== undefined) {
    detailPane
      .querySelector<HTMLElement>(
        `[data-testid="${focusedTestid ?? 'member-row'}"][data-file-id="${focusedId}"]`,
      )
      ?.focus();
  }
}

function emptyDetail(): HTMLElement {
  const p = document.createElement('p');
  p.className = 'note empty';
  p.textContent = 'Open a group to see its copies (↑/↓ and Enter), or review the plan.';
  return p;
}

const DETAIL_KEYS: (keyof State)[] = [
  'view',
  'open',
  'plan',
  'reviewed',
  'jobs',
  'steps',
  'runs',
  'confirming',
  'applyJob',
  'undoJob',
];

store.subscribe((state, previous) => {
  top(state);
  decide(state);
  list(state);
  if (DETAIL_KEYS.some((key) => state[key] !== previous[key])) drawDetail(state);
  // Opening a group moves the focus to its first copy; going back returns it to the list.
  if (state.view === 'group' && state.open && state.open.key !== previous.open?.key) {
    detailPane.querySelector<HTMLElement>('[data-testid="member-row"]')?.focus();
  }
  if (state.view === 'none' && previous.view !== 'none') {
    listPane.querySelector<HTMLElement>('[data-testid="group-list"]')?.focus();
  }
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && store.state.view !== 'none') {
    event.preventDefault();
    actions.back();
  }
});

top(store.state);
decide(store.state);
list(store.state);
drawDetail(store.state);
listen(
  (event) => void actions.handleEvent(event),
  (connection) => void actions.connection(connection),
);
void actions.start();
