// `npx tsx bench/redaction-bench.ts`: what redaction costs per log line and per MB of CLI output, with the
// secrets a CLI run holds (a few) and those a warm Lambda over a large EKS fleet may hold (thousands).
import { randomBytes } from 'node:crypto';
import { forgetSecrets, redactSecrets, registerSecret } from '../shared/redaction.ts';

const line =
  'cluster "prod-eu-1": forbidden (403): leases.coordination.k8s.io is forbidden: User "system:serviceaccount:lease-reaper:reaper" cannot list resource "leases" in API group "coordination.k8s.io" at the cluster scope';
const report = JSON.stringify(
  Array.from({ length: 6000 }, (_, i) => ({
    namespace: `team-${i % 40}`,
    name: `lease-${i}-${randomBytes(6).toString('hex')}`,
    holderIdentity: `controller-${i}_${randomBytes(8).toString('hex')}`,
    reason: 'AbandonedLease',
    renewTime: new Date().toISOString(),
  })),
);

function measure(label: string, text: string, rounds: number): void {
  redactSecrets(text);
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) redactSecrets(text);
  const perCall = Number(process.hrtime.bigint() - start) / rounds / 1e3;
  console.log(`${label.padEnd(46)} ${perCall.toFixed(1).padStart(10)} µs per call`);
}

console.log(`log line ${line.length} chars; report ${(report.length / 1e6).toFixed(2)} MB`);
for (const count of [0, 3, 64, 4096]) {
  forgetSecrets();
  for (let i = 0; i < count; i++) registerSecret(`k8s-aws-v1.${randomBytes(600).toString('base64url')}`);
  measure(`log line, ${count} registered secrets`, line, 2000);
  measure(`1 MB of report JSON, ${count} registered secrets`, report, 5);
}
