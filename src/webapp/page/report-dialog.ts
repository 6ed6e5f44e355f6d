// "Report" on a message of someone else: a dialog asks for the reason (1–1,000 characters) and
// POSTs /v1/messages/{id}/reports; it then says the report was received (the same message
// reported again answers the first report: also a confirmation) or shows the refusal with its
// code (MESSAGE_DELETED, MESSAGE_NOT_FOUND…). Operators see the report in their queue.
import type { Message, StrataRest } from '../../sdk/index.js';
import { h } from './dom.js';
import { problemText } from './uploads.js';

export class ReportDialog {
  readonly el: HTMLDialogElement;
  private quote = h('blockquote', { class: 'report-quote' });
  private reason = h('textarea', { id: 'report-reason', rows: 3, maxlength: 1000, required: true, 'aria-label': 'Why are you reporting this message?', placeholder: 'Why are you reporting this message?' });
  private result = h('p', { class: 'report-result', role: 'status' });
  private submit = h('button', { type: 'submit', class: 'report-send' }, 'Send report');
  private message: Message | undefined;

  constructor(private rest: StrataRest) {
    const form = h('form', { method: 'dialog', class: 'report-form', onsubmit: (ev: Event) => (ev.preventDefault(), void this.send()) },
      h('h3', {}, 'Report message'), this.quote, h('label', { for: 'report-reason' }, 'Reason'), this.reason, this.result,
      h('div', { class: 'row' }, this.submit, h('button', { type: 'button', class: 'report-cancel', onclick: () => this.el.close() }, 'Close')));
    this.el = h('dialog', { class: 'report-dialog', 'aria-label': 'Report message' }, form);
  }

  open(m: Message) {
    this.message = m;
    this.quote.textContent = `${m.sender}: ${(m.text ?? '').slice(0, 200)}`;
    this.reason.value = '';
    this.reason.disabled = this.submit.disabled = false;
    this.result.textContent = '';
    delete this.result.dataset.state;
    this.el.showModal();
    this.reason.focus();
  }

  private async send() {
    const m = this.message;
    const reason = this.reason.value.trim();
    if (!m || !reason) return;
    this.submit.disabled = true;
    try {
      await this.rest.report(m.id, reason);
      this.result.dataset.state = 'sent';
      this.result.textContent = 'Reported. The operators will review it.';
      this.reason.disabled = true;
    } catch (e) {
      this.result.dataset.state = 'failed';
      this.result.textContent = `Not reported: ${problemText(e)}`;
      this.submit.disabled = false;
    }
  }
}
