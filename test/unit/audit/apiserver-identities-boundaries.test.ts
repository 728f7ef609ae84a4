/**
 * The apiserver identity rules where apiserver-identities.test.ts leaves them open: the words of their
 * findings. An expired identity's reason says whether its apiserver's GC should still remove it, and a
 * duplicate hostname's reason names the other identities with the verb agreeing in number ("also does" for
 * one other, "also do" for several).
 */
import { describe, expect, it } from 'vitest';
import { toLeaseRecord } from '../../../shared/kube/records.ts';
import { ago, auditOf, DAY, findingsFor, HOUR, MINUTE, SECOND, uuidFor, verdicts } from './builders.ts';

const HOST = 'ip-10-0-1-23.ec2.internal';

/**
 * An identity lease as kube-apiserver 1.31 writes it: `apiserver-<base32 of the hostname's hash>`, the 1.27+
 * identity label and the hostname label, holder `<id>_<uuid>`, 3600 s renewed every 10 s, no acquireTime or
 * transitions, written by kube-apiserver itself.
 */
function rawApiServerIdentity(name: string, renewAgoMs: number): Record<string, unknown> {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: 'kube-system',
      uid: uuidFor(`identity/${name}`),
      resourceVersion: '91830112',
      creationTimestamp: '2026-11-18T22:41:07Z',
      labels: { 'apiserver.kubernetes.io/identity': 'kube-apiserver', 'kubernetes.io/hostname': HOST },
      managedFields: [
        {
          manager: 'kube-apiserver',
          operation: 'Update',
          apiVersion: 'coordination.k8s.io/v1',
          time: '2026-11-25T03:05:07Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:labels': {
                '.': {},
                'f:apiserver.kubernetes.io/identity': {},
                'f:kubernetes.io/hostname': {},
              },
            },
            'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:renewTime': {} },
          },
        },
      ],
    },
    spec: {
      holderIdentity: `${name}_${uuidFor(`identity-holder/${name}`)}`,
      leaseDurationSeconds: 3600,
      renewTime: ago(renewAgoMs),
    },
  };
}

const ID = 'apiserver-7vdcy5yvkhtm4ao6tazgcz3p7a';
const DURATION = 3600 * SECOND;

describe('the reasons of expired identity findings, word for word', () => {
  // expiredFor = now − (renewTime + 3600 s); the default skew margin is 10 s and the GC grace 7200 s.
  it.each<[string, number, string, string]>([
    [
      // 10 001 ms: describeAge floors to whole seconds.
      'expired 1 ms past the 10 s skew margin',
      10 * SECOND + 1,
      'ExpiredApiServerIdentity/info',
      `kube-apiserver identity ${ID} expired 10 s ago: that apiserver stopped; its GC should remove the lease within the hour.`,
    ],
    [
      'expired 20 min ago',
      20 * MINUTE,
      'ExpiredApiServerIdentity/info',
      `kube-apiserver identity ${ID} expired 20 min ago: that apiserver stopped; its GC should remove the lease within the hour.`,
    ],
    [
      // 7 200 001 ms: 7200 s = 120 min = 2 h exactly, so "2 h" without minutes.
      'expired 1 ms past the 7200 s GC grace',
      7200 * SECOND + 1,
      'OrphanedApiServerIdentity/warning',
      `kube-apiserver identity ${ID} expired 2 h ago, longer than the apiserver's hourly lease GC allows (7200 s): that GC is not running.`,
    ],
    [
      // 3 d 4 h = 76 h: 3 days and 4 hours.
      'expired 3 d 4 h ago',
      3 * DAY + 4 * HOUR,
      'OrphanedApiServerIdentity/warning',
      `kube-apiserver identity ${ID} expired 3 d 4 h ago, longer than the apiserver's hourly lease GC allows (7200 s): that GC is not running.`,
    ],
  ])('says of an identity %s why it is still there', (_what, expiredForMs, verdict, reason) => {
    // Prepare
    const identity = toLeaseRecord(rawApiServerIdentity(ID, DURATION + expiredForMs));

    // Act
    const a = auditOf({ leases: [identity] });

    // Assess
    expect(verdicts(a, 'kube-system', ID)).toEqual([verdict]);
    expect(findingsFor(a, 'kube-system', ID)[0]?.reason).toBe(reason);
  });
});

describe('the reasons of DuplicateApiServerHostname, word for word', () => {
  // Live identities (renewed 4 s ago) under different names, all labelled with one host. How they came to
  // share it does not matter to the rule; the names sort in the order listed.
  const names = [
    'apiserver-7vdcy5yvkhtm4ao6tazgcz3p7a',
    'apiserver-qk2m5x7wzs3dlh6ybe4rt5nfoa',
    'apiserver-xh6ce3pxr4ul7mqz5dyk2tigab',
  ];
  const live = (name: string) => toLeaseRecord(rawApiServerIdentity(name, 4 * SECOND));

  it('reports nothing for one identity on its host: no other identity claims it', () => {
    // Act
    const a = auditOf({ leases: [live(names[0] as string)] });

    // Assess
    expect(a.findings).toEqual([]);
  });

  it('names the one other identity with "also does"', () => {
    // Prepare
    const [first, second] = names as [string, string];

    // Act
    const a = auditOf({ leases: [live(first), live(second)] });

    // Assess
    expect(findingsFor(a, 'kube-system', first).map((f) => f.reason)).toEqual([
      `Live kube-apiserver identity ${first} claims host ${HOST}, as ${second} also does.`,
    ]);
    expect(findingsFor(a, 'kube-system', second).map((f) => f.reason)).toEqual([
      `Live kube-apiserver identity ${second} claims host ${HOST}, as ${first} also does.`,
    ]);
  });

  it('names the two other identities, in listing order, with "also do"', () => {
    // Prepare
    const [first, second, third] = names as [string, string, string];

    // Act
    const a = auditOf({ leases: [live(first), live(second), live(third)] });

    // Assess
    expect(a.findings.map((f) => [f.name, f.reason])).toEqual([
      [first, `Live kube-apiserver identity ${first} claims host ${HOST}, as ${second}, ${third} also do.`],
      [second, `Live kube-apiserver identity ${second} claims host ${HOST}, as ${first}, ${third} also do.`],
      [third, `Live kube-apiserver identity ${third} claims host ${HOST}, as ${first}, ${second} also do.`],
    ]);
  });
});
