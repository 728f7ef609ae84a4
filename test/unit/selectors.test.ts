import { describe, expect, it } from 'vitest';
import {
  type LabelRequirement,
  type Labels,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
} from '../../shared/selectors.ts';

const IDENTITY = 'apiserver.kubernetes.io/identity';

const selects = (selector: string, labels: Labels | undefined) =>
  matchesLabels(parseLabelSelector(selector), labels);

describe('parseLabelSelector', () => {
  it.each<{ selector: string; expected: LabelRequirement[] }>([
    { selector: '', expected: [] },
    { selector: '   ', expected: [] },
    { selector: 'app=web', expected: [{ op: 'eq', key: 'app', value: 'web' }] },
    { selector: 'app==web', expected: [{ op: 'eq', key: 'app', value: 'web' }] },
    { selector: 'app!=web', expected: [{ op: 'neq', key: 'app', value: 'web' }] },
    { selector: 'app = web', expected: [{ op: 'eq', key: 'app', value: 'web' }] },
    { selector: '  app  ==  web  ', expected: [{ op: 'eq', key: 'app', value: 'web' }] },
    { selector: 'app != web', expected: [{ op: 'neq', key: 'app', value: 'web' }] },
    { selector: 'app=', expected: [{ op: 'eq', key: 'app', value: '' }] },
    { selector: 'app!=', expected: [{ op: 'neq', key: 'app', value: '' }] },
    { selector: 'tier in (web,api)', expected: [{ op: 'in', key: 'tier', values: ['web', 'api'] }] },
    { selector: 'tier in ( web , api )', expected: [{ op: 'in', key: 'tier', values: ['web', 'api'] }] },
    { selector: 'tier in(web)', expected: [{ op: 'in', key: 'tier', values: ['web'] }] },
    { selector: 'tier notin (web,api)', expected: [{ op: 'notin', key: 'tier', values: ['web', 'api'] }] },
    { selector: 'tier', expected: [{ op: 'exists', key: 'tier' }] },
    { selector: '!tier', expected: [{ op: 'notexists', key: 'tier' }] },
    { selector: '! tier', expected: [{ op: 'notexists', key: 'tier' }] },
    { selector: IDENTITY, expected: [{ op: 'exists', key: IDENTITY }] },
    { selector: `!${IDENTITY}`, expected: [{ op: 'notexists', key: IDENTITY }] },
    {
      selector: `${IDENTITY}=kube-apiserver`,
      expected: [{ op: 'eq', key: IDENTITY, value: 'kube-apiserver' }],
    },
    {
      selector: 'k8s.io/component in (kube-apiserver, kube-scheduler)',
      expected: [{ op: 'in', key: 'k8s.io/component', values: ['kube-apiserver', 'kube-scheduler'] }],
    },
    { selector: 'a.b_c-D=X.y_z-1', expected: [{ op: 'eq', key: 'a.b_c-D', value: 'X.y_z-1' }] },
    {
      selector: 'app=web,tier in (a,b),!legacy,owner,env!=prod',
      expected: [
        { op: 'eq', key: 'app', value: 'web' },
        { op: 'in', key: 'tier', values: ['a', 'b'] },
        { op: 'notexists', key: 'legacy' },
        { op: 'exists', key: 'owner' },
        { op: 'neq', key: 'env', value: 'prod' },
      ],
    },
    {
      selector: ' app = web , tier notin ( a , b ) , ! legacy ',
      expected: [
        { op: 'eq', key: 'app', value: 'web' },
        { op: 'notin', key: 'tier', values: ['a', 'b'] },
        { op: 'notexists', key: 'legacy' },
      ],
    },
    { selector: `x=${'v'.repeat(63)}`, expected: [{ op: 'eq', key: 'x', value: 'v'.repeat(63) }] },
  ])('parses "$selector"', ({ selector, expected }) => {
    expect(parseLabelSelector(selector)).toEqual(expected);
  });

  it.each([
    { selector: 'app=web=api', why: 'a value with "="' },
    { selector: 'app=-web', why: 'a value starting with "-"' },
    { selector: 'app=web-', why: 'a value ending with "-"' },
    { selector: 'app=we b', why: 'a value with a space' },
    { selector: `app=${'v'.repeat(64)}`, why: 'a value longer than 63 characters' },
    { selector: '-app=web', why: 'a key starting with "-"' },
    { selector: 'app-=web', why: 'a key ending with "-"' },
    { selector: 'Example.com/app=web', why: 'an upper-case key prefix' },
    { selector: '/app=web', why: 'an empty key prefix' },
    { selector: 'example.com/=web', why: 'an empty key name after the prefix' },
    { selector: 'a/b/c', why: 'a key with two slashes' },
    { selector: '!', why: '"!" without a key' },
    { selector: '!app=web', why: '"!" with an operator' },
    { selector: 'app!', why: 'a trailing "!"' },
    { selector: '=web', why: 'an operator without a key' },
    { selector: 'tier in web', why: '"in" without parentheses' },
    { selector: 'tier in (web', why: 'an unclosed value set' },
    { selector: 'tier in (web api)', why: 'values separated by a space' },
    { selector: 'tier in (we$b)', why: 'an invalid value in a set' },
    { selector: 'tier notin (a) (b)', why: 'two value sets' },
    { selector: 'app=(web)', why: 'parentheses in an exact value' },
    { selector: 'app web', why: 'two words without an operator' },
    { selector: 'app=web,bad key', why: 'one invalid term among valid ones' },
  ])('rejects $why: "$selector"', ({ selector }) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorParseError);
  });

  it('names the offending term in the error', () => {
    expect(() => parseLabelSelector('app=web,tier=a b')).toThrow(/invalid label value "a b"/);
  });
});

describe('matchesLabels', () => {
  const web = { app: 'web', tier: 'frontend', [IDENTITY]: 'kube-apiserver' };

  it.each<{ selector: string; labels: Labels | undefined; expected: boolean }>([
    { selector: '', labels: web, expected: true },
    { selector: '', labels: undefined, expected: true },
    { selector: 'app=web', labels: web, expected: true },
    { selector: 'app==web', labels: web, expected: true },
    { selector: 'app=api', labels: web, expected: false },
    { selector: 'app=web', labels: {}, expected: false },
    { selector: 'app=web', labels: undefined, expected: false },
    { selector: 'app=', labels: { app: '' }, expected: true },
    { selector: 'app=', labels: {}, expected: false },
    // != and notin select objects without the key (k8s.io/apimachinery/pkg/labels).
    { selector: 'app!=api', labels: web, expected: true },
    { selector: 'app!=web', labels: web, expected: false },
    { selector: 'app!=web', labels: {}, expected: true },
    { selector: 'app!=web', labels: undefined, expected: true },
    { selector: 'app!=', labels: { app: '' }, expected: false },
    { selector: 'tier in (frontend,backend)', labels: web, expected: true },
    { selector: 'tier in (backend,db)', labels: web, expected: false },
    { selector: 'tier in (frontend)', labels: {}, expected: false },
    { selector: 'tier notin (frontend,backend)', labels: web, expected: false },
    { selector: 'tier notin (backend,db)', labels: web, expected: true },
    { selector: 'tier notin (frontend)', labels: {}, expected: true },
    { selector: 'tier notin (frontend)', labels: undefined, expected: true },
    { selector: 'tier', labels: web, expected: true },
    { selector: 'tier', labels: { tier: '' }, expected: true },
    { selector: 'tier', labels: {}, expected: false },
    { selector: '!tier', labels: web, expected: false },
    { selector: '!tier', labels: { tier: '' }, expected: false },
    { selector: '!tier', labels: {}, expected: true },
    { selector: IDENTITY, labels: web, expected: true },
    { selector: IDENTITY, labels: { 'k8s.io/component': 'kube-apiserver' }, expected: false },
    { selector: `${IDENTITY}=kube-apiserver`, labels: web, expected: true },
    { selector: 'app=web,tier=frontend', labels: web, expected: true },
    { selector: 'app=web,tier=backend', labels: web, expected: false },
    { selector: 'app=web,!legacy,tier notin (db)', labels: web, expected: true },
    { selector: 'app=web,!tier', labels: web, expected: false },
    { selector: 'app=Web', labels: web, expected: false },
  ])('"$selector" on $labels is $expected', ({ selector, labels, expected }) => {
    expect(selects(selector, labels)).toBe(expected);
  });

  it('does not treat inherited properties as labels', () => {
    expect(selects('toString', {})).toBe(false);
    expect(selects('!constructor', {})).toBe(true);
  });
});

describe('parseFieldSelector', () => {
  const leaseFields = ['metadata.name', 'metadata.namespace'];

  it.each([
    { selector: '', expected: [] },
    { selector: 'metadata.name=a', expected: [{ field: 'metadata.name', op: 'eq', value: 'a' }] },
    { selector: 'metadata.name==a', expected: [{ field: 'metadata.name', op: 'eq', value: 'a' }] },
    { selector: 'metadata.name!=a', expected: [{ field: 'metadata.name', op: 'neq', value: 'a' }] },
    { selector: 'metadata.namespace=', expected: [{ field: 'metadata.namespace', op: 'eq', value: '' }] },
    {
      selector: 'metadata.namespace=kube-node-lease,metadata.name!=ip-10-0-0-1.ec2.internal',
      expected: [
        { field: 'metadata.namespace', op: 'eq', value: 'kube-node-lease' },
        { field: 'metadata.name', op: 'neq', value: 'ip-10-0-0-1.ec2.internal' },
      ],
    },
  ])('parses "$selector"', ({ selector, expected }) => {
    expect(parseFieldSelector(selector, leaseFields)).toEqual(expected);
  });

  it.each([
    { selector: 'spec.holderIdentity=a', field: 'spec.holderIdentity' },
    { selector: 'metadata.name=a,status.phase=Running', field: 'status.phase' },
    { selector: 'metadata.uid!=x', field: 'metadata.uid' },
  ])('rejects the unsupported field in "$selector"', ({ selector, field }) => {
    expect(() => parseFieldSelector(selector, leaseFields)).toThrow(SelectorParseError);
    expect(() => parseFieldSelector(selector, leaseFields)).toThrow(`field label not supported: ${field}`);
  });

  it.each(['metadata.name', 'metadata.name in (a)', '!metadata.name', '=a'])(
    'rejects "%s", which has no comparison',
    (selector) => {
      expect(() => parseFieldSelector(selector, leaseFields)).toThrow(SelectorParseError);
    },
  );

  it('accepts a field only for the resources that register it', () => {
    expect(() => parseFieldSelector('spec.nodeName=n1', leaseFields)).toThrow(
      'field label not supported: spec.nodeName',
    );
    expect(parseFieldSelector('spec.nodeName=n1', ['metadata.name', 'spec.nodeName'])).toEqual([
      { field: 'spec.nodeName', op: 'eq', value: 'n1' },
    ]);
  });
});

describe('matchesFields', () => {
  const pod: Record<string, string | undefined> = {
    'metadata.name': 'controller-0',
    'metadata.namespace': 'payments',
    'spec.nodeName': 'n1',
    'status.phase': undefined,
  };
  const fields = Object.keys(pod);

  it.each([
    { selector: '', expected: true },
    { selector: 'metadata.name=controller-0', expected: true },
    { selector: 'metadata.name==controller-0', expected: true },
    { selector: 'metadata.name=controller-1', expected: false },
    { selector: 'metadata.name!=controller-1', expected: true },
    { selector: 'metadata.name!=controller-0', expected: false },
    { selector: 'metadata.namespace=payments,spec.nodeName=n1', expected: true },
    { selector: 'metadata.namespace=payments,spec.nodeName=n2', expected: false },
    // A field the object lacks reads as the empty string.
    { selector: 'status.phase=', expected: true },
    { selector: 'status.phase!=Succeeded', expected: true },
    { selector: 'status.phase=Running', expected: false },
  ])('"$selector" is $expected', ({ selector, expected }) => {
    expect(matchesFields(parseFieldSelector(selector, fields), (f) => pod[f])).toBe(expected);
  });
});

describe('label selectors are as strict as k8s.io/apimachinery/pkg/labels', () => {
  it.each(['a,', ',a', 'a,,b', 'app=web,'])('rejects the empty term in %j', (s) => {
    expect(() => parseLabelSelector(s)).toThrow(SelectorParseError);
  });
  it('rejects a key whose name part is longer than 63 characters', () => {
    expect(() => parseLabelSelector('x'.repeat(64))).toThrow(SelectorParseError);
    expect(() => parseLabelSelector(`example.com/${'x'.repeat(64)}=v`)).toThrow(SelectorParseError);
  });
  it('rejects a key prefix that is not a DNS subdomain', () => {
    expect(() => parseLabelSelector('a..b/c')).toThrow(SelectorParseError);
    expect(() => parseLabelSelector('a.-b/c')).toThrow(SelectorParseError);
  });
  it('reads "in ()" and a trailing comma as the empty value', () => {
    expect(matchesLabels(parseLabelSelector('a in ()'), { a: '' })).toBe(true);
    expect(matchesLabels(parseLabelSelector('a in (x,)'), { a: '' })).toBe(true);
    expect(matchesLabels(parseLabelSelector('a notin ()'), { a: '' })).toBe(false);
  });
});
