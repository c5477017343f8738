import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { loadConfig } from './config.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => (dir = scratch()));
afterEach(() => dir.remove());

const load = (toml: string) => {
  dir.write('c.toml', toml);
  return loadConfig('c.toml', {}, dir.root);
};

describe('config file', () => {
  it("reads the catalog: a PostgreSQL URL as written, a path from the config file's folder", () => {
    expect(load('catalog = "postgres://me@nas/nodupe"\n').catalog).toBe('postgres://me@nas/nodupe');
    expect(load('catalog = "data/catalog.db"\n').catalog).toBe(dir.path('data/catalog.db'));
    expect(load('[policy]\n').catalog).toBeUndefined();
    expect(() => load('catalog = "mysql://me:secret@nas/db"\n')).toThrow(
      /c\.toml: the catalog mysql:\/\/me:\*\*\*@nas\/db: expected a file path or a postgres:\/\/ URL/,
    );
    expect(() => load('catalog = 3\n')).toThrow(/catalog must be a file path or a postgres:\/\/ URL/);
  });

  it('reads a full [policy] section', () => {
    const config = load(
      [
        '[policy]',
        'rules = ["prefer /mnt/photos", "newest", "avoid-match *copy*"]',
        'protect = ["/mnt/archive"]',
        'only_from = ["/home/me/Downloads"]',
        'keep_n = 2',
        'action = "move"',
        'to = "/mnt/dupes"',
      ].join('\n'),
    );
    expect(config.policy).toEqual({
      rules: [
        { kind: 'prefer', path: '/mnt/photos' },
        { kind: 'rank', name: 'newest' },
        { kind: 'avoid-match', glob: '*copy*' },
      ],
      protect: ['/mnt/archive'],
      onlyFrom: ['/home/me/Downloads'],
      keepN: 2,
      action: 'move',
      to: '/mnt/dupes',
    });
  });

  it('no config file at the default place is no policy; a named one that is missing is bad input', () => {
    expect(loadConfig(undefined, { XDG_CONFIG_HOME: dir.path('none') }, dir.root)).toEqual({
      file: undefined,
      policy: {},
      plugins: { dirs: [], allowUnsafe: false, sections: {} },
    });
    expect(() => loadConfig('missing.toml', {}, dir.root)).toThrow(
      /cannot read the config file .*missing\.toml/,
    );
  });

  it.each([
    ['rules = [', /is not valid TOML/],
    ['[plugs]\n', /unknown section \[plugs\]; known: \[policy\], \[plugins\]/],
    ['[plugins]\ndirs = "x"\n', /plugins\.dirs must be an array of strings/],
    ['[plugins]\nallow_unsafe = "yes"\n', /plugins\.allow_unsafe must be true or false, received "yes"/],
    ['[policy]\nkeep = 1\n', /unknown key policy\.keep; known: rules, protect/],
    ['[policy]\nrules = "newest"\n', /policy\.rules must be an array of strings/],
    ['[policy]\nrules = ["prefer"]\n', /policy\.rules: unknown keeper rule "prefer"/],
    ['[policy]\nprotect = ["relative/dir"]\n', /policy\.protect: "relative\/dir" must be an absolute path/],
    [
      '[policy]\nrules = ["prefer relative/dir"]\n',
      /policy\.rules: "prefer relative\/dir": the folder must be an absolute path/,
    ],
    ['[policy]\nkeep_n = 0\n', /policy\.keep_n must be a whole number of at least 1, received 0/],
    ['[policy]\naction = "shred"\n', /policy\.action must be one of quarantine, delete, hardlink/],
  ])('refuses %j with a message naming the file and the key', (toml, message) => {
    expect(() => load(toml)).toThrow(message);
    expect(() => load(toml)).toThrow(/c\.toml/);
  });
});
