// In-process fan-out for the embedded engine: one EventEmitter shared with MemoryHotTier, whose
// ingest emits `{"type":"message",…}` under the conversation id. Conversation topics use the
// bare conversation id as the event name (what ingest emits); user topics keep their `u:`
// prefix, which no UUID starts with, so the two never collide.
// Delivery is synchronous inside publish(): ordered, and complete for subscribed listeners.
// Like the Valkey adapter, a listener is in a topic's set at most once, and close() detaches
// this instance's listeners (others on the same emitter keep theirs): fanout.contract.ts.
import type { EventEmitter } from 'node:events';
import { parseTopic, type Fanout, type FrameListener, type Topic } from './fanout.js';

export class MemoryFanout implements Fanout {
  /** Event name → this instance's listeners on it. */
  private readonly mine = new Map<string, Set<FrameListener>>();

  constructor(private readonly events: EventEmitter) {
    events.setMaxListeners(0);
  }

  private name(topic: Topic): string {
    const t = parseTopic(topic);
    return t.kind === 'conversation' ? t.id : topic;
  }

  async subscribe(topic: Topic, listener: FrameListener): Promise<void> {
    const name = this.name(topic);
    let set = this.mine.get(name);
    if (!set) this.mine.set(name, (set = new Set()));
    if (set.has(listener)) return;
    set.add(listener);
    this.events.on(name, listener);
  }

  async unsubscribe(topic: Topic, listener: FrameListener): Promise<void> {
    const name = this.name(topic);
    const set = this.mine.get(name);
    if (!set?.delete(listener)) return;
    if (set.size === 0) this.mine.delete(name);
    this.events.off(name, listener);
  }

  async publish(topic: Topic, frame: string): Promise<void> {
    this.events.emit(this.name(topic), frame);
  }

  async close(): Promise<void> {
    // only our own listeners: the emitter belongs to the hot tier (and maybe other instances)
    for (const [name, set] of this.mine) for (const l of set) this.events.off(name, l);
    this.mine.clear();
  }
}
