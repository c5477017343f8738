import { Command, Option } from 'commander';
import {
  describeSource,
  HotReloader,
  KINDS,
  NodupeError,
  type HostEvent,
  type PluginRecord,
  type Registry,
} from '../../index.js';
import { loadConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, parseCount, type CommonOptions } from '../options.js';
import { openPluginHost, pluginFolders } from '../plugin-host.js';

/** `nodupe plugins list|info|watch`. */
export function pluginsCommand(ctx: CliContext): Command {
  const plugins = new Command('plugins').description('list the plugins, show one, or watch plugin folders');
  plugins.addCommand(
    addCommonOptions(new Command('list'))
      .description('every plugin: name, version, state, where it comes from, what it provides')
      .action(async (options: CommonOptions) => {
        const config = loadConfig(options.config, ctx.env, ctx.cwd);
        const host = await openPluginHost({ ...options, quiet: true }, config, ctx);
        try {
          for (const p of host.list()) {
            const provides = host.registry.providedBy(p.name).join(', ');
            ctx.stdout.write(
              `${p.name}\t${p.version ?? '-'}\t${p.state}\t${describeSource(p.source)}\t${p.state === 'failed' ? (p.error ?? '') : provides}\n`,
            );
          }
        } finally {
          await host.stop();
        }
      }),
  );
  plugins.addCommand(
    addCommonOptions(new Command('info'))
      .description('one plugin in full: its state, source, dependencies, contributions, and why it failed')
      .argument('<name>', 'the plugin')
      .action(async (name: string, options: CommonOptions) => {
        const config = loadConfig(options.config, ctx.env, ctx.cwd);
        const host = await openPluginHost({ ...options, quiet: true }, config, ctx);
        try {
          const record = host.get(name);
          if (!record) {
            const known = host
              .list()
              .map((p) => p.name)
              .join(', ');
            throw new NodupeError('USAGE', `no plugin named "${name}"; loaded: ${known}`);
          }
          ctx.stdout.write(describe(record, host.registry));
        } finally {
          await host.stop();
        }
      }),
  );
  plugins.addCommand(
    addCommonOptions(new Command('watch'))
      .description(
        'load the plugins, then reload each one as its file changes, printing what happens (Ctrl-C ends)',
      )
      .option(
        '--poll [ms]',
        'poll the folders instead of using fs.watch (inotify), every ms (default 500)',
        parseCount(10),
      )
      .addOption(
        new Option('--debounce <ms>', 'quiet time before a reload').argParser(parseCount(0)).default(25),
      )
      .action(async (options: CommonOptions & { poll?: number | true; debounce: number }) => {
        const config = loadConfig(options.config, ctx.env, ctx.cwd);
        const stamp = () => new Date(ctx.clock.wallNow()).toISOString().slice(11, 23);
        const say = (line: string) => ctx.stdout.write(`${stamp()} ${line}\n`);
        const host = await openPluginHost(options, config, ctx, { onEvent: (e) => say(describeEvent(e)) });
        const folders = pluginFolders(options, config, ctx);
        if (folders.length === 0) {
          await host.stop();
          throw new NodupeError('USAGE', 'no plugin folders to watch', {
            hint: 'pass --plugins DIR or set plugins.dirs in the config',
          });
        }
        const interval = typeof options.poll === 'number' ? options.poll : config.plugins.pollIntervalMs;
        const reloader = new HotReloader({
          host,
          folders,
          clock: ctx.clock,
          debounceMs: options.debounce,
          ...(options.poll === undefined ? {} : { poll: true }),
          ...(interval === undefined ? {} : { pollIntervalMs: interval }),
          onEvent: (e) => {
            if (e.type === 'watching') say(`watching ${e.folders.join(', ')} (${e.backend})`);
            else if (e.type === 'fallback') say(`fs.watch failed, polling instead: ${e.reason}`);
            else if (e.type === 'unchanged') say(`${e.path}: saved, content unchanged: no reload`);
            else say(`watcher: ${e.message}`);
          },
        });
        reloader.start();
        await new Promise<void>((resolve) => {
          if (ctx.signal.aborted) resolve();
          ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        reloader.close();
        await host.stop();
      }),
  );
  return plugins;
}

function describeEvent(e: HostEvent): string {
  switch (e.type) {
    case 'loaded':
      return `loaded ${e.plugin} ${e.version} (${describeSource(e.source)})`;
    case 'reloaded':
      return `reloaded ${e.plugin} ${e.from} → ${e.to}`;
    case 'failed':
      return `failed ${e.plugin}: ${e.error}${e.kept === undefined ? '' : ` (version ${e.kept} stays active)`}`;
    case 'unloaded':
      return `unloaded ${e.plugin}: ${e.reason}`;
    case 'log':
      return `${e.plugin} (${e.level}): ${e.message}`;
  }
}

function describe(p: PluginRecord, registry: Registry): string {
  const lines = [
    `name:       ${p.name}`,
    `version:    ${p.version ?? '-'}`,
    `state:      ${p.state}`,
    `source:     ${describeSource(p.source)}`,
    `depends on: ${p.dependsOn.length > 0 ? p.dependsOn.join(', ') : '-'}`,
    `loads:      ${p.loads}`,
  ];
  for (const kind of KINDS) {
    const names = registry.all(kind).filter((item) => registry.providerOf(kind, item.name) === p.name);
    if (names.length > 0) {
      lines.push(
        `${kind}:${' '.repeat(Math.max(1, 11 - kind.length))}${names.map((n) => (n.description ? `${n.name} (${n.description})` : n.name)).join('; ')}`,
      );
    }
  }
  if (p.error !== undefined) lines.push(`error:      ${p.error}`);
  return `${lines.join('\n')}\n`;
}
