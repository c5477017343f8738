import { resolve } from 'node:path';
import type { CliContext } from '../context.js';
import type { ScanCliOptions } from '../options.js';
import {
  count,
  forgetManifest,
  importManifest,
  NodupeError,
  readManifestFile,
  shownLocation,
  SKIPPED_NOT_UTF8,
  type ManifestImport,
} from '../../index.js';
import { openSession, type Session } from '../session.js';

/** `scan`'s options for imported manifests (a disk that is not mounted now). */
export interface ManifestScanCliOptions {
  fromManifest?: string;
  label?: string;
  forgetManifest?: string;
}

/**
 * Whether the command line asks for an import or a forget rather than a scan; bad combinations are USAGE errors.
 */
export function manifestRequest(
  paths: readonly string[],
  options: ManifestScanCliOptions,
): 'import' | 'forget' | 'scan' {
  const { fromManifest, label, forgetManifest } = options;
  if (fromManifest !== undefined && forgetManifest !== undefined) {
    throw new NodupeError('USAGE', '--from-manifest and --forget-manifest do not go together');
  }
  if (label !== undefined && fromManifest === undefined) {
    throw new NodupeError('USAGE', '--label names an import: it goes with --from-manifest FILE');
  }
  const asked =
    fromManifest !== undefined
      ? '--from-manifest'
      : forgetManifest !== undefined
        ? '--forget-manifest'
        : undefined;
  if (asked === undefined) {
    if (paths.length === 0) {
      throw new NodupeError(
        'USAGE',
        'scan needs a PATH to scan (or --from-manifest FILE to import a manifest)',
      );
    }
    return 'scan';
  }
  if (paths.length > 0) {
    throw new NodupeError(
      'USAGE',
      `${asked} reads no folder: give it no PATH (scan folders in a command of their own)`,
    );
  }
  return fromManifest !== undefined ? 'import' : 'forget';
}

/**
 * `nodupe scan --from-manifest FILE [--label NAME]`: the manifest is read and checked whole before the catalog is
 * opened (a bad one changes nothing), then its files replace the import of that label. No file of any tree is read.
 */
export async function importManifestCommand(
  file: string,
  options: ScanCliOptions & ManifestScanCliOptions,
  ctx: CliContext,
): Promise<void> {
  const manifest = readManifestFile(resolve(ctx.cwd, file), file);
  const session = await openSession(options, ctx, undefined, 'scan');
  try {
    const done = importManifest(session.catalog.entries(), manifest, options.label);
    warnAbout(done, session);
    ctx.stdout.write(
      `imported ${count(done.files, 'file')} of the manifest ${JSON.stringify(done.label)} (${done.algorithm}, ` +
        `written ${manifest.header.createdAt}); read no file content` +
        (done.replaced ? `; replaced the earlier import of ${count(done.replaced.entries, 'file')}` : '') +
        `; catalog: ${shownLocation(session.catalog.location)}\n`,
    );
  } finally {
    await session.close();
  }
}

function warnAbout(done: ManifestImport, session: Session): void {
  const notUtf8 = done.skipped[SKIPPED_NOT_UTF8] ?? 0;
  if (notUtf8 > 0) {
    session.warn(
      `${count(notUtf8, 'file')} with a name that is not UTF-8 left out: the catalog keeps a manifest's names as text`,
    );
  }
  const held = session.catalog.hashAlgorithms();
  if (held.length > 0 && !held.includes(done.algorithm)) {
    session.warn(
      `the manifest is hashed by ${done.algorithm} and the catalog's files by ${held.join(', ')}: ` +
        `its files join no group until files are scanned with --hash ${done.algorithm}`,
    );
  }
}

/** `nodupe scan --forget-manifest LABEL`: drops an import and its files from the catalog. */
export async function forgetManifestCommand(
  label: string,
  options: ScanCliOptions,
  ctx: CliContext,
): Promise<void> {
  const session = await openSession(options, ctx, undefined, 'update');
  try {
    const gone = forgetManifest(session.catalog.entries(), label);
    ctx.stdout.write(`forgot the manifest ${JSON.stringify(label)} (${count(gone.entries, 'file')})\n`);
  } finally {
    await session.close();
  }
}
