#!/usr/bin/env node
// Entry point of `npx strata` and `npm start`: loads the TypeScript sources through tsx
// (no build step to forget), then hands the arguments to the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli.ts');
await main(process.argv.slice(2));
