import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A file system that makes reflinks (XFS with reflink=1, on a loop device over a sparse file), mounted for a
 * test; undefined where that cannot be done (not root, no mkfs.xfs, no loop devices), with the reason.
 * `.ci/run` installs xfsprogs, so under CI it is there.
 */
export function mountReflinkFs(): { path: string; unmount(): void } | { unavailable: string } {
  if (process.getuid?.() !== 0) return { unavailable: 'not running as root (mount needs it)' };
  const work = mkdtempSync(join(tmpdir(), 'nodupe-xfs-'));
  const image = join(work, 'xfs.img');
  const path = join(work, 'mnt');
  try {
    writeFileSync(image, '');
    truncateSync(image, 320 << 20); // sparse: XFS wants 300 MB at the least
    execFileSync('mkfs.xfs', ['-q', '-m', 'reflink=1', image], { stdio: 'pipe' });
    execFileSync('mkdir', [path]);
    execFileSync('mount', ['-o', 'loop', image, path], { stdio: 'pipe' });
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    return {
      unavailable: `cannot make an XFS file system with reflinks here: ${(error as Error).message.split('\n')[0]}`,
    };
  }
  return {
    path,
    unmount() {
      execFileSync('umount', [path]);
      rmSync(work, { recursive: true, force: true });
    },
  };
}
