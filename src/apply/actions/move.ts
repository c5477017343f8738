import { mirrorUnder } from '../../model/paths.js';
import { relocatingKind } from './relocate.js';

/** Move: the file is renamed under `--to`, its absolute path recreated there (same file system only). */
export const moveKind = relocatingKind('move', (path, place) => {
  if (place.to === undefined) throw new Error('move needs its destination');
  return mirrorUnder(place.to, path);
});
