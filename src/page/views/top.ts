/** The top bar: start a scan, the status of the last job; and the error box under it. */
import type { Actions } from '../actions.js';
import { byTestId, h } from '../dom.js';
import { formatJob } from '../format.js';
import type { State } from '../state.js';

export function mountTop(root: HTMLElement, actions: Actions): (state: State) => void {
  const form = root.querySelector<HTMLFormElement>('#scan-form')!;
  const input = byTestId(form, 'scan-path') as HTMLInputElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void actions.startScan(input.value);
  });
  const status = byTestId(root, 'job-status');
  const error = byTestId(root, 'error');

  let shownJob: unknown;
  let shownError: unknown;
  return (state) => {
    const job = state.lastJob === undefined ? undefined : state.jobs[state.lastJob];
    if (job !== shownJob) {
      shownJob = job;
      status.textContent = job ? formatJob(job) : '';
      status.dataset['state'] = job?.state ?? 'idle';
      (byTestId(form, 'scan-start') as HTMLButtonElement).disabled = job?.state === 'running';
    }
    if (state.error !== shownError) {
      shownError = state.error;
      error.hidden = state.error === undefined;
      error.replaceChildren();
      if (state.error) {
        error.append(h('p', { class: 'error-message' }, state.error.message));
        if (state.error.hint) error.append(h('p', { class: 'error-hint' }, state.error.hint));
        error.append(
          h('button', { type: 'button', class: 'quiet', onclick: () => actions.dismissError() }, 'Dismiss'),
        );
      }
    }
  };
}
