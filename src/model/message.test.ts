import { describe, expect, it } from 'vitest';
import { messageJson, messageTemplate, parseMessage, versionTemplate } from './message.js';

describe('message serialization', () => {
  const base = {
    id: '0190a0b4-0000-7000-8000-000000000001',
    conversation_id: '0190a0b4-0000-7000-8000-000000000002',
    sender: 'alice',
    text: 'hi ,"seq":0, "quoted"',
    reply_to: null,
    thread_id: null,
    in_timeline: true,
    mentions: [],
    metadata: null,
    attachments: [],
    client_id: 'c1',
    created_at: '2026-01-01T00:00:00.000Z',
    edited_at: null,
    deleted_at: null,
  };

  it('template + seq + version gives the same bytes as the canonical serializer', () => {
    const { head, tail } = messageTemplate(base);
    for (const [seq, version] of [[1, 1], [42, 57], [1234567, 9007199254740991]]) {
      const json = `${head}${seq},"version":${version}${tail}`;
      expect(json).toBe(messageJson({ ...base, seq, version }));
      expect(parseMessage(json).seq).toBe(seq);
      expect(parseMessage(json).version).toBe(version);
      expect(parseMessage(json).text).toBe(base.text);
    }
  });

  it('the version template rebuilds a changed message with its new version, text that looks like the key included', () => {
    const m = { ...base, seq: 7, version: 3, text: 'x ,"version":0, y' };
    const { head, tail } = versionTemplate(m);
    expect(head + 12 + tail).toBe(messageJson({ ...m, version: 12 }));
  });
});

describe('parseMessage of JSON written by earlier versions', () => {
  it('gives a message from before threads and mentions (and before the change log) their defaults, in canonical order', () => {
    const old = '{"id":"01900000-0000-7000-8000-000000000001","conversation_id":"c","seq":3,"sender":"a","text":"t","reply_to":null,"client_id":null,"created_at":"2026-01-01T00:00:00.000Z","edited_at":null,"deleted_at":null}';
    const m = parseMessage(old);
    expect(m).toMatchObject({ version: 0, thread_id: null, in_timeline: true, mentions: [] });
    expect(messageJson(m)).toBe('{"id":"01900000-0000-7000-8000-000000000001","conversation_id":"c","seq":3,"version":0,"sender":"a","text":"t","reply_to":null,"thread_id":null,"in_timeline":true,"mentions":[],"metadata":null,"attachments":[],"client_id":null,"created_at":"2026-01-01T00:00:00.000Z","edited_at":null,"deleted_at":null}');
  });
});
