// `npx strata <command>`: the operator's entry point. Exit code 0 on success, 1 on error
// (with a one-line message on stderr), 2 on usage errors.
import { ConfigError, loadConfig } from '../config.js';
import { mintToken, parseTtl } from '../auth/tokens.js';
import { resolveSecret } from '../auth/dev-secret.js';

const HELP = `strata — self-hostable real-time chat backend

Usage: npx strata <command> [options]

Commands:
  start                     run the API (and, unless WORKERS=false, the persist workers)
  worker                    run the persist workers only (scale-out)
  migrate                   apply warm-store migrations and exit
  token <user> [--admin] [--ttl 1h]
                            print a JWT for <user>, signed with AUTH_JWT_SECRET or the dev secret
  help                      this text

Configuration comes from the environment: see docs/config.md.`;

class UsageError extends Error {}

function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new UsageError(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function onSignals(fn: () => Promise<void>) {
  let count = 0;
  const handler = () => {
    if (++count > 1) process.exit(130); // a second Ctrl-C: stop now
    fn().then(() => process.exit(0), (e) => {
      process.stderr.write(`strata: shutdown failed: ${(e as Error).message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

export async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  const cmd = args.shift() ?? 'help';
  try {
    if (cmd === 'help' || cmd === '--help' || cmd === '-h' || flag(args, '--help')) {
      process.stdout.write(`${HELP}\n`);
      return;
    }
    const config = loadConfig();
    switch (cmd) {
      case 'start': {
        const { startApi } = await import('./api.js');
        const api = await startApi(config);
        onSignals(api.close);
        return;
      }
      case 'worker': {
        const { startWorker } = await import('./worker.js');
        const w = await startWorker(config);
        onSignals(w.close);
        return;
      }
      case 'migrate': {
        const { migrateOnly } = await import('./migrate.js');
        process.stdout.write(`${await migrateOnly(config)}\n`);
        return;
      }
      case 'token': {
        const admin = flag(args, '--admin');
        const ttl = option(args, '--ttl') ?? '1h';
        const user = args.shift();
        if (!user) throw new UsageError('usage: strata token <user> [--admin] [--ttl 1h]');
        const s = resolveSecret(config, config.nodeEnv !== 'production');
        if (!s) throw new Error('no AUTH_JWT_SECRET set and no dev secret in DATA_DIR');
        process.stdout.write(`${await mintToken(s.secret, user, { admin, ttlS: parseTtl(ttl) })}\n`);
        return;
      }
      default:
        throw new UsageError(`unknown command "${cmd}" (try: npx strata help)`);
    }
  } catch (e) {
    const msg = e instanceof ConfigError ? e.message : (e as Error).message;
    process.stderr.write(`strata: ${msg}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  }
}
