// In-process fan-out for the embedded engine: one EventEmitter shared with MemoryHotTier, whose
// ingest emits `{"type":"message",…}` under the conversation id. Conversation topics use the
// bare conversation id as the event name (what ingest emits); user topics keep their `u:`
// prefix, which no UUID starts with, so the two never collide.
// Delivery is synchronous inside publish(): ordered, and complete for subscribed listeners.
import type { EventEmitter } from 'node:events';
import { parseTopic, type Fanout, type FrameListener, type Topic } from './fanout.js';

export class MemoryFanout implements Fanout {
  constructor(private readonly events: EventEmitter) {
    events.setMaxListeners(0);
  }

  private name(topic: Topic): string {
    const t = parseTopic(topic);
    return t.kind === 'conversation' ? t.id : topic;
  }

  async subscribe(topic: Topic, listener: FrameListener): Promise<void> {
    this.events.on(this.name(topic), listener);
  }

  async unsubscribe(topic: Topic, listener: FrameListener): Promise<void> {
    this.events.off(this.name(topic), listener);
  }

  async publish(topic: Topic, frame: string): Promise<void> {
    this.events.emit(this.name(topic), frame);
  }

  async close(): Promise<void> {
    // the emitter belongs to the hot tier, which removes its listeners in its own close()
  }
}
