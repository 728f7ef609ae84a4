import { describe, expect, it } from 'vitest';
import { ServerClock } from '../../shared/kube/server-clock.ts';

const DATE = 'Wed, 21 Oct 2015 07:28:00 GMT';
const DATE_MS = Date.parse('2015-10-21T07:28:00Z');
const LOCAL = 1_700_000_000_000;

describe('ServerClock', () => {
  it('has no reading and no time before any response', () => {
    const clock = new ServerClock();
    expect(clock.latest).toBeUndefined();
    expect(clock.now(LOCAL)).toBeUndefined();
  });

  it.each([
    { name: 'a server behind the local clock', header: DATE, localMs: LOCAL, serverMs: DATE_MS },
    { name: 'a server in step', header: new Date(LOCAL).toUTCString(), localMs: LOCAL, serverMs: LOCAL },
    {
      name: 'a server 90 s ahead',
      header: new Date(LOCAL + 90_000).toUTCString(),
      localMs: LOCAL,
      serverMs: LOCAL + 90_000,
    },
    {
      name: 'a server 3 h behind',
      header: 'Tue, 14 Nov 2023 19:13:20 GMT',
      localMs: Date.parse('2023-11-14T22:13:20Z'),
      serverMs: Date.parse('2023-11-14T19:13:20Z'),
    },
  ])('reads the skew of $name from its Date header, plus half a second', ({ header, localMs, serverMs }) => {
    const clock = new ServerClock();
    clock.observe(header, localMs);

    expect(clock.latest).toEqual({ serverDateMs: serverMs, localMs, skewMs: serverMs + 500 - localMs });
  });

  it.each([0, 1, 1_000, 60_000, 86_400_000])('estimates server time %i ms after the reading', (elapsed) => {
    const clock = new ServerClock();
    clock.observe(DATE, LOCAL);

    expect(clock.now(LOCAL + elapsed)).toBe(DATE_MS + 500 + elapsed);
  });

  it('follows the latest usable Date header', () => {
    const clock = new ServerClock();
    clock.observe(DATE, LOCAL);
    clock.observe('Wed, 21 Oct 2015 07:28:10 GMT', LOCAL + 5_000);

    expect(clock.latest?.serverDateMs).toBe(DATE_MS + 10_000);
    expect(clock.latest?.localMs).toBe(LOCAL + 5_000);
    expect(clock.now(LOCAL + 5_000)).toBe(DATE_MS + 10_500);
  });

  it.each([undefined, '', 'not a date', 'Wed, 99 Foo 2015 99:99:99 GMT', 'yesterday'])(
    'ignores the Date header %j and keeps the previous reading',
    (header) => {
      const clock = new ServerClock();
      clock.observe(DATE, LOCAL);
      const before = clock.latest;

      clock.observe(header, LOCAL + 60_000);

      expect(clock.latest).toEqual(before);
      expect(clock.now(LOCAL + 1_000)).toBe(DATE_MS + 1_500);
    },
  );

  it.each([undefined, '', 'not a date'])('stays without a reading after the Date header %j', (header) => {
    const clock = new ServerClock();
    clock.observe(header, LOCAL);

    expect(clock.latest).toBeUndefined();
    expect(clock.now(LOCAL)).toBeUndefined();
  });
});

describe('ServerClock ignores a Date header that is not an HTTP-date', () => {
  it.each(['0', '1', 'foo 1'])('ignores %j', (h) => {
    const c = new ServerClock();
    c.observe(h, 1_700_000_000_000);
    expect(c.latest).toBeUndefined();
  });
});
