// Credentials caught by their shape alone (no secret registered): the edges of each shape rule, each found
// missing by the mutation check (mutate/SURVIVORS.md lists what is left, with why it is equivalent).
import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecrets, REDACTED, redactSecrets } from '../../shared/redaction.ts';

const R = REDACTED;

afterEach(() => forgetSecrets());

describe('PEM private keys', () => {
  it('keeps the END line of a key whose type has a word before PRIVATE (RSA), and the text after it', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nnext line';
    expect(redactSecrets(pem)).toBe(
      `-----BEGIN RSA PRIVATE KEY-----${R}-----END RSA PRIVATE KEY-----\nnext line`,
    );
  });
});

describe('Authorization values', () => {
  // Only a value that is exactly a scheme name is kept (backtracking can offer the scheme as the value).
  it('redacts a value that ends like a scheme name', () => {
    expect(redactSecrets('Authorization: abcdtoken')).toBe(`Authorization: ${R}`);
  });

  it('redacts a value that starts like a scheme name', () => {
    expect(redactSecrets('Authorization: tokenabcd')).toBe(`Authorization: ${R}`);
  });
});

describe('quoted values of secret keys', () => {
  it('redacts every quoted pair of a text, whatever the case of the key', () => {
    expect(redactSecrets('{"token":"abc12345","password":"hunter22","PASSWD":"x"}')).toBe(
      `{"token":"${R}","password":"${R}","PASSWD":"${R}"}`,
    );
  });
});

describe('Basic credentials', () => {
  it('keeps base64 that does not decode to user:password ("abcdefgh")', () => {
    const text = 'docs mention Basic YWJjZGVmZ2g= as an example';
    expect(redactSecrets(text)).toBe(text);
  });

  it('keeps a value that is not whole base64 (11 characters), even when it decodes to something with a colon', () => {
    // dXNlcjpwYXN is base64 of user:pass cut by one character: Buffer decodes it to "user:pa…".
    const text = 'Basic dXNlcjpwYXN end';
    expect(redactSecrets(text)).toBe(text);
  });

  it('redacts base64 of user:pass after more than one space', () => {
    expect(redactSecrets('Basic  dXNlcjpwYXNz')).toBe(`Basic  ${R}`);
  });

  it('redacts base64 of user:pass followed by more text', () => {
    expect(redactSecrets('sent Basic dXNlcjpwYXNz to the proxy')).toBe(`sent Basic ${R} to the proxy`);
  });
});

describe('token and password written before their value', () => {
  it('redacts a quoted password after more than one space', () => {
    expect(redactSecrets('password  "s3cret value"')).toBe(`password  "${R}"`);
  });

  it('redacts every generated-looking bare token of a text, whatever the case of the word', () => {
    expect(redactSecrets('token abc12345 then TOKEN def67890')).toBe(`token ${R} then TOKEN ${R}`);
  });
});

describe('JWTs', () => {
  it('redacts a JWT of two parts (header and payload, no signature)', () => {
    expect(redactSecrets('id eyJhbGci.eyJzdWIi end')).toBe(`id ${R} end`);
  });
});
