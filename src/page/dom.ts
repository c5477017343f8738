/** A small element builder: `h('button', { testid: 'scan-start', onclick }, 'Scan')`. */
type Child = Node | string | number | false | null | undefined;

/** Attributes by name (`testid` is `data-testid`); `on…` names take listeners; false and nullish leave one out. */
export type Props = Record<
  string,
  string | number | boolean | null | undefined | ((event: Event) => unknown)
>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false || value === null) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'testid') element.dataset['testid'] = String(value);
    else if (name === 'checked' || name === 'disabled' || name === 'value' || name === 'selected') {
      (element as unknown as Record<string, unknown>)[name] = value;
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
  return element;
}

/** The element with this `data-testid` inside `root` (the page's own markup: missing is a bug). */
export function byTestId(root: ParentNode, testid: string): HTMLElement {
  const element = root.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
  if (!element) throw new Error(`no element [data-testid="${testid}"]`);
  return element;
}
