// Frames on a user topic, for that user's sockets on this node. `membership` changes what the
// sockets receive: added → subscribe them to the conversation, then forward the frame (so a
// client that sees it also gets every later message); removed → unsubscribe at once, then
// forward. `account_banned` (an operator's app-wide ban) closes every socket of the user with
// 4403. Anything else (receipts) is forwarded as is.
import { CloseCode } from './close-codes.js';
import type { Conn } from './connection.js';
import type { Hub } from './hub.js';

export function userFrameHandler(hub: () => Hub) {
  return (_user: string, frame: string, conns: Set<Conn>): void => {
    const targets = [...conns];
    if (frame.startsWith('{"type":"account_banned"')) {
      // an app-wide ban (moderation/app-bans.ts): terminal, the client must not reconnect
      for (const c of targets) c.close(CloseCode.USER_BANNED, 'banned');
      return;
    }
    if (!frame.startsWith('{"type":"membership"')) {
      const buf = Buffer.from(frame);
      for (const c of targets) c.send(buf);
      return;
    }
    const ev = JSON.parse(frame) as { conversation_id: string; change: 'added' | 'removed' };
    if (ev.change === 'removed') {
      for (const c of targets) {
        hub().leave(c, ev.conversation_id);
        c.send(frame);
      }
      return;
    }
    for (const c of targets) {
      hub().join(c, ev.conversation_id).then(() => c.send(frame), () => {
        // subscription failed (hot tier down): the socket cannot be trusted to be complete
        c.close(CloseCode.UNAVAILABLE, 'unavailable, retry');
      });
    }
  };
}
