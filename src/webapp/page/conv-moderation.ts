// The owner's and admins' moderation of the open conversation (docs/moderation.md): in the
// header, slow mode (off, 1 s … 120 s) and "Announcement" (only owners and admins post), both
// PATCH /v1/conversations/{id} (a `rules` change every member sees); beside each member in the
// member list, a small menu to mute them (1 min, 1 h), unmute them and ban them (a second
// click confirms). An owner is moderated by owners only, nobody moderates themself, and a
// direct conversation has no kind or bans: the controls follow those rules, the server judges.
// Running mutes come from GET …/mutes, then `mute` changes; refusals go to the status line.
import type { Conversation, Member, MemberChange, MuteChange, RulesChange, StrataRest } from '../../sdk/index.js';
import { h } from './dom.js';
import { problemText } from './uploads.js';

const SLOW_STEPS = [0, 1, 5, 10, 30, 60, 120];
const MUTES: [number, string][] = [[60, 'Mute 1 min'], [3600, 'Mute 1 h']];

export class ConvModeration {
  readonly el = h('span', { class: 'conv-moderation', hidden: true });
  private slow = h('select', { id: 'conv-slow-mode', 'aria-label': 'Slow mode' },
    ...SLOW_STEPS.map((s) => h('option', { value: s }, s ? `Slow mode ${s} s` : 'Slow mode off')));
  private announce = h('input', { type: 'checkbox', id: 'conv-announcement' });
  private announceLabel = h('label', { for: 'conv-announcement', class: 'announcement-label' }, this.announce, ' Only admins post');
  private roles = new Map<string, Member['role']>();
  private mutedUntil = new Map<string, number>();
  private kind: Conversation['kind'] = 'group';
  private slowModeS = 0;

  constructor(private rest: StrataRest, private id: string, private me: string, private problem: (text: string) => void, private changed: () => void) {
    this.el.append(this.slow, this.announceLabel);
    this.slow.addEventListener('change', () => void this.patch({ slow_mode_s: Number(this.slow.value) }));
    this.announce.addEventListener('change', () => void this.patch({ kind: this.announce.checked ? 'announcement' : 'group' }));
  }

  get myRole(): Member['role'] | undefined {
    return this.roles.get(this.me);
  }

  private get canModerate() {
    const r = this.myRole;
    return r === 'owner' || r === 'admin';
  }

  set(c: Conversation) {
    this.roles = new Map(c.members.map((m) => [m.user, m.role]));
    this.rules(c.kind, c.slow_mode_s ?? 0);
    if (this.canModerate) void this.loadMutes();
  }

  private async loadMutes() {
    const list = await this.rest.mutes(this.id).catch(() => undefined); // best effort: mute changes still come
    for (const m of list ?? []) this.mutedUntil.set(m.user, Date.parse(m.until));
    this.changed();
  }

  onMember(c: MemberChange) {
    if (c.role) this.roles.set(c.user, c.role);
    else this.roles.delete(c.user);
    if (c.user === this.me) {
      this.show();
      if (this.canModerate) void this.loadMutes();
    }
    this.changed();
  }

  onMute(c: MuteChange) {
    if (c.until) this.mutedUntil.set(c.user, Date.parse(c.until));
    else this.mutedUntil.delete(c.user);
    this.changed();
  }

  onRules(c: Pick<RulesChange, 'kind' | 'slow_mode_s'>) {
    this.rules(c.kind, c.slow_mode_s);
  }

  private rules(kind: Conversation['kind'], slowModeS: number) {
    this.kind = kind;
    this.slowModeS = slowModeS;
    this.show();
  }

  private show() {
    this.el.hidden = !this.canModerate;
    if (!SLOW_STEPS.includes(this.slowModeS)) this.slow.append(h('option', { value: this.slowModeS }, `Slow mode ${this.slowModeS} s`));
    this.slow.value = String(this.slowModeS);
    this.announce.checked = this.kind === 'announcement';
    this.announceLabel.hidden = this.kind === 'direct';
  }

  isMuted(user: string) {
    return (this.mutedUntil.get(user) ?? 0) > Date.now();
  }

  /** The menu beside a member, or null when I may not moderate them. */
  menu(user: string): HTMLElement | null {
    const target = this.roles.get(user);
    if (!this.canModerate || user === this.me || !target || (target === 'owner' && this.myRole !== 'owner')) return null;
    const items: HTMLElement[] = this.isMuted(user)
      ? [h('button', { type: 'button', class: 'unmute', onclick: () => void this.act(() => this.rest.unmute(this.id, user), `unmute ${user}`) }, 'Unmute')]
      : MUTES.map(([s, text]) => h('button', { type: 'button', class: `mute-${s}`, onclick: () => void this.act(() => this.rest.mute(this.id, user, s), `mute ${user}`) }, text));
    if (this.kind !== 'direct') {
      const ban = h('button', { type: 'button', class: 'ban' }, 'Ban');
      ban.addEventListener('click', () => {
        if (ban.dataset.armed === undefined) return void ((ban.dataset.armed = ''), (ban.textContent = `Confirm ban of ${user}`));
        ban.dataset.armed = 'fired';
        void this.act(() => this.rest.ban(this.id, user), `ban ${user}`);
      });
      items.push(ban);
    }
    const menu = h('details', { class: 'member-menu' }, h('summary', { 'aria-label': `Moderate ${user}`, title: `Moderate ${user}` }, '⋯'),
      h('div', { class: 'menu', role: 'group', 'aria-label': `Moderate ${user}` }, ...items));
    // an action taken closes the menu (a ban's first click only arms it)
    menu.addEventListener('click', (ev) => {
      const b = (ev.target as HTMLElement).closest('button');
      if (b && !(b.classList.contains('ban') && b.dataset.armed === '')) menu.open = false;
    });
    return menu;
  }

  private async act(call: () => Promise<unknown>, what: string) {
    try {
      await call(); // the change comes to every member's page, this one's too
    } catch (e) {
      this.problem(`Could not ${what}: ${problemText(e)}`);
    }
  }

  private async patch(body: { slow_mode_s?: number; kind?: 'group' | 'announcement' }) {
    this.el.setAttribute('aria-busy', 'true');
    try {
      const c = await this.rest.updateConversation(this.id, body);
      this.rules(c.kind, c.slow_mode_s ?? this.slowModeS);
    } catch (e) {
      this.show(); // back to what the server holds
      this.problem(`Not changed: ${problemText(e)}`);
    } finally {
      this.el.removeAttribute('aria-busy');
    }
  }
}
