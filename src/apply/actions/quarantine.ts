import { mirrorUnder } from '../../model/paths.js';
import { relocatingKind } from './relocate.js';

/** Quarantine: the file is renamed into its run's quarantine folder, under its own absolute path. */
export const quarantineKind = relocatingKind('quarantine', (path, place) => {
  if (place.runFolder === undefined) throw new Error('quarantine needs its run folder');
  return mirrorUnder(place.runFolder, path);
});
