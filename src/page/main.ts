/** The review page: wires the state, the server and the views. */
import { Actions } from './actions.js';
import { listen } from './events.js';
import { pageFetch, usePageFetch } from './page-fetch.js';
import { createRpc } from './rpc.js';
import { Session, takeLoginFromUrl } from './session.js';
import { SimilarActions } from './similar-actions.js';
import type { State } from './state.js';
import { Store } from './store.js';
import { mountDecide } from './views/decide.js';
import { renderGroup } from './views/group.js';
import { mountList } from './views/list.js';
import { renderPlan } from './views/plan.js';
import { renderSimilar } from './views/similar.js';
import { mountSimilarNav } from './views/similar-nav.js';
import { mountTop } from './views/top.js';
import { mountWatching } from './views/watching.js';

const session = new Session(localStorage, (url, init) => fetch(url, init));
usePageFetch(session.fetch);
const store = new Store();
const actions = new Actions(store, createRpc(pageFetch));
const similar = new SimilarActions(store, createRpc(pageFetch), (error) => actions.showError(error));

const top = mountTop(document.body, actions);
mountSimilarNav(document.querySelector<HTMLElement>('header.top')!, similar);
const decide = mountDecide(document.querySelector<HTMLElement>('#decide')!, actions);
const watching = mountWatching(document.querySelector<HTMLElement>('#watching')!);
const listPane = document.querySelector<HTMLElement>('#list-pane')!;
const list = mountList(listPane, actions, () => store.state);
const detailPane = document.querySelector<HTMLElement>('#detail-pane')!;

/** The detail side: an open group, the plan, or a word on what to do. Focus stays on the same member across redraws. */
function drawDetail(state: State): void {
  const active = document.activeElement;
  const focusedId =
    active instanceof HTMLElement && detailPane.contains(active) ? active.dataset['fileId'] : undefined;
  const focusedTestid = active instanceof HTMLElement ? active.dataset['testid'] : undefined;
  const focusedInside = active instanceof HTMLElement && detailPane.contains(active);
  const redraw = () => drawDetail(store.state);
  if (state.view === 'group' && state.open) {
    detailPane.replaceChildren(renderGroup(state.open, state, actions, redraw));
  } else if (state.view === 'plan') {
    detailPane.replaceChildren(renderPlan(state, actions));
  } else if (state.view === 'similar') {
    detailPane.replaceChildren(renderSimilar(state, actions, similar));
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
  } else if (focusedTestid !== undefined && focusedInside) {
    // A control of the view drawn again (a job's progress redraws it): the focus stays on it.
    detailPane.querySelector<HTMLElement>(`[data-testid="${focusedTestid}"]`)?.focus();
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
  'similar',
];

store.subscribe((state, previous) => {
  top(state);
  decide(state);
  watching(state);
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

const signInForm = document.querySelector<HTMLFormElement>('#sign-in')!;
const tokenInput = signInForm.querySelector<HTMLInputElement>('#sign-in-token')!;
const signInError = signInForm.querySelector<HTMLElement>('[data-testid="sign-in-error"]')!;

function saySignIn(message: string | undefined): void {
  signInError.textContent = message ?? '';
  signInError.hidden = message === undefined;
}

/**
 * Signs the page in: with the URL's login ticket, else the session kept from before, else the token pasted into
 * the form (a browser of another machine, or a spent link).
 */
async function signIn(): Promise<void> {
  const login = takeLoginFromUrl(location, history);
  if (login !== undefined) {
    const result = await session.signIn(login);
    if (!result.ok) saySignIn(result.reason);
  }
  if (session.signedIn) return;
  document.body.classList.add('signed-out');
  signInForm.hidden = false;
  tokenInput.focus();
  await new Promise<void>((resolve) => {
    signInForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void session.signIn(tokenInput.value).then((result) => {
        if (!result.ok) return saySignIn(result.reason);
        resolve();
      });
    });
  });
  saySignIn(undefined);
  signInForm.hidden = true;
  document.body.classList.remove('signed-out');
}

// The server refuses a session that worked: it stopped, and whatever answers at this address now may not be
// nodupe (another user's program can take a free port). The page says so and asks for no token: the user opens
// the page the new server prints.
session.onSignedOut(() => void actions.connection('closed'));

await signIn();
top(store.state);
decide(store.state);
list(store.state);
drawDetail(store.state);
listen(
  (event) => {
    void actions.handleEvent(event);
    void similar.handleEvent(event);
  },
  (connection) => void actions.connection(connection),
  { fetch: pageFetch },
);
void actions.start();
