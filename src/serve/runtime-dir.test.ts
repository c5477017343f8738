import { chmodSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { openRuntimeDir, runtimeDirPath, writeTokenFile } from './runtime-dir.js';

const dirs: ReturnType<typeof scratch>[] = [];
const temp = () => {
  const dir = scratch();
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** The error `run` throws. */
function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('not refused');
}

describe('the runtime folder of nodupe serve', () => {
  it("is $XDG_RUNTIME_DIR/nodupe, else run/ in nodupe's state folder: never a name another user could take first", () => {
    expect(runtimeDirPath({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/nodupe');
    expect(runtimeDirPath({ XDG_STATE_HOME: '/home/ann/.state' })).toBe('/home/ann/.state/nodupe/run');
    expect(runtimeDirPath({})).toBe(join(homedir(), '.local', 'state', 'nodupe', 'run'));
    expect(runtimeDirPath({ XDG_RUNTIME_DIR: 'relative', XDG_STATE_HOME: '/s' })).toBe('/s/nodupe/run');
  });

  it('is made 0700, and the token file 0600', () => {
    const dir = temp();
    const made = openRuntimeDir({ XDG_RUNTIME_DIR: dir.root });
    expect(made).toBe(dir.path('nodupe'));
    expect(mode(made)).toBe(0o700);
    const file = writeTokenFile(made, 'secret');
    expect(mode(file)).toBe(0o600);
    writeTokenFile(made, 'again');
    expect(mode(file)).toBe(0o600);
  });

  it('closes a folder of your own that others may read (0700); refuses one they may write', () => {
    const dir = temp();
    mkdirSync(dir.path('nodupe'));
    for (const loose of [0o755, 0o750, 0o1700, 0o2711]) {
      chmodSync(dir.path('nodupe'), loose);
      expect(openRuntimeDir({ XDG_RUNTIME_DIR: dir.root })).toBe(dir.path('nodupe'));
      expect(statSync(dir.path('nodupe')).mode & 0o7777).toBe(0o700);
    }
    for (const open of [0o777, 0o770, 0o702, 0o1777]) {
      chmodSync(dir.path('nodupe'), open);
      expect(() => openRuntimeDir({ XDG_RUNTIME_DIR: dir.root })).toThrow(/can be written by others/);
      expect(statSync(dir.path('nodupe')).mode & 0o7777).toBe(open);
    }
  });

  it('refuses a folder under one others can write, and takes one under a sticky folder (as /tmp)', () => {
    const dir = temp();
    mkdirSync(dir.path('open/nodupe'), { recursive: true, mode: 0o700 });
    chmodSync(dir.path('open'), 0o777);
    const error = refusal(() => openRuntimeDir({ XDG_RUNTIME_DIR: dir.path('open') }));
    expect(error).toMatchObject({ code: 'BAD_INPUT' });
    expect((error as Error).message).toContain(
      `the folder ${dir.path('open')} can be written by others (mode 777), who could replace the runtime folder`,
    );
    chmodSync(dir.path('open'), 0o1777);
    expect(openRuntimeDir({ XDG_RUNTIME_DIR: dir.path('open') })).toBe(dir.path('open/nodupe'));
  });

  it('judges the folders above by their real path, and gives the folder by it', () => {
    const dir = temp();
    mkdirSync(dir.path('real'), { mode: 0o700 });
    symlinkSync(dir.path('real'), dir.path('link'));
    expect(openRuntimeDir({ XDG_RUNTIME_DIR: dir.path('link') })).toBe(dir.path('real/nodupe'));
    chmodSync(dir.path('real'), 0o777);
    expect(() => openRuntimeDir({ XDG_RUNTIME_DIR: dir.path('link') })).toThrow(
      `the folder ${dir.path('real')} can be written by others`,
    );
  });

  it('refuses a symbolic link, even to a good folder', () => {
    const dir = temp();
    mkdirSync(dir.path('real'), { mode: 0o700 });
    symlinkSync(dir.path('real'), dir.path('nodupe'));
    expect(() => openRuntimeDir({ XDG_RUNTIME_DIR: dir.root })).toThrow(/is a symbolic link/);
  });

  it("refuses a folder of another user's", () => {
    const dir = temp();
    mkdirSync(dir.path('nodupe'), { mode: 0o700 });
    const other = (process.getuid?.() ?? 0) + 1;
    expect(() => openRuntimeDir({ XDG_RUNTIME_DIR: dir.root }, other)).toThrow(/belongs to another user/);
    expect(refusal(() => openRuntimeDir({ XDG_RUNTIME_DIR: dir.root }, other))).toMatchObject({
      code: 'BAD_INPUT',
    });
  });
});
