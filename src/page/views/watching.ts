/** `serve --watch`: the watched folders and the latest findings, newest first (hidden until the watch reports). */
import { h } from '../dom.js';
import { formatBytes } from '../format.js';
import type { State } from '../state.js';
import type { WatchFinding } from '../watch-state.js';

export function mountWatching(section: HTMLElement): (state: State) => void {
  let shown: unknown;
  return (state) => {
    if (state.watch === shown) return;
    shown = state.watch;
    const { roots, findings } = state.watch;
    section.hidden = roots === undefined && findings.length === 0;
    const children: HTMLElement[] = [h('h2', {}, 'Watching')];
    // The roots come with the watch's `ready`, which a page opened later did not hear.
    if (roots !== undefined)
      children.push(h('p', { class: 'note', testid: 'watch-roots' }, roots.join(', ')));
    children.push(
      findings.length === 0
        ? h('p', { class: 'note' }, 'Nothing new yet: new copies show here as they land.')
        : h(
            'ol',
            { class: 'watch-findings', testid: 'watch-findings', 'aria-live': 'polite' },
            findings.map((finding) =>
              h('li', { testid: 'watch-finding', 'data-kind': finding.kind }, line(finding)),
            ),
          ),
    );
    section.replaceChildren(...children);
  };
}

function line(finding: WatchFinding): string {
  switch (finding.kind) {
    case 'copy':
      return `${finding.change === 'new' ? 'New copy' : 'Changed into a copy'}: ${finding.path} is a copy of ${listed(finding.of)} (${formatBytes(finding.size)})`;
    case 'gone':
      return `A duplicate went away: ${finding.path} (${formatBytes(finding.size)}; ${finding.left.length === 0 ? 'no copy left' : `copies left: ${listed(finding.left)}`})`;
    case 'fallback':
      return `Watching ${finding.root} by polling: ${finding.reason}`;
    case 'problem':
      return finding.path === '' ? finding.message : `${finding.path}: ${finding.message}`;
    default:
      return finding satisfies never;
  }
}

/** The first paths, and how many more. */
function listed(paths: readonly string[]): string {
  const first = paths.slice(0, 2).join(', ');
  return paths.length > 2 ? `${first} and ${paths.length - 2} more` : first;
}
