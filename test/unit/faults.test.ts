import { describe, expect, it } from 'vitest';
import { FaultInjector, type FaultMatch, type FaultRequest } from '../../sim/faults.ts';

const LEASES = '/apis/coordination.k8s.io/v1/leases';
const NODE_LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const NODES = '/api/v1/nodes';

const req = (over: Partial<FaultRequest> = {}): FaultRequest => ({
  method: 'GET',
  path: LEASES,
  hasContinue: false,
  ...over,
});
const unavailable = { type: 'error', status: 503 } as const;

/** Which of `count` identical requests the injector fails. */
function failures(faults: FaultInjector, count: number, request = req()): boolean[] {
  return Array.from({ length: count }, () => faults.decide(request).failure !== undefined);
}

describe('FaultInjector', () => {
  it('lets every request through without rules', () => {
    const faults = new FaultInjector();
    expect(faults.decide(req())).toEqual({ latencyMs: 0 });
    expect(faults.decide(req()).failure).toBeUndefined();
  });

  describe('matching', () => {
    it.each<{ name: string; match: FaultMatch; request: FaultRequest; hits: boolean }>([
      { name: 'no match clause', match: {}, request: req(), hits: true },
      { name: 'the method', match: { method: 'GET' }, request: req(), hits: true },
      {
        name: 'a lower-case method',
        match: { method: 'delete' },
        request: req({ method: 'DELETE' }),
        hits: true,
      },
      { name: 'another method', match: { method: 'DELETE' }, request: req(), hits: false },
      { name: 'a path prefix', match: { path: '/apis/coordination.k8s.io' }, request: req(), hits: true },
      {
        name: 'a path prefix on a namespaced path',
        match: { path: '/apis/coordination.k8s.io/v1/namespaces/' },
        request: req({ path: NODE_LEASES }),
        hits: true,
      },
      { name: 'a path that is not a prefix', match: { path: '/api/v1' }, request: req(), hits: false },
      { name: 'a path that only contains it', match: { path: 'leases' }, request: req(), hits: false },
      { name: 'a RegExp', match: { path: /\/leases$/ }, request: req({ path: NODE_LEASES }), hits: true },
      {
        name: 'a RegExp that fails',
        match: { path: /\/leases$/ },
        request: req({ path: NODES }),
        hits: false,
      },
      {
        name: 'a continued request',
        match: { hasContinue: true },
        request: req({ hasContinue: true }),
        hits: true,
      },
      { name: 'a first page', match: { hasContinue: true }, request: req(), hits: false },
      {
        name: 'hasContinue false on a first page',
        match: { hasContinue: false },
        request: req(),
        hits: true,
      },
      {
        name: 'hasContinue false on a continued request',
        match: { hasContinue: false },
        request: req({ hasContinue: true }),
        hits: false,
      },
      {
        name: 'every clause',
        match: { method: 'GET', path: '/apis/', hasContinue: true },
        request: req({ hasContinue: true }),
        hits: true,
      },
      {
        name: 'every clause but the method',
        match: { method: 'DELETE', path: '/apis/', hasContinue: true },
        request: req({ hasContinue: true }),
        hits: false,
      },
      {
        name: 'every clause but the path',
        match: { method: 'GET', path: /nodes/, hasContinue: true },
        request: req({ hasContinue: true }),
        hits: false,
      },
    ])('matches on $name: $hits', ({ match, request, hits }) => {
      const faults = new FaultInjector();
      faults.add({ action: unavailable, match });

      const decision = faults.decide(request);

      expect(decision.failure).toEqual(hits ? unavailable : undefined);
      expect(faults.hits.error).toBe(hits ? 1 : 0);
    });
  });

  describe('after and times', () => {
    it.each([
      { rule: {}, expected: [true, true, true, true, true, true] },
      { rule: { after: 2 }, expected: [false, false, true, true, true, true] },
      { rule: { times: 2 }, expected: [true, true, false, false, false, false] },
      { rule: { after: 1, times: 2 }, expected: [false, true, true, false, false, false] },
      { rule: { after: 3, times: 1 }, expected: [false, false, false, true, false, false] },
      { rule: { times: 0 }, expected: [false, false, false, false, false, false] },
      { rule: { after: 10 }, expected: [false, false, false, false, false, false] },
    ])('fails requests $expected for $rule', ({ rule, expected }) => {
      const faults = new FaultInjector();
      faults.add({ action: unavailable, ...rule });

      expect(failures(faults, expected.length)).toEqual(expected);
      expect(faults.hits.error).toBe(expected.filter(Boolean).length);
    });

    it('counts only matching requests towards after', () => {
      const faults = new FaultInjector();
      faults.add({ action: { type: 'drop' }, match: { hasContinue: true }, after: 1, times: 1 });

      const outcomes = [
        req(),
        req({ hasContinue: true }),
        req(),
        req({ path: NODES }),
        req({ hasContinue: true }),
        req({ hasContinue: true }),
      ].map((r) => faults.decide(r).failure?.type);

      expect(outcomes).toEqual([undefined, undefined, undefined, undefined, 'drop', undefined]);
      expect(faults.hits.drop).toBe(1);
    });
  });

  describe('probability', () => {
    it.each([0, 0.1, 0.5, 0.9])('hits the same requests for the same seed at probability %f', (p) => {
      const a = new FaultInjector(42);
      const b = new FaultInjector(42);
      a.add({ action: unavailable, probability: p });
      b.add({ action: unavailable, probability: p });

      expect(failures(a, 200)).toEqual(failures(b, 200));
    });

    it('hits different requests for different seeds', () => {
      const a = new FaultInjector(1);
      const b = new FaultInjector(2);
      a.add({ action: unavailable, probability: 0.5 });
      b.add({ action: unavailable, probability: 0.5 });

      expect(failures(a, 64)).not.toEqual(failures(b, 64));
    });

    it.each([
      { probability: 0, expected: 0 },
      { probability: 1, expected: 500 },
    ])('hits $expected of 500 requests at probability $probability', ({ probability, expected }) => {
      const faults = new FaultInjector(7);
      faults.add({ action: unavailable, probability });

      expect(failures(faults, 500).filter(Boolean)).toHaveLength(expected);
      expect(faults.hits.error).toBe(expected);
    });

    it.each([0.1, 0.25, 0.5, 0.75])('hits about a fraction %f of requests', (p) => {
      const faults = new FaultInjector(3);
      faults.add({ action: unavailable, probability: p });

      const hit = failures(faults, 4_000).filter(Boolean).length / 4_000;

      expect(hit).toBeGreaterThan(p - 0.05);
      expect(hit).toBeLessThan(p + 0.05);
    });

    it('applies times after the probability roll', () => {
      const faults = new FaultInjector(9);
      faults.add({ action: unavailable, probability: 0.5, times: 3 });

      expect(failures(faults, 200).filter(Boolean)).toHaveLength(3);
    });
  });

  describe('combining rules', () => {
    it('adds every matching latency to one failure', () => {
      const faults = new FaultInjector();
      faults.add({ action: { type: 'latency', ms: 100 } });
      faults.add({ action: unavailable });
      faults.add({ action: { type: 'latency', ms: 50 } });

      expect(faults.decide(req())).toEqual({ latencyMs: 150, failure: unavailable });
      expect(faults.hits).toEqual({
        throttle: 0,
        error: 1,
        latency: 2,
        drop: 0,
        expireContinue: 0,
        echoCredential: 0,
      });
    });

    it('returns latency alone when no failure rule hits', () => {
      const faults = new FaultInjector();
      faults.add({ action: { type: 'latency', ms: 250 } });
      faults.add({ action: unavailable, match: { method: 'DELETE' } });

      expect(faults.decide(req())).toEqual({ latencyMs: 250 });
    });

    it('applies only the first failure that hits, leaving later failure rules unspent', () => {
      const faults = new FaultInjector();
      faults.add({ action: { type: 'throttle', retryAfterSeconds: 2 }, times: 1 });
      faults.add({ action: unavailable, times: 1 });

      const decisions = [req(), req(), req()].map((r) => faults.decide(r).failure);

      expect(decisions).toEqual([{ type: 'throttle', retryAfterSeconds: 2 }, unavailable, undefined]);
      expect(faults.hits).toEqual({
        throttle: 1,
        error: 1,
        latency: 0,
        drop: 0,
        expireContinue: 0,
        echoCredential: 0,
      });
    });

    it.each([
      { action: { type: 'throttle', retryAfterSeconds: 1 } as const, type: 'throttle' as const },
      { action: { type: 'error', status: 500 } as const, type: 'error' as const },
      { action: { type: 'latency', ms: 10 } as const, type: 'latency' as const },
      { action: { type: 'drop' } as const, type: 'drop' as const },
      { action: { type: 'expireContinue' } as const, type: 'expireContinue' as const },
      { action: { type: 'echoCredential', status: 403 } as const, type: 'echoCredential' as const },
    ])('counts a $type hit under hits.$type', ({ action, type }) => {
      const faults = new FaultInjector();
      faults.add({ action, times: 2 });
      for (let i = 0; i < 5; i++) faults.decide(req());

      expect(faults.hits[type]).toBe(2);
      const others = Object.entries(faults.hits).filter(([t]) => t !== type);
      expect(others.every(([, n]) => n === 0)).toBe(true);
    });
  });

  describe('removing rules', () => {
    it('stops a rule through the function add() returns, keeping the others', () => {
      const faults = new FaultInjector();
      const removeError = faults.add({ action: unavailable });
      faults.add({ action: { type: 'latency', ms: 20 } });
      expect(faults.decide(req())).toEqual({ latencyMs: 20, failure: unavailable });

      removeError();

      expect(faults.decide(req())).toEqual({ latencyMs: 20 });
    });

    it('lets a rule added later take over once an earlier one is removed', () => {
      const faults = new FaultInjector();
      const removeDrop = faults.add({ action: { type: 'drop' } });
      faults.add({ action: unavailable });
      expect(faults.decide(req()).failure).toEqual({ type: 'drop' });

      removeDrop();
      removeDrop();

      expect(faults.decide(req()).failure).toEqual(unavailable);
    });

    it('keeps the hit counters after clear()', () => {
      const faults = new FaultInjector();
      faults.add({ action: unavailable });
      faults.decide(req());

      faults.clear();

      expect(faults.decide(req())).toEqual({ latencyMs: 0 });
      expect(faults.hits.error).toBe(1);
    });
  });
});
