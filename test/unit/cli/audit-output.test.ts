import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { outputFormat, renderNames, safeYaml } from '../../../cli/audit-output.ts';
import { eksClusterName, shortClusterNames } from '../../../cli/cluster-names.ts';
import { formatSeconds } from '../../../cli/durations.ts';
import { findingNamespace, labelSelector, scopeResult } from '../../../cli/finding-scope.ts';
import { renderAuditTable } from '../../../cli/render-table.ts';
import { defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import type { Finding } from '../../../shared/audit/findings.ts';
import type { ClusterResult } from '../../../shared/fleet/audit-clusters.ts';
import { type AuditReport, buildAuditReport } from '../../../shared/report/audit-report.ts';

const finding = (over: Partial<Finding>): Finding => ({
  type: 'AbandonedLease',
  severity: 'warning',
  namespace: 'team-a',
  name: 'x',
  reason: 'abandoned for a long while, with its holder gone and nobody renewing it since then',
  ageSeconds: 90_000,
  facts: {},
  ...over,
});

function result(
  cluster: string,
  findings: Finding[],
  labels: Record<string, Record<string, string>> = {},
): ClusterResult {
  return {
    status: 'ok',
    cluster,
    clock: { source: 'server', nowMs: 0, skewMs: 0 },
    stats: { durationMs: 1, requests: 1, pages: 1, retries: 0, restarts: 0 },
    audit: {
      cluster,
      nowMs: 0,
      findings,
      counts: {
        leases: findings.length,
        nodes: 0,
        pods: 0,
        liveApiServers: 1,
        byKind: { nodeHeartbeat: 0, apiServerIdentity: 0, coordinated: 0, systemLeader: 0, leader: 0 },
        findings: {} as never,
      },
    },
    snapshot: {
      cluster,
      nodes: [],
      pods: [],
      serverClock: undefined,
      stats: { durationMs: 1, requests: 1, pages: 1, retries: 0, restarts: 0 },
      leases: findings.map((f) => ({
        namespace: f.namespace,
        name: f.name,
        uid: f.uid ?? `${f.namespace}/${f.name}`,
        resourceVersion: '1',
        creationTimestamp: undefined,
        labels: labels[`${f.namespace}/${f.name}`] ?? {},
        annotations: {},
        ownerReferences: [],
        holderIdentity: '',
        leaseDurationSeconds: 15,
        renewTime: undefined,
        acquireTime: undefined,
        leaseTransitions: 0,
        strategy: undefined,
        preferredHolder: undefined,
      })),
    },
  };
}

const report = (...results: ClusterResult[]): AuditReport => buildAuditReport(results, defaultAuditPolicy, 0);

describe('-o', () => {
  it('takes kubectl printer names and jsonpath=TEMPLATE; refuses the rest with the list', () => {
    expect(outputFormat('wide')).toEqual({ kind: 'wide' });
    expect(outputFormat('jsonpath={.summary}')).toMatchObject({ kind: 'jsonpath' });
    expect(() => outputFormat('jsonpath')).toThrow('jsonpath needs a template');
    expect(() => outputFormat('jsonpath={.a')).toThrow('error parsing jsonpath {.a, unclosed action');
    expect(() => outputFormat('go-template')).toThrow(
      'expected one of table, wide, json, yaml, name, jsonpath=<template>',
    );
  });

  it('-o yaml is the JSON document, with bidi controls escaped and the text parsing back unchanged', () => {
    const doc = { a: 'plain', b: 'evil\u202eevil\u2066x', c: 'esc\x1b[2J', d: 'two\nlines' };
    const yaml = safeYaml(doc);
    for (const raw of ['\u202e', '\u2066', '\x1b']) expect(yaml).not.toContain(raw);
    expect(load(yaml)).toEqual(doc);
    expect(safeYaml({ a: 'plain' })).toBe('a: plain\n');
  });

  it("-o name writes kubectl's <resource>/<name>, once per object", () => {
    const r = report(
      result('c', [
        finding({ name: 'a' }),
        finding({ name: 'a', type: 'ExpiredLease' }),
        finding({ name: 'n1', namespace: '', type: 'NodeWithoutLease' }),
      ]),
    );
    expect(renderNames(r)).toBe('lease.coordination.k8s.io/a\nnode/n1\n');
  });
});

describe('the audit table', () => {
  const wideReason = finding({ reason: 'r'.repeat(300) });
  const r = report(result('arn:aws:eks:eu-west-1:123456789012:cluster/prod', [wideReason]));

  it('leaves REASON out without a terminal, cuts it to the terminal width, shows it whole with -o wide', () => {
    const piped = renderAuditTable(r, { colour: false, wide: false });
    const tty = renderAuditTable(r, { colour: false, wide: false, width: 100 });
    const wide = renderAuditTable(r, { colour: false, wide: true });
    expect(piped).not.toContain('REASON');
    expect(Math.max(...tty.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(tty).toMatch(/r+…/);
    expect(wide).toContain('r'.repeat(300));
  });

  it('shows an EKS ARN context as its cluster name, and the full names when two would clash', () => {
    expect(renderAuditTable(r, { colour: false, wide: false })).toMatch(/^prod\s+warning/m);
    expect(eksClusterName('arn:aws-cn:eks:cn-north-1:123456789012:cluster/x-1')).toBe('x-1');
    expect(eksClusterName('gke_p_z_prod')).toBeUndefined();
    const clash = shortClusterNames([
      'arn:aws:eks:eu-west-1:123456789012:cluster/prod',
      'arn:aws:eks:us-east-1:123456789012:cluster/prod',
      'arn:aws:eks:us-east-1:123456789012:cluster/dev',
      'dev',
    ]);
    expect([...clash.values()]).toEqual([
      'arn:aws:eks:eu-west-1:123456789012:cluster/prod',
      'arn:aws:eks:us-east-1:123456789012:cluster/prod',
      'arn:aws:eks:us-east-1:123456789012:cluster/dev',
      'dev',
    ]);
  });

  it('says a failed cluster was not audited instead of "No findings."', () => {
    const failed = report(result('ok', []), {
      status: 'error',
      cluster: 'gone',
      error: { kind: 'unreachable', message: 'cluster "gone": unreachable' },
    });
    const text = renderAuditTable(failed, { colour: false, wide: false });
    expect(text).not.toContain('No findings.');
    expect(text).toContain('1 could not be audited');
    expect(text).toContain('error: cluster "gone": unreachable');
  });

  it('names the threshold that judged a lease abandoned, only when a lease was', () => {
    expect(renderAuditTable(r, { colour: false, wide: false })).toContain(
      'Abandoned: a leader lease expired for more than 24h (--abandoned-after) with no live holder.',
    );
    const expiredOnly = report(result('c', [finding({ type: 'ExpiredLease' })]));
    expect(renderAuditTable(expiredOnly, { colour: false, wide: false })).not.toContain('Abandoned:');
  });

  it('says which namespace and labels found nothing when -n or -l narrowed the findings', () => {
    const scoped = { ...report(result('c', [])), scope: { namespace: 'team-a', labelSelector: 'app=x' } };
    expect(renderAuditTable(scoped, { colour: false, wide: false })).toContain(
      'No findings in namespace team-a for leases matching app=x.',
    );
    expect(renderAuditTable(report(result('c', [])), { colour: false, wide: false })).toContain(
      '\nNo findings.\n',
    );
  });
});

describe('-n and -l', () => {
  const findings = [
    finding({ name: 'a', namespace: 'team-a' }),
    finding({ name: 'b', namespace: 'team-a' }),
    finding({ name: 'c', namespace: 'team-b' }),
    finding({ name: 'n1', namespace: '', type: 'NodeWithoutLease' }),
  ];
  const labelled = result('c', findings, { 'team-a/a': { app: 'x' }, 'team-b/c': { app: 'x' } });
  const names = (r: ClusterResult) => (r.status === 'ok' ? r.audit.findings.map((f) => f.name) : []);

  it('keep findings by namespace and by their lease labels, and recount them', () => {
    expect(names(scopeResult(labelled, { namespace: 'team-a' }))).toEqual(['a', 'b']);
    expect(names(scopeResult(labelled, { selector: labelSelector('app=x') }))).toEqual(['a', 'c']);
    const both = scopeResult(labelled, { namespace: 'team-a', selector: labelSelector('app=x') });
    expect(names(both)).toEqual(['a']);
    expect(both.status === 'ok' && both.audit.counts.findings.AbandonedLease).toBe(1);
    expect(both.status === 'ok' && both.snapshot).toBeUndefined();
  });

  it('count a Node without a lease in kube-node-lease, with no labels', () => {
    expect(findingNamespace(findings[3] as Finding)).toBe('kube-node-lease');
    expect(names(scopeResult(labelled, { namespace: 'kube-node-lease' }))).toEqual(['n1']);
    expect(names(scopeResult(labelled, { selector: labelSelector('!app') }))).toEqual(['b', 'n1']);
  });

  it('refuses a selector the apiserver would refuse', () => {
    expect(() => labelSelector('app in (')).toThrow('unable to parse requirement');
  });
});

describe('formatSeconds', () => {
  it.each([
    [90, '90s'],
    [300, '5m'],
    [5400, '90m'],
    [3600, '1h'],
    [86_400, '24h'],
    [172_800, '2d'],
    [604_800, '7d'],
  ])('%i s is %s', (s, text) => {
    expect(formatSeconds(s)).toBe(text);
  });
});
