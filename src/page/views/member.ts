/** One member of a group as the page shows it: its preview, path, size, time, owner, and its role in the plan. */
import type { MemberView } from '../../serve/protocol.js';
import { h } from '../dom.js';
import { formatBytes, formatTime } from '../format.js';
import { showThumb, textExcerpt } from '../previews.js';

/** The preview: a thumbnail for images, an excerpt for text, else the file's kind. */
export function preview(member: Pick<MemberView, 'id' | 'kind' | 'paths'>, large = false): HTMLElement {
  if (member.kind === 'image') {
    const img = h('img', {
      class: large ? 'thumb large' : 'thumb',
      testid: 'thumb',
      alt: `Preview of ${member.paths[0]?.text ?? 'the file'}`,
      decoding: 'async',
    });
    showThumb(img, member.id);
    return img;
  }
  if (member.kind === 'text' || member.kind === 'document') {
    const pre = h(
      'pre',
      { class: large ? 'text-preview large' : 'text-preview', testid: 'text-preview' },
      '…',
    );
    void textExcerpt(member.id).then((text) => (pre.textContent = text));
    return pre;
  }
  return h('span', { class: 'kind-badge', title: 'File kind' }, member.kind);
}

export function owner(member: MemberView): string {
  if (!member.owner) return 'owner unknown';
  return member.owner.name ?? `uid ${member.owner.uid}`;
}

/** Size, time, owner, kind, and a warning when the file changed since the scan. */
export function facts(member: MemberView): HTMLElement {
  return h(
    'span',
    { class: 'facts' },
    `${formatBytes(member.size)} · ${formatTime(member.mtime)} · ${owner(member)} · ${member.kind}`,
    member.changed ? h('span', { class: 'changed' }, ' · changed since the scan: apply will skip it') : null,
  );
}

/** The role in the plan: keeper (why, protected) or the action. */
export function role(member: MemberView): HTMLElement {
  const plan = member.plan;
  if (!plan) return h('span', { class: 'role' }, 'not in the plan');
  if (plan.role === 'keeper') {
    return h(
      'span',
      { class: 'role keeper' },
      h('strong', {}, plan.protected ? 'Keeper · protected' : 'Keeper'),
      h('span', { class: 'why' }, ` — why: ${plan.reason}`),
    );
  }
  return h(
    'span',
    { class: `role action${plan.op === 'delete' ? ' irreversible' : ''}` },
    h('strong', {}, plan.op === 'delete' ? 'Delete (cannot be undone)' : capitalise(plan.op)),
    plan.reason ? h('span', { class: 'why' }, ` — ${plan.reason}`) : null,
  );
}

export function pathLines(member: Pick<MemberView, 'paths'>): HTMLElement {
  const [first, ...links] = member.paths;
  return h(
    'span',
    { class: 'path' },
    first?.text ?? '',
    links.length > 0
      ? h(
          'span',
          { class: 'links', title: links.map((p) => p.text).join('\n') },
          ` + ${links.length} hard link${links.length === 1 ? '' : 's'}`,
        )
      : null,
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
