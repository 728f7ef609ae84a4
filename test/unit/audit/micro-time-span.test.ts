/**
 * The quiet-heartbeat check places a renewTime in its fresh span by comparing strings, without parsing it
 * (kube-time.ts `isCanonicalMicroTimeIn`). These properties hold it to the parser: on times around the
 * span's edges (±1 µs, ±1 ms), across leap days, month ends and hour boundaries, on every fraction length,
 * other offsets and near misses of the layout, it says true exactly when the text is in the canonical
 * layout and parseKubeTime reads a time inside the span — and the quiet check built on it decides as the
 * general path does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditPolicy, defaultAuditPolicy } from '../../../shared/audit/audit-policy.ts';
import {
  isCanonicalMicroTimeIn,
  type MicroTimeSpan,
  microTimeSpan,
  parseKubeTime,
} from '../../../shared/audit/kube-time.ts';
import { leaseTiming } from '../../../shared/audit/lease-shape.ts';
import {
  isQuietHeartbeat,
  nodeHeartbeatFindings,
  nodeLeaseShapeProblems,
} from '../../../shared/audit/rules/node-heartbeats.ts';
import type { LeaseRecord, NodeRecord } from '../../../shared/kube/records.ts';
import { DAY, HOUR, MINUTE, node, nodeLease, SECOND } from './builders.ts';

const RUNS = 2000;

/** The layout the apiserver writes MicroTimes in (the fast check's domain). */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** What the fast check must say: canonical, read by the parser, and inside [fromMs, toMs]. */
function reference(text: unknown, fromMs: number, toMs: number): boolean {
  if (typeof text !== 'string' || !CANONICAL.test(text)) return false;
  const ms = parseKubeTime(text);
  return ms !== undefined && ms >= fromMs && ms <= toMs;
}

/** `ms` and then three digits of microseconds, in the canonical layout. */
function canonical(ms: number, micros: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** `ms` with a fraction of 0 to 9 digits (`Z`, or an offset of the same instant), for the general layouts. */
function otherLayout(ms: number, digits: number, offset: string): string {
  const shifted = offset === 'Z' ? ms : ms + (offset === '+02:00' ? 2 * HOUR : -(2 * HOUR + 30 * MINUTE));
  const iso = new Date(shifted).toISOString();
  const fraction = digits === 0 ? '' : `.${`${iso.slice(20, 23)}123456`.slice(0, digits)}`;
  return `${iso.slice(0, 19)}${fraction}${offset}`;
}

/** Instants where calendars turn: leap days, month and year ends, hour boundaries, and arbitrary ones. */
const instant = fc.oneof(
  fc
    .constantFrom(
      '2024-02-29T12:00:00Z',
      '2024-02-29T23:59:00Z',
      '2026-02-28T23:58:30Z',
      '2026-03-01T00:00:45Z',
      '2100-02-28T12:00:00Z',
      '2000-02-29T06:30:00Z',
      '2026-04-30T23:59:59Z',
      '2026-12-31T23:58:00Z',
      '2026-11-25T12:00:00Z',
      '2026-11-25T19:59:50Z',
      '2026-11-25T09:59:30Z',
      '0000-01-01T00:01:00Z',
      '9999-12-31T23:58:00Z',
    )
    .map((t) => Date.parse(t)),
  fc.integer({ min: Date.parse('1970-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') }),
);

/** A span as the quiet check asks for one: [now - allowed, now + skew], in whole ms. */
const spanArb = fc
  .record({
    now: instant,
    jitter: fc.integer({ min: -90 * SECOND, max: 90 * SECOND }),
    allowedMs: fc.oneof(fc.constantFrom(60 * SECOND, 100 * SECOND, 0, 1), fc.nat(2 * HOUR)),
    skewMs: fc.oneof(fc.constantFrom(10 * SECOND, 0), fc.nat(5 * MINUTE)),
  })
  .map(({ now, jitter, allowedMs, skewMs }) => ({
    fromMs: now + jitter - allowedMs,
    toMs: now + jitter + skewMs,
  }));

/** A time near one of the span's edges (±1 ms and ±1 µs through the micro digits) or anywhere in it. */
function timeNear(fromMs: number, toMs: number): fc.Arbitrary<{ ms: number; micros: number }> {
  return fc.record({
    ms: fc.oneof(
      fc.constantFrom(fromMs - 1, fromMs, fromMs + 1, toMs - 1, toMs, toMs + 1),
      fc.integer({ min: fromMs - 2 * MINUTE, max: toMs + 2 * MINUTE }),
    ),
    micros: fc.oneof(fc.constantFrom(0, 1, 998, 999), fc.integer({ min: 0, max: 999 })),
  });
}

/** One character of `text` replaced, dropped or doubled: near misses of the layout. */
function nearMiss(text: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .tuple(
        fc.nat(),
        fc.constantFrom(
          '0',
          '1',
          '2',
          '3',
          '4',
          '5',
          '6',
          '7',
          '9',
          ':',
          '-',
          '.',
          'T',
          't',
          'Z',
          'z',
          '/',
          ' ',
          'é',
          '',
        ),
      )
      .map(([at, c]) => {
        const i = at % text.length;
        return text.slice(0, i) + c + text.slice(i + 1);
      }),
    fc.nat().map((at) => {
      const i = at % text.length;
      return text.slice(0, i) + text.slice(i, i + 1) + text.slice(i);
    }),
  );
}

/** Renew times in and around a span: canonical, near misses of it, other layouts, impossible dates, garbage. */
function renewTextNear(fromMs: number, toMs: number): fc.Arbitrary<unknown> {
  const near = timeNear(fromMs, toMs);
  const text = near.map(({ ms, micros }) => canonical(ms, micros));
  return fc.oneof(
    { weight: 4, arbitrary: text },
    { weight: 4, arbitrary: text.chain(nearMiss) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(near, fc.integer({ min: 0, max: 9 }), fc.constantFrom('Z', 'z', '+02:00', '-02:30'))
        .map(([{ ms }, digits, offset]) => otherLayout(ms, digits, offset)),
    },
    {
      weight: 1,
      // Impossible dates and times of the span's day, in the canonical layout.
      arbitrary: fc
        .tuple(text, fc.constantFrom('-13-01', '-02-30', '-02-29', '-04-31', '-00-10', '-11-00', '-11-32'))
        .map(([t, monthDay]) => `${t.slice(0, 4)}${monthDay}${t.slice(10)}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(text, fc.constantFrom('24', '25', '29', '30', '99'), fc.constantFrom('60', '61', '99', '6a'))
        .chain(([t, hour, sixty]) =>
          fc.constantFrom(
            `${t.slice(0, 11)}${hour}${t.slice(13)}`,
            `${t.slice(0, 14)}${sixty}${t.slice(16)}`,
            `${t.slice(0, 17)}${sixty}${t.slice(19)}`,
          ),
        ),
    },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom<unknown>(null, 12, '')) },
  );
}

describe('isCanonicalMicroTimeIn (a renewTime placed in a span without parsing it)', () => {
  it('is true exactly when the text is canonical and parseKubeTime reads a time in the span', () => {
    fc.assert(
      fc.property(
        spanArb.chain(({ fromMs, toMs }) =>
          fc.tuple(fc.constant({ fromMs, toMs }), renewTextNear(fromMs, toMs)),
        ),
        ([{ fromMs, toMs }, text]) => {
          // Prepare
          const span = microTimeSpan(fromMs, toMs);

          // Act
          const inSpan = span !== undefined && isCanonicalMicroTimeIn(text, span);

          // Assess: never true where the parser disagrees; always true where it can serve the span.
          expect(inSpan).toBe(span !== undefined && reference(text, fromMs, toMs));
        },
      ),
      { numRuns: 5 * RUNS },
    );
  });

  it('serves every span of whole ms within one day, and no other', () => {
    fc.assert(
      fc.property(spanArb, ({ fromMs, toMs }) => {
        // Act
        const span = microTimeSpan(fromMs, toMs);

        // Assess
        const oneDay =
          fromMs <= toMs &&
          fromMs >= Date.parse('0000-01-01T00:00:00Z') &&
          toMs <= Date.parse('9999-12-31T23:59:59.999Z') &&
          Math.floor(fromMs / DAY) === Math.floor(toMs / DAY);
        expect(span !== undefined).toBe(oneDay);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['the first µs of the span', '2026-11-25T11:59:00.000000Z'],
    ['the last µs of the span', '2026-11-25T12:00:10.999999Z'],
    ['a time before the hour the span crosses', '2026-11-25T11:59:59.500000Z'],
    ['a time after it', '2026-11-25T12:00:00.000001Z'],
  ])('takes %s', (_what, text) => {
    // Prepare
    const span = microTimeSpan(Date.parse('2026-11-25T11:59:00Z'), Date.parse('2026-11-25T12:00:10.999Z'));

    // Act & Assess
    expect(isCanonicalMicroTimeIn(text, span as MicroTimeSpan)).toBe(true);
  });

  it.each([
    ['1 µs before the span', '2026-11-25T11:58:59.999999Z'],
    ['1 ms after the span', '2026-11-25T12:00:11.000000Z'],
    ['minute 60', '2026-11-25T11:60:00.000000Z'],
    ['second 60', '2026-11-25T11:59:60.000000Z'],
    ['a letter in the fraction', '2026-11-25T11:59:30.0a0000Z'],
    ['a lowercase z', '2026-11-25T11:59:30.000000z'],
    ['a lowercase t (parseKubeTime reads it: left to the parser)', '2026-11-25t11:59:30.000000Z'],
    ['an offset (parseKubeTime reads it: left to the parser)', '2026-11-25T13:59:30.000+02:00'],
    ['seven fraction digits', '2026-11-25T11:59:30.0000000Z'],
  ])('does not take %s', (_what, text) => {
    // Prepare
    const span = microTimeSpan(Date.parse('2026-11-25T11:59:00Z'), Date.parse('2026-11-25T12:00:10.999Z'));

    // Act & Assess
    expect(isCanonicalMicroTimeIn(text, span as MicroTimeSpan)).toBe(false);
  });

  it('leaves a span that crosses midnight, or is not in whole ms, to the parser', () => {
    // Act & Assess
    expect(microTimeSpan(Date.parse('2026-02-28T23:59:30Z'), Date.parse('2026-03-01T00:00:10Z'))).toBe(
      undefined,
    );
    expect(microTimeSpan(Date.parse('2026-02-28T12:00:00Z') + 0.5, Date.parse('2026-02-28T12:01:00Z'))).toBe(
      undefined,
    );
  });
});

const NODE = 'ip-10-0-3-17.ec2.internal';

const policyArb: fc.Arbitrary<AuditPolicy> = fc.oneof(
  fc.constant({ ...defaultAuditPolicy }),
  fc
    .record({
      nodeGracePeriodSeconds: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.constantFrom(50.5, 0.0001)),
      clockSkewMarginSeconds: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constantFrom(0.25, 1e-7)),
      maxLeaseDurationSeconds: fc.constantFrom(365 * 86_400, 60),
    })
    .map((o) => ({ ...defaultAuditPolicy, ...o })),
);

/** What the general path says of a node lease and its Node: a finding, or nothing. */
function generalVerdict(lease: LeaseRecord, n: NodeRecord, nowMs: number, policy: AuditPolicy) {
  const timing = leaseTiming(lease, nowMs, policy);
  if (!timing || nodeLeaseShapeProblems(lease).length > 0) return 'MalformedLease';
  return nodeHeartbeatFindings(lease, timing, n, nowMs, policy)?.type;
}

describe('isQuietHeartbeat with renewTimes at the edges of freshness', () => {
  it('is true exactly when the general path (parseKubeTime and the full rule) finds nothing', () => {
    fc.assert(
      fc.property(
        fc
          .record({
            now: fc.oneof(
              instant,
              instant.map((ms) => ms + 0.5),
            ),
            policy: policyArb,
            duration: fc.oneof(
              fc.constantFrom<unknown>(40, 10, 90, 600, 0, -1, 2.5, '40', null),
              fc.nat(3600),
            ),
          })
          .chain(({ now, policy, duration }) => {
            const allowedSeconds =
              Math.max(typeof duration === 'number' ? duration : 0, policy.nodeGracePeriodSeconds) +
              policy.clockSkewMarginSeconds;
            const fromMs = Math.round(now - allowedSeconds * 1000);
            const toMs = Math.round(now + policy.clockSkewMarginSeconds * 1000);
            return fc.record({
              now: fc.constant(now),
              policy: fc.constant(policy),
              duration: fc.constant(duration),
              renewTime: renewTextNear(fromMs, toMs),
            });
          }),
        ({ now, policy, duration, renewTime }) => {
          // Prepare
          const lease = nodeLease(NODE, { duration, renewTime });
          const n = node(NODE);

          // Act
          const quiet = isQuietHeartbeat(lease, n, now, policy);

          // Assess
          expect(quiet).toBe(generalVerdict(lease, n, now, policy) === undefined);
        },
      ),
      { numRuns: 5 * RUNS },
    );
  });
});
