import { Command, Option } from 'commander';
import {
  byteRateLimiter,
  count,
  displayPath,
  formatCount,
  hasherLookup,
  NodupeError,
  verify,
  verifyReportJson,
  VERIFY_MODES,
  type VerifyMode,
  type VerifyReport,
} from '../../index.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, MAX_THREADS, parseCount, parseRate, type CommonOptions } from '../options.js';
import { catalogLocation, openSession } from '../session.js';
import { checkOutputFile, isStdout, ownPlaces, writeOutputFile } from '../output-file.js';

interface VerifyCliOptions extends CommonOptions {
  mode: VerifyMode;
  output?: string;
  threads?: number;
  maxReadRate?: number;
}

/** `nodupe verify`: checks the catalog and the journal against the disk; exit 1 when anything is wrong. */
export function verifyCommand(ctx: CliContext): Command {
  return addCommonOptions(new Command('verify'))
    .description('check the catalog and the journal against the disk (exit 1 when errors are found)')
    .addOption(new Option('--mode <mode>', 'what to check').choices(VERIFY_MODES).default('all'))
    .option(
      '-o, --output <file>',
      'write the full report as JSON (schema nodupe.verify/1); `-`: to stdout, the summary then on stderr',
    )
    .option('--threads <n>', `hashing threads for checksums, 1 to ${MAX_THREADS}`, parseCount(1, MAX_THREADS))
    .option('--max-read-rate <rate>', 'throttle the reads of checksums, such as 50MiB/s', parseRate)
    .action(async (options: VerifyCliOptions) => {
      const session = await openSession(
        options,
        ctx,
        (_plugins, config) => {
          if (options.output !== undefined) {
            checkOutputFile(
              ctx,
              options.output,
              ownPlaces(ctx, catalogLocation(options.catalog, config, ctx)),
            );
          }
        },
        'read',
      );
      const own = ownPlaces(ctx, session.catalog.location, session.catalog);
      let report: VerifyReport;
      try {
        report = await verify(session.catalog, {
          mode: options.mode,
          signal: ctx.signal,
          hasher: hasherLookup(session.plugins),
          ...(session.config.plugins.hasherTimeLimitMs === undefined
            ? {}
            : { hasherTimeLimitMs: session.config.plugins.hasherTimeLimitMs }),
          clock: ctx.clock,
          ...(options.threads === undefined ? {} : { threads: options.threads }),
          ...(options.maxReadRate === undefined
            ? {}
            : { limiter: byteRateLimiter(options.maxReadRate, ctx.clock) }),
          ...(session.progress ? { progress: session.progress } : {}),
        });
      } finally {
        await session.close();
      }
      // The report goes out after the summary, so that a report that cannot be written hides nothing; `-o -`
      // puts the report on stdout, and the summary on stderr.
      const summary = isStdout(ctx, options.output) ? ctx.stderr : ctx.stdout;
      for (const e of report.errors)
        summary.write(`${e.check}: ${e.code}: ${displayPath(e.path)}: ${e.message}\n`);
      const checked = report.modes.map((m) => `${m} ${formatCount(report.checked[m] ?? 0)}`).join(', ');
      summary.write(`verified (${checked}): ${count(report.errors.length, 'error')}\n`);
      if (options.output !== undefined) {
        const json = verifyReportJson(report, ctx.clock.wallNow());
        writeOutputFile(ctx, options.output, json, (message) => session.warn(message), { own });
      }
      if (report.errors.length > 0)
        throw new NodupeError('FAILED', `${count(report.errors.length, 'error')} found`);
    });
}
