// The push arm's bookkeeping in scenario "integrations": which pushes each acked message owes
// (one to every member's subscription but the sender's: every member has one and no socket), and
// what the push service (bench/load/push-service.ts, in the sidecar) decrypted. A message is
// settled when each of its recipients' subscriptions got it at least once; the delivery latency
// is the first arrival at a subscription − the send's ack, per message and subscription.
import type { PushTaken } from '../load/push-service.js';

interface Owed {
  ackAt: number;
  sender: string;
  /** Recipients (user ids) whose subscription has not had the message yet. */
  missing: Set<string>;
}

export class PushLedger {
  /** subscription id → its user */
  readonly subUser = new Map<string, string>();
  private readonly owed = new Map<string, Owed>();
  private readonly acked = new Map<string, string>(); // `${conv}:${seq}` → sender, every acked message of the arm
  private readonly seen = new Set<string>(); // `${sub}:${conv}:${seq}`
  arrived = 0;
  /** Pushes owed in all: recipients summed over the acked messages. */
  owedTotal = 0;
  duplicates = 0;
  /** Pushes to the sender's own subscription; payloads whose sender is not who sent it; pushes of messages never acked. */
  toSender = 0;
  wrongSender = 0;
  unknown = 0;
  rejected = 0;
  readonly samples: string[] = [];

  /** An acked message of the arm: it owes a push to every member but `sender`. */
  expect(conv: string, seq: number, ackAt: number, sender: string, members: string[]): void {
    const key = `${conv}:${seq}`;
    this.acked.set(key, sender);
    const missing = new Set(members.filter((u) => u !== sender));
    this.owedTotal += missing.size;
    this.owed.set(key, { ackAt, sender, missing });
  }

  /** Records what the push service got; `latency(ms)` is called once per message and subscription (first arrival). */
  take(t: PushTaken, latency: (ms: number) => void): void {
    this.rejected += t.rejected;
    for (const s of t.rejectedSamples) this.note(`refused by the push service: ${s}`);
    t.subs.forEach((sub, k) => {
      const key = `${t.convs[k]}:${t.seqs[k]}`;
      const user = this.subUser.get(sub);
      this.arrived++;
      if (this.seen.has(`${sub}:${key}`)) return void this.duplicates++;
      this.seen.add(`${sub}:${key}`);
      const sender = this.acked.get(key);
      if (sender === undefined || user === undefined) {
        this.unknown++;
        return this.note(`push of ${key} to ${user ?? `unknown subscription ${sub}`}: not an acked message of the arm`);
      }
      if (t.senders[k] !== sender) {
        this.wrongSender++;
        this.note(`${key}: payload sender ${t.senders[k]}, sent by ${sender}`);
      }
      if (user === sender) {
        this.toSender++;
        return this.note(`${key} pushed to its sender ${sender}`);
      }
      const o = this.owed.get(key);
      if (!o?.missing.delete(user)) return;
      latency(t.at[k] - o.ackAt);
      if (o.missing.size === 0) this.owed.delete(key);
    });
  }

  /** Pushes still owed (recipient subscriptions that have not had their message). */
  outstanding(): number {
    let n = 0;
    for (const o of this.owed.values()) n += o.missing.size;
    return n;
  }

  lostExamples(): string[] {
    return [...this.owed].slice(0, 3).map(([k, o]) => `${k} not at ${[...o.missing].slice(0, 3).join(',')}`);
  }

  private note(s: string): void {
    if (this.samples.length < 5) this.samples.push(s);
  }
}
