import { Command, Option } from 'commander';
import {
  byteRateLimiter,
  COPY_FORMATS,
  hasherLookup,
  hasherNamed,
  NodupeError,
  renderWhere,
  whereElse,
  writeBuffered,
  type CopyFormat,
} from '../../index.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, parseHash, parseRate, type CommonOptions } from '../options.js';
import { openSession, resolveRoots } from '../session.js';
import { statSync } from 'node:fs';

interface WhereCliOptions extends CommonOptions {
  format: CopyFormat;
  hash: string;
  maxReadRate?: number;
}

/** `nodupe where FILE...`: where else each file's content is, on this machine or any other of a shared catalog. */
export function whereCommand(ctx: CliContext): Command {
  return addCommonOptions(new Command('where'))
    .description(
      'say where else the content of each FILE is, on this machine or any other (a shared catalog)',
    )
    .argument('<file...>', 'files to look up')
    .addOption(new Option('--format <format>', 'output format').choices(COPY_FORMATS).default('text'))
    .option('--hash <algorithm>', 'the content hash to look up by', parseHash, 'xxh3')
    .option('--max-read-rate <rate>', 'throttle the reads of files the catalog does not hold', parseRate)
    .action(async (files: string[], options: WhereCliOptions) => {
      // Every name is checked before the catalog is opened: bad input touches nothing.
      const paths = resolveRoots(files, ctx.cwd);
      paths.forEach((path, i) => {
        if (!statSync(path).isFile()) {
          throw new NodupeError('BAD_INPUT', `${files[i]!}: not a regular file (where looks up files)`);
        }
      });
      const session = await openSession(
        options,
        ctx,
        (plugins) => hasherNamed(plugins, options.hash),
        'read',
      );
      try {
        const answers = await whereElse(session.catalog, paths, {
          algorithm: options.hash,
          hasher: hasherLookup(session.plugins),
          clock: ctx.clock,
          signal: ctx.signal,
          ...(options.maxReadRate === undefined
            ? {}
            : { limiter: byteRateLimiter(options.maxReadRate, ctx.clock) }),
        });
        session.endProgress();
        writeBuffered(ctx.stdout, (out) => renderWhere(answers, options.format, out));
      } finally {
        await session.close();
      }
    });
}
