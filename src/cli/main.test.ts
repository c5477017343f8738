import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers/cli.js';

describe('nodupe command line', () => {
  it('prints help and exits 0, also when run without arguments', async () => {
    for (const args of [['--help'], []]) {
      const { code, stdout } = await runCli(args);
      expect(code).toBe(0);
      expect(stdout).toContain('Usage: nodupe');
      expect(stdout).toContain('dupes');
    }
  });

  it('prints its version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('rejects an unknown option with a clear message and exit code 2', async () => {
    const { code, stderr } = await runCli(['dupes', '--frobnicate', '.']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--frobnicate'");
  });

  it('rejects malformed option values with exit code 2', async () => {
    for (const args of [
      ['dupes', '--min-size', 'lots', '.'],
      ['dupes', '--max-read-rate', '0', '.'],
      ['dupes', '--threads', '0', '.'],
      ['dupes', '--hash', 'md5', '.'],
      ['dupes', '--format', 'xml', '.'],
    ]) {
      const { code, stderr } = await runCli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(/expected|Allowed choices|unknown (hash|format) .*; known: /);
    }
  });
});
