// UploadStore over the warm store's Kysely instance (SQLite or PostgreSQL). Every state change is
// an UPDATE conditional on the row's current state: on PostgreSQL a second writer waits for the
// first's row lock and re-checks the condition (read committed), on SQLite writers are serial,
// so a claim, an unclaim, a release and the sweep never both win the same row. A claim of several
// uploads is one transaction (all of them, or rolled back none) that takes their rows in id order.
import type { Kysely, Selectable } from 'kysely';
import type { Claim, ClaimResult, NewUpload, ReceiveStart, Upload, UploadState, UploadStore } from '../upload-store.js';
import { guard, translate } from './errors.js';
import { iso } from './rows.js';
import type { DB, UploadsTable } from './schema.js';

class Refused {
  constructor(readonly result: ClaimResult) {}
}

function toUpload(r: Selectable<UploadsTable>): Upload {
  return {
    id: r.id, conversation_id: r.conversation_id, uploader: r.uploader, name: r.name, size: Number(r.size), content_type: r.content_type,
    object_key: r.object_key, state: r.state as UploadState, message_id: r.message_id, claim_key: r.claim_key,
    width: r.width === null ? null : Number(r.width), height: r.height === null ? null : Number(r.height),
    created_at: iso(r.created_at), attached_at: iso(r.attached_at), released_at: iso(r.released_at),
  };
}

const changed = (res: { numUpdatedRows: bigint } | { numDeletedRows: bigint }) => Number('numUpdatedRows' in res ? res.numUpdatedRows : res.numDeletedRows);

export class SqlUploads implements UploadStore {
  constructor(private db: Kysely<DB>) {}

  createUpload(u: NewUpload): Promise<void> {
    return guard(async () => {
      await this.db.insertInto('uploads').values({ ...u, state: 'pending', message_id: null, claim_key: null, width: null, height: null, attached_at: null, released_at: null }).execute();
    });
  }

  getUpload(id: string): Promise<Upload | null> {
    return guard(async () => {
      const r = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toUpload(r) : null;
    });
  }

  beginReceive(id: string): Promise<ReceiveStart> {
    return guard(async () => {
      const res = await this.db.updateTable('uploads').set({ state: 'receiving' }).where('id', '=', id).where('state', '=', 'pending').executeTakeFirst();
      if (changed(res) === 1) return 'ok';
      const row = await this.db.selectFrom('uploads').select('state').where('id', '=', id).executeTakeFirst();
      if (!row || row.state === 'released') return 'gone';
      // pending again between the two statements (another PUT just ended): busy, the client retries
      return row.state === 'claimed' || row.state === 'attached' ? 'attached' : 'busy';
    });
  }

  endReceive(id: string): Promise<void> {
    return guard(async () => {
      await this.db.updateTable('uploads').set({ state: 'pending' }).where('id', '=', id).where('state', '=', 'receiving').execute();
    });
  }

  async claim(claims: Claim[], o: { messageId: string; claimKey: string | null; at: string; ownSince: string }): Promise<ClaimResult> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const claimed: string[] = [];
        // rows locked in one order (by id): two claims of the same uploads never deadlock
        for (const c of [...claims].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))) {
          const res = await tx.updateTable('uploads')
            .set({ state: 'claimed', message_id: o.messageId, claim_key: o.claimKey, attached_at: o.at, width: c.width, height: c.height })
            .where('id', '=', c.id).where('state', '=', 'pending')
            .executeTakeFirst();
          if (changed(res) === 1) {
            claimed.push(c.id);
            continue;
          }
          // an earlier attempt's claim: taken over (claimed for this message from now on, so that
          // attempt's unclaim gives nothing back while this one may still store the message)
          if (o.claimKey !== null) {
            const takeover = await tx.updateTable('uploads').set({ message_id: o.messageId })
              .where('id', '=', c.id).where('state', '=', 'claimed').where('claim_key', '=', o.claimKey)
              .executeTakeFirst();
            if (changed(takeover) === 1) continue;
          }
          const row = await tx.selectFrom('uploads').select(['state', 'claim_key', 'attached_at']).where('id', '=', c.id).executeTakeFirst();
          if (!row || row.state === 'released') throw new Refused({ ok: false, id: c.id, reason: 'gone' });
          if (row.state === 'receiving') throw new Refused({ ok: false, id: c.id, reason: 'receiving' });
          const own = o.claimKey !== null && row.claim_key === o.claimKey
            && row.state === 'attached' && row.attached_at !== null && iso(row.attached_at) >= o.ownSince;
          if (!own) throw new Refused({ ok: false, id: c.id, reason: 'taken' });
        }
        return { ok: true as const, claimed };
      });
    } catch (e) {
      if (e instanceof Refused) return e.result;
      translate(e);
    }
  }

  unclaim(ids: string[], messageId: string): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return guard(async () => changed(await this.db.updateTable('uploads')
      .set({ state: 'pending', message_id: null, claim_key: null, attached_at: null, width: null, height: null })
      .where('id', 'in', ids).where('state', '=', 'claimed').where('message_id', '=', messageId)
      .executeTakeFirst()));
  }

  confirm(ids: string[], messageId: string, claimKey: string | null): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return guard(async () => changed(await this.db.updateTable('uploads')
      .set((eb) => ({
        state: 'attached', message_id: messageId, claim_key: claimKey,
        // a pending upload (given back meanwhile) is attached as of now: attached_at is when it became the message's
        attached_at: eb.fn.coalesce('attached_at', eb.val(new Date().toISOString())),
      }))
      .where('id', 'in', ids)
      .where((eb) => eb.or([
        eb('state', '=', 'pending'),
        eb.and([eb('state', '=', 'claimed'), claimKey === null ? eb('message_id', '=', messageId) : eb.or([eb('message_id', '=', messageId), eb('claim_key', '=', claimKey)])]),
      ]))
      .executeTakeFirst()));
  }

  releaseMessage(messageId: string, at: string): Promise<number> {
    return guard(async () => changed(await this.db.updateTable('uploads')
      .set({ state: 'released', released_at: at })
      .where('message_id', '=', messageId).where('state', 'in', ['claimed', 'attached'])
      .executeTakeFirst()));
  }

  expirePending(before: string, at: string): Promise<number> {
    return guard(async () => changed(await this.db.updateTable('uploads')
      .set({ state: 'released', released_at: at })
      .where('state', 'in', ['pending', 'receiving']).where('created_at', '<', before)
      .executeTakeFirst()));
  }

  staleClaims(before: string, limit: number): Promise<Upload[]> {
    return guard(async () => (await this.db.selectFrom('uploads').selectAll()
      .where('state', '=', 'claimed').where('attached_at', '<', before)
      .orderBy('attached_at').orderBy('id').limit(limit).execute()).map(toUpload));
  }

  settleStale(id: string, messageId: string, attachTo: string | null, at: string): Promise<boolean> {
    return guard(async () => changed(await this.db.updateTable('uploads')
      .set(attachTo !== null ? { state: 'attached', message_id: attachTo } : { state: 'released', released_at: at })
      .where('id', '=', id).where('state', '=', 'claimed').where('message_id', '=', messageId)
      .executeTakeFirst()) === 1);
  }

  listReleased(limit: number, after?: { released_at: string; id: string }): Promise<Upload[]> {
    return guard(async () => {
      let q = this.db.selectFrom('uploads').selectAll().where('state', '=', 'released');
      if (after) q = q.where((eb) => eb.or([eb('released_at', '>', after.released_at), eb.and([eb('released_at', '=', after.released_at), eb('id', '>', after.id)])]));
      return (await q.orderBy('released_at').orderBy('id').limit(limit).execute()).map(toUpload);
    });
  }

  deleteReleased(id: string): Promise<void> {
    return guard(async () => {
      await this.db.deleteFrom('uploads').where('id', '=', id).where('state', '=', 'released').execute();
    });
  }
}
