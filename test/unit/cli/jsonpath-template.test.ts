import { describe, expect, it } from 'vitest';
import {
  executeJsonPath,
  JsonPathExecutionError,
  JsonPathParseError,
  parseJsonPath,
} from '../../../cli/jsonpath-template.ts';

// The input of kubectl's JSONPath reference (kubernetes.io/docs/reference/kubectl/jsonpath/).
const docInput = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: { capacity: { cpu: '4' }, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2' },
      status: {
        capacity: { cpu: '8' },
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

const run = (template: string, data: unknown = docInput) => executeJsonPath(parseJsonPath(template), data);

describe('kubectl JSONPath templates', () => {
  // The reference's table, with the results kubectl 1.32 prints (objects as JSON, not Go's map[…]).
  it.each([
    ['kind is {.kind}', 'kind is List'],
    ['{.kind}', 'List'],
    ["{['kind']}", 'List'],
    ["{['metadata.name']}", ''],
    ['{.items[*].metadata.name}', '127.0.0.1 127.0.0.2'],
    ['{.users[0].name}', 'myself'],
    ["{.items[*]['metadata.name', 'status.capacity']}", '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'],
    ['{.users[?(@.name=="e2e")].user.password}', 'secret'],
    [
      '{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}',
      '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
    ],
    ["{range .items[*]}{.metadata.name}{'\\t'}{end}", '127.0.0.1\t127.0.0.2\t'],
    ['{.items[0].metadata.labels.kubernetes\\.io/hostname}', '127.0.0.1'],
    ['{.items[-1].metadata.name}', '127.0.0.2'],
    ['{..name}', '127.0.0.1 127.0.0.2 myself e2e'],
  ])('%s', (template, expected) => {
    expect(run(template)).toBe(expected);
  });

  // Cases checked against `kubectl config view --raw -o jsonpath=…` (kubectl 1.32) on a kubeconfig.
  const kubeconfig = {
    kind: 'Config',
    users: [
      { name: 'e2e', user: { password: 'secret', username: 'admin' } },
      { name: 'myself', user: {} },
    ],
    clusters: [{ name: 'a', cluster: { server: 'https://a:1', 'insecure-skip-tls-verify': true } }],
  };
  it.each([
    ['{.users[*].name}', 'e2e myself'],
    ['{.users[0]}', '{"name":"e2e","user":{"password":"secret","username":"admin"}}'],
    ['{.clusters[0].cluster}', '{"insecure-skip-tls-verify":true,"server":"https://a:1"}'],
    ['{.users[?(@.user.username=="admin")].name}', 'e2e'],
    ['{.users[?(@.name!="e2e")].name}', 'myself'],
    ['{.users[?(@.name<"f")].name}', 'e2e'],
    ['{.clusters[?(@.cluster.insecure-skip-tls-verify==true)].name}', 'a'],
    ['{.users[?(@.user.username)].name}', 'e2e'],
    ['{.users[1:]}', '{"name":"myself","user":{}}'],
    ['{.users[:1].name}', 'e2e'],
    ['{.users[-2:].name}', 'e2e myself'],
    ['{.users[0:2:1].name}', 'e2e myself'],
    ['{.kind.x}', ''],
    ['{.nope}', ''],
    ['{.users.name}', ''],
    ['{.users[*].user.*}', 'secret admin'],
    ['{range .users[*]}{.name}', 'e2emyself'],
    ['{range .users[*]}{range .user}{.username}{end}:{.name} {end}', 'admin:e2e :myself '],
    ['{range .users[*]}{.name}{"\\n"}{end}x', 'e2e\nmyself\nx'],
    ['{$.kind}', 'Config'],
    ['{@.kind}', 'Config'],
    ['a}b', 'a}b'],
    ["{.users[?(@.name=='e2e')].name}", 'e2e'],
  ])('%s prints what kubectl prints', (template, expected) => {
    expect(run(template, kubeconfig)).toBe(expected);
  });

  it.each([
    ['{.kind', 'unclosed action'],
    ['{.users[x]}', 'invalid array index x'],
    ['{.users[*]["name"]}', 'invalid array index "name"'],
    ['{end}', 'not in range, nothing to end'],
    ['{.a[?(@.b=="c"}', 'unterminated filter'],
    ['{"abc}', 'unterminated quoted string'],
  ])('refuses %s as kubectl does: %s', (template, message) => {
    expect(() => parseJsonPath(template)).toThrow(JsonPathParseError);
    expect(() => parseJsonPath(template)).toThrow(message);
  });

  it.each([
    ['{.users[5].name}', 'array index out of bounds: index 5, length 2'],
    ['{.users[-3].name}', 'array index out of bounds: index -1, length 2'],
    ['{.users[0].user[*]}', 'map[string]interface {} is not array or slice'],
  ])('fails %s on this data as kubectl does', (template, message) => {
    const users = { users: [{ name: 'a', user: {} }, { name: 'b' }] };
    expect(() => run(template, users)).toThrow(JsonPathExecutionError);
    expect(() => run(template, users)).toThrow(message);
  });

  it('prints objects as Go does: keys sorted, <>& escaped; null as <nil>', () => {
    expect(run('{.o}', { o: { z: 1, a: '<b>&' } })).toBe('{"a":"\\u003cb\\u003e\\u0026","z":1}');
    expect(run('{.n}', { n: null })).toBe('<nil>');
  });

  it('escapes values from the data, never the template text', () => {
    const out = executeJsonPath(
      parseJsonPath('{.a}{"\\n"}'),
      { a: 'x\x1b[2Jy' },
      {
        escapeText: (s) => s.replaceAll('\x1b', '^['),
      },
    );
    expect(out).toBe('x^[[2Jy\n');
  });
});
