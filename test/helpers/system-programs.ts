// Programs from Debian that some tests run for real (the peer duplicate finders, the decompressors and 7-Zip the
// archive readers pipe through, zip). Without one, its tests are skipped and say so; under CI=true a missing one
// fails the run instead (.ci/run installs them all).
import { findProgram } from '../../src/archive/programs.js';

const warned = new Set<string>();

/**
 * The first of `names` on the PATH. When none is there: undefined, after a notice naming the Debian package
 * (once per package); under CI, an error.
 */
export function systemProgram(
  names: readonly string[],
  debianPackage: string,
  tests: string,
): string | undefined {
  const found = findProgram(names);
  if (found !== undefined) return found;
  if (process.env['CI'] === 'true')
    throw new Error(`CI needs ${names.join(' or ')} for ${tests} (apt-get install ${debianPackage})`);
  if (!warned.has(debianPackage)) {
    warned.add(debianPackage);
    console.warn(
      `nodupe tests: ${tests} are SKIPPED: ${names.join(' or ')} is not installed (${debianPackage})`,
    );
  }
  return undefined;
}
