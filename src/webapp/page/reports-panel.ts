// Operators only (a token with `admin: true`; the server checks every call): the report queue
// in the sidebar (docs/moderation.md#reports). It pages GET /v1/admin/reports — open reports,
// newest first, "Load more" with next_before — and shows each report's message text as it was
// reported, its sender, the reporter and the reason. A report is resolved once, by "Dismiss" or
// "Delete message" (POST …/resolve); the item then says how, or shows the refusal with its code
// (REPORT_RESOLVED when another operator was first). Mute and ban are not offered: this server
// answers them 501 REPORT_ACTION_UNAVAILABLE until the report sanctions are wired.
// Reports are not pushed: "Refresh" reads the queue again.
import type { Report, ReportResolution, StrataRest } from '../../sdk/index.js';
import { clear, h, time } from './dom.js';
import { problemText } from './uploads.js';

const PAGE = 50;
const ACTIONS: [Exclude<ReportResolution, 'mute' | 'ban'>, string][] = [['dismiss', 'Dismiss'], ['delete_message', 'Delete message']];
const DONE: Record<Report['state'], string> = {
  open: 'open', dismissed: 'Dismissed', message_deleted: 'Message deleted', muted: 'Sender muted', banned: 'Sender banned',
};

export class ReportsPanel {
  readonly el: HTMLElement;
  private ul = h('ul', { class: 'report-list', 'aria-label': 'Open reports' });
  private more = h('button', { type: 'button', class: 'reports-more', hidden: true }, 'Load more');
  private status = h('p', { class: 'error', role: 'alert' });
  private next: string | null = null;

  constructor(private rest: StrataRest) {
    this.more.addEventListener('click', () => void this.load(false));
    this.el = h('section', { class: 'reports-panel', 'aria-label': 'Reports' },
      h('header', {}, h('h2', {}, 'Reports'), h('button', { type: 'button', class: 'reports-refresh', onclick: () => void this.load(true) }, 'Refresh')),
      this.status, this.ul, this.more);
  }

  /** The first page again (`fresh`), or the next one. */
  async load(fresh = true) {
    this.el.setAttribute('aria-busy', 'true');
    try {
      const page = await this.rest.reports({ state: 'open', limit: PAGE, ...(fresh || !this.next ? {} : { before: this.next }) });
      if (fresh) clear(this.ul);
      for (const r of page.reports) this.ul.append(this.item(r));
      if (fresh && !page.reports.length) this.ul.append(h('li', { class: 'empty' }, 'No open reports.'));
      this.next = page.next_before;
      this.more.hidden = !page.next_before;
      this.status.textContent = '';
    } catch (e) {
      this.status.textContent = `Reports not loaded: ${problemText(e)}`;
    } finally {
      this.el.removeAttribute('aria-busy');
    }
  }

  private item(r: Report): HTMLElement {
    const result = h('p', { class: 'report-outcome', role: 'status' });
    const buttons = h('div', { class: 'row' });
    const li = h('li', { class: 'report-item', 'data-id': r.id, 'data-state': r.state },
      h('blockquote', { class: 'reported-text' }, r.message_text ?? '(no text)'),
      h('p', { class: 'report-meta' }, h('span', { class: 'report-sender' }, `by ${r.sender}`), ' · ',
        h('span', { class: 'report-reporter' }, `reported by ${r.reporter}`), ' · ', h('time', { datetime: r.created_at }, time(r.created_at))),
      h('p', { class: 'report-reason' }, r.reason), buttons, result);
    for (const [action, text] of ACTIONS) {
      buttons.append(h('button', { type: 'button', class: `resolve-${action.replace('_', '-')}`, onclick: () => void this.resolve(r, action, li, buttons, result) }, text));
    }
    return li;
  }

  private async resolve(r: Report, action: ReportResolution, li: HTMLElement, buttons: HTMLElement, result: HTMLElement) {
    for (const b of buttons.querySelectorAll('button')) b.disabled = true;
    try {
      const done = await this.rest.resolveReport(r.id, action);
      li.dataset.state = done.state;
      buttons.remove();
      result.textContent = DONE[done.state];
    } catch (e) {
      result.textContent = problemText(e);
      result.dataset.state = 'failed';
      for (const b of buttons.querySelectorAll('button')) b.disabled = false;
    }
  }
}
