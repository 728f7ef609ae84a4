import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  convertFieldSelector,
  matchesFields,
  parseFieldSelector,
  selectableFields,
} from '../../sim/field-selector.ts';
import {
  type LabelRequirement,
  matchesLabels,
  parseLabelSelector,
  SelectorError,
} from '../../sim/label-selector.ts';
import { leaderLease, podObject } from '../../sim/objects.ts';
import { leases, nodes, pods } from '../../sim/resources.ts';
import { apis, seedLeases, simClusters } from '../support/sim.ts';

const clusters = simClusters();

/** The message the selector parser refuses `selector` with (fails the test if it parses). */
function labelError(selector: string): string {
  try {
    parseLabelSelector(selector);
  } catch (err) {
    if (err instanceof SelectorError) return err.message;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(selector)} to be refused`);
}

function fieldError(selector: string, kind: { group: string; kind: string } = leases): string {
  try {
    convertFieldSelector(kind, parseFieldSelector(selector));
  } catch (err) {
    if (err instanceof SelectorError) return err.message;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(selector)} to be refused`);
}

// IsValidLabelValue's and IsQualifiedName's texts (apimachinery v0.32 pkg/util/validation/validation.go).
const labelValueRule =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const nameRule =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('label selector parser (pkg/labels/selector.go)', () => {
  const parsed: { selector: string; expected: LabelRequirement[] }[] = [
    { selector: '', expected: [] },
    { selector: 'a', expected: [{ key: 'a', operator: 'exists', values: [] }] },
    { selector: '!a', expected: [{ key: 'a', operator: '!', values: [] }] },
    { selector: ' ! a ', expected: [{ key: 'a', operator: '!', values: [] }] },
    { selector: 'a=b', expected: [{ key: 'a', operator: '=', values: ['b'] }] },
    { selector: 'a==b', expected: [{ key: 'a', operator: '==', values: ['b'] }] },
    { selector: 'a!=b', expected: [{ key: 'a', operator: '!=', values: ['b'] }] },
    { selector: 'a=', expected: [{ key: 'a', operator: '=', values: [''] }] },
    { selector: 'a in (y, x,y)', expected: [{ key: 'a', operator: 'in', values: ['x', 'y'] }] },
    { selector: 'a notin ()', expected: [{ key: 'a', operator: 'notin', values: [''] }] },
    { selector: 'a in (x,)', expected: [{ key: 'a', operator: 'in', values: ['', 'x'] }] },
    { selector: 'a in (,x)', expected: [{ key: 'a', operator: 'in', values: ['', 'x'] }] },
    { selector: 'a in (x,,y)', expected: [{ key: 'a', operator: 'in', values: ['', 'x', 'y'] }] },
    // `in` and `notin` are identifiers wherever a key or value is expected.
    { selector: 'x in (in,notin)', expected: [{ key: 'x', operator: 'in', values: ['in', 'notin'] }] },
    { selector: 'in', expected: [{ key: 'in', operator: 'exists', values: [] }] },
    { selector: 'a>1', expected: [{ key: 'a', operator: 'gt', values: ['1'] }] },
    { selector: 'a < 10', expected: [{ key: 'a', operator: 'lt', values: ['10'] }] },
    {
      selector: 'z=1,example.com/a,!b',
      expected: [
        { key: 'b', operator: '!', values: [] },
        { key: 'example.com/a', operator: 'exists', values: [] },
        { key: 'z', operator: '=', values: ['1'] },
      ],
    },
  ];

  it.each(parsed)('parses "$selector"', ({ selector, expected }) => {
    expect(parseLabelSelector(selector)).toEqual(expected);
  });

  const refused: { selector: string; message: string }[] = [
    { selector: 'a,', message: "found '', expected: identifier after ','" },
    { selector: ',a', message: "found ',', expected: !, identifier, or 'end of string'" },
    { selector: 'a=b=c', message: "found '=', expected: ',' or 'end of string'" },
    { selector: '!a=b', message: "found '=', expected: ',' or 'end of string'" },
    { selector: '!', message: "unable to parse requirement: found '', expected: identifier" },
    {
      selector: 'a b',
      message: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    },
    { selector: 'a in x', message: "unable to parse requirement: found 'x' expected: '('" },
    { selector: 'a in (x', message: "unable to parse requirement: found '', expected: ',' or ')'" },
    { selector: 'a in (x y)', message: "unable to parse requirement: found 'y', expected: ',' or ')'" },
    {
      selector: 'a in (=)',
      message: "unable to parse requirement: found '=', expected: ',', ')' or identifier",
    },
    { selector: 'a=(', message: "unable to parse requirement: found '(', expected: identifier" },
    { selector: 'a>=1', message: "unable to parse requirement: found '=', expected: identifier" },
    // apimachinery v0.32 swallows the comma after a doubled one, so a trailing `,,` meets `)` unexpectedly.
    {
      selector: 'a in (x,,)',
      message: "unable to parse requirement: found ')', expected: ',', or identifier",
    },
    {
      selector: 'a>x',
      message:
        "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
    },
    {
      selector: 'a<99999999999999999999',
      message:
        "unable to parse requirement: values[0]: Invalid value: \"99999999999999999999\": for 'Gt', 'Lt' operators, the value must be an integer",
    },
    {
      selector: 'a>x_',
      message: `unable to parse requirement: [values[0]: Invalid value: "x_": for 'Gt', 'Lt' operators, the value must be an integer, values[0][a]: Invalid value: "x_": ${labelValueRule}]`,
    },
    {
      selector: 'a=-b',
      message: `unable to parse requirement: values[0][a]: Invalid value: "-b": ${labelValueRule}`,
    },
    {
      selector: `a=${'v'.repeat(64)}`,
      message: `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    },
    // The index is into the sorted value set NewRequirement receives, not the order written.
    {
      selector: 'a in (z_,b)',
      message: `unable to parse requirement: values[1][a]: Invalid value: "z_": ${labelValueRule}`,
    },
    {
      selector: 'A_',
      message: `unable to parse requirement: <nil>: Invalid value: "A_": name part ${nameRule}`,
    },
    {
      selector: 'Example.com/a',
      message:
        "unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    },
    {
      selector: '/a',
      message: 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty',
    },
    {
      selector: 'a/',
      message: `unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; name part ${nameRule}`,
    },
    {
      selector: 'a/b/c',
      message: `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name ${nameRule} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    },
    {
      selector: `${'k'.repeat(64)}=v`,
      message: `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
    },
  ];

  it.each(refused)('refuses "$selector" with the apiserver\'s words', ({ selector, message }) => {
    expect(labelError(selector)).toBe(message);
  });
});

describe('label selector matching (Requirement.Matches)', () => {
  const labels = { tier: 'web', replicas: '12', neg: '-3', word: 'x' };
  const cases: { selector: string; matches: boolean }[] = [
    { selector: 'tier=web', matches: true },
    { selector: 'tier!=web', matches: false },
    { selector: 'missing!=web', matches: true },
    { selector: 'missing notin (a)', matches: true },
    { selector: 'missing in (a,)', matches: false },
    { selector: 'tier in (db,web)', matches: true },
    { selector: 'tier notin (db,web)', matches: false },
    { selector: 'tier,!missing', matches: true },
    { selector: 'replicas>11', matches: true },
    { selector: 'replicas>12', matches: false },
    { selector: 'replicas<13', matches: true },
    { selector: 'neg<0', matches: true },
    { selector: 'word>0', matches: false },
    { selector: 'missing<100', matches: false },
  ];

  it.each(cases)('"$selector" matches: $matches', (c) => {
    expect(matchesLabels(parseLabelSelector(c.selector), labels)).toBe(c.matches);
  });

  it('refuses a negative bound for gt, since a label value may not start with "-"', () => {
    expect(labelError('neg>-4')).toContain('values[0][neg]: Invalid value: "-4"');
  });

  it('treats an object without labels as the empty label set', () => {
    expect(matchesLabels(parseLabelSelector('!a,b notin (x)'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('a'), undefined)).toBe(false);
  });
});

describe('field selector parser (pkg/fields/selector.go)', () => {
  it('parses =, == and != terms, sorted, with escaped values', () => {
    expect(parseFieldSelector('metadata.namespace!=b,metadata.name==a\\,b\\=c\\\\')).toEqual([
      { field: 'metadata.name', operator: '=', value: 'a,b=c\\' },
      { field: 'metadata.namespace', operator: '!=', value: 'b' },
    ]);
    expect(parseFieldSelector('')).toEqual([]);
    expect(parseFieldSelector(',metadata.name=,')).toEqual([
      { field: 'metadata.name', operator: '=', value: '' },
    ]);
  });

  const refused: { selector: string; message: string; kind?: { group: string; kind: string } }[] = [
    {
      selector: 'metadata.name',
      message: "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    },
    { selector: 'metadata.name=a\\b', message: 'invalid field selector: invalid escape sequence: \\b' },
    { selector: 'metadata.name=a\\', message: 'invalid field selector: invalid escape sequence: \\' },
    {
      selector: 'metadata.name=a=b',
      message: 'invalid field selector: unescapedRune character in value: 61',
    },
    {
      selector: 'spec.holderIdentity=x',
      message:
        '"spec.holderIdentity" is not a known field selector: only "metadata.name", "metadata.namespace"',
    },
    // No trimming: the space stays part of the field name.
    {
      selector: 'metadata.name =x',
      message: '"metadata.name " is not a known field selector: only "metadata.name", "metadata.namespace"',
    },
    // Terms are sorted before conversion, so the first unknown field in byte order is the one named.
    {
      selector: 'zzz=1,spec.b=2,metadata.name=x',
      message: '"spec.b" is not a known field selector: only "metadata.name", "metadata.namespace"',
    },
    {
      selector: 'spec.holderIdentity=x',
      kind: pods,
      message: 'field label not supported: spec.holderIdentity',
    },
    {
      selector: 'metadata.namespace=x',
      kind: nodes,
      message: 'field label not supported: metadata.namespace',
    },
  ];

  it.each(refused)('refuses "$selector" with the apiserver\'s words', ({ selector, message, kind }) => {
    expect(fieldError(selector, kind)).toBe(message);
  });

  it('converts the legacy spec.host pod field to spec.nodeName, as the Pod conversion func does', () => {
    const reqs = convertFieldSelector(pods, parseFieldSelector('spec.host=node-1'));
    expect(reqs).toEqual([{ field: 'spec.nodeName', operator: '=', value: 'node-1' }]);
    const pod = podObject('ns', 'p', 'node-1', 'Running', 0);
    expect(matchesFields(reqs, selectableFields(pods, pod))).toBe(true);
  });

  it('matches a pod field the pod does not set as the empty string', () => {
    const pod = podObject('ns', 'p', 'node-1', 'Running', 0);
    const fields = selectableFields(pods, pod);
    expect(fields.get('spec.hostNetwork')).toBe('false');
    const reqs = convertFieldSelector(pods, parseFieldSelector('spec.schedulerName=,status.podIP!=x'));
    expect(matchesFields(reqs, fields)).toBe(true);
  });
});

async function failure(call: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    return { code: error.code, status: JSON.parse(String(error.body)) as Record<string, unknown> };
  }
  throw new Error('expected the request to fail');
}

describe('selectors over HTTPS', () => {
  /** Leases in bulk-0 labelled with a replica count and a tier, for set, exact and numeric selectors. */
  async function labelled() {
    const sim = await clusters.start();
    seedLeases(sim, 0, 2);
    const now = sim.store.clock();
    const specs: { name: string; labels: Record<string, string> }[] = [
      { name: 'one', labels: { replicas: '1', tier: 'web' } },
      { name: 'five', labels: { replicas: '5', tier: 'db' } },
      { name: 'twelve', labels: { replicas: '12', tier: 'web' } },
      { name: 'bare', labels: { tier: 'cache' } },
    ];
    for (const s of specs) {
      sim.store.create(
        leases,
        leaderLease({
          namespace: 'bulk-0',
          name: s.name,
          holder: 'h',
          renewMs: now,
          acquireMs: now,
          createdMs: now,
          labels: s.labels,
        }),
      );
    }
    sim.store.create(
      leases,
      leaderLease({
        namespace: 'bulk-1',
        name: 'elsewhere',
        holder: 'h',
        renewMs: now,
        acquireMs: now,
        createdMs: now,
        labels: { replicas: '7' },
      }),
    );
    return { sim, ...apis(sim) };
  }

  const cases: { labelSelector: string; names: string[] }[] = [
    { labelSelector: 'replicas>4', names: ['five', 'twelve'] },
    { labelSelector: 'replicas<5', names: ['one'] },
    { labelSelector: 'replicas>0,tier=web', names: ['one', 'twelve'] },
    { labelSelector: 'tier in (db,cache)', names: ['bare', 'five'] },
    { labelSelector: 'tier notin (web),!replicas', names: ['bare'] },
    { labelSelector: 'replicas', names: ['five', 'one', 'twelve'] },
  ];

  it.each(cases)(
    'listNamespacedLease selects $names with "$labelSelector"',
    async ({ labelSelector, names }) => {
      const { coordination } = await labelled();

      const list = await coordination.listNamespacedLease({ namespace: 'bulk-0', labelSelector });

      expect(list.items.map((l) => l.metadata?.name).sort()).toEqual(names);
    },
  );

  it("answers a gt with a non-integer bound with 400 BadRequest and the parser's message", async () => {
    const { coordination } = await labelled();

    const { code, status } = await failure(
      coordination.listNamespacedLease({ namespace: 'bulk-0', labelSelector: 'replicas>many' }),
    );

    expect(code).toBe(400);
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        "unable to parse requirement: values[0]: Invalid value: \"many\": for 'Gt', 'Lt' operators, the value must be an integer",
      reason: 'BadRequest',
      code: 400,
    });
  });

  it('answers an invalid label key with 400 BadRequest naming the <nil> path', async () => {
    const { coordination } = await labelled();

    const { code, status } = await failure(
      coordination.listNamespacedLease({ namespace: 'bulk-0', labelSelector: 'Bad_/x' }),
    );

    expect(code).toBe(400);
    expect(status.reason).toBe('BadRequest');
    expect(status.message).toMatch(
      /^unable to parse requirement: <nil>: Invalid value: "Bad_\/x": prefix part /,
    );
  });

  it('listLeaseForAllNamespaces selects by escaped and negated field values', async () => {
    const { coordination } = await labelled();

    const byNs = await coordination.listLeaseForAllNamespaces({
      fieldSelector: 'metadata.namespace!=bulk-0',
    });
    expect(byNs.items.map((l) => l.metadata?.name)).toEqual(['elsewhere']);

    const both = await coordination.listLeaseForAllNamespaces({
      fieldSelector: 'metadata.namespace==bulk-0,metadata.name!=one',
    });
    expect(both.items.map((l) => l.metadata?.name).sort()).toEqual(['bare', 'five', 'twelve']);
  });

  it("listLeaseForAllNamespaces refuses an unknown lease field with DefaultMetaV1FieldSelectorConversion's words", async () => {
    const { coordination } = await labelled();

    const { code, status } = await failure(
      coordination.listLeaseForAllNamespaces({ fieldSelector: 'spec.holderIdentity=h' }),
    );

    expect(code).toBe(400);
    expect(status).toMatchObject({
      reason: 'BadRequest',
      message:
        '"spec.holderIdentity" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
  });

  it("listLeaseForAllNamespaces refuses a bad escape with the parser's words", async () => {
    const { coordination } = await labelled();

    const { code, status } = await failure(
      coordination.listLeaseForAllNamespaces({ fieldSelector: 'metadata.name=a\\x' }),
    );

    expect(code).toBe(400);
    expect(status.message).toBe('invalid field selector: invalid escape sequence: \\x');
  });

  it('selects pods by the legacy spec.host field over HTTPS', async () => {
    const sim = await clusters.start({ nodes: 2, workloadLeases: 4 });
    const nodeOf = (o: { spec?: unknown }) => (o.spec as { nodeName?: string }).nodeName ?? '';
    const all = sim.store.list(pods);
    const node = nodeOf(all[0]?.obj ?? {});
    const expected = all
      .filter((s) => nodeOf(s.obj) === node)
      .map((s) => s.obj.metadata.name)
      .sort();
    expect(node).not.toBe('');
    expect(expected.length).toBeLessThan(all.length);
    const { core } = apis(sim);

    const list = await core.listPodForAllNamespaces({ fieldSelector: `spec.host=${node}` });

    expect(list.items.map((p) => p.metadata?.name).sort()).toEqual(expected);
  });
});
