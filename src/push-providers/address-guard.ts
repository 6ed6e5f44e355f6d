// Where a push may go (docs/push.md#where-pushes-may-go): a subscription endpoint is a URL a
// browser hands us, i.e. a URL any user chooses, and the server POSTs to it. So it must name a
// public push service: never an IP literal, never a name that resolves to a loopback, private,
// link-local (cloud metadata), CGNAT, unspecified, documentation, benchmarking, multicast or
// reserved address (IPv4 and IPv6, IPv4-mapped and -compatible IPv6 included), port 443 unless
// the operator allows others, and, when the operator lists push service host suffixes
// (PUSH_ALLOWED_HOSTS), one of those. The check runs when a subscription is saved AND when the
// push connects (`guardedLookup` is the push agents' DNS lookup), so a name that resolved to a
// public address once and to 169.254.169.254 later (DNS rebinding) is refused at connect time.
// The only exception is PUSH_ALLOW_HTTP_LOCALHOST (test push services): http:// on 127.0.0.1,
// [::1] or localhost, connecting to the loopback only.
import dns from 'node:dns';
import net from 'node:net';

export interface AddressPolicy {
  /** Host suffixes push services may have (`push.services.mozilla.com` allows it and its subdomains); empty: any public host. */
  allowedHosts: readonly string[];
  /** Ports an https endpoint may use (443 unless the operator says). */
  allowedPorts: readonly number[];
  /** http:// on the loopback only (tests). */
  allowHttpLocalhost: boolean;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const REFUSED_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.lan', '.intranet', '.corp'];

const V4_BLOCKED: [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

function v4(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function v4Public(n: number): boolean {
  return V4_BLOCKED.every(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const b = v4(base) as number;
    return n < b || n >= b + size;
  });
}

/** The 16 bytes of an IPv6 address (with or without brackets; a dotted IPv4 tail is fine); null when it is none. */
function v6(address: string): number[] | null {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!net.isIPv6(bare)) return null;
  let a: string;
  try {
    a = new URL(`http://[${bare}]/`).hostname.slice(1, -1); // WHATWG form: lower-case hex, dotted tails turned into hex
  } catch {
    return null; // a zone id (fe80::1%eth0) or the like: no URL host, not a push service
  }
  const [head, rest] = a.includes('::') ? a.split('::') : [a, null];
  const words = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const h = words(head);
  const r = rest === null ? [] : words(rest);
  const all = rest === null ? h : [...h, ...Array<number>(8 - h.length - r.length).fill(0), ...r];
  if (all.length !== 8 || all.some((w) => !Number.isInteger(w))) return null;
  return all.flatMap((w) => [w >> 8, w & 255]);
}

/** True when the address (IPv4 or IPv6 text) is a public unicast one a push may go to. */
export function isPublicAddress(address: string): boolean {
  const four = v4(address);
  if (four !== null) return v4Public(four);
  const b = v6(address);
  if (!b) return false;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  // ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped): judged as the IPv4 inside, never public when it is 0.0.0.0/8 etc.
  if (zeros(0, 10) && ((b[10] === 0xff && b[11] === 0xff) || (b[10] === 0 && b[11] === 0))) {
    if (b[10] === 0) return false;
    return v4Public(((b[12] * 256 + b[13]) * 256 + b[14]) * 256 + b[15]);
  }
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) return false; // 64:ff9b::/96 NAT64 (reaches any IPv4)
  if (b[0] === 0x01 && b[1] === 0x00 && zeros(2, 8)) return false; // 100::/64 discard
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return false; // 2001:db8::/32 documentation
  if (b[0] === 0x20 && b[1] === 0x02) return false; // 2002::/16 6to4 (an IPv4 inside, maybe private)
  if ((b[0] & 0xfe) === 0xfc) return false; // fc00::/7 unique local
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return false; // fe80::/10 link-local
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return false; // fec0::/10 site-local (deprecated)
  if (b[0] === 0xff) return false; // multicast
  return true;
}

const isLiteral = (host: string) => v4(host) !== null || host.startsWith('[') || net.isIP(host) !== 0;

/** Why an endpoint URL may not be pushed to (its address aside), or null when it may. */
export function refusedUrl(u: URL, p: AddressPolicy): string | null {
  const host = u.hostname.toLowerCase();
  if (u.protocol === 'http:') {
    return p.allowHttpLocalhost && LOCAL_HOSTS.has(host) ? null : 'endpoint must be an https:// URL';
  }
  if (u.protocol !== 'https:') return 'endpoint must be an https:// URL';
  if (!host) return 'endpoint has no host';
  if (isLiteral(host)) return 'endpoint must name a push service host, not an IP address';
  if (!host.includes('.') || host.endsWith('.') || REFUSED_SUFFIXES.some((s) => host === s.slice(1) || host.endsWith(s))) {
    return 'endpoint host is not a public push service name';
  }
  const port = u.port === '' ? 443 : Number(u.port);
  if (!p.allowedPorts.includes(port)) return `endpoint port ${port} is not allowed (PUSH_ALLOWED_PORTS)`;
  if (p.allowedHosts.length > 0 && !p.allowedHosts.some((s) => host === s || host.endsWith(`.${s}`))) {
    return 'endpoint host is not one of the push services this server allows (PUSH_ALLOWED_HOSTS)';
  }
  return null;
}

export type LookupAll = (host: string) => Promise<{ address: string }[]>;

const systemLookup: LookupAll = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/** Why the endpoint's host may not be pushed to once resolved (every address must be public), or null. Loopback http (tests) is not resolved. */
export async function refusedAddress(u: URL, p: AddressPolicy, lookup: LookupAll = systemLookup): Promise<string | null> {
  if (u.protocol === 'http:') return refusedUrl(u, p);
  let addrs: { address: string }[];
  try {
    addrs = await lookup(u.hostname);
  } catch (err) {
    return `endpoint host does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (addrs.length === 0) return 'endpoint host does not resolve';
  const bad = addrs.find((a) => !isPublicAddress(a.address));
  return bad ? 'endpoint host resolves to a private, loopback or reserved address' : null;
}

/** The error code a refused connect carries (the provider drops such a push, never retries it). */
export const ADDRESS_REFUSED = 'EPUSHADDRESS';

/**
 * A DNS lookup for the push agents (net.connect's `lookup`): resolves as usual, then refuses
 * every answer that is not public — so a push never connects to a private address, whatever
 * the name resolved to when it was subscribed. `loopbackOnly`: the http agent (tests) may only
 * reach the loopback.
 */
export function guardedLookup(loopbackOnly: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      const cb = callback as unknown as (e: NodeJS.ErrnoException | null, a?: string | dns.LookupAddress[], f?: number) => void;
      if (err) return cb(err);
      const list = addresses as dns.LookupAddress[];
      const ok = list.filter((a) => (loopbackOnly ? a.address === '127.0.0.1' || a.address === '::1' : isPublicAddress(a.address)));
      if (ok.length === 0 || ok.length !== list.length) {
        const e: NodeJS.ErrnoException = new Error(`push to ${hostname} refused: it resolves to ${list.map((a) => a.address).join(', ')}`);
        e.code = ADDRESS_REFUSED;
        return cb(e);
      }
      if (options.all) return cb(null, ok);
      return cb(null, ok[0].address, ok[0].family);
    });
  };
}
