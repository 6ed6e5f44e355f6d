// Attachments from the page's side (docs/attachments.md): a file is declared (POST
// …/uploads), its bytes PUT to the URL the server returns (XMLHttpRequest: upload progress,
// abortable), and the send names its upload id. Shown files use the server's documented way
// for clients that cannot send the token on a redirect: `GET /v1/attachments/{id}?redirect=false`
// (membership checked) answers the short-lived signed URL, which an <img> or a link then uses
// as is. Links are cached until shortly before they expire, so re-rendering a message does not
// ask again. Every failure carries the server's problem+json code and detail.
import { StrataError, type Strata } from '../../sdk/index.js';

export interface UploadTicket {
  id: string;
  name: string;
  size: number;
  content_type: string;
  upload: { method: 'PUT'; url: string; headers: Record<string, string>; expires_at: string };
}

export interface Upload {
  /** The upload id once its bytes have arrived. */
  done: Promise<string>;
  abort(): void;
}

/** The content type a file is declared with: the browser's, bare and in lower case (the PUT repeats it byte for byte). */
export const contentTypeOf = (f: File) => (f.type.split(';')[0].trim().toLowerCase() || 'application/octet-stream');

/** What an error says to the user: the server's detail and code. */
export function problemText(e: unknown): string {
  if (e instanceof StrataError) return `${e.detail} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

/** Declares `file` in a conversation and PUTs its bytes; `progress` gets bytes sent so far. */
export function upload(client: Strata, conversationId: string, file: File, progress: (sent: number, total: number) => void): Upload {
  let xhr: XMLHttpRequest | undefined;
  let aborted = false;
  const done = (async () => {
    const ticket = await client.rest.request<UploadTicket>('POST', `/v1/conversations/${conversationId}/uploads`, {
      name: file.name, size: file.size, content_type: contentTypeOf(file),
    });
    if (aborted) throw new DOMException('removed', 'AbortError');
    await new Promise<void>((resolve, reject) => {
      const x = (xhr = new XMLHttpRequest());
      x.open(ticket.upload.method, ticket.upload.url);
      for (const [k, v] of Object.entries(ticket.upload.headers)) x.setRequestHeader(k, v);
      x.upload.onprogress = (ev) => progress(ev.loaded, ev.total || file.size);
      x.onload = () => (x.status >= 200 && x.status < 300 ? resolve() : reject(putProblem(x)));
      x.onerror = () => reject(new Error(`upload of ${file.name} failed: network error`));
      x.onabort = () => reject(new DOMException('removed', 'AbortError'));
      x.send(file);
    });
    progress(file.size, file.size);
    return ticket.id;
  })();
  return {
    done,
    abort() {
      aborted = true;
      xhr?.abort();
    },
  };
}

/** A refused PUT: problem+json from the embedded store, XML or text from S3. */
function putProblem(x: XMLHttpRequest): Error {
  try {
    const p = JSON.parse(x.responseText) as { code?: string; detail?: string };
    if (p.code) return new StrataError(x.status, p.code, p.detail ?? x.statusText);
  } catch {
    // not JSON (S3 answers XML): its code element, else the status
  }
  const code = /<Code>([^<]+)<\/Code>/.exec(x.responseText)?.[1] ?? `HTTP_${x.status}`;
  return new StrataError(x.status, code, `the upload was refused (${x.status})`);
}

interface Link {
  url: string;
  expiresAt: number;
}

/** Signed download URLs of attachments, asked once per id and kept until 30 s before they expire. */
export class AttachmentLinks {
  private links = new Map<string, Promise<Link>>();

  constructor(private client: Strata) {}

  get(id: string, fresh = false): Promise<Link> {
    const known = this.links.get(id);
    if (known && !fresh) {
      return known.then((l) => (l.expiresAt - Date.now() > 30_000 ? l : this.get(id, true)), () => this.get(id, true));
    }
    const link = this.client.rest.request<{ url: string; expires_at: string }>('GET', `/v1/attachments/${id}?redirect=false`)
      .then((r) => ({ url: r.url, expiresAt: Date.parse(r.expires_at) }));
    this.links.set(id, link);
    link.catch(() => this.links.delete(id)); // asked again next time
    return link;
  }

  /** Whether a link is cached and still valid for a while (a click can use the href as it is). */
  async valid(id: string): Promise<boolean> {
    const l = await this.links.get(id)?.catch(() => undefined);
    return !!l && l.expiresAt - Date.now() > 30_000;
  }
}

/** "1.2 MB" */
export function sizeText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
