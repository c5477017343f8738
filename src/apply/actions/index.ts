import type { ActionOp } from '../../plan/plan.js';
import { deleteKind } from './delete.js';
import type { ActionKind } from './kind.js';
import { moveKind } from './move.js';
import { quarantineKind } from './quarantine.js';
import { hardlinkKind, reflinkKind, symlinkKind } from './replace.js';

/** Every kind of action, by its name in a plan: the one place that knows them all. */
export const ACTION_KINDS: Readonly<Record<ActionOp, ActionKind>> = {
  quarantine: quarantineKind,
  move: moveKind,
  delete: deleteKind,
  hardlink: hardlinkKind,
  symlink: symlinkKind,
  reflink: reflinkKind,
};

export type {
  Act,
  ActionKind,
  CrashState,
  DestroyingKind,
  RelocatingKind,
  Reversal,
  TargetPlace,
} from './kind.js';
export {
  FolderMaker,
  identityNow,
  isExpectedFile,
  proveKeeper,
  putBack,
  removeEmptyParents,
  removeMadeFolders,
  setAside,
  type EntryView,
} from './shared.js';
export { mirrorBaseOf } from './relocate.js';
