// The web page (page/, beside this file), loaded once per process: the first call starts the
// load and every caller shares its promise. Besides the page, its service worker (page/sw.ts,
// served as /sw.js: Web Push notifications) is bundled on its own, as a classic script. Nothing is fetched from outside the machine: the
// page, its CSS and the SDK it imports are all local.
// - compiled (dist/webapp/bundle.js): `npm run build` wrote the bundled page into dist/webapp/page/
//   (index.html, app.js, app.css, sw.js); it is read as is, and esbuild is never loaded.
// - from source (src/, under tsx or vitest): page/ holds the TypeScript sources, bundled in
//   memory with esbuild on first use (edit, restart, see the change).
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export interface WebAsset {
  body: string;
  type: string;
  etag: string;
}

export interface PageFiles {
  html: string;
  js: string;
  css: string;
  /** The service worker (a classic script: no import/export). */
  sw: string;
}

/** src/webapp/page (the sources) or dist/webapp/page (the bundled page). */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'page');
/** The names `npm run build` writes into dist/webapp/page/. */
export const PREBUILT = { html: 'index.html', js: 'app.js', css: 'app.css', sw: 'sw.js' } as const;

const asset = (body: string, type: string): WebAsset => ({ body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });

let built: Promise<Map<string, WebAsset>> | undefined;

/** `/`, `/static/app.js`, `/static/app.css` and `/sw.js`, keyed by URL path. */
export function webAssets(): Promise<Map<string, WebAsset>> {
  return (built ??= load().catch((e: unknown) => {
    built = undefined; // let a later request retry (e.g. after fixing a syntax error in dev)
    throw e;
  }));
}

async function load(): Promise<Map<string, WebAsset>> {
  const prebuilt = fs.existsSync(path.join(WEB_DIR, PREBUILT.js));
  const read = (f: string) => fs.readFileSync(path.join(WEB_DIR, f), 'utf8');
  const page = prebuilt ? { html: read(PREBUILT.html), js: read(PREBUILT.js), css: read(PREBUILT.css), sw: read(PREBUILT.sw) } : await bundlePage(WEB_DIR);
  return new Map([
    ['/', asset(page.html, 'text/html; charset=utf-8')],
    ['/static/app.js', asset(page.js, 'text/javascript; charset=utf-8')],
    ['/static/app.css', asset(page.css, 'text/css; charset=utf-8')],
    ['/sw.js', asset(page.sw, 'text/javascript; charset=utf-8')],
  ]);
}

/** Bundles the page sources in `dir` (main.ts, sw.ts, style.css, index.html); the build calls it too. */
export async function bundlePage(dir: string): Promise<PageFiles> {
  const esbuild = await import('esbuild');
  const common = { bundle: true, write: false, platform: 'browser', target: 'es2022', minify: true, sourcemap: false, logLevel: 'silent' } as const;
  // a classic worker script (register() without type: 'module'): the widest support
  const sw = await esbuild.build({ ...common, entryPoints: [path.join(dir, 'sw.ts')], format: 'iife' });
  const result = await esbuild.build({
    entryPoints: [path.join(dir, 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    // The SDK falls back to the `ws` package only where no global WebSocket exists (Node 20);
    // a browser always has one, so the import is left unresolved and never runs.
    external: ['ws'],
    logLevel: 'silent',
  });
  return {
    js: result.outputFiles[0].text,
    sw: sw.outputFiles[0].text,
    css: fs.readFileSync(path.join(dir, 'style.css'), 'utf8'),
    html: fs.readFileSync(path.join(dir, 'index.html'), 'utf8'),
  };
}
