/**
 * Output escaping for text that comes from a cluster. Real API servers do not restrict a Lease's
 * `spec.holderIdentity`, and a Status message can quote anything a client sent, so such text can carry
 * terminal control sequences (set the window title, clear the screen, move the cursor to forge rows) or
 * bidirectional overrides that make a name read differently from what it is (CVE-2021-25743 class).
 *
 * kubectl's fix (k8s.io/cli-runtime `pkg/printers/terminal.go`) replaces ESC with `^[` and CR with `\r`
 * in human-readable output. This goes further, in the same non-reversible, readable style: every C0
 * control, DEL, every C1 control (U+0080–U+009F: U+009B is a one-byte CSI for some terminals) and the
 * invisible bidi and line-separator controls become visible text.
 */

/** Bidi embedding/override/isolate controls, marks, and the Unicode line and paragraph separators. */
const INVISIBLE_FORMAT = '\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069';

const TERMINAL_UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE_FORMAT}]`, 'g');
/** What JSON.stringify leaves raw among the above (it escapes C0 itself). */
const JSON_UNSAFE = new RegExp(`[\\u007f-\\u009f${INVISIBLE_FORMAT}]`, 'g');

const named: Record<string, string> = { '\x1b': '^[', '\r': '\\r', '\n': '\\n', '\t': '\\t', '\x7f': '^?' };

const hex4 = (c: string) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;

function visible(c: string): string {
  const known = named[c];
  if (known) return known;
  const code = c.codePointAt(0) ?? 0;
  // Other C0 controls in caret notation, as terminals echo them (BEL is ^G).
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  return hex4(c);
}

/**
 * Text made safe for a terminal cell or message line: ESC as `^[`, CR/LF/TAB as `\r` `\n` `\t`, other C0
 * controls as `^X`, DEL as `^?`, C1 and bidi controls as `\uXXXX`. Printable text (any script) is kept.
 */
export function escapeTerminal(text: string): string {
  return text.replace(TERMINAL_UNSAFE, visible);
}

/**
 * JSON text with DEL, C1 controls and bidi/line-separator controls written as `\uXXXX` escapes.
 * JSON.stringify escapes C0 but passes these through raw; they can only occur inside string literals,
 * so escaping them in the serialized text leaves the parsed value unchanged.
 */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_UNSAFE, hex4);
}

/** JSON.stringify, then escapeJsonText: for reports and JSON-lines logs that a person may `cat`. */
export function safeJson(value: unknown, space?: number): string {
  return escapeJsonText(JSON.stringify(value, null, space));
}
