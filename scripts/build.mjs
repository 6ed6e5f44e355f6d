#!/usr/bin/env node
// `npm run build` (also run by `npm install` / `npm ci` through the prepare script, and by
// `npm test` first):
//   dist/                   the server, src/ compiled by tsc (tsconfig.build.json, no test files),
//     hot-tier/valkey/lua/  + the Lua scripts the Valkey adapter reads beside itself
//     webapp/page/          + the web page bundled once here (index.html, app.js, app.css, sw.js), so
//                             the server reads four files instead of running esbuild at start
//   packages/client/dist/   the SDK (@strata/client, `strata/client`): ESM + .d.ts
// `--client` builds the SDK package only (its prepack). Each output is written beside its
// target and swapped in whole, so a server started during a rebuild never sees half a dist/.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let TSC;
try {
  TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('build: typescript is not installed (a devDependency): build with dev dependencies installed (`npm ci`), then `npm prune --omit=dev` for a production image');
  process.exit(1);
}
const at = (...p) => path.join(ROOT, ...p);

function tsc(project, outDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSC, '-p', project, '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => {
      // 2 = type errors, JavaScript emitted all the same. The build emits; `npm run typecheck`
      // (CI) is the type gate, as it was when tsx ran the sources unchecked.
      if (code === 2) console.error(`build: type errors in ${path.relative(ROOT, project)} (above; npm run typecheck): emitted anyway`);
      if (code === 0 || code === 2) resolve();
      else reject(new Error(`tsc -p ${path.relative(ROOT, project)} failed (exit ${code})`));
    });
  });
}

/** Builds into a sibling temp dir with `fill`, then replaces `target` with it. */
async function staged(target, fill) {
  const tmp = `${target}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    await fill(tmp);
    const old = `${target}.old-${process.pid}`;
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

const server = () => staged(at('dist'), async (out) => {
  await tsc(at('tsconfig.build.json'), out);
  fs.cpSync(at('src/hot-tier/valkey/lua'), path.join(out, 'hot-tier/valkey/lua'), { recursive: true });
  // The compiled bundle.ts bundles the page: one definition of the esbuild options.
  const { bundlePage, PREBUILT } = await import(pathToFileURL(path.join(out, 'webapp/bundle.js')).href);
  const page = await bundlePage(at('src/webapp/page'));
  const pageDir = path.join(out, 'webapp/page');
  fs.mkdirSync(pageDir, { recursive: true });
  for (const k of Object.keys(PREBUILT)) fs.writeFileSync(path.join(pageDir, PREBUILT[k]), page[k]);
});

const client = () => staged(at('packages/client/dist'), (out) => tsc(at('packages/client/tsconfig.json'), out));

const started = performance.now();
try {
  await Promise.all(process.argv.includes('--client') ? [client()] : [server(), client()]);
  console.log(`build: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(`build: ${e.message}`);
  process.exit(1);
}
