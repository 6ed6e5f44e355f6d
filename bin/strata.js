#!/usr/bin/env node
// Entry point of `npx strata` and `npm start`: the compiled CLI in dist/, built by
// `npm run build` (which `npm install`, `npm ci` and `npm test` run first).
import fs from 'node:fs';

const cli = new URL('../dist/main/cli.js', import.meta.url);
if (!fs.existsSync(cli)) {
  process.stderr.write('strata: dist/ is missing: run `npm run build` (npm install runs it too)\n');
  process.exit(1);
}
const { main } = await import(cli.href);
await main(process.argv.slice(2));
