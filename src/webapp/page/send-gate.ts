// What moderation lets me do in the open conversation (docs/moderation.md), as the composers
// show it: muted until a time ("Muted until 14:05", nothing can be typed; re-enabled by a timer
// at the end or by an unmute change), an announcement conversation where I am neither owner nor
// admin ("Only admins can post", no box; reactions still work), and slow mode's cooldown after
// each of my sends ("You can send again in N s"; owners and admins are exempt). The state comes
// from the conversation (kind, slow_mode_s, my role), its `mute`, `rules` and `member` changes,
// and the server's refusals of a send (MUTED with muted_until, SLOW_MODE with retry_after,
// ANNOUNCEMENT_ONLY): the page's own view is a courtesy, the server decides.
// The slow mode label for the header is `label` (empty when off).
import type { Member, Message } from '../../sdk/index.js';
import type { Block } from './composer.js';
import { h } from './dom.js';

type Kind = 'direct' | 'group' | 'announcement';
/** setTimeout's longest delay (about 24.8 days): a longer mute is looked at again then. */
const MAX_DELAY = 2 ** 31 - 1;

const hhmm = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export class SendGate {
  readonly label = h('span', { class: 'slow-mode', hidden: true });
  private role: Member['role'] | undefined;
  private kind: Kind = 'group';
  private slowModeS = 0;
  private mutedUntil = 0;
  private cooldownUntil = 0;
  private muteTimer: ReturnType<typeof setTimeout> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private apply: (b: Block) => void) {}

  get exempt() {
    return this.role === 'owner' || this.role === 'admin';
  }

  setRole(role: Member['role'] | undefined) {
    this.role = role;
    this.render();
  }

  setRules(kind: Kind, slowModeS: number) {
    this.kind = kind;
    this.slowModeS = slowModeS;
    this.label.hidden = slowModeS <= 0;
    this.label.textContent = slowModeS > 0 ? `Slow mode: ${slowModeS} s` : '';
    this.label.dataset.seconds = String(slowModeS);
    if (slowModeS <= 0) this.cooldownUntil = 0;
    this.render();
  }

  /** A `mute` change for me (until null: unmuted), or the muted_until of a refusal. */
  setMute(until: string | null) {
    this.mutedUntil = until ? Date.parse(until) : 0;
    this.render();
  }

  /** My message was stored: slow mode's cooldown starts (not for owners and admins). */
  sent(m: Pick<Message, 'created_at'>) {
    if (this.slowModeS <= 0 || this.exempt) return;
    // from when the server stored it, when the clocks roughly agree (else from now)
    const at = Date.parse(m.created_at);
    const from = Math.abs(at - Date.now()) < 5_000 ? at : Date.now();
    this.cooldown(from + this.slowModeS * 1000);
  }

  /** A refused send, edit or reaction: what the server said about my rights. */
  refused(e: unknown) {
    const err = e as { code?: string; extra?: Record<string, unknown>; retryAfterS?: number };
    if (err.code === 'MUTED' && typeof err.extra?.muted_until === 'string') this.setMute(err.extra.muted_until);
    else if (err.code === 'SLOW_MODE') this.retryAfter(Number(err.extra?.retry_after ?? err.retryAfterS ?? this.slowModeS));
    else if (err.code === 'ANNOUNCEMENT_ONLY') this.setRules('announcement', this.slowModeS);
  }

  /** SLOW_MODE's retry_after (seconds): the box waits that long. */
  retryAfter(seconds: number) {
    if (seconds > 0) this.cooldown(Date.now() + seconds * 1000);
  }

  private cooldown(until: number) {
    this.cooldownUntil = Math.max(this.cooldownUntil, until);
    this.render();
  }

  private render() {
    const now = Date.now();
    clearTimeout(this.muteTimer);
    if (this.mutedUntil > now) {
      this.muteTimer = setTimeout(() => this.render(), Math.min(MAX_DELAY, this.mutedUntil - now + 50));
      this.tick(false);
      return this.apply({ mode: 'all', note: h('span', { class: 'muted-note', 'data-until': new Date(this.mutedUntil).toISOString() }, `Muted until ${hhmm(this.mutedUntil)}`) });
    }
    if (this.kind === 'announcement' && !this.exempt) {
      this.tick(false);
      return this.apply({ mode: 'gone', note: h('span', { class: 'announcement-note' }, 'Only admins can post') });
    }
    if (this.cooldownUntil > now && !this.exempt) {
      const left = Math.ceil((this.cooldownUntil - now) / 1000);
      this.tick(true);
      return this.apply({ mode: 'send', note: h('span', { class: 'slow-note' }, 'Slow mode: you can send again in ', h('span', { class: 'countdown', 'data-seconds': left }, String(left)), ' s') });
    }
    this.tick(false);
    this.apply(null);
  }

  /** The countdown moves every quarter second while a cooldown runs. */
  private tick(on: boolean) {
    if (on && !this.ticker) this.ticker = setInterval(() => this.render(), 250);
    if (!on && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  close() {
    clearTimeout(this.muteTimer);
    this.tick(false);
  }
}
