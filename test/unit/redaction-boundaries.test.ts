import { afterEach, describe, expect, it } from 'vitest';
import {
  forgetSecrets,
  isSecretKey,
  REDACTED,
  redactSecrets,
  registerSecret,
} from '../../shared/redaction.ts';

const R = REDACTED;

afterEach(() => forgetSecrets());

/**
 * `filler000`, `filler001`…: 9 letters and digits, so each adds 2 forms to the index — itself (its URL- and
 * JSON-escaped forms are the same text) and its base64 (9 bytes → 12 characters, no padding, so the
 * unpadded and base64url forms are the same text too).
 */
function registerTwoFormFillers(count: number): void {
  for (let i = 0; i < count; i++) {
    const value = `filler${String(i).padStart(3, '0')}`;
    // Precondition of the count above: no `+`, `/` or `=` in the base64.
    expect(Buffer.from(value).toString('base64')).toMatch(/^[A-Za-z0-9]{12}$/);
    registerSecret(value);
  }
}

/**
 * `filler0000`, `filler0001`…: 10 letters and digits, so each adds 3 forms — itself, its base64 (10 bytes →
 * 16 characters ending in `==`) and that base64 without its padding (the same text as base64url).
 */
function registerThreeFormFillers(count: number): void {
  for (let i = 0; i < count; i++) {
    const value = `filler${String(i).padStart(4, '0')}`;
    expect(Buffer.from(value).toString('base64')).toMatch(/^[A-Za-z0-9]{14}==$/);
    registerSecret(value);
  }
}

describe('registerSecret: the minimum length (8 characters, white space not counted)', () => {
  it('does not register a 7-character secret, not even its base64 (12 characters long)', () => {
    // Prepare: 'abcdefg' (7) → base64 'YWJjZGVmZw==', unpadded 'YWJjZGVmZw': both 8 or more characters,
    // so only the length check on the value itself keeps them out.
    registerSecret('abcdefg');

    // Act
    const out = redactSecrets('abcdefg YWJjZGVmZw== YWJjZGVmZw');

    // Assess
    expect(out).toBe('abcdefg YWJjZGVmZw== YWJjZGVmZw');
  });

  it('registers a secret of exactly 8 characters and redacts it as written', () => {
    // Prepare
    registerSecret('abcdefgh');

    // Act
    const out = redactSecrets('x abcdefgh y');

    // Assess
    expect(out).toBe(`x ${R} y`);
  });

  it('does not count white space: 3 spaces and 5 letters is too short', () => {
    // Prepare: 8 characters long, 5 once trimmed.
    registerSecret('   abcde');

    // Act
    const out = redactSecrets('x   abcde y');

    // Assess
    expect(out).toBe('x   abcde y');
  });
});

describe('registerSecret: the base64 forms', () => {
  it('redacts the base64 of a secret written without its `==` padding', () => {
    // Prepare: 'key???abcd' is 10 bytes: 'key' → 'a2V5', '???' (0x3F3F3F = 001111 110011 111100 111111)
    // → 'Pz8/', 'abc' → 'YWJj', 'd' → 'ZA=='. Unpadded: 'a2V5Pz8/YWJjZA'. The '/' makes it differ from
    // the base64url form ('a2V5Pz8_YWJjZA'), so only the unpadded form itself can match.
    registerSecret('key???abcd');

    // Act
    const out = redactSecrets('x a2V5Pz8/YWJjZA y');

    // Assess
    expect(out).toBe(`x ${R} y`);
  });
});

describe('redactSecrets by value: the longest secret is replaced first when one contains another', () => {
  // 'abcdefgh' (8) is inside 'abcdefgh12345678' (16), and registered first: replacing it first would leave
  // '[REDACTED]12345678', half of the longer secret.
  it.each([
    { path: 'searching per form (6 forms)', fillers: 0 },
    // 6 forms + 14 × 2 = 34 forms, above the 32 where one scan replaces the per-form search.
    { path: 'scanning (34 forms)', fillers: 14 },
  ])('$path', ({ fillers }) => {
    // Prepare
    registerSecret('abcdefgh');
    registerSecret('abcdefgh12345678');
    registerTwoFormFillers(fillers);

    // Act
    const out = redactSecrets('a abcdefgh12345678 b abcdefgh c');

    // Assess
    expect(out).toBe(`a ${R} b ${R} c`);
  });
});

describe('redactSecrets by value: above 32 forms one left-to-right scan replaces the search per form', () => {
  // Two secrets that overlap in the text: P = 'pppp-1234' (9 characters, 2 forms: itself and its 12-character
  // base64) ends with '1234', which starts Q = '1234-qqqq-long' (14 characters, 3 forms: itself, its base64
  // with '=' and without). In 'pppp-1234-qqqq-long' only one of them can be replaced whole:
  // - searching per form, longest first, Q goes first: 'pppp-[REDACTED]';
  // - scanning left to right, P is met first: '[REDACTED]-qqqq-long'.
  const text = 'pppp-1234-qqqq-long';

  it('at exactly 32 forms, searches per form (the longer secret wins)', () => {
    // Prepare: 5 forms + 9 × 3 = 32.
    registerSecret('pppp-1234');
    registerSecret('1234-qqqq-long');
    registerThreeFormFillers(9);

    // Act
    const out = redactSecrets(text);

    // Assess
    expect(out).toBe(`pppp-${R}`);
  });

  it('at 33 forms, scans (the secret starting first wins)', () => {
    // Prepare: 5 forms + 14 × 2 = 33.
    registerSecret('pppp-1234');
    registerSecret('1234-qqqq-long');
    registerTwoFormFillers(14);

    // Act
    const out = redactSecrets(text);

    // Assess
    expect(out).toBe(`${R}-qqqq-long`);
  });

  it('replaces a secret opening the text whose first 4 characters share their low 7 bits with NUL', () => {
    // The scan keys each position by the low 7 bits of the 4 characters ending there. '一' (U+4E00) has low
    // bits 0, so the key of '一一一一' is 0 — also the key of the partial window before the 4th character.
    // The secret still matches only once its 4 characters are in: the text keeps its tail, whole.
    registerSecret('一一一一-passphrase');
    registerTwoFormFillers(16);

    // Act
    const out = redactSecrets('一一一一-passphrase was rejected');

    // Assess
    expect(out).toBe(`${R} was rejected`);
  });
});

describe('redactSecrets by shape: an earlier redaction is never matched again', () => {
  it('leaves a quoted key value that starts with the marker as it is, text after the marker included', () => {
    // What the by-value pass leaves when a registered token is followed by a note in the same quotes.
    const text = `token: "${R} (expired)"`;

    // Act
    const out = redactSecrets(text);

    // Assess
    expect(out).toBe(text);
  });
});

describe('isSecretKey: each sensitive name, with or without separators, in any case', () => {
  it.each([
    'secret_access_key',
    'secret-access-key',
    'secretaccesskey',
    'SecretAccessKey',
    'secret_accesskey',
    'secretaccess-key',
    'api_key',
    'api-key',
    'apikey',
    'apiKey',
    'private_key',
    'private-key',
    'privatekey',
    'x-session-token',
  ])('%s is a secret key', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  // Only the `token` family takes a prefix (`sessionToken`, `id-token`); the other names must be whole.
  it.each(['oldpassword', 'secret__access_key', 'api--key', 'private key'])('%s is not', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('redactSecrets by shape: the value after `Bearer`', () => {
  it('redacts a value with digits even when it ends in letters (only a plain word is kept)', () => {
    // Act
    const out = redactSecrets('retry with Bearer 0a1b2c3dxyz');

    // Assess
    expect(out).toBe(`retry with Bearer ${R}`);
  });
});

describe('redactSecrets by shape: a bare value after `token` (at least 8 characters, letters and digits)', () => {
  it.each([
    { what: 'exactly 8 characters, mixed', text: 'token abcd1234', expected: `token ${R}` },
    { what: '7 characters, mixed', text: 'token abc1234', expected: 'token abc1234' },
    { what: 'letters only', text: 'the token mismatched', expected: 'the token mismatched' },
    { what: 'digits only', text: 'token 12345678', expected: 'token 12345678' },
  ])('$what: $text → $expected', ({ text, expected }) => {
    expect(redactSecrets(text)).toBe(expected);
  });
});

describe('redactSecrets by shape: `Basic` credentials are base64 of user:password', () => {
  it('leaves base64 that does not decode to user:password', () => {
    // 'YWJjZGVmZ2hp' is base64 of 'abcdefghi': 12 characters (a multiple of 4), no ':'.
    const text = 'Basic YWJjZGVmZ2hp';

    // Act
    const out = redactSecrets(text);

    // Assess
    expect(out).toBe(text);
  });

  it('redacts base64 that decodes to user:password', () => {
    // 'dTpwYXNzd29yZA==' is base64 of 'u:password' (10 bytes → 16 characters).
    expect(redactSecrets('Basic dTpwYXNzd29yZA==')).toBe(`Basic ${R}`);
  });
});

describe('base64 PEM in text', () => {
  it('redacts a bundle whose private key follows a certificate, and leaves a certificate alone', () => {
    // Prepare: the key's header starts past the first 60 bytes of the bundle (the certificate's block).
    const certificate = `-----BEGIN CERTIFICATE-----\n${'MIIB'.repeat(20)}\n-----END CERTIFICATE-----\n`;
    const key = `-----BEGIN PRIVATE KEY-----\n${'MIIE'.repeat(20)}\n-----END PRIVATE KEY-----\n`;
    const bundle = Buffer.from(certificate + key).toString('base64');
    const certificateOnly = Buffer.from(certificate).toString('base64');
    expect(certificate.length).toBeGreaterThan(60);

    // Act + Assess
    expect(redactSecrets(`client-data ${bundle} end`)).toBe(`client-data ${R} end`);
    expect(redactSecrets(`client-data ${certificateOnly} end`)).toBe(`client-data ${certificateOnly} end`);
  });
});
