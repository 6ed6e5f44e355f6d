// The synthetic corpus of the "search" scenario (bench/scenarios/search.ts): messages over many
// conversations, produced batch by batch (never all in memory), the same for a seed on every run
// and in every process. Each message becomes the persist log's entry exactly as the hot tier
// writes it (`{"type":"message","cursor":…,"message":<canonical JSON>}`, hot-tier/*ingest*),
// parsed by the persist worker's own parseChange (model/change.ts).
//
// Shape:
//   - time: message i (global order) is created at T0 + i·STEP_MS; its id is a UUIDv7 of that
//     instant (the archive finds a message by the id's timestamp: find-message.ts).
//   - conversations: in each block of `conversations` messages, every conversation gets exactly
//     one (in a seeded random order), so each has messages/conversations messages and the oldest
//     X % of the corpus is exactly seqs 1..X % of every conversation.
//   - text: 3–20 words drawn from a seeded vocabulary of VOCABULARY pseudo-words with a Zipf
//     distribution (s = 1): common and rare words; some capitalised, some followed by
//     punctuation; PHRASE_RATE of messages carry a fixed two-word phrase; CJK_RATE are
//     Chinese or Japanese sentences (no spaces: the tokenizer segments them by dictionary).
//   - threads: REPLY_RATE of messages reply in a thread of a recent message of their
//     conversation (one in five also shown in the timeline), plus three planted threads in the
//     searcher's conversations whose replies end up in the archive, the warm store and the hot
//     ring (see `planted`).
//   - mentions: MENTION_RATE of messages mention one or two other members.
//   - members: 8 of a pool of users per conversation; the searcher is in `memberConvs` of them.
import { v7 } from 'uuid';
import { messageJson, type Message } from '../../src/model/message.js';
import { parseChange, type StoredChange } from '../../src/model/change.js';
import type { Conversation } from '../../src/store/store.js';
import { int, rng, type Rng } from './rng.js';

export const SEARCHER = 'searcher';
export const T0 = Date.parse('2025-03-01T00:00:00.000Z');
export const STEP_MS = 2_000;
export const VOCABULARY = 20_000;
export const REPLY_RATE = 0.05;
export const MENTION_RATE = 0.03;
export const CJK_RATE = 0.03;
export const PHRASE_RATE = 0.005;
const USERS = 2_000;
const MEMBERS = 8;

export interface CorpusSpec {
  messages: number;
  conversations: number;
  /** How many conversations the searcher is a member of. */
  memberConvs: number;
  seed: number;
  /** The hot ring's size (config.recentLimit): the hot thread is planted inside it. */
  ring: number;
  /** Fraction of the corpus the scenario archives (the cold thread is planted below it). */
  archivedFraction: number;
}

export interface Planted {
  tier: 'hot' | 'warm' | 'cold';
  conversationId: string;
  rootSeq: number;
  /** Filled in as the corpus is generated. */
  rootId: string;
  rootSender: string;
  /** Every reply of the thread (random replies never pick a planted root). */
  replySeqs: number[];
}

export interface Batch {
  messages: Message[];
  /** The log entries as the persist worker parses them. */
  changes: StoredChange[];
  /** Roots whose first reply is in this batch: the send path opens their thread before the reply is accepted. */
  newRoots: { conversation_id: string; id: string; seq: number; sender: string }[];
}

const SYLLABLES = ['ka', 'ke', 'ki', 'ko', 'ku', 'sa', 'se', 'si', 'so', 'su', 'ta', 'te', 'ti', 'to', 'tu', 'na', 'ne', 'ni', 'no', 'nu',
  'ma', 'me', 'mi', 'mo', 'mu', 'ra', 're', 'ri', 'ro', 'ru', 'la', 'le', 'li', 'lo', 'lu', 'va', 've', 'vi', 'vo', 'vu'];
const CJK_WORDS = ['我们', '今天', '北京', '吃饭', '会议', '项目', '部署', '明天', '问题', '数据库', '服务器', '测试', '上海', '朋友', '时间',
  '東京', '会議', '明日', '電車', '天気', '仕事', '資料', '確認'];
const PUNCT = [',', '.', '!', '?', ':'];

/** Pseudo-word of a vocabulary index: 2 syllables below 1,600, else 3 (a syllable is 2 letters, so every word is distinct). */
function word(i: number): string {
  const n = SYLLABLES.length;
  if (i < n * n) return SYLLABLES[Math.floor(i / n)] + SYLLABLES[i % n];
  const j = i - n * n;
  return SYLLABLES[Math.floor(j / (n * n)) % n] + SYLLABLES[Math.floor(j / n) % n] + SYLLABLES[j % n];
}

export class Vocabulary {
  /** words[rank - 1]: the rank-th most frequent word. */
  readonly words: string[];
  private readonly cdf: Float64Array;

  constructor(seed: number) {
    const r = rng(seed ^ 0x5eed);
    const idx = Array.from({ length: VOCABULARY }, (_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = int(r, i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    this.words = idx.map(word);
    this.cdf = new Float64Array(VOCABULARY);
    let sum = 0;
    for (let k = 0; k < VOCABULARY; k++) this.cdf[k] = sum += 1 / (k + 1);
    for (let k = 0; k < VOCABULARY; k++) this.cdf[k] /= sum;
  }

  /** A rank index (0-based) drawn from the Zipf distribution. */
  draw(r: Rng): number {
    const u = r();
    let lo = 0;
    let hi = VOCABULARY - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

export function conversationId(i: number): string {
  return `0195a3c0-0000-7000-8000-${hex(i, 12)}`;
}

/** The fixed phrase every PHRASE_RATE-th message carries: two mid-frequency words (ranks 40 and 70). */
export function phraseWords(v: Vocabulary): [string, string] {
  return [v.words[39], v.words[69]];
}

export class Corpus {
  readonly vocabulary: Vocabulary;
  readonly convs: Conversation[] = [];
  /** Indexes (into convs) of the searcher's conversations, ascending. */
  readonly searcherConvs: number[] = [];
  readonly perConv: number;
  readonly planted: Planted[];
  /** Document frequency of each vocabulary rank in the searcher's conversations. */
  readonly df = new Int32Array(VOCABULARY);
  /** Totals generated so far (for the checks). */
  readonly totals = { messages: 0, replies: 0, mentions: 0, cjk: 0, phrases: 0, searcherMessages: 0 };

  private readonly r: Rng;
  private next = 0;
  private order: number[] = [];
  private readonly seqs: Int32Array;
  /** Recent non-reply messages of each conversation (thread roots for the 5 % of replies). */
  private readonly recent: { id: string; seq: number; sender: string }[][];
  private readonly opened = new Set<string>();
  private readonly phrase: [string, string];

  constructor(readonly spec: CorpusSpec) {
    this.vocabulary = new Vocabulary(spec.seed);
    this.phrase = phraseWords(this.vocabulary);
    this.r = rng(spec.seed);
    this.perConv = Math.floor(spec.messages / spec.conversations);
    this.seqs = new Int32Array(spec.conversations);
    this.recent = Array.from({ length: spec.conversations }, () => []);
    const every = Math.max(1, Math.floor(spec.conversations / spec.memberConvs));
    for (let i = 0; i < spec.conversations; i++) {
      const members = new Set<string>();
      while (members.size < MEMBERS) members.add(`u${hex(int(this.r, USERS), 4)}`);
      const mine = i % every === 0 && this.searcherConvs.length < spec.memberConvs;
      if (mine) {
        members.add(SEARCHER);
        this.searcherConvs.push(i);
      }
      const list = [...members];
      this.convs.push({
        id: conversationId(i), title: `conversation ${i}`, kind: 'group', created_by: list[0], created_at: new Date(T0 - 86_400_000).toISOString(),
        members: list.map((user, k) => ({ user, role: k === 0 ? 'owner' : 'member' })),
      });
    }
    // Three threads of ≥ 50 replies in the searcher's conversations, each kept inside one tier:
    // cold below the archived fraction, warm between it and the ring, hot inside the ring.
    const n = this.perConv;
    const archived = Math.floor(n * spec.archivedFraction);
    const warmRoot = Math.floor(n * 0.3);
    const hotRoot = n - Math.min(100, Math.floor(spec.ring * 0.75));
    const window = (lo: number, hi: number) => {
      const out: number[] = [];
      for (let s = lo; s <= hi; s++) if (s % 3 !== 0) out.push(s);
      return out;
    };
    const warmHi = Math.min(warmRoot + 90, n - spec.ring - 1);
    this.planted = [
      { tier: 'cold', conversationId: this.convs[this.searcherConvs[0]].id, rootSeq: 1, rootId: '', rootSender: '', replySeqs: window(2, archived - 1) },
      { tier: 'warm', conversationId: this.convs[this.searcherConvs[1]].id, rootSeq: warmRoot, rootId: '', rootSender: '', replySeqs: window(warmRoot + 1, warmHi) },
      { tier: 'hot', conversationId: this.convs[this.searcherConvs[2]].id, rootSeq: hotRoot, rootId: '', rootSender: '', replySeqs: window(hotRoot + 1, n) },
    ];
    if (this.searcherConvs.length < 3) throw new Error('corpus: the searcher needs at least 3 conversations (planted threads)');
  }

  get done(): boolean {
    return this.next >= this.perConv * this.spec.conversations;
  }

  /** created_at of message i of the global order (the archive cut is at i = archived total). */
  static createdAt(i: number): string {
    return new Date(T0 + i * STEP_MS).toISOString();
  }

  /** The next `size` messages (fewer at the end). */
  batch(size: number): Batch {
    const total = this.perConv * this.spec.conversations;
    const out: Batch = { messages: [], changes: [], newRoots: [] };
    while (out.messages.length < size && this.next < total) {
      if (this.order.length === 0) {
        this.order = Array.from({ length: this.spec.conversations }, (_, i) => i);
        for (let i = this.order.length - 1; i > 0; i--) {
          const j = int(this.r, i + 1);
          [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
        }
      }
      const c = this.order.pop()!;
      const m = this.message(c, this.next++, out);
      out.messages.push(m);
      const json = messageJson(m);
      const change = parseChange(`{"type":"message","cursor":${m.version},"message":${json}}`);
      if (!change) throw new Error(`corpus: entry of ${m.conversation_id}/${m.seq} is not a change`);
      out.changes.push(change);
    }
    return out;
  }

  private message(c: number, i: number, out: Batch): Message {
    const r = this.r;
    const conv = this.convs[c];
    const seq = ++this.seqs[c];
    const t = T0 + i * STEP_MS;
    const random = new Uint8Array(16);
    for (let k = 0; k < 16; k++) random[k] = int(r, 256);
    const id = v7({ msecs: t, random });
    const members = conv.members.map((m) => m.user);
    const mine = members.includes(SEARCHER);
    const sender = members[int(r, members.length)];
    // thread placement: a planted thread's window first, else 5 % replies to a recent message
    let root: { id: string; seq: number; sender: string } | undefined;
    let inTimeline = true;
    const plant = this.planted.find((p) => p.conversationId === conv.id);
    const isPlantedRoot = plant?.rootSeq === seq;
    if (plant && plant.replySeqs.includes(seq)) {
      root = { id: plant.rootId, seq: plant.rootSeq, sender: plant.rootSender };
      inTimeline = false;
    } else if (!isPlantedRoot && this.recent[c].length && r() < REPLY_RATE) {
      root = this.recent[c][int(r, this.recent[c].length)];
      inTimeline = r() < 0.2;
    }
    if (root && !this.opened.has(root.id)) {
      this.opened.add(root.id);
      out.newRoots.push({ conversation_id: conv.id, id: root.id, seq: root.seq, sender: root.sender });
    }
    const mentions: string[] = [];
    if (r() < MENTION_RATE) {
      const others = members.filter((u) => u !== sender);
      mentions.push(others[int(r, others.length)]);
      if (r() < 0.3) mentions.push(others[int(r, others.length)]);
    }
    const text = this.text(mine);
    const m: Message = {
      id, conversation_id: conv.id, seq, version: seq, sender, text, reply_to: null, thread_id: root?.id ?? null, in_timeline: root ? inTimeline : true,
      mentions: [...new Set(mentions)].sort(), metadata: null, attachments: [], client_id: `bench-${i}`, created_at: new Date(t).toISOString(), edited_at: null, deleted_at: null,
    };
    if (plant && isPlantedRoot) {
      plant.rootId = id;
      plant.rootSender = sender;
    }
    if (!root && !isPlantedRoot) {
      const list = this.recent[c];
      list.push({ id, seq, sender });
      if (list.length > 10) list.shift();
    }
    this.totals.messages++;
    if (root) this.totals.replies++;
    this.totals.mentions += m.mentions.length;
    if (mine) this.totals.searcherMessages++;
    return m;
  }

  private text(mine: boolean): string {
    const r = this.r;
    if (r() < CJK_RATE) {
      this.totals.cjk++;
      const n = 2 + int(r, 5);
      return Array.from({ length: n }, () => CJK_WORDS[int(r, CJK_WORDS.length)]).join('') + (r() < 0.5 ? '。' : '');
    }
    const n = 3 + int(r, 18);
    const ranks: number[] = [];
    const parts: string[] = [];
    const phraseAt = r() < PHRASE_RATE ? int(r, n) : -1;
    for (let k = 0; k < n; k++) {
      if (k === phraseAt) {
        parts.push(`${this.phrase[0]} ${this.phrase[1]}`);
        ranks.push(39, 69);
        this.totals.phrases++;
        continue;
      }
      const rank = this.vocabulary.draw(r);
      ranks.push(rank);
      let w = this.vocabulary.words[rank];
      if (k === 0 || r() < 0.03) w = w[0].toUpperCase() + w.slice(1);
      if (r() < 0.08) w += PUNCT[int(r, PUNCT.length)];
      parts.push(w);
    }
    if (mine) for (const rank of new Set(ranks)) this.df[rank]++;
    return parts.join(' ');
  }
}

/** Index of a conversation id of conversationId(). */
export function conversationIndex(id: string): number {
  return Number.parseInt(id.slice(-12), 16);
}

/** The same messages without thread replies and mentions (the index-cost measurement's "bare" arm). */
export function stripped(b: Batch): Batch {
  const messages = b.messages.map((m) => ({ ...m, thread_id: null, in_timeline: true, mentions: [] }));
  const changes = messages.map((m) => parseChange(`{"type":"message","cursor":${m.version},"message":${messageJson(m)}}`)!);
  return { messages, changes, newRoots: [] };
}
