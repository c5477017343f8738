// An apply started from the page, cut short by stopping the server (SIGTERM, as a service manager stops it): the
// server ends with 143 at a batch boundary, and `nodupe apply --resume` finishes the run with no file lost.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { bytes, scratch } from '../helpers/tree.js';
import {
  BIN,
  browserAvailable,
  DESKTOP,
  filesUnder,
  launchBrowser,
  openPrinted,
  screenshot,
  serverEnv,
  startServer,
  userFolder,
} from './harness.js';

/** Pairs of identical files of 1 MiB: read at 2 MiB/s, the apply takes about a second per pair. */
const PAIRS = 12;
/** A pair's two copies, below the scanned folder: the first in path order is kept. */
const pairOf = (i: number) => {
  const name = `clip-${String(i).padStart(2, '0')}.mp4`;
  return [`2024/${name}`, `copy/${name}`] as const;
};

describe.skipIf(!browserAvailable())('an apply interrupted by stopping the server', () => {
  let dir: ReturnType<typeof scratch>;
  /** The scanned folder, `…/home/ann/Videos`. */
  let videos: ReturnType<typeof userFolder>;
  let browser: Browser;

  beforeAll(async () => {
    dir = scratch();
    videos = userFolder(dir.root, 'Videos');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    videos.remove();
    dir.remove();
  });

  it('stops with 143, and apply --resume finishes it: every content kept once in place, the rest quarantined', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const content = bytes(1 << 20, i + 1);
      for (const path of pairOf(i)) {
        mkdirSync(dirname(join(videos.path, path)), { recursive: true });
        writeFileSync(join(videos.path, path), content);
      }
    }
    const before = filesUnder(videos.path);
    const env = serverEnv(dir.root);
    const catalog = dir.path('catalog.db');
    const scanned = await runCli(['scan', '--catalog', catalog, videos.path], { env });
    expect(scanned.code, scanned.stderr).toBe(0);

    const server = await startServer(catalog, env, ['--max-read-rate', '2MiB/s']);
    const page = await browser.newPage({ viewport: DESKTOP });
    try {
      await openPrinted(page, server);
      await page
        .locator('#decide')
        .getByText(/marked ·/)
        .waitFor();
      await page.getByTestId('plan-review').click();
      await page.getByTestId('plan-summary').getByText(`${PAIRS} files in ${PAIRS} groups`).waitFor();
      await page.getByTestId('apply-start').click();
      // The first file is done, the apply goes on: stop the server now.
      await page.locator('[data-testid="apply-step"][data-outcome="done"]').first().waitFor();
      // The progress counts files done of all, and names its bytes for what they are: each file and its keeper
      // read to compare them.
      const progress = page.locator('[data-testid="apply-progress"][data-state="running"]');
      await progress.filter({ hasText: `of ${PAIRS} files · compared` }).waitFor();
      // The run shows in the runs while it goes, and undo names it (it waits for the apply to end).
      await page.getByTestId('runs').locator('tbody tr').filter({ hasText: 'running' }).waitFor();
      expect(await page.getByTestId('undo-start').textContent()).toBe('Undo run 1');
      await screenshot(page, 'apply-progress', 'apply');
      expect(await server.stop('SIGTERM'), server.stderr()).toBe(143);
      // The server is gone: the page says so, and what to do.
      const error = page.getByTestId('error');
      await error.getByText('The connection to nodupe serve is lost.').waitFor();
      expect(await error.textContent()).toContain('reconnects by itself');
    } finally {
      await page.close();
      await server.stop('SIGKILL');
    }

    // Started again (a new token: the page it prints), the page shows the run cut short and how to finish it.
    const again = await startServer(catalog, env);
    const reopened = await browser.newPage({ viewport: DESKTOP });
    try {
      await openPrinted(reopened, again);
      await reopened.getByTestId('plan-review').click();
      await reopened
        .getByTestId('runs')
        .locator('tbody tr')
        .filter({ hasText: 'stopped part way' })
        .waitFor();
      expect(await reopened.locator('.runs-box').textContent()).toContain(
        'nodupe apply --resume finishes it',
      );
    } finally {
      await reopened.close();
      expect(await again.stop('SIGTERM'), again.stderr()).toBe(143);
    }

    // Cut short: some pairs are done, some not.
    const stopped = filesUnder(videos.path);
    expect(stopped.size).toBeGreaterThan(PAIRS);
    expect(stopped.size).toBeLessThan(2 * PAIRS);

    const resume = spawn(process.execPath, [BIN, 'apply', '--resume', '--catalog', catalog], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    resume.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(resume, 'exit')) as [number | null];
    expect(code, stderr).toBe(0);

    // Each pair: one copy where it was, the other's bytes in the quarantine; not a content lost.
    const after = filesUnder(videos.path);
    const quarantined = filesUnder(dir.path('data/nodupe/quarantine'));
    expect(after.size).toBe(PAIRS);
    expect(quarantined.size).toBe(PAIRS);
    for (let i = 0; i < PAIRS; i++) {
      const pair = pairOf(i);
      const content = before.get(pair[0])!;
      const left = pair.filter((path) => after.has(path));
      expect(left, pair[0]).toHaveLength(1);
      expect(after.get(left[0]!)).toBe(content);
    }
    expect([...quarantined.values()].sort()).toEqual([...after.values()].sort());
  });
});
