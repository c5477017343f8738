import { lstatSync, type BigIntStats } from 'node:fs';
import { identityChange } from '../model/identity.js';
import type { PhysicalFile } from '../model/groups.js';
import type { MemberView } from '../serve/protocol.js';
import { kindOf } from './kinds.js';
import { userName } from './owners.js';
import { pathView } from './path-view.js';

/**
 * One file of a group as the API shows it, looked at on disk now: its owner, and whether it is still the file
 * the catalog saw (apply would skip it otherwise).
 */
export function memberView(file: PhysicalFile, plan?: MemberView['plan']): MemberView {
  const first = file.paths[0]!;
  let st: BigIntStats | undefined;
  try {
    st = lstatSync(first, { bigint: true });
  } catch {
    st = undefined;
  }
  return {
    id: file.id,
    paths: file.paths.map(pathView),
    size: file.size,
    mtime: new Date(Number(file.mtimeNs / 1_000_000n)).toISOString(),
    owner: st === undefined ? null : { uid: Number(st.uid), name: userName(Number(st.uid)) },
    changed: st === undefined || identityChange(st, file) !== undefined,
    kind: kindOf(first),
    ...(plan === undefined ? {} : { plan }),
  };
}
