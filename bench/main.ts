// Entry point of the benchmark harness as a process of its own: `strata bench` (src/main/cli.ts)
// spawns it, so the server's code never imports bench/ (or test/, which the harness uses to
// start its Valkey and PostgreSQL). Flags: --quick, --only a,b, --profile <dir>.
import { runBench } from './run.js';

const args = process.argv.slice(2);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const profile = value('--profile');
const code = await runBench({
  quick: args.includes('--quick'),
  only: value('--only')?.split(','),
  serverExecArgv: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : undefined,
});
process.exit(code);
