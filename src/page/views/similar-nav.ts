/** The way to the Similar view, in the top bar: a button, so Tab and Enter reach it as every other control. */
import { h } from '../dom.js';
import type { SimilarActions } from '../similar-actions.js';

export function mountSimilarNav(header: HTMLElement, similar: SimilarActions): void {
  header.append(
    h(
      'nav',
      { class: 'views', 'aria-label': 'Views' },
      h(
        'button',
        {
          type: 'button',
          testid: 'similar-open',
          title: 'Pictures and documents that are alike without being byte-identical',
          onclick: () => void similar.open(),
        },
        'Similar files',
      ),
    ),
  );
}
