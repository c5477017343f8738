import { resolve } from 'node:path';
import { Command } from 'commander';
import {
  count,
  createSnapshot,
  defaultSnapshotDir,
  deleteSnapshot,
  displayPath,
  formatBytes,
  formatCount,
  listSnapshots,
  NodupeError,
  restoreSnapshot,
  type SnapshotProblem,
} from '../../index.js';
import type { CliContext } from '../context.js';
import { resolveRoots } from '../session.js';

interface StoreOptions {
  snapshots?: string;
  quiet?: boolean;
}

function withStoreOption(command: Command): Command {
  return command
    .option('--snapshots <dir>', 'the snapshot folder (default: $XDG_DATA_HOME/nodupe/snapshots)')
    .option('-q, --quiet', 'no warnings on stderr (problems still set the exit code)');
}

/** `nodupe snapshot create|list|restore|delete`: safety copies of files, kept until deleted. */
export function snapshotCommand(ctx: CliContext): Command {
  // Set before the subcommands are made, which inherit them: errors are thrown, output goes to the context.
  const command = new Command('snapshot')
    .description('safety copies of files: create, list, restore, delete')
    .exitOverride()
    .configureOutput({ writeOut: (t) => ctx.stdout.write(t), writeErr: (t) => ctx.stderr.write(t) });
  const storeOf = (options: StoreOptions): string =>
    options.snapshots === undefined ? defaultSnapshotDir(ctx.env) : resolve(ctx.cwd, options.snapshots);
  const report = (problems: readonly SnapshotProblem[], options: StoreOptions): void => {
    if (options.quiet) return;
    for (const p of problems) ctx.stderr.write(`nodupe: ${displayPath(p.path)}: ${p.message}\n`);
  };

  withStoreOption(command.command('create'))
    .description('save copies of the files under PATHs (identical contents are stored once)')
    .argument('<path...>', 'files or folders to save')
    .option('--note <text>', 'a note kept with the snapshot')
    .action(async (paths: string[], options: StoreOptions & { note?: string }) => {
      const roots = resolveRoots(paths, ctx.cwd);
      const result = await createSnapshot(storeOf(options), roots, {
        clock: ctx.clock,
        signal: ctx.signal,
        ...(options.note === undefined ? {} : { note: options.note }),
      });
      report(result.problems, options);
      const skipped = result.symlinks + result.special;
      if (skipped > 0 && !options.quiet) {
        ctx.stderr.write(
          `nodupe: skipped ${count(skipped, 'symbolic link or special file', 'symbolic links and special files')}\n`,
        );
      }
      ctx.stdout.write(
        `snapshot ${result.id}: ${count(result.files, 'file')}, ${formatBytes(result.bytes)} ` +
          `(${formatBytes(result.newBlobBytes)} new)\n`,
      );
      if (result.problems.length > 0) {
        throw new NodupeError(
          'FAILED',
          `${count(result.problems.length, 'file was', 'files were')} not saved (listed above)`,
        );
      }
    });

  withStoreOption(command.command('list'))
    .description('list the snapshots, oldest first')
    .action(async (options: StoreOptions) => {
      const dir = storeOf(options);
      const snapshots = await listSnapshots(dir);
      if (snapshots.length === 0 && !options.quiet) ctx.stderr.write(`nodupe: no snapshots in ${dir}\n`);
      const files = snapshots.map((s) => count(s.files, 'file'));
      const sizes = snapshots.map((s) => formatBytes(s.totalBytes));
      const filesWidth = Math.max(0, ...files.map((f) => f.length));
      const sizeWidth = Math.max(0, ...sizes.map((f) => f.length));
      snapshots.forEach((s, i) => {
        const date = `${s.createdAt.slice(0, 10)} ${s.createdAt.slice(11, 19)}`;
        const note = s.note === undefined ? '' : `  ${s.note}`;
        ctx.stdout.write(
          `${s.id}  ${date}  ${files[i]!.padStart(filesWidth)}  ${sizes[i]!.padStart(sizeWidth)}${note}\n`,
        );
      });
    });

  withStoreOption(command.command('restore'))
    .description('put the files of snapshot ID back where they were (files already intact are left alone)')
    .argument('<id>', 'the snapshot, as `snapshot list` shows it')
    .action(async (id: string, options: StoreOptions) => {
      const result = await restoreSnapshot(storeOf(options), id, { signal: ctx.signal });
      const { restored, unchanged } = result;
      ctx.stdout.write(
        `restored ${count(restored, 'file')}; ${formatCount(unchanged)} ${unchanged === 1 ? 'was' : 'were'} already intact\n`,
      );
      report(result.problems, options);
      if (result.problems.length > 0) {
        throw new NodupeError(
          'FAILED',
          `${count(result.problems.length, 'file was', 'files were')} not restored (listed above)`,
        );
      }
    });

  withStoreOption(command.command('delete'))
    .description('delete snapshot ID, and the stored contents no other snapshot uses')
    .argument('<id>', 'the snapshot, as `snapshot list` shows it')
    .action(async (id: string, options: StoreOptions) => {
      const result = await deleteSnapshot(storeOf(options), id, { signal: ctx.signal });
      ctx.stdout.write(
        `deleted snapshot ${id}; freed ${formatBytes(result.freedBytes)} ` +
          `(${count(result.removedBlobs, 'stored copy', 'stored copies')} no other snapshot uses)\n`,
      );
    });

  return command;
}
