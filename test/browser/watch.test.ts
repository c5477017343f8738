// `nodupe serve --watch`: a copy that lands in the watched folder shows on the page as a new copy of the file the
// catalog holds, and its removal as a duplicate gone, without reloading the page.
import { copyFileSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { bytes, scratch } from '../helpers/tree.js';
import {
  browserAvailable,
  DESKTOP,
  launchBrowser,
  openPrinted,
  screenshot,
  serverEnv,
  startServer,
  userFolder,
} from './harness.js';

describe.skipIf(!browserAvailable())('serve --watch on the page', () => {
  let dir: ReturnType<typeof scratch>;
  let downloads: ReturnType<typeof userFolder>;
  let browser: Browser;

  beforeAll(async () => {
    dir = scratch();
    downloads = userFolder(dir.root, 'Downloads');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    downloads.remove();
    dir.remove();
  });

  it('lists a new copy as it lands, then the duplicate going away', async () => {
    mkdirSync(downloads.path, { recursive: true });
    const original = join(downloads.path, 'holiday.jpg');
    writeFileSync(original, bytes(64 << 10, 7));
    writeFileSync(join(downloads.path, 'notes.txt'), 'alone');
    const env = serverEnv(dir.root);
    const catalog = dir.path('catalog.db');
    const scanned = await runCli(['scan', '--catalog', catalog, downloads.path], { env });
    expect(scanned.code, scanned.stderr).toBe(0);

    const server = await startServer(catalog, env, ['--watch', downloads.path]);
    const page = await browser.newPage({ viewport: DESKTOP });
    try {
      // The page hears the events from when its stream opens (a new page is not sent older ones): wait for it.
      const listening = page.waitForResponse((response) => new URL(response.url()).pathname === '/events');
      await openPrinted(page, server);
      await listening;
      const watching = page.getByTestId('watching');
      expect(await watching.isHidden()).toBe(true);

      const copy = join(downloads.path, 'holiday (1).jpg');
      copyFileSync(original, copy);
      const finding = watching.getByTestId('watch-finding');
      await finding.filter({ hasText: `New copy: ${copy} is a copy of ${original}` }).waitFor();
      expect(await finding.first().getAttribute('data-kind')).toBe('copy');
      // The catalog changed: the group list has the pair too.
      await page.getByTestId('group-list').getByText('holiday').first().waitFor();
      await screenshot(page, 'watch-new-copy');

      unlinkSync(copy);
      await finding.filter({ hasText: `A duplicate went away: ${copy}` }).waitFor();
      expect(await finding.count()).toBe(2);
      expect(await finding.first().getAttribute('data-kind')).toBe('gone');
      expect(await finding.first().textContent()).toContain(`copies left: ${original}`);
    } finally {
      await page.close();
      const exit = await server.stop();
      expect(exit, server.stderr()).toBe(143);
    }
  });
});
