import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  forgetSecrets,
  isSecretKey,
  REDACTED,
  redactSecrets,
  registerSecret,
} from '../../shared/redaction.ts';

const R = REDACTED;
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZWFwZXIifQ.c2lnbmF0dXJl';
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const pemBody = pem.split('\n')[1] ?? '';

afterEach(() => forgetSecrets());

describe('redactSecrets by shape', () => {
  it.each([
    {
      what: 'URL user info',
      text: 'GET https://admin:hunter22@10.0.0.1/api',
      expected: `GET https://${R}@10.0.0.1/api`,
    },
    {
      what: 'a user name alone',
      text: 'https://ghp_abc123def456@github.com',
      expected: `https://${R}@github.com`,
    },
    { what: 'JSON-escaped user info', text: 'https:\\/\\/u:p4ss@h\\/x', expected: `https:\\/\\/${R}@h\\/x` },
    {
      what: 'URL-encoded user info',
      text: 'next=https%3A%2F%2Fu%3Ap4ss%40h%2Fx',
      expected: `next=https%3A%2F%2F${R}%40h%2Fx`,
    },
    {
      what: 'an Authorization header',
      text: 'Authorization: Bearer abc123def456',
      expected: `Authorization: Bearer ${R}`,
    },
    {
      what: 'an Authorization header, any scheme',
      text: 'authorization=Negotiate YIIabc123',
      expected: `authorization=Negotiate ${R}`,
    },
    {
      what: 'a header in escaped JSON',
      text: '{\\"Authorization\\":\\"Bearer abc123def456\\"}',
      expected: `{\\"Authorization\\":\\"Bearer ${R}\\"}`,
    },
    { what: 'Bearer%20', text: 'h=Bearer%20abc123def456&x=1', expected: `h=Bearer%20${R}&x=1` },
    { what: 'Bearer+', text: 'h=Bearer+abc123def456', expected: `h=Bearer+${R}` },
    { what: 'token <v>', text: 'Authorization token 0123abcd4567ef', expected: `Authorization token ${R}` },
    {
      what: 'token <v> in prose',
      text: 'rejected token 0123abcd4567ef today',
      expected: `rejected token ${R} today`,
    },
    { what: 'password <v>', text: 'password pw35622c6c61', expected: `password ${R}` },
    { what: 'token: "v" with spaces', text: 'token: "a b c d"', expected: `token: "${R}"` },
    { what: "token='v'", text: "token='abc'", expected: `token='${R}'` },
    { what: 'token "v"', text: 'the token "abc" expired', expected: `the token "${R}" expired` },
    { what: 'escaped JSON', text: '{\\"token\\":\\"abc def\\"}', expected: `{\\"token\\":\\"${R}\\"}` },
    {
      what: 'doubly escaped JSON',
      text: '{\\\\\\"token\\\\\\":\\\\\\"abc\\\\\\"}',
      expected: `{\\\\\\"token\\\\\\":\\\\\\"${R}\\\\\\"}`,
    },
    {
      what: 'a query-string token',
      text: '?X-Amz-Security-Token=IQoJb3JpZ2lu&X-Amz-Date=1',
      expected: `?X-Amz-Security-Token=${R}&X-Amz-Date=1`,
    },
    { what: 'a password field', text: '"password":"p@ss w0rd"', expected: `"password":"${R}"` },
    { what: 'a bare JWT', text: `got ${JWT} back`, expected: `got ${R} back` },
    {
      what: 'Basic credentials',
      text: `Basic ${Buffer.from('admin:secret').toString('base64')}`,
      expected: `Basic ${R}`,
    },
    {
      what: 'Basic%20',
      text: `Basic%20${Buffer.from('u:longpass').toString('base64')}`,
      expected: `Basic%20${R}`,
    },
    { what: 'an EKS token', text: 'k8s-aws-v1.aHR0cHM6Ly9zdHM_x-y', expected: R },
    {
      what: 'a PEM private key',
      text: `key:\n${pem}rest`,
      expected: `key:\n-----BEGIN PRIVATE KEY-----${R}-----END PRIVATE KEY-----\nrest`,
    },
    {
      what: 'a PEM key with escaped newlines',
      text: JSON.stringify(pem),
      expected: `"-----BEGIN PRIVATE KEY-----${R}-----END PRIVATE KEY-----\\n"`,
    },
    {
      what: 'a cut-off PEM key',
      text: `-----BEGIN EC PRIVATE KEY-----\n${pemBody}`,
      expected: `-----BEGIN EC PRIVATE KEY-----${R}`,
    },
    {
      what: 'base64 of a PEM key',
      text: `client-key ${Buffer.from(pem).toString('base64')}`,
      expected: `client-key ${R}`,
    },
  ])('redacts $what', ({ text, expected }) => {
    expect(redactSecrets(text)).toBe(expected);
    expect(redactSecrets(expected)).toBe(expected);
  });

  it.each([
    'the bearer token was rejected',
    'Basic authentication is not enabled',
    'token expired; get a new token',
    'the password is wrong',
    'client-certificate-data is not a secret',
    `certificate ${Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n').toString('base64')}`,
    'https://10.0.0.1:6443/apis/coordination.k8s.io/v1/leases?limit=500',
    'mailto:ops@example.com',
    'user@example.com wrote',
  ])('leaves %j as it is', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactSecrets by value', () => {
  const secret = 'opaque/static+token"value';

  it('removes a registered secret in every form it may be written in', () => {
    registerSecret(secret);
    for (const form of [
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
    ]) {
      expect(redactSecrets(`a ${form} b`)).toBe(`a ${R} b`);
    }
  });

  it('ignores values too short to match safely, and forgets on request', () => {
    registerSecret('abc');
    registerSecret('');
    registerSecret(undefined);
    expect(redactSecrets('abc')).toBe('abc');
    registerSecret(secret);
    forgetSecrets();
    expect(redactSecrets(secret)).toBe(secret);
  });

  it('keeps the newest 4096 secrets', () => {
    for (let i = 0; i < 4097; i++) registerSecret(`minted-token-${String(i).padStart(5, '0')}`);
    expect(redactSecrets('minted-token-00000')).toBe('minted-token-00000');
    expect(redactSecrets('minted-token-00001 minted-token-04096')).toBe(`${R} ${R}`);
  });
});

describe('isSecretKey', () => {
  it.each(['token', 'sessionToken', 'id-token', 'password', 'Authorization', 'client-key-data'])(
    '%s is',
    (k) => expect(isSecretKey(k)).toBe(true),
  );
  it.each(['tokens', 'cluster', 'message', 'client-certificate-data'])('%s is not', (k) =>
    expect(isSecretKey(k)).toBe(false),
  );
});
