import { describe, expect, it } from 'vitest';
import { escapeJsonText, escapeTerminal, safeJson } from '../../../shared/report/escape.ts';

/** Every character the escaping must never pass through raw to a terminal. */
const C0 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i));
const C1 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i));
const BIDI = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
];
const LINE_SEPARATORS = ['\u2028', '\u2029'];
const UNSAFE = [...C0, '\x7f', ...C1, ...BIDI, ...LINE_SEPARATORS];

describe('escapeTerminal', () => {
  it.each([
    ['ESC as ^[, as kubectl does', 'a\x1b[2Jb', 'a^[[2Jb'],
    ['CR and LF as \\r \\n', 'x\r\ny', 'x\\r\\ny'],
    ['TAB as \\t', 'x\ty', 'x\\ty'],
    ['an OSC title sequence ended by BEL', '\x1b]0;pwned\x07', '^[]0;pwned^G'],
    ['NUL in caret notation', 'a\x00b', 'a^@b'],
    ['DEL as ^?', 'a\x7fb', 'a^?b'],
    ['a one-byte C1 CSI as \\u009b', 'a\u009b2Jb', 'a\\u009b2Jb'],
    ['a right-to-left override as \\u202e', 'holder\u202eexe.txt', 'holder\\u202eexe.txt'],
    ['printable text of any script unchanged', 'ip-10-0-0-1_ünïcødé_日本_🙂', 'ip-10-0-0-1_ünïcødé_日本_🙂'],
  ])('writes %s', (_what, input, output) => {
    expect(escapeTerminal(input)).toBe(output);
  });

  it('leaves no C0, DEL, C1, bidi or line-separator control in its output', () => {
    // Act
    const out = escapeTerminal(UNSAFE.join('|'));

    // Assess
    for (const c of UNSAFE) expect(out.includes(c), `U+${c.codePointAt(0)?.toString(16)}`).toBe(false);
  });
});

describe('safeJson / escapeJsonText', () => {
  it('writes DEL, C1, bidi and line-separator controls as \\u escapes and parses back to the same value', () => {
    // Prepare
    const value = { holderIdentity: UNSAFE.join(''), nested: [`x${BIDI.join('')}y`] };

    // Act: one JSON line (indented JSON has newlines of its own, outside strings)
    const line = safeJson(value);
    const indented = safeJson(value, 2);

    // Assess
    for (const c of UNSAFE) expect(line.includes(c), `U+${c.codePointAt(0)?.toString(16)}`).toBe(false);
    expect(line).toContain('\\u202e');
    expect(line).toContain('\\u009b');
    expect(line).toContain('\\u007f');
    expect(JSON.parse(line)).toEqual(value);
    expect(JSON.parse(indented)).toEqual(value);
  });

  it('leaves JSON without such characters unchanged', () => {
    const json = JSON.stringify({ a: 'plain — text, ünïcødé', b: [1, 2] });
    expect(escapeJsonText(json)).toBe(json);
  });
});
