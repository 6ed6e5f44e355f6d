// What a string must be to enter Strata: well-formed UTF-16 (no lone surrogate, which JSON can
// spell as `"\ud800"` although no UTF-8 byte sequence encodes it) and no NUL (U+0000, which
// PostgreSQL TEXT cannot store). Every tier must then hold the same string: the hot ring keeps
// JSON.stringify's escape of a lone surrogate while SQL, PostgreSQL and Parquet store UTF-8, in
// which it becomes U+FFFD; and a NUL would be acked by the hot tier and never reach PostgreSQL.
// One check, applied wherever parsed input meets a schema: every REST body, path param and
// query (http/validation.ts wraps each compiled validator), every WebSocket frame before its
// `type` is looked at (ws/frames.ts), and the JWT `sub` (auth/tokens.ts).

// String#isWellFormed: in Node 20, not yet in the ES2022 lib this project compiles against.
const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** Why `s` cannot be stored, or undefined when it can. */
export function badString(s: string): string | undefined {
  if (!wellFormed(s)) return 'is not well-formed UTF-16 (it has a lone surrogate)';
  if (s.includes('\u0000')) return 'contains NUL (U+0000), which cannot be stored';
  return undefined;
}

/** An error in ajv's shape, so that http/problem.ts maps it like any other (VALIDATION_FAILED). */
export interface BadStringError {
  instancePath: string;
  schemaPath: '#/wellFormed';
  keyword: 'wellFormed';
  message: string;
  params: Record<string, never>;
}

const pointer = (path: string, key: string | number) => `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * The first string in a parsed JSON value (object keys included, at any depth) that cannot be
 * stored, or undefined when every one can.
 */
export function findBadString(value: unknown, path = ''): BadStringError | undefined {
  if (typeof value === 'string') {
    const why = badString(value);
    return why ? { instancePath: path, schemaPath: '#/wellFormed', keyword: 'wellFormed', message: why, params: {} } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadString(value[i], pointer(path, i));
      if (bad) return bad;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const why = badString(k);
    // the key itself is not echoed: the detail names where it is, not what it is
    if (why) return { instancePath: path, schemaPath: '#/wellFormed', keyword: 'wellFormed', message: `has a key that ${why}`, params: {} };
    const bad = findBadString(v, pointer(path, k));
    if (bad) return bad;
  }
  return undefined;
}
