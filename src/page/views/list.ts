/** The groups list: filters, totals, and a virtual list (only the rows in view are in the DOM), paged on scroll. */
import {
  FILE_KINDS,
  GROUP_SORTS,
  type FileKind,
  type GroupSort,
  type GroupSummary,
} from '../../serve/protocol.js';
import type { Actions } from '../actions.js';
import { h } from '../dom.js';
import { count, formatBytes, parseSize } from '../format.js';
import type { State } from '../state.js';
import { listWindow, scrollToRow } from '../window.js';

export const ROW_HEIGHT = 60;

const SORT_LABELS: Record<GroupSort, string> = {
  reclaimable: 'Reclaimable',
  size: 'File size',
  path: 'Path',
  count: 'Copies',
};

export function mountList(
  root: HTMLElement,
  actions: Actions,
  getState: () => State,
): (state: State) => void {
  const sort = h(
    'select',
    {
      'aria-label': 'Sort by',
      onchange: () =>
        void actions.setFilters({
          sort: sort.value as GroupSort,
          order: sort.value === 'path' ? 'asc' : 'desc',
        }),
    },
    GROUP_SORTS.map((value) => h('option', { value }, SORT_LABELS[value])),
  );
  const order = h(
    'button',
    {
      type: 'button',
      class: 'quiet',
      'aria-label': 'Reverse the order',
      onclick: () => void actions.setFilters({ order: getState().filters.order === 'asc' ? 'desc' : 'asc' }),
    },
    '',
  );
  const path = h('input', {
    type: 'search',
    placeholder: 'Path glob, e.g. **/*.jpg',
    'aria-label': 'Path glob',
  });
  const minSize = h('input', {
    type: 'text',
    placeholder: 'Min size',
    'aria-label': 'Minimum size',
    size: 8,
  });
  const maxSize = h('input', {
    type: 'text',
    placeholder: 'Max size',
    'aria-label': 'Maximum size',
    size: 8,
  });
  const kind = h(
    'select',
    { 'aria-label': 'Kind' },
    h('option', { value: '' }, 'All kinds'),
    FILE_KINDS.map((value) => h('option', { value }, value)),
  );
  const filters = h(
    'form',
    {
      class: 'filters',
      onsubmit: (event: Event) => {
        event.preventDefault();
        applyFilters();
      },
    },
    sort,
    order,
    path,
    minSize,
    maxSize,
    kind,
    h('button', { type: 'submit' }, 'Filter'),
  );
  kind.addEventListener('change', applyFilters);

  function applyFilters(): void {
    const min = parseSize(minSize.value);
    const max = parseSize(maxSize.value);
    if (min === null || max === null) {
      actions.showError(new Error(`Not a size: ${min === null ? minSize.value : maxSize.value}`));
      return;
    }
    void actions.setFilters({
      path: path.value,
      minSize: min,
      maxSize: max,
      kind: kind.value === '' ? undefined : (kind.value as FileKind),
    });
  }

  const totals = h('p', { class: 'totals', 'aria-live': 'polite' });
  const spacer = h('div', { class: 'spacer' });
  const list = h(
    'div',
    {
      class: 'group-list',
      testid: 'group-list',
      role: 'listbox',
      tabindex: 0,
      'aria-label': 'Duplicate groups, largest reclaimable first',
    },
    spacer,
  );
  root.append(filters, totals, list);

  list.addEventListener('keydown', (event) => {
    const state = getState();
    const page = Math.max(1, Math.floor(list.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: state.selected + 1,
      ArrowUp: state.selected - 1,
      PageDown: state.selected + page,
      PageUp: state.selected - page,
      Home: 0,
      End: state.groups.length - 1,
    };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      actions.select(target);
      list.scrollTop = scrollToRow(getState().selected, ROW_HEIGHT, list.scrollTop, list.clientHeight);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      void actions.openSelected();
    }
  });
  let frame = 0;
  list.addEventListener('scroll', () => {
    if (frame !== 0) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      drawRows(getState());
    });
  });
  new ResizeObserver(() => drawRows(getState())).observe(list);

  function row(group: GroupSummary, index: number, state: State): HTMLElement {
    const selected = index === state.selected;
    const element = h(
      'div',
      {
        class: `group-row${group.ignored ? ' ignored' : ''}`,
        id: `group-row-${index}`,
        testid: 'group-row',
        role: 'option',
        'data-key': group.key,
        'aria-selected': String(selected),
        onclick: () => {
          list.focus();
          void actions.openGroup(group.key);
        },
      },
      // Long paths lose their start, not their file name: the text is isolated left-to-right in a right-to-left box.
      h('span', { class: 'row-path', title: group.first.text }, h('bdi', {}, group.first.text)),
      h(
        'span',
        { class: 'row-meta' },
        h('strong', {}, `frees ${formatBytes(group.reclaimable)}`),
        ` · ${count(group.files, 'copy', 'copies')} of ${formatBytes(group.size)} · ${group.kind}`,
        group.ignored ? ' · not duplicates' : '',
      ),
    );
    // Set through the style object, not a style attribute: a Content-Security-Policy without 'unsafe-inline' allows it.
    element.style.top = `${index * ROW_HEIGHT}px`;
    element.style.height = `${ROW_HEIGHT}px`;
    return element;
  }

  function drawRows(state: State): void {
    const view = listWindow({
      rows: state.groups.length,
      rowHeight: ROW_HEIGHT,
      scrollTop: list.scrollTop,
      viewportHeight: list.clientHeight || 600,
    });
    spacer.style.height = `${view.height}px`;
    const rows: HTMLElement[] = [];
    for (let index = view.start; index < view.end; index++)
      rows.push(row(state.groups[index]!, index, state));
    list.replaceChildren(spacer, ...rows);
    if (state.groups.length > 0) list.setAttribute('aria-activedescendant', `group-row-${state.selected}`);
    else list.removeAttribute('aria-activedescendant');
    if (view.nearEnd && state.next !== null && !state.loading) void actions.loadMore();
  }

  let drawn: State | undefined;
  return (state) => {
    const f = state.filters;
    sort.value = f.sort;
    order.textContent = f.order === 'asc' ? '↑' : '↓';
    order.title = f.order === 'asc' ? 'Ascending' : 'Descending';
    totals.textContent =
      state.loading && state.groups.length === 0
        ? 'Loading…'
        : state.total === 0
          ? filtered(f)
            ? 'No groups match the filters.'
            : 'No duplicate groups. Scan a folder to find some.'
          : `${count(state.total, 'group')} · ${formatBytes(state.reclaimable)} reclaimable`;
    if (drawn && drawn.filters !== state.filters) list.scrollTop = 0;
    if (
      !drawn ||
      drawn.groups !== state.groups ||
      drawn.selected !== state.selected ||
      drawn.next !== state.next ||
      drawn.loading !== state.loading
    ) {
      drawRows(state);
    }
    drawn = state;
  };
}

function filtered(filters: State['filters']): boolean {
  return (
    filters.path.trim() !== '' ||
    filters.minSize !== undefined ||
    filters.maxSize !== undefined ||
    filters.kind !== undefined
  );
}
