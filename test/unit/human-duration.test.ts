import { describe, expect, it } from 'vitest';
import { humanDuration as productHumanDuration } from '../../cli/durations.ts';
import { humanDuration as simHumanDuration } from '../../sim/human-duration.ts';

const s = 1_000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

// Expected values follow k8s.io/apimachinery/pkg/util/duration.HumanDuration (kubectl's AGE column).
// The product (cli/durations.ts) and the simulated cluster (a judge, importing nothing of the product) each
// keep their own copy; both must print what kubectl prints.
describe.each([
  { copy: 'cli', humanDuration: productHumanDuration },
  { copy: 'sim', humanDuration: simHumanDuration },
])('humanDuration ($copy)', ({ humanDuration }) => {
  it.each([
    { ms: 0, expected: '0s' },
    { ms: 999, expected: '0s' },
    { ms: 1 * s, expected: '1s' },
    { ms: 59 * s, expected: '59s' },
    { ms: 59 * s + 999, expected: '59s' },
    { ms: 60 * s, expected: '60s' },
    { ms: 119 * s, expected: '119s' },
    { ms: 119 * s + 999, expected: '119s' },
    { ms: 2 * m, expected: '2m' },
    { ms: 2 * m + 5 * s, expected: '2m5s' },
    { ms: 2 * m + 59 * s, expected: '2m59s' },
    { ms: 9 * m + 59 * s, expected: '9m59s' },
    { ms: 10 * m, expected: '10m' },
    { ms: 10 * m + 59 * s, expected: '10m' },
    { ms: 59 * m, expected: '59m' },
    { ms: 179 * m, expected: '179m' },
    { ms: 179 * m + 59 * s, expected: '179m' },
    { ms: 3 * h, expected: '3h' },
    { ms: 3 * h + 5 * m, expected: '3h5m' },
    { ms: 3 * h + 5 * m + 59 * s, expected: '3h5m' },
    { ms: 7 * h + 59 * m, expected: '7h59m' },
    { ms: 8 * h, expected: '8h' },
    { ms: 8 * h + 30 * m, expected: '8h' },
    { ms: 24 * h, expected: '24h' },
    { ms: 47 * h, expected: '47h' },
    { ms: 47 * h + 59 * m, expected: '47h' },
    { ms: 2 * d, expected: '2d' },
    { ms: 2 * d + 3 * h, expected: '2d3h' },
    { ms: 2 * d + 3 * h + 59 * m, expected: '2d3h' },
    { ms: 7 * d + 23 * h, expected: '7d23h' },
    { ms: 8 * d, expected: '8d' },
    { ms: 8 * d + 23 * h, expected: '8d' },
    { ms: 30 * d, expected: '30d' },
    { ms: 365 * d, expected: '365d' },
    { ms: 729 * d, expected: '729d' },
    { ms: 729 * d + 23 * h, expected: '729d' },
    { ms: 2 * y, expected: '2y' },
    { ms: 2 * y + 5 * d, expected: '2y5d' },
    { ms: 2 * y + 5 * d + 23 * h, expected: '2y5d' },
    { ms: 7 * y + 364 * d, expected: '7y364d' },
    { ms: 8 * y, expected: '8y' },
    { ms: 8 * y + 200 * d, expected: '8y' },
    { ms: 30 * y, expected: '30y' },
  ])('formats $ms ms as $expected', ({ ms, expected }) => {
    expect(humanDuration(ms)).toBe(expected);
  });

  // A clock up to (but not) two seconds ahead counts as now; beyond that the time is invalid.
  it.each([
    { ms: -1, expected: '0s' },
    { ms: -500, expected: '0s' },
    { ms: -1_000, expected: '0s' },
    { ms: -2_000, expected: '<invalid>' },
    { ms: -2_001, expected: '<invalid>' },
    { ms: -5 * s, expected: '<invalid>' },
    { ms: -3 * d, expected: '<invalid>' },
  ])('formats a negative $ms ms as $expected', ({ ms, expected }) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe.each([
  { copy: 'cli', humanDuration: productHumanDuration },
  { copy: 'sim', humanDuration: simHumanDuration },
])(
  'humanDuration ($copy) truncates toward zero as apimachinery does (int(d.Seconds()))',
  ({ humanDuration }) => {
    it.each([-1_001, -1_500, -1_999])('formats %i ms as 0s', (ms) => {
      expect(humanDuration(ms)).toBe('0s');
    });
  },
);
