import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { diffFindings } from '../../../shared/alerting/finding-diff.ts';
import { emptyFindingState, MAX_TRACKED_FINDINGS } from '../../../shared/alerting/open-findings.ts';
import {
  decodeState,
  encodeState,
  fitsInItem,
  MAX_STATE_BYTES,
  StateDecodeError,
} from '../../../shared/alerting/state-codec.ts';
import type { Finding } from '../../../shared/audit/findings.ts';
import { auditOf, MINUTE, NOW, node, nodeLease, SECOND } from '../audit/builders.ts';

/** `count` stale heartbeats of EKS-named nodes, as the audit reports them. */
function staleNodes(
  count: number,
  name = (i: number) => `ip-10-0-${i >> 8}-${i & 255}.eu-west-1.compute.internal`,
) {
  const names = Array.from({ length: count }, (_, i) => name(i)).sort();
  return auditOf({
    leases: names.map((n, i) => nodeLease(n, { renewAgoMs: 2 * MINUTE + (i % 600) * SECOND })),
    nodes: names.map((n) => node(n)),
  }).findings;
}

describe('the stored finding state', () => {
  it('reads back what was written', () => {
    const { next } = diffFindings(emptyFindingState, staleNodes(3), { cluster: 'eu', nowMs: NOW });

    expect(decodeState(encodeState(next))).toEqual(next);
  });

  it('fits 5,000 stale heartbeats of EKS-named nodes in one item', () => {
    const findings = staleNodes(MAX_TRACKED_FINDINGS + 10);

    const diff = diffFindings(emptyFindingState, findings, { cluster: 'eu', nowMs: NOW, fits: fitsInItem });

    expect(diff.next.open).toHaveLength(MAX_TRACKED_FINDINGS);
    expect(diff.next.untracked).toBe(10);
    expect(encodeState(diff.next).byteLength).toBeLessThanOrEqual(MAX_STATE_BYTES);
  });

  it('tracks fewer findings when their names do not compress, and still fits', () => {
    // Prepare: 253-character random names, the longest a Kubernetes name can be.
    const findings: Finding[] = staleNodes(MAX_TRACKED_FINDINGS, () =>
      randomBytes(127).toString('hex').slice(0, 253),
    );

    // Act
    const diff = diffFindings(emptyFindingState, findings, { cluster: 'eu', nowMs: NOW, fits: fitsInItem });

    // Assess
    expect(diff.next.open.length).toBeLessThan(MAX_TRACKED_FINDINGS);
    expect(diff.next.open.length + diff.next.untracked).toBe(MAX_TRACKED_FINDINGS);
    expect(encodeState(diff.next).byteLength).toBeLessThanOrEqual(MAX_STATE_BYTES);
  });

  it.each([
    ['not gzip', Buffer.from('{"v":1}')],
    ['another format version', gzipSync(JSON.stringify({ v: 2, open: [], counts: {}, untracked: 0 }))],
    [
      'a finding of an unknown type',
      gzipSync(
        JSON.stringify({
          v: 1,
          open: [
            {
              type: 'Nope',
              severity: 'info',
              namespace: '',
              name: 'x',
              since: '2026-11-25T03:05:11.302Z',
              reason: '',
            },
          ],
          counts: {},
          untracked: 0,
        }),
      ),
    ],
    [
      'a since that is not RFC 3339 UTC',
      gzipSync(
        JSON.stringify({
          v: 1,
          open: [
            {
              type: 'NodeWithoutLease',
              severity: 'warning',
              namespace: '',
              name: 'x',
              since: 'yesterday',
              reason: '',
            },
          ],
          counts: {},
          untracked: 0,
        }),
      ),
    ],
  ])('refuses %s', (_what, bytes) => {
    expect(() => decodeState(bytes)).toThrow(StateDecodeError);
  });
});
