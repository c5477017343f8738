// What the browser tests share: Debian's Chromium (skipped with a notice where it is missing, a failure under CI),
// `nodupe serve` started as a user starts it (a child process; the URL read from its one stdout line), the files of
// a tree with their contents, and screenshots saved where CI keeps them. The server runs from dist/ and serves
// dist/page/ (`npm run build` first).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { findChromium, INSTALL_HINT } from '../../scripts/chromium.mjs';

export const BIN = fileURLToPath(new URL('../../bin/nodupe.js', import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const chromiumPath = findChromium();

/**
 * Whether the browser tests can run. Without Chromium they are skipped, and say so (under CI=true that fails the
 * run instead: CI installs it).
 */
export function browserAvailable(): boolean {
  if (chromiumPath !== undefined) return true;
  if (process.env.CI === 'true') throw new Error(`CI needs Chromium for the browser tests: ${INSTALL_HINT}`);
  console.warn(`nodupe tests: the browser tests are SKIPPED, no Chromium found (${INSTALL_HINT})`);
  return false;
}

/** Debian's Chromium, headless; as root without its sandbox (Chromium refuses to start sandboxed as root). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath!,
    headless: true,
    chromiumSandbox: process.getuid?.() !== 0,
  });
}

/**
 * Where the README's screenshots go when they are made (`NODUPE_SCREENSHOTS=docs/screenshots npx vitest run
 * test/browser`, from the repository's folder), else undefined.
 */
export const DOC_SCREENSHOTS =
  process.env.NODUPE_SCREENSHOTS === undefined || process.env.NODUPE_SCREENSHOTS === ''
    ? undefined
    : resolve(process.env.NODUPE_SCREENSHOTS);

/**
 * Saves what the page shows (the viewport, as a user sees it) as test-results/screenshots/NAME.png, and, when the
 * README's screenshots are being made, as DOC_NAME.png there too.
 */
export async function screenshot(page: Page, name: string, docName?: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const options = { animations: 'disabled', caret: 'hide' } as const;
  await page.screenshot({ ...options, path: join(SCREENSHOTS, `${name}.png`) });
  if (docName !== undefined && DOC_SCREENSHOTS !== undefined) {
    mkdirSync(DOC_SCREENSHOTS, { recursive: true });
    // A palette of 256 colours keeps each well under 200 KB; text and the page's flat colours lose nothing.
    const png = await sharp(await page.screenshot(options))
      .png({ palette: true, quality: 95, compressionLevel: 9, effort: 10 })
      .toBuffer();
    writeFileSync(join(DOC_SCREENSHOTS, `${docName}.png`), png);
  }
}

/**
 * The folder a test scans, named as a user's (`…/home/ann/Pictures`). Inside the test's scratch folder, except
 * when the README's screenshots are made: then `<tmp>/home/ann/NAME`, so that the paths on the screens read like a
 * user's (it must not exist yet; it is removed after).
 */
export function userFolder(scratchRoot: string, name: string): { path: string; remove(): void } {
  if (DOC_SCREENSHOTS === undefined) {
    return { path: join(scratchRoot, 'home', 'ann', name), remove: () => {} };
  }
  const path = join(tmpdir(), 'home', 'ann', name);
  if (existsSync(path)) throw new Error(`${path} exists: remove it to make the README's screenshots`);
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      // The parents go too when nothing else is in them.
      for (const parent of [dirname(path), dirname(dirname(path))]) {
        try {
          rmdirSync(parent);
        } catch {
          break;
        }
      }
    },
  };
}

/** The DOM as the page functions below use it: this code is type-checked without the DOM's types. */
interface PageGlobals {
  document: { querySelectorAll(selector: string): ArrayLike<{ complete: boolean; naturalWidth: number }> };
}

/** Waits until `count` images match `selector`, each loaded and decoded (a broken image has no natural width). */
export async function imagesLoaded(page: Page, selector: string, count: number): Promise<void> {
  await page.waitForFunction(
    ([selector, count]) => {
      const images = Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll(selector));
      return images.length === count && images.every((image) => image.complete && image.naturalWidth > 0);
    },
    [selector, count] as const,
  );
}

/** nodupe's folders of one server (runtime, data, cache, config), inside a test's scratch folder. */
export function serverEnv(root: string): NodeJS.ProcessEnv {
  const runtime = join(root, 'run');
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  return {
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(root, 'data'),
    XDG_CACHE_HOME: join(root, 'cache'),
    XDG_CONFIG_HOME: join(root, 'config'),
  };
}

export interface Served {
  /** The page the server printed: `file://…/open.html`, which sends a browser on with a login ticket. */
  url: string;
  origin: string;
  host: string;
  token: string;
  stderr(): string;
  /** Sends `signal` and resolves to the exit code (null: ended by the signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const URL_LINE = /^(file:\/\/\S+\/open\.html)$/m;

/** Starts `nodupe serve --catalog CATALOG --port 0 ARGS…` and waits for the URL line on its stdout. */
export async function startServer(
  catalog: string,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--catalog', catalog, '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const printed = await new Promise<string>((resolve, reject) => {
    const check = (chunk: Buffer): void => {
      stdout += chunk.toString();
      const found = URL_LINE.exec(stdout);
      if (found) {
        child.stdout.off('data', check);
        resolve(found[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) =>
      reject(new Error(`nodupe serve ended (exit ${code}) before printing its URL:\n${stdout}\n${stderr}`)),
    );
  });
  // Whatever else it prints is read and dropped (a full pipe would stall it).
  child.stdout.resume();
  // Where the page sends the browser: the server's origin.
  const url = new URL(/url=(http:\/\/[^/"]+)\//.exec(readFileSync(fileURLToPath(printed), 'utf8'))![1]!);
  return {
    url: printed,
    origin: url.origin,
    host: url.host,
    token: readFileSync(join(env.XDG_RUNTIME_DIR!, 'nodupe', 'token'), 'utf8').trim(),
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Opens the page the server printed, as a user does, and waits until it has sent the browser on to the server. */
export async function openPrinted(page: Page, served: Served): Promise<void> {
  await page.goto(served.url);
  await page.waitForURL((url) => url.origin === served.origin);
}

/** One plain HTTP request to the server, with exactly these headers (Node's fetch would not send another Host). */
export function rawRequest(
  origin: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const target = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Every file below `folder` (relative path → SHA-256 of its content); an absent folder has none. */
export function filesUnder(folder: string): Map<string, string> {
  const found = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(folder, { recursive: true }) as string[];
  } catch {
    return found;
  }
  for (const name of names.sort()) {
    const full = join(folder, name);
    if (statSync(full).isFile()) found.set(relative(folder, full), sha256(readFileSync(full)));
  }
  return found;
}
