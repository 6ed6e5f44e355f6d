// The message box: Enter sends, Shift+Enter is a new line, Escape cancels a reply; typing
// notifications are throttled to one per 2.5 s. The conversation's box is #composer; a thread
// panel has its own (#thread-composer), with extra controls below the row.
// With `upload` (the conversation's box): files come from the attach button, a drop or a paste;
// each starts uploading at once (a tray item with its progress, removable, its error when
// refused), and a send waits for the files in the tray, then names them. A failed file keeps
// the send back until it is removed. A message of files only is sent with their names as its
// text (the server requires a non-empty text).
// Moderation (send-gate.ts) blocks the box with a note: `all` (muted: nothing can be typed or
// sent), `send` (slow mode: the next message can be written, not sent, until the countdown ends)
// or `gone` (an announcement conversation: no box, only the note).
import type { Message } from '../../sdk/index.js';
import { clear, h } from './dom.js';
import { problemText, sizeText, type Upload } from './uploads.js';

export interface ComposerOptions {
  id: string;
  label: string;
  /** Shown under the text box (the thread panel's "also send to conversation"). */
  extra?: Node;
  /** Starts uploading a file (declared, then its bytes); attachments are off without it. */
  upload?: (file: File, progress: (sent: number, total: number) => void) => Upload;
}

interface Pending {
  file: File;
  upload: Upload;
  el: HTMLElement;
  /** The upload id, once the bytes are in; an Error when refused. */
  result?: string | Error;
}

/** What moderation leaves of the box (null: everything). */
export type Block = { mode: 'all' | 'send' | 'gone'; note: Node | string } | null;

export type SendFn = (text: string, replyTo: Message | undefined, attachments: string[]) => void;

export class Composer {
  readonly el: HTMLFormElement;
  readonly input: HTMLTextAreaElement;
  private replyBar = h('div', { class: 'reply-bar', hidden: true });
  private replyTo: Message | undefined;
  private lastTyping = 0;
  private files: Pending[] = [];
  private tray = h('ul', { class: 'tray', 'aria-label': 'Files to send', hidden: true });
  private status = h('p', { class: 'error composer-status', role: 'alert' });
  private sendButton = h('button', { type: 'submit', class: 'send' }, 'Send');
  private waiting = false;
  private row: HTMLElement;
  private blockNote = h('p', { class: 'composer-block', role: 'status', hidden: true });
  private attachButton: HTMLButtonElement | undefined;
  private blocked: Block = null;

  constructor(private send: SendFn, private typing: () => void, private opts: ComposerOptions = { id: 'composer', label: 'Message' }) {
    this.input = h('textarea', { id: opts.id, rows: 1, placeholder: opts.label, 'aria-label': opts.label, maxlength: 4000 });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        void this.submit();
      } else if (ev.key === 'Escape') this.setReply(undefined);
    });
    this.input.addEventListener('input', () => {
      if (Date.now() - this.lastTyping > 2500 && this.input.value) {
        this.lastTyping = Date.now();
        this.typing();
      }
    });
    let attach: Node | null = null;
    if (opts.upload) {
      const picker = h('input', { type: 'file', multiple: true, class: 'file-input', id: `${opts.id}-files`, hidden: true });
      picker.addEventListener('change', () => {
        this.addFiles([...(picker.files ?? [])]);
        picker.value = ''; // the same file can be picked again
      });
      this.attachButton = h('button', { type: 'button', class: 'attach', 'aria-label': 'Attach files', title: 'Attach files', onclick: () => picker.click() }, '📎');
      attach = h('span', { class: 'attach-wrap' }, picker, this.attachButton);
      this.input.addEventListener('paste', (ev) => {
        const files = [...(ev.clipboardData?.files ?? [])];
        if (!files.length) return; // text: pasted as usual
        ev.preventDefault();
        this.addFiles(files);
      });
    }
    this.row = h('div', { class: 'row' }, attach, this.input, this.sendButton);
    this.el = h('form', { class: 'composer', onsubmit: (ev: Event) => (ev.preventDefault(), void this.submit()) },
      this.blockNote, this.replyBar, this.tray, this.status, this.row, opts.extra);
  }

  /** Moderation's word on the box (send-gate.ts): the note shown, what is disabled; null: all enabled. */
  setBlocked(b: Block) {
    this.blocked = b;
    const mode = b?.mode;
    this.input.disabled = mode === 'all' || mode === 'gone';
    if (this.attachButton) this.attachButton.disabled = this.input.disabled;
    this.sendButton.disabled = mode !== undefined || this.waiting;
    for (const el of [this.row, this.replyBar, this.tray, this.opts.extra]) if (el instanceof HTMLElement) el.classList.toggle('gone', mode === 'gone');
    if (b) this.el.dataset.blocked = b.mode;
    else delete this.el.dataset.blocked;
    this.blockNote.hidden = !b;
    this.blockNote.replaceChildren(b?.note ?? '');
  }

  /** Lets `area` take dropped files (the whole conversation, not only the box). */
  acceptDrops(area: HTMLElement) {
    if (!this.opts.upload) return;
    area.addEventListener('dragover', (ev) => {
      if (!ev.dataTransfer?.types.includes('Files')) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'copy';
      area.classList.add('dropping');
    });
    area.addEventListener('dragleave', (ev) => {
      if (ev.target === area) area.classList.remove('dropping');
    });
    area.addEventListener('drop', (ev) => {
      area.classList.remove('dropping');
      const files = [...(ev.dataTransfer?.files ?? [])];
      if (!files.length) return;
      ev.preventDefault();
      this.addFiles(files);
    });
  }

  /** Starts uploading each file; each shows in the tray with its progress. */
  addFiles(files: File[]) {
    const start = this.opts.upload;
    if (!start) return;
    this.status.textContent = '';
    for (const file of files) {
      const bar = h('progress', { max: file.size || 1, value: 0, 'aria-label': `Uploading ${file.name}` });
      const note = h('span', { class: 'file-note' });
      const el = h('li', { class: 'tray-file', 'data-state': 'uploading', 'data-name': file.name },
        h('span', { class: 'file-name' }, file.name), h('span', { class: 'file-size' }, sizeText(file.size)), bar, note);
      const p: Pending = { file, el, upload: start(file, (sent, total) => ((bar.max = total || 1), (bar.value = sent))) };
      el.append(h('button', { type: 'button', class: 'remove-file', 'aria-label': `Remove ${file.name}`, onclick: () => this.removeFile(p) }, '✕'));
      this.files.push(p);
      this.tray.append(el);
      p.upload.done.then((id) => {
        p.result = id;
        el.dataset.state = 'done';
        bar.remove();
      }, (e: unknown) => {
        if (!this.files.includes(p)) return; // removed: its abort is no error
        p.result = e instanceof Error ? e : new Error(String(e));
        el.dataset.state = 'failed';
        bar.remove();
        note.textContent = problemText(e);
        note.setAttribute('role', 'alert');
      });
    }
    this.tray.hidden = this.files.length === 0;
  }

  private removeFile(p: Pending) {
    this.files = this.files.filter((x) => x !== p);
    p.upload.abort();
    p.el.remove();
    this.tray.hidden = this.files.length === 0;
    if (!this.files.some((x) => x.result instanceof Error)) this.status.textContent = '';
    this.input.focus();
  }

  setReply(m: Message | undefined) {
    this.replyTo = m;
    this.replyBar.hidden = !m;
    if (m) {
      clear(this.replyBar, h('span', {}, `Replying to ${m.sender}: ${(m.text ?? '').slice(0, 80)}`),
        h('button', { type: 'button', class: 'cancel-reply', 'aria-label': 'Cancel reply', onclick: () => this.setReply(undefined) }, '✕'));
      this.input.focus();
    }
  }

  private async submit(): Promise<void> {
    if (this.waiting || this.blocked) return;
    const files = [...this.files];
    if (!this.input.value.trim() && !files.length) return;
    if (files.some((p) => p.result === undefined)) {
      // the files still uploading: the send waits for them (the box stays as it is meanwhile)
      this.waiting = true;
      this.sendButton.disabled = true;
      this.status.textContent = '';
      this.el.setAttribute('aria-busy', 'true');
      await Promise.allSettled(files.map((p) => p.upload.done));
      this.waiting = false;
      this.sendButton.disabled = this.blocked !== null;
      this.el.removeAttribute('aria-busy');
      if (files.some((p) => !this.files.includes(p)) || this.files.length !== files.length) return this.submit(); // files added or removed meanwhile: what is in the tray now
      if (this.blocked) return; // muted or in a cooldown meanwhile: the box keeps the message
    }
    const failed = files.filter((p) => p.result instanceof Error);
    if (failed.length) {
      this.status.textContent = `Not sent: remove the file${failed.length > 1 ? 's' : ''} that could not be uploaded (${failed.map((p) => p.file.name).join(', ')}).`;
      return;
    }
    const text = this.input.value.trim() || files.map((p) => p.file.name).join(', ');
    if (!text) return;
    this.send(text, this.replyTo, files.map((p) => p.result as string));
    this.input.value = '';
    this.lastTyping = 0;
    this.files = [];
    clear(this.tray);
    this.tray.hidden = true;
    this.status.textContent = '';
    this.setReply(undefined);
  }
}
