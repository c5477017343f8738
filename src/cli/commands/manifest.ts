import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import {
  checkComparable,
  compareManifests,
  count,
  describeProblem,
  displayPath,
  formatBytes,
  hasherNamed,
  jsonPath,
  makeManifest,
  manifestGroups,
  manifestText,
  MANIFEST_NAME,
  MANIFEST_REPORT_FORMATS,
  NodupeError,
  nodeFileOps,
  outputProblem,
  readManifestFile,
  renderComparison,
  renderVerification,
  verifyManifest,
  writeBuffered,
  type OutputRules,
  type ManifestReportFormat,
  type ScanReport,
} from '../../index.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, addReadOptions, type CommonOptions } from '../options.js';
import { catalogLocation, openSession, resolveRoots, type Session } from '../session.js';
import { sessionScanOptions } from './scan.js';
import { isStdout, ownPlaces, writeOutputFile } from '../output-file.js';

interface ReadOptions extends CommonOptions {
  threads?: number;
  maxReadRate?: number;
}

interface WriteOptions extends ReadOptions {
  output?: string;
  hash: string;
  format: ManifestReportFormat;
}

interface VerifyOptions extends ReadOptions {
  manifest?: string;
  full?: boolean;
  format: ManifestReportFormat;
}

interface CompareOptions {
  groups?: boolean;
  includeEmpty?: boolean;
  format: ManifestReportFormat;
}

const formatOption = (what = 'output format') =>
  new Option('--format <format>', what).choices(MANIFEST_REPORT_FORMATS).default('text');

/** `nodupe manifest write|verify|compare`: folder manifests (schema nodupe.manifest/1). */
export function manifestCommand(ctx: CliContext): Command {
  // Set before the subcommands are made, which inherit them: errors are thrown, output goes to the context.
  const command = new Command('manifest')
    .description('folder manifests: write one, verify a folder against it, compare two')
    .exitOverride()
    .configureOutput({ writeOut: (t) => ctx.stdout.write(t), writeErr: (t) => ctx.stderr.write(t) });

  addReadOptions(addCommonOptions(command.command('write')))
    .description(
      `list every regular file below DIR with its size, mtime and content hash (default: into DIR/${MANIFEST_NAME}, ` +
        'replaced whole; unchanged files the catalog holds are not read again)',
    )
    .argument('<dir>', 'the folder')
    .option(
      '-o, --output <file>',
      `where to write the manifest; \`-\`: stdout (default: DIR/${MANIFEST_NAME})`,
    )
    .addOption(formatOption("the summary's format (on stderr with `-o -`)"))
    .action(async (dirArg: string, options: WriteOptions) => {
      const dir = folderNamed(dirArg, ctx);
      const output = options.output ?? join(dir, MANIFEST_NAME);
      // The default name is nodupe's choice, not the user's: never followed through a link (see resolveOutput).
      const rules = { follow: options.output !== undefined };
      const session = await openSession(options, ctx, (plugins, config) => {
        hasherNamed(plugins, options.hash);
        const own = ownPlaces(ctx, catalogLocation(options.catalog, config, ctx));
        if (!isStdout(ctx, output)) checkManifestOutput(ctx, output, { ...rules, own });
      });
      const own = ownPlaces(ctx, session.catalog.location, session.catalog);
      let made;
      try {
        made = await makeManifest(dir, {
          ...sessionScanOptions(session, options, ctx, options.hash),
          ...(isStdout(ctx, output) ? {} : { manifest: ownPath(resolve(ctx.cwd, output)) }),
        });
        session.endProgress();
      } finally {
        await session.close();
      }
      const problems = reportProblems(made.report, session, options);
      writeOutputFile(ctx, output, manifestText(made.manifest), (message) => session.warn(message), {
        ...rules,
        own,
      });
      const summary = isStdout(ctx, output) ? ctx.stderr : ctx.stdout;
      const written = isStdout(ctx, output) ? 'stdout' : resolve(ctx.cwd, output);
      const files = made.manifest.entries.length;
      const bytes = made.manifest.entries.reduce((sum, e) => sum + e.size, 0);
      const { bytesRead } = made.report;
      const unreadable = made.unreadable.map(jsonPath);
      summary.write(
        options.format === 'json'
          ? `${JSON.stringify({ manifest: written, files, bytes, bytesRead, unreadable })}\n`
          : `manifest of ${count(files, 'file')} (${formatBytes(bytes)}) written to ${written}; read ${formatBytes(bytesRead)}\n`,
      );
      for (const path of made.unreadable) session.warn(`could not read ${displayPath(path)}: left out`);
      if (made.unreadable.length + problems > 0) {
        throw new NodupeError(
          'FAILED',
          `the manifest is incomplete: ${count(made.unreadable.length + problems, 'file or folder', 'files or folders')} could not be read`,
        );
      }
    });

  // Verify hashes by the manifest's algorithm.
  addReadOptions(addCommonOptions(command.command('verify')), { hash: false })
    .description(
      'check DIR against its manifest: missing, changed (size or mtime), corrupted (same size and mtime, other ' +
        'content) and extra files; exit 1 on any difference',
    )
    .argument('<dir>', 'the folder')
    .option('--manifest <file>', `the manifest (default: DIR/${MANIFEST_NAME})`)
    .option(
      '--full',
      'read every file (else files the catalog holds unchanged since it last read them are not read again)',
    )
    .addOption(formatOption())
    .action(async (dirArg: string, options: VerifyOptions) => {
      const dir = folderNamed(dirArg, ctx);
      const file =
        options.manifest === undefined ? join(dir, MANIFEST_NAME) : resolve(ctx.cwd, options.manifest);
      // The manifest is read and checked before the catalog is opened: a bad one touches nothing.
      const manifest = readManifestFile(file, options.manifest ?? file, {
        dir: dirArg,
        follow: options.manifest !== undefined,
      });
      const algorithm = manifest.header.algorithm;
      const session = await openSession(options, ctx, (plugins) => hasherNamed(plugins, algorithm));
      let verification;
      try {
        verification = await verifyManifest(dir, manifest, {
          ...sessionScanOptions(session, options, ctx, algorithm),
          manifest: ownPath(file),
          full: options.full ?? false,
        });
        session.endProgress();
      } finally {
        await session.close();
      }
      const problems = reportProblems(verification.report, session, options);
      writeBuffered(ctx.stdout, (out) =>
        renderVerification(
          verification,
          { manifest: file, algorithm, full: options.full ?? false },
          options.format,
          out,
        ),
      );
      const differences = verification.differences.length;
      if (differences + problems > 0) {
        throw new NodupeError(
          'FAILED',
          differences > 0
            ? `${count(differences, 'difference')} from the manifest`
            : `${count(problems, 'file or folder', 'files or folders')} could not be read`,
        );
      }
    });

  command
    .command('compare')
    .description(
      'compare two manifests without their folders: paths only in A, only in B, and differing; with --groups, ' +
        'the groups of duplicate files within and across them (what `nodupe dupes` of both folders lists)',
    )
    .argument('<a>', 'the first manifest')
    .argument('<b>', 'the second manifest')
    .option('--groups', 'list the groups of duplicate files too')
    .option('--include-empty', 'with --groups: report empty files as duplicates of each other')
    .addOption(formatOption())
    .action((a: string, b: string, options: CompareOptions) => {
      const sides = [a, b].map((name) => ({
        source: name,
        manifest: readManifestFile(resolve(ctx.cwd, name), name),
      }));
      checkComparable(sides);
      const [first, second] = sides as [(typeof sides)[0], (typeof sides)[0]];
      const comparison = compareManifests(first.manifest, second.manifest);
      const groups = options.groups
        ? manifestGroups([first.manifest, second.manifest], options.includeEmpty ?? false)
        : undefined;
      writeBuffered(ctx.stdout, (out) => renderComparison(comparison, groups, [a, b], options.format, out));
      const differences = comparison.onlyA.length + comparison.onlyB.length + comparison.differ.length;
      if (differences > 0)
        throw new NodupeError('FAILED', `the manifests differ in ${count(differences, 'path')}`);
    });
  return command;
}

/** The folder named on the command line, by its real path: a folder, readable, else bad input (exit 2). */
function folderNamed(name: string, ctx: CliContext): string {
  const [dir] = resolveRoots([name], ctx.cwd);
  if (!statSync(dir!).isDirectory()) {
    throw new NodupeError('BAD_INPUT', `${name}: not a folder (a manifest lists the files below a folder)`);
  }
  return dir!;
}

/** Where the manifest will be written must be writable, before any work (else exit 2, nothing written). */
function checkManifestOutput(ctx: CliContext, output: string, rules: OutputRules): void {
  const path = resolve(ctx.cwd, output);
  const problem = outputProblem(nodeFileOps, path, rules);
  if (problem !== undefined) {
    throw new NodupeError('BAD_INPUT', `cannot write the manifest ${path}: ${problem}`, {
      ...(rules.follow !== false
        ? {}
        : { hint: '--output FILE writes it elsewhere, `--output -` to stdout' }),
    });
  }
}

/** A file's path through the real path of its folder, as the walk sees it (the file itself may not exist yet). */
function ownPath(file: string): string {
  try {
    return join(realpathSync(dirname(file)), basename(file));
  } catch {
    return file;
  }
}

/** Says on stderr what the scan could not read; returns how many. */
function reportProblems(report: ScanReport, session: Session, options: CommonOptions): number {
  for (const p of report.problems) session.warn(describeProblem(p));
  if (report.changed.length > 0 && options.verbose) {
    for (const path of report.changed) session.warn(`${displayPath(path)} changed while being read`);
  }
  return report.problems.length;
}
