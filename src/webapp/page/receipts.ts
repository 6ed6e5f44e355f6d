// Delivered/read ticks of my messages, kept as per-member watermarks (DESIGN: receipts are
// watermarks, not rows per message): my message m is "read" once every other member's read
// seq ≥ m.seq, "delivered" once every other member's delivered seq ≥ m.seq. Seeded from
// GET /v1/messages/{id}/receipts, then moved forward by live `receipt` frames; never backwards.
import type { Message, StrataRest } from '../../sdk/index.js';
import type { Tick } from './message-el.js';

interface Mark {
  delivered: number;
  read: number;
}

export class Receipts {
  private marks = new Map<string, Mark>();
  private others: string[] = [];

  constructor(private rest: StrataRest, private me: string, private changed: () => void) {}

  setMembers(members: string[]) {
    this.others = members.filter((u) => u !== this.me);
  }

  private mark(user: string): Mark {
    let m = this.marks.get(user);
    if (!m) this.marks.set(user, (m = { delivered: 0, read: 0 }));
    return m;
  }

  /** Moves a member's watermarks forward; returns whether anything changed. */
  advance(user: string, delivered: number, read: number): boolean {
    if (user === this.me) return false;
    const m = this.mark(user);
    const d = Math.max(m.delivered, delivered, read);
    const r = Math.max(m.read, read);
    if (d === m.delivered && r === m.read) return false;
    m.delivered = d;
    m.read = r;
    return true;
  }

  /** Asks the server about my newest messages (newest first) until one is read by everyone. */
  async load(messages: Message[]) {
    const mine = messages.filter((m) => m.sender === this.me && m.deleted_at === null).sort((a, b) => b.seq - a.seq).slice(0, 3);
    let changed = false;
    for (const m of mine) {
      const { receipts } = await this.rest.receipts(m.id);
      for (const r of receipts) changed = this.advance(r.user, r.delivered ? m.seq : 0, r.read ? m.seq : 0) || changed;
      if (this.tick(m) === 'read') break;
    }
    if (changed) this.changed();
  }

  /** A live `receipt` frame: `{conversation_id, user, delivered_seq?, read_seq?}`. */
  onFrame(f: { user?: string; delivered_seq?: number; read_seq?: number }) {
    if (typeof f.user !== 'string') return;
    if (this.advance(f.user, f.delivered_seq ?? 0, f.read_seq ?? 0)) this.changed();
  }

  tick(m: Message): Tick {
    if (!this.others.length) return 'sent';
    const marks = this.others.map((u) => this.marks.get(u) ?? { delivered: 0, read: 0 });
    if (marks.every((x) => x.read >= m.seq)) return 'read';
    if (marks.every((x) => x.delivered >= m.seq)) return 'delivered';
    return 'sent';
  }
}
