// Builds the web page (page/, beside this file) in memory with esbuild, once per process: the first call starts
// the build and every caller shares its promise. Nothing is written to disk and nothing is
// fetched from outside the machine: the page, its CSS and the SDK it imports are all local.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export interface WebAsset {
  body: string;
  type: string;
  etag: string;
}

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'page');

const asset = (body: string, type: string): WebAsset => ({ body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });

let built: Promise<Map<string, WebAsset>> | undefined;

/** `/`, `/static/app.js` and `/static/app.css`, keyed by URL path. */
export function webAssets(): Promise<Map<string, WebAsset>> {
  return (built ??= build().catch((e: unknown) => {
    built = undefined; // let a later request retry (e.g. after fixing a syntax error in dev)
    throw e;
  }));
}

async function build(): Promise<Map<string, WebAsset>> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(WEB_DIR, 'main.ts')],
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
  const js = result.outputFiles[0].text;
  const css = fs.readFileSync(path.join(WEB_DIR, 'style.css'), 'utf8');
  const html = fs.readFileSync(path.join(WEB_DIR, 'index.html'), 'utf8');
  return new Map([
    ['/', asset(html, 'text/html; charset=utf-8')],
    ['/static/app.js', asset(js, 'text/javascript; charset=utf-8')],
    ['/static/app.css', asset(css, 'text/css; charset=utf-8')],
  ]);
}
