// Drill: kill -9 of the node(s) delivering webhooks and pushes, mid-stream. Three API nodes (real
// processes, each with persist workers, a webhook dispatcher and push delivery) share Valkey and
// PostgreSQL; one endpoint subscribed to every change type points at a real receiver in this
// process that verifies each signature with the `standardwebhooks` package, and dave — a member
// of every conversation, never connected — has a Web Push subscription at a real push service in
// this process (test/helpers/push-service.ts: checks each VAPID JWT, decrypts each payload with
// the subscription's keys). A burst of sends goes through the nodes; once the receiver has
// accepted a tenth of them (the sends still going on), the node(s) holding the endpoint's lease
// (`webhook:<id>`) and push's lease (`webhook:push`) are killed with SIGKILL. A survivor takes
// the leases over (the holder is a dead process of this host), claims the dead nodes' persist
// entries, and delivers from the positions the warm store kept. The receiver counts, in one line:
//
//   drill webhooks kill -9: acked=… changes=… delivered=… lost=… acked_not_delivered=…
//     out_of_order=… duplicated=… accepted_twice=… unexplained_duplicates=… inconsistent=…
//     bad_signatures=… [extras]
//
// lost: changes in the warm store's log never accepted (acked_not_delivered: acked messages);
// duplicates are allowed only as the same webhook-id and body again: a delivery the dead node
// made but had not recorded (accepted_twice), or a retry after a failed attempt. And the push
// service, in a second line:
//
//   drill pushes kill -9: expected=… pushed=… lost=… duplicated=… to_sender=… rejected=…
//
// expected: every acked message dave did not send; lost: one of them never pushed (decrypted)
// to dave's subscription; duplicated: pushed more than once (allowed: at least once);
// rejected: a request failing the VAPID or decryption checks.
import { describe, expect, inject, it } from 'vitest';
import { mintToken } from '../../src/auth/tokens.js';
import { generateVapidKeys } from '../../src/push-providers/web-push-provider.js';
import { NODES_SECRET, startNodes, type NodeCluster } from '../helpers/nodes.js';
import { startPushService, type PushService } from '../helpers/push-service.js';
import { count, startReceiver, type Receiver } from '../helpers/webhook-receiver.js';
import { Burst, createConversations, drained, killNode, openStore, tokensFor, until, USERS } from './drill-kit.js';

const TOTAL = 3000;
const CONVS = 10;

describe('drill: kill -9 of the node(s) delivering webhooks and pushes mid-stream', () => {
  it('the receiver and the push service count 0 lost, webhook order kept per conversation, duplicates only as the same webhook-id', async () => {
    const t0 = Date.now();
    const valkeyUrl = inject('valkeyUrl');
    const vapid = generateVapidKeys();
    const env = {
      PERSIST_CLAIM_IDLE_MS: '1000', RECENT_LIMIT: '200',
      WEBHOOK_POLL_MS: '100', WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_RETRY_MAX_MS: '1000', WEBHOOK_TIMEOUT_MS: '5000', WEBHOOK_LEASE_TTL_S: '5',
      PUSH_ENABLED: 'true', VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:drill@strata.test',
      PUSH_ALLOW_HTTP_LOCALHOST: 'true', PUSH_DELAY_MS: '100',
    };
    let cluster: NodeCluster | undefined;
    let rcv: Receiver | undefined;
    let ps: PushService | undefined;
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    try {
      rcv = await startReceiver();
      const r = rcv;
      ps = await startPushService(vapid.publicKey);
      const push = ps;
      cluster = await startNodes(3, { valkeyUrl, databaseUrl: inject('databaseUrl'), env });
      const c = cluster;
      const root = await mintToken(NODES_SECRET, 'root', { admin: true, ttlS: 3600 });
      const reg = await fetch(`${c.nodes[0].url}/v1/admin/webhooks`, {
        method: 'POST', headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${r.url}/drill`, events: ['message', 'edit', 'delete', 'reaction', 'member', 'conversation', 'pin'] }),
      });
      expect(reg.status).toBe(201);
      const endpoint = (await reg.json()) as { id: string; secret: string };
      r.secrets.set('/drill', [endpoint.secret]);

      store = await openStore(c.databaseUrl);
      const db = store;
      const holderOf = async (lease: string) => {
        const row = await db.db.selectFrom('leases').select('holder').where('name', '=', lease).executeTakeFirst();
        return row ? Number(row.holder.split(':')[1]) : undefined;
      };
      const holderPid = () => holderOf(`webhook:${endpoint.id}`);
      const pushPid = () => holderOf('webhook:push');
      expect(await until(async () => (await holderPid()) !== undefined && (await pushPid()) !== undefined, 30_000)).toBe(true);
      const pid = (await holderPid())!;
      const ppid = (await pushPid())!;
      // the node(s) delivering: killed together; a third node survives
      const deliverers = c.nodes.filter((n) => n.pid === pid || n.pid === ppid);
      const survivors = c.nodes.filter((n) => n.pid !== pid && n.pid !== ppid);
      expect(deliverers.length, `lease holders ${pid} and ${ppid} are nodes of the cluster`).toBe(pid === ppid ? 1 : 2);
      const survivor = survivors[0];

      const tokens = await tokensFor(c);
      // dave never connects: every message he did not send is pushed to his one subscription
      const sub = push.subscribe();
      const subRes = await fetch(`${survivor.url}/v1/push/subscriptions`, {
        method: 'POST', headers: { authorization: `Bearer ${tokens.dave}`, 'content-type': 'application/json' }, body: JSON.stringify({ endpoint: sub.endpoint, keys: sub.keys }),
      });
      expect(subRes.status, await subRes.clone().text()).toBe(201);
      const convs = await createConversations(c.nodes[0].url, tokens, CONVS);
      const burst = new Burst({ urls: c.nodes.map((n) => n.url), tokens });
      let killedAt: { acked: number; accepted: number; pushed: number } | undefined;
      const kill = async () => {
        killedAt = { acked: burst.acked.size, accepted: r.accepted('/drill').length, pushed: push.accepted(sub.id).length };
        await Promise.all(deliverers.map((d) => killNode(d.url, d.pid)));
      };
      const tBurst = Date.now();
      await burst.run({
        total: TOTAL, clients: 16,
        make: (i) => ({ conv: convs[i % CONVS], user: USERS[i % USERS.length], clientId: `wh-${i}`, text: `webhook drill ${i}` }),
        onAck: async () => {
          if (!killedAt && r.accepted('/drill').length >= TOTAL / 10) await kill();
        },
      });
      const burstMs = Date.now() - tBurst;
      if (!killedAt) {
        // the deliveries lagged the sends: kill once a tenth has arrived, while the rest is still on its way
        expect(await until(() => r.accepted('/drill').length >= TOTAL / 10, 60_000, 20)).toBe(true);
        await kill();
      }
      expect(killedAt!.accepted).toBeLessThan(TOTAL); // mid-stream: most deliveries still to come

      const tDrain = Date.now();
      const isDrained = await drained(db, convs, burst.acked.size, 60_000);
      // what must arrive: every change the warm store's log holds for the drill's conversations
      const expected = async () => {
        const rows = await db.db.selectFrom('changes').select(['conversation_id', 'cursor', 'type']).where('conversation_id', 'in', convs).orderBy('conversation_id').orderBy('cursor').execute();
        const m = new Map<string, number[]>(convs.map((x) => [x, []]));
        for (const row of rows) if (row.type !== 'lost') m.get(row.conversation_id)!.push(Number(row.cursor));
        return m;
      };
      const delivered = await until(async () => count(r, '/drill', await expected()).counts.lost === 0, 120_000, 250);
      // pushes: every acked message dave did not send, at least once, decrypted by the push service
      const toDave = [...burst.acked.values()].filter((a) => a.send.user !== 'dave').map((a) => a.id);
      const pushedIds = () => new Set(push.accepted(sub.id).map((d) => d.payload.message_id as string));
      // a loaded machine pushes slowly (a change at a time per conversation, each a few store reads
      // and an encrypted POST): wait while pushes keep arriving; 30 s without a new one is a stall
      const tPush = Date.now();
      let seen = -1;
      let movedAt = Date.now();
      let stalled = false;
      const allPushed = await until(() => {
        const got = pushedIds();
        if (got.size !== seen) [seen, movedAt] = [got.size, Date.now()];
        if (toDave.every((id) => got.has(id))) return true;
        stalled = Date.now() - movedAt > 30_000;
        return stalled;
      }, 420_000, 250) && !stalled;
      const pushMs = Date.now() - tPush;
      const drainMs = Date.now() - tDrain;
      const want = await expected();
      const { counts, examples } = count(r, '/drill', want);
      const ackedIds = new Set([...burst.acked.values()].map((a) => a.id));
      const deliveredIds = new Set(r.accepted('/drill').map((q) => q.parsed?.data.message?.id as string | undefined));
      const ackedNotDelivered = [...ackedIds].filter((id) => !deliveredIds.has(id)).length;
      const newHolder = await holderPid();
      const newPushHolder = await pushPid();
      const got = push.accepted(sub.id);
      const gotIds = pushedIds();
      const pushLost = toDave.filter((id) => !gotIds.has(id)).length;
      const pushDuplicated = got.length - gotIds.size;
      const daveSent = new Set([...burst.acked.values()].filter((a) => a.send.user === 'dave').map((a) => a.id));
      const toSender = got.filter((d) => daveSent.has(d.payload.message_id as string)).length;
      const pushLine = `drill pushes kill -9: expected=${toDave.length} pushed=${gotIds.size} lost=${pushLost} duplicated=${pushDuplicated} to_sender=${toSender} rejected=${push.rejected.length} `
        + `killed_at_pushed=${killedAt?.pushed} lease=${ppid}->${newPushHolder} all_pushed=${allPushed} stalled=${stalled} push_wait_ms=${pushMs}`;
      const changes = [...want.values()].reduce((n, l) => n + l.length, 0);
      const line = `drill webhooks kill -9: acked=${burst.acked.size} changes=${changes} delivered=${new Set(r.accepted('/drill').map((q) => q.webhookId)).size} `
        + `lost=${counts.lost} acked_not_delivered=${ackedNotDelivered} out_of_order=${counts.outOfOrder} duplicated=${counts.duplicated} accepted_twice=${counts.acceptedTwice} `
        + `unexplained_duplicates=${counts.unexplainedDuplicates} inconsistent=${counts.inconsistent} bad_signatures=${counts.badSignatures} `
        + `requests=${r.requests.filter((q) => q.path === '/drill').length} killed_at_acked=${killedAt!.acked} killed_at_delivered=${killedAt!.accepted} `
        + `lease=${pid}->${newHolder} outcomes=${burst.outcomeSummary()} burst_ms=${burstMs} drain_ms=${drainMs} drained=${isDrained} all_delivered=${delivered} total_ms=${Date.now() - t0}`;
      console.log(line);
      console.log(pushLine);
      if (examples.length) console.log(examples.join('\n'));
      if (push.rejected.length) console.log(push.rejected.slice(0, 5).map((x) => `push rejected: ${x.reason}`).join('\n'));
      expect(burst.gaveUp).toEqual([]);
      expect(burst.acked.size).toBe(TOTAL);
      expect(isDrained).toBe(true);
      expect(survivors.map((n) => n.pid)).toContain(newHolder);
      expect(survivors.map((n) => n.pid)).toContain(newPushHolder);
      expect({ lost: pushLost, toSender, rejected: push.rejected.length }).toEqual({ lost: 0, toSender: 0, rejected: 0 });
      expect({ lost: counts.lost, ackedNotDelivered, outOfOrder: counts.outOfOrder, unexplained: counts.unexplainedDuplicates, inconsistent: counts.inconsistent, badSignatures: counts.badSignatures })
        .toEqual({ lost: 0, ackedNotDelivered: 0, outOfOrder: 0, unexplained: 0, inconsistent: 0, badSignatures: 0 });
      expect(changes).toBeGreaterThanOrEqual(TOTAL);
    } finally {
      await store?.close();
      await cluster?.stop();
      await rcv?.close();
      await ps?.close();
    }
  }, 720_000);
});
