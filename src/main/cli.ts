// `npx strata <command>`: the operator's entry point. Exit code 0 on success, 1 on error
// (with a one-line message on stderr), 2 on usage errors.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { CliUsageError } from './cli-chat.js';
import { mintToken, parseTtl } from '../auth/tokens.js';
import { resolveSecret } from '../auth/dev-secret.js';
import { generateVapidKeys } from '../push-providers/web-push-provider.js';

const HELP = `strata — self-hostable real-time chat backend

Usage: npx strata <command> [options]

Commands:
  start                     run the API (and, unless WORKERS=false, the persist workers)
  worker                    run the persist workers only (scale-out)
  migrate                   apply warm-store migrations and exit
  token <user> [--admin] [--ttl 1h]
                            print a JWT for <user>, signed with AUTH_JWT_SECRET or the dev secret
  vapid-keys                print a fresh VAPID key pair for Web Push (docs/push.md)
  send <conversation> <text>
                            send a message (prints it with its seq)
  tail <conversation>       print messages live, one line each, until Ctrl-C
  search <query>            search the messages of my conversations (docs/search.md)
  archive [--conversation <id>] [--keep-last N] [--days N]
                            move old messages to the archive now (progress on stderr)
  export --since <ISO> --until <ISO> --out <file.parquet>
                            one Parquet file of the messages created in the window
  bench [--quick] [--only ingest,persist,…] [--profile <dir>]
                            run the benchmark harness (bench/): starts its own stacks, prints
                            figures beside same-run baselines, writes bench/results/
  help                      this text

\`npx strata <command> --help\` describes one command. Configuration comes from the
environment: see docs/config.md.`;

const CLIENT_OPTIONS = `
  --url <url>        the server (default http://localhost:$PORT)
  --token <jwt>      the token (default: $STRATA_TOKEN)
  --as <user>        without a token: mint one for <user> from the dev secret in DATA_DIR`;

const COMMANDS: Record<string, string> = {
  start: 'Usage: npx strata start\n\nRuns the API on HOST:PORT, the web page at /, and (unless WORKERS=false) the persist\nworkers. Configuration: docs/config.md.',
  worker: 'Usage: npx strata worker\n\nRuns persist workers only (scale-out); set WORKERS=false on API nodes.',
  migrate: 'Usage: npx strata migrate\n\nApplies warm-store migrations and exits.',
  token: 'Usage: npx strata token <user> [--admin] [--ttl 1h]\n\nPrints a JWT for <user>, signed with AUTH_JWT_SECRET or the dev secret in DATA_DIR.\n  --admin            mark the token as an operator\'s\n  --ttl <n[smhd]>    lifetime (default 1h)',
  'vapid-keys': 'Usage: npx strata vapid-keys\n\nPrints a fresh VAPID key pair (P-256, base64url) as VAPID_PUBLIC_KEY=… and VAPID_PRIVATE_KEY=…\nlines for the environment (docs/push.md). Keep the pair: a new one invalidates every subscription.',
  send: `Usage: npx strata send <conversation> <text> [--reply-to <message>] [options]\n\nSends one message and prints it as \`#seq created_at sender: text\`.\n  --reply-to <id>    reply to a message${CLIENT_OPTIONS}`,
  tail: `Usage: npx strata tail <conversation> [--last N] [options]\n\nPrints each new message of the conversation as one line (\`#seq created_at sender: text\`),\nlive, in order and once, reconnecting by itself, until Ctrl-C.\n  --last <N>         print the last N messages first (default 0)${CLIENT_OPTIONS}`,
  search: `Usage: npx strata search <query> [--conversation <id>] [--from <user>] [--sort relevance|time] [--limit N] [--cursor C] [options]\n\nSearches the messages of your conversations: words, "phrases", prefix*, from:user, in:<id>\n(docs/search.md). Prints one line per result with the matched words in **markers**.\n  --conversation <id>  only this conversation\n  --from <user>        only messages sent by this user\n  --sort <order>       relevance (default) or time\n  --limit <N>          results per page, 1 to 100 (default 20)\n  --cursor <c>         the next page (printed after a full page)${CLIENT_OPTIONS}`,
  archive: 'Usage: npx strata archive [--conversation <id>] [--keep-last N] [--days N] [--batch N]\n\nApplies the retention policy now: moves warm messages to the archive (ARCHIVE_URL), the same\nrun as the archiver service; safe beside it and after a crash (rerun to converge).\n  --conversation <id>  only this conversation\n  --keep-last <N>      keep the last N messages of each conversation warm (default RETENTION_KEEP_LAST)\n  --days <N>           archive messages older than N days (default RETENTION_DAYS)\n  --batch <N>          rows per archive step and file (default 50000)',
  export: 'Usage: npx strata export --since <ISO> --until <ISO> --out <file.parquet>\n\nWrites ONE Parquet file (ZSTD, the archive schema) of every message created in [since, until),\narchived or still in the warm store, each once, ordered by conversation and seq.',
};

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
    if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
      process.stdout.write(`${args[0] && COMMANDS[args[0]] ? COMMANDS[args[0]] : HELP}\n`);
      return;
    }
    if (flag(args, '--help') || flag(args, '-h')) {
      process.stdout.write(`${COMMANDS[cmd] ?? HELP}\n`);
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
      case 'bench': {
        // The harness is a separate program (bench/main.ts), present in a source checkout only.
        const entry = fileURLToPath(new URL('../../bench/main.ts', import.meta.url));
        if (!fs.existsSync(entry)) throw new Error('strata bench runs from a source checkout of Strata (bench/ is not part of an installed package)');
        const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: 'inherit' });
        const code = await new Promise<number>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
        process.exit(code);
      }
      case 'vapid-keys': {
        const k = generateVapidKeys();
        process.stdout.write(`VAPID_PUBLIC_KEY=${k.publicKey}\nVAPID_PRIVATE_KEY=${k.privateKey}\n`);
        return;
      }
      case 'token': {
        const admin = flag(args, '--admin');
        const ttl = option(args, '--ttl') ?? '1h';
        const user = args.shift();
        if (!user) throw new UsageError('usage: strata token <user> [--admin] [--ttl 1h]');
        const s = resolveSecret(config, config.nodeEnv !== 'production');
        if (!s) throw new Error('no AUTH_JWT_SECRET set and no dev secret in DATA_DIR');
        process.stdout.write(`${await mintToken(s.secret, user, { admin, ttlS: parseTtl(ttl), issuer: config.authIssuer, audience: config.authAudience })}\n`);
        return;
      }
      case 'archive': {
        const n = (name: string) => {
          const v = option(args, name);
          if (v !== undefined && !/^\d+$/.test(v)) throw new UsageError(`${name} must be a non-negative integer`);
          return v === undefined ? undefined : Number(v);
        };
        const o = { conversation: option(args, '--conversation'), keepLast: n('--keep-last'), days: n('--days'), batch: n('--batch') };
        if (args.length) throw new UsageError(`unexpected ${args[0]} (try: npx strata archive --help)`);
        const { archiveCommand } = await import('./cli-archive.js');
        process.stdout.write(`${await archiveCommand(config, o)}\n`);
        return;
      }
      case 'export': {
        const [since, until, out] = [option(args, '--since'), option(args, '--until'), option(args, '--out')];
        if (!since || !until || !out || args.length) throw new UsageError('usage: strata export --since <ISO> --until <ISO> --out <file.parquet>');
        const { exportCommand } = await import('./cli-archive.js');
        process.stdout.write(`${await exportCommand(config, { since, until, out })}\n`);
        return;
      }
      case 'send':
      case 'tail':
        return await chatCommand(cmd, args, config);
      case 'search':
        return await searchCommand(args, config);
      default:
        throw new UsageError(`unknown command "${cmd}" (try: npx strata help)`);
    }
  } catch (e) {
    const msg = e instanceof ConfigError ? e.message : (e as Error).message;
    process.stderr.write(`strata: ${msg}\n`);
    process.exit(e instanceof UsageError || e instanceof CliUsageError ? 2 : 1);
  }
}

async function searchCommand(args: string[], config: Config): Promise<void> {
  const o = { url: option(args, '--url'), token: option(args, '--token'), as: option(args, '--as') };
  const s = { conversation: option(args, '--conversation'), from: option(args, '--from'), sort: option(args, '--sort'), limit: option(args, '--limit'), cursor: option(args, '--cursor') };
  const unknown = args.find((a) => a.startsWith('--'));
  if (unknown) throw new UsageError(`unknown option ${unknown} (try: npx strata search --help)`);
  const q = args.join(' ');
  if (!q) throw new UsageError('usage: strata search <query> [--conversation <id>] [--from <user>] [--sort relevance|time] [--limit N]');
  if (s.sort !== undefined && s.sort !== 'relevance' && s.sort !== 'time') throw new UsageError('--sort is relevance or time');
  if (s.limit !== undefined && !(/^\d+$/.test(s.limit) && Number(s.limit) >= 1 && Number(s.limit) <= 100)) throw new UsageError('--limit must be an integer from 1 to 100');
  const { describeError, resolveTarget, search } = await import('./cli-chat.js');
  const target = await resolveTarget(config, o);
  try {
    const lines = await search(target, q, { ...s, limit: s.limit === undefined ? undefined : Number(s.limit) });
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (e) {
    throw new Error(describeError(e, target.url));
  }
}

async function chatCommand(cmd: 'send' | 'tail', args: string[], config: Config): Promise<void> {
  const o = { url: option(args, '--url'), token: option(args, '--token'), as: option(args, '--as') };
  const replyTo = cmd === 'send' ? option(args, '--reply-to') : undefined;
  const lastRaw = cmd === 'tail' ? option(args, '--last') ?? '0' : '0';
  const unknown = args.find((a) => a.startsWith('--'));
  if (unknown) throw new UsageError(`unknown option ${unknown} (try: npx strata ${cmd} --help)`);
  const [conversation, ...rest] = args;
  const text = rest.join(' ');
  if (!conversation || (cmd === 'send' && !text) || (cmd === 'tail' && rest.length)) throw new UsageError(COMMANDS[cmd].split('\n')[0].toLowerCase().replace(/^usage: npx /, 'usage: '));
  if (!/^\d+$/.test(lastRaw) || Number(lastRaw) > 200) throw new UsageError('--last must be an integer from 0 to 200');
  const { describeError, resolveTarget, send, tail } = await import('./cli-chat.js');
  const target = await resolveTarget(config, o);
  try {
    if (cmd === 'send') {
      process.stdout.write(`${await send(target, conversation, text, replyTo)}\n`);
      return;
    }
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    await tail(target, conversation, { last: Number(lastRaw), signal: stop.signal, out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) });
    process.exit(0);
  } catch (e) {
    throw new Error(describeError(e, target.url));
  }
}
