/**
 * Keeps credentials out of every message and log line, two ways:
 * - by value: the secrets this process holds (kubeconfig tokens and client keys, minted EKS tokens, AWS
 *   keys) are registered when they are loaded or minted, and every occurrence of them — as is, URL-encoded,
 *   JSON-escaped or base64 — is replaced;
 * - by shape: anything that looks like a credential (URL user info, `Authorization`/`Bearer`/`Basic`
 *   values, `token: …` pairs, JWTs, EKS tokens, PEM private keys), for secrets this process never saw
 *   (a server echoing a header back, a token inside a cause).
 */

export const REDACTED = '[REDACTED]';

/**
 * Shorter values are not matched by value: replacing every 3-letter run of a log would destroy it. They are
 * still caught by shape.
 */
const MIN_SECRET_LENGTH = 8;
/**
 * A warm Lambda mints an EKS token per cluster every few minutes; the oldest values go first (an EKS token
 * expires after 15 minutes, long before it is evicted).
 */
const MAX_SECRETS = 4096;

const secrets = new Map<string, readonly string[]>();

/**
 * Every registered form, longest first (so a form containing another is replaced whole), and the same by a
 * number made of its first 4 characters: with many secrets (a warm Lambda over a large EKS fleet) one pass
 * over the text, looking up a rolling key per position, replaces a search per form. Rebuilt on the first
 * use after a registration.
 */
let index: { forms: string[]; byKey: Map<number, string[]> } | undefined;
/** Below this many forms, a search per form is faster than the scan (bench/redaction-bench.ts). */
const SCAN_ABOVE = 32;
const KEY_CHARS = 4;
const rollKey = (key: number, code: number) => ((key << 7) | (code & 0x7f)) & 0xfffffff;

function currentIndex(): { forms: string[]; byKey: Map<number, string[]> } {
  if (index) return index;
  // Every form is at least as long as its secret, which registerSecret takes only from MIN_SECRET_LENGTH up.
  const forms = [...new Set([...secrets.values()].flat())].sort((a, b) => b.length - a.length);
  const byKey = new Map<number, string[]>();
  for (const f of forms) {
    let key = 0;
    for (let i = 0; i < KEY_CHARS; i++) key = rollKey(key, f.charCodeAt(i));
    byKey.set(key, [...(byKey.get(key) ?? []), f]);
  }
  index = { forms, byKey };
  return index;
}

function redactRegistered(text: string): string {
  const { forms, byKey } = currentIndex();
  if (forms.length <= SCAN_ABOVE) {
    let out = text;
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  }
  let out = '';
  let copiedTo = 0;
  let key = 0;
  for (let end = 0; end < text.length; end++) {
    key = rollKey(key, text.charCodeAt(end));
    const start = end - KEY_CHARS + 1;
    if (start < copiedTo) continue;
    const candidates = byKey.get(key);
    const form = candidates?.find((f) => text.startsWith(f, start));
    if (form) {
      out += text.slice(copiedTo, start) + REDACTED;
      copiedTo = start + form.length;
      end = copiedTo - 1;
      key = 0;
    }
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}

function formsOf(value: string): string[] {
  const jsonEscaped = JSON.stringify(value).slice(1, -1);
  return [
    value,
    encodeURIComponent(value),
    jsonEscaped,
    JSON.stringify(jsonEscaped).slice(1, -1),
    Buffer.from(value).toString('base64'),
    Buffer.from(value).toString('base64').replace(/=+$/, ''),
    Buffer.from(value).toString('base64url'),
  ];
}

/** Registers a secret this process holds, so no message or log line can carry it. Idempotent. */
export function registerSecret(value: string | null | undefined): void {
  if (typeof value !== 'string' || value.trim().length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  secrets.set(value, formsOf(value));
  while (secrets.size > MAX_SECRETS) {
    const oldest = secrets.keys().next().value;
    if (oldest === undefined) break;
    secrets.delete(oldest);
  }
  index = undefined;
}

/** The credentials a kubeconfig user holds (client-node's `User` fits): token, password, client key. */
export function registerUserSecrets(
  users: readonly {
    token?: string | undefined;
    password?: string | undefined;
    keyData?: string | undefined;
  }[],
): void {
  for (const u of users) {
    registerSecret(u.token);
    registerSecret(u.password);
    registerSecret(u.keyData);
    if (u.keyData) registerSecret(Buffer.from(u.keyData, 'base64').toString('utf8'));
  }
}

/** Forgets every registered secret (tests). */
export function forgetSecrets(): void {
  secrets.clear();
  index = undefined;
}

const notRedacted = String.raw`(?!\[REDACTED\])`;
/** A credential written bare: stops at white space, quotes, a backslash (escaped JSON) and separators. */
const BARE = String.raw`${notRedacted}[^\s"'\\,;&<>(){}[\]]+`;
/** `"`, `'`, or an escaped quote (`\"`, `\\\"` in JSON inside JSON). */
const QUOTE = String.raw`\\*["']`;
/** Keys whose value is a secret: `token`, `id-token`, `sessionToken`, `X-Amz-Security-Token`, `password`… */
// No word-start anchor nor leading `[\w-]*`: a match starts at the keyword (`sessionToken`, `id-token`),
// which keeps the scan linear (the leading class made it 15 times slower on a 1 MB report).
const KEYS = `(?:token|password|passwd|client-key-data|secret[-_]?access[-_]?key|api[-_]?key|private[-_]?key|x-amz-signature)`;

/** A field whose whole value is a credential, by its name (`token`, `sessionToken`, `Authorization`…). */
export function isSecretKey(key: string): boolean {
  return /^(?:[A-Za-z0-9_-]*token|password|passwd|authorization|client-key-data|secret[-_]?access[-_]?key|api[-_]?key|private[-_]?key)$/i.test(
    key,
  );
}

/** English words after `Bearer` ("bearer token") are not credentials. */
const isWord = (v: string) => /^[a-z]{1,24}$/i.test(v);
/** A bare value after `token ` counts only when it mixes letters and digits, as generated tokens do. */
const isTokenShaped = (v: string) => v.length >= 8 && /\d/.test(v) && /[A-Za-z]/.test(v);
/** `Basic` credentials are base64 of `user:password`. */
const isBasicCredential = (v: string) =>
  v.length % 4 === 0 && Buffer.from(v, 'base64').toString('latin1').includes(':');
/**
 * base64 of PEM blocks, as in `client-key-data`: only a private key is redacted, not a certificate. The
 * whole value is read: a bundle may hold a certificate first and its key after.
 */
const isEncodedPrivateKey = (v: string) =>
  Buffer.from(v, 'base64').toString('latin1').includes('PRIVATE KEY');

type Rule = [RegExp, (match: string, ...groups: string[]) => string];
const keepPrefix =
  (test?: (value: string) => boolean) =>
  (match: string, prefix: string, value: string): string =>
    !test || test(value) ? `${prefix}${REDACTED}` : match;

const rules: Rule[] = [
  // PEM private keys, in full or cut off, with real or escaped newlines. The end group always takes part:
  // it is the empty match of `$` when the key is cut off.
  [
    /(-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----)[\s\S]*?(-----END ([A-Z0-9]+ )*PRIVATE KEY-----|$)/g,
    (_m, begin, _t, end) => `${begin}${REDACTED}${end}`,
  ],
  [/LS0tLS1CRUdJTi[A-Za-z0-9+/]+={0,2}/g, (m) => (isEncodedPrivateKey(m) ? REDACTED : m)],
  // URL user info: https://user:pass@host, also JSON-escaped (https:\/\/) and URL-encoded (%3A%2F%2F…%40).
  [/(:(?:\\*\/){2})[^\s/?#@"'\\<>]+@/g, (_m, slashes) => `${slashes}${REDACTED}@`],
  [/(%3A%2F%2F)(?:(?!%2F|%40)[^\s/?#@"'&])+%40/gi, (_m, scheme) => `${scheme}${REDACTED}%40`],
  // The value of an Authorization header, whatever its scheme.
  [
    new RegExp(
      String.raw`(authorization${QUOTE}?\s*[:=]\s*(?:${QUOTE})?\s*(?:(?:bearer|basic|token|negotiate)(?:\s+|%20|\+))?)(${BARE})`,
      'gi',
    ),
    // Backtracking can offer the scheme itself as the value (`Bearer [REDACTED]`): keep it.
    keepPrefix((v) => !/^(?:bearer|basic|token|negotiate)$/i.test(v)),
  ],
  // `token: "v"`, `"password":"v"`, `\"token\":\"v\"` (a quoted value may hold spaces).
  [
    new RegExp(String.raw`(${KEYS}${QUOTE}?\s*[:=]\s*(${QUOTE}))${notRedacted}((?:(?!\2)[^\n])+?)\2`, 'gi'),
    (_m, prefix: string, quote: string) => `${prefix}${REDACTED}${quote}`,
  ],
  // `token: v`, `token=v&…`, `sessionToken = v`.
  [new RegExp(String.raw`(${KEYS}${QUOTE}?\s*[:=]\s*)(?!\\*["'])(${BARE})`, 'gi'), keepPrefix()],
  // `Bearer v`, also URL- and form-encoded (`Bearer%20v`, `Bearer+v`).
  [new RegExp(String.raw`(\bbearer(?:\s+|%20|\+))(${BARE})`, 'gi'), keepPrefix((v) => !isWord(v))],
  [/(\bbasic(?:\s+|%20|\+))([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/gi, keepPrefix(isBasicCredential)],
  // `token "v"`, `password 'v'`, and `token v` when v looks generated.
  [
    /(\b(?:token|password|passwd)\s+)(\\*["'])(?!\[REDACTED\])([^"'\n]+?)\2/gi,
    (_m, prefix: string, quote: string) => `${prefix}${quote}${REDACTED}${quote}`,
  ],
  [new RegExp(String.raw`(\b(?:token|password|passwd)\s+)(${BARE})`, 'gi'), keepPrefix(isTokenShaped)],
  // Bare JWTs (ServiceAccount and OIDC tokens) and EKS tokens.
  [/\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*)?/g, () => REDACTED],
  [/k8s-aws-v1\.[A-Za-z0-9_-]+/g, () => REDACTED],
];

/**
 * Removes every registered secret and anything shaped like a credential from a text. Idempotent; a text
 * with nothing to remove comes back unchanged.
 */
export function redactSecrets(text: string): string {
  let out = secrets.size > 0 ? redactRegistered(text) : text;
  for (const [pattern, replace] of rules) out = out.replace(pattern, replace as (m: string) => string);
  return out;
}
