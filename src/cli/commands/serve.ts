import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Command } from 'commander';
import {
  AbortError,
  byteRateLimiter,
  dataDir,
  HotReloader,
  isAbortError,
  makePreviews,
  Service,
  serviceBackend,
  servicePreviews,
  shownLocation,
  startServer,
  thumbCacheDir,
} from '../../index.js';
import { loadConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, parseCount, parseRate, type CommonOptions } from '../options.js';
import { openPluginHost, pluginFolders } from '../plugin-host.js';
import { catalogLocation, resolveRoots } from '../session.js';

interface ServeCliOptions extends CommonOptions {
  port: number;
  host: string;
  open?: boolean;
  maxReadRate?: number;
  requestRate?: number;
  watch?: string[];
}

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** A program on the PATH, or undefined. */
function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Waits until the command is asked to stop (Ctrl-C, SIGTERM). */
const stopped = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });

/**
 * `nodupe serve`: the review page and the JSON-RPC API (HTTP on loopback, and a unix socket) over the catalog,
 * until Ctrl-C or SIGTERM: then running jobs are cancelled (an apply stops at a batch boundary, resumable), the
 * catalog lock released, and the command exits 130 or 143.
 */
export function serveCommand(ctx: CliContext): Command {
  return addCommonOptions(new Command('serve'))
    .description('serve the review page and the JSON-RPC API on this machine, until Ctrl-C')
    .option('--port <n>', 'the HTTP port; 0: a free port, which is printed', parseCount(0, 65535), 0)
    .option(
      '--host <host>',
      'the address to listen on; anything but loopback lets other machines reach the server',
      '127.0.0.1',
    )
    .option('--open', 'open the page in the browser (with xdg-open)')
    .option(
      '--max-read-rate <rate>',
      'throttle file reads (scans, verify, apply, previews), such as 50MiB/s',
      parseRate,
    )
    .option(
      '--watch <path...>',
      'keep the catalog current with these folders; new duplicates are events of the page',
    )
    .option(
      '--request-rate <n>',
      'requests per second each client may make (default 50; the burst is twice that, at least 100)',
      parseCount(1),
    )
    .action(async (options: ServeCliOptions) => {
      const host = options.host.replace(/^\[(.*)\]$/, '$1');
      const say = (message: string) => ctx.stderr.write(`nodupe: ${message}\n`);
      // Bad paths are bad input, said before anything starts.
      const watchRoots = options.watch && resolveRoots(options.watch, ctx.cwd);
      if (!isLoopback(host)) {
        say(
          `warning: listening on ${host}: other machines can reach this server (the token still guards it, over plain HTTP)`,
        );
      }
      const config = loadConfig(options.config, ctx.env, ctx.cwd);
      const catalogPath = catalogLocation(options.catalog, config, ctx);
      const plugins = await openPluginHost(options, config, ctx);
      let service: Service;
      try {
        service = await Service.open({
          catalogPath,
          env: ctx.env,
          clock: ctx.clock,
          dataDir: dataDir(ctx.env),
          plugins,
          ...(options.maxReadRate === undefined ? {} : { maxReadRate: options.maxReadRate }),
        });
      } catch (error) {
        await plugins.stop();
        throw error;
      }
      const previews = makePreviews({
        cacheDir: thumbCacheDir(ctx.env),
        limiter:
          options.maxReadRate === undefined ? undefined : byteRateLimiter(options.maxReadRate, ctx.clock),
        clock: ctx.clock,
        onMiss: options.verbose ? (miss) => say(`no ${miss.preview} preview: ${miss.reason}`) : undefined,
      });
      let server;
      try {
        server = await startServer({
          backend: serviceBackend(service),
          previews: servicePreviews(service, previews),
          host,
          port: options.port,
          env: ctx.env,
          clock: ctx.clock,
          requestRate: options.requestRate,
          log: (message) => ctx.stderr.write(message),
        });
      } catch (error) {
        await service.close();
        await plugins.stop();
        throw error;
      }
      const watch = watchRoots && service.watch(watchRoots);
      const folders = pluginFolders(options, config, ctx);
      const reloader =
        folders.length === 0 ? undefined : new HotReloader({ host: plugins, folders, clock: ctx.clock });
      reloader?.start();

      ctx.stdout.write(`${server.openUrl}\n`);
      if (!options.quiet) {
        say(
          `serving ${shownLocation(catalogPath)} on ${server.origin}/${options.port === 0 ? ' (a free port; --port N to choose one)' : ''}; ` +
            `open the page above in a browser of this machine (it signs it in); from elsewhere, sign in with the token in ${server.tokenFile}; ` +
            `JSON-RPC also on ${server.socketPath}; Ctrl-C stops`,
        );
      }
      if (options.open) {
        const opener = onPath('xdg-open', ctx.env);
        if (opener === undefined) say('--open: xdg-open is not installed: open the page above in a browser');
        else
          spawn(opener, [server.openPage], { detached: true, stdio: 'ignore' })
            .on('error', () => {})
            .unref();
      }

      await stopped(ctx.signal);
      await watch?.close();
      reloader?.close();
      try {
        await server.close();
      } finally {
        await plugins.stop();
      }
      // As every command stopped by a signal: main says "interrupted" and exits 130 (143 for SIGTERM).
      const reason: unknown = ctx.signal.reason;
      throw isAbortError(reason) ? reason : new AbortError();
    });
}
