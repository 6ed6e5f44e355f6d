import { describe, expect, it } from 'vitest';
import { messageJson, messageTemplate, parseMessage } from './message.js';

describe('message serialization', () => {
  const base = {
    id: '0190a0b4-0000-7000-8000-000000000001',
    conversation_id: '0190a0b4-0000-7000-8000-000000000002',
    sender: 'alice',
    text: 'hi ,"seq":0, "quoted"',
    reply_to: null,
    client_id: 'c1',
    created_at: '2026-01-01T00:00:00.000Z',
    edited_at: null,
    deleted_at: null,
  };

  it('template + seq gives the same bytes as the canonical serializer', () => {
    const { head, tail } = messageTemplate(base);
    for (const seq of [1, 42, 1234567]) {
      const json = head + seq + tail;
      expect(json).toBe(messageJson({ ...base, seq }));
      expect(parseMessage(json).seq).toBe(seq);
      expect(parseMessage(json).text).toBe(base.text);
    }
  });
});
