import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { decideStress, type StressPolicy } from '../../src/context/stress';
import { signStressToken, verifyStressToken } from '../../src/context/stress-token';
import { CidrSet } from '../../src/config/cidr';
import { cidr } from '../../src/config/values';

const counted: string[] = [];
const instruments = { rejections: { add: (_n: number, attrs?: Record<string, unknown>) => counted.push(String(attrs?.reason)) } } as never;
const policy = (cidrs: string[], secrets: string[] = ['s1']): StressPolicy => ({ trusted: new CidrSet(cidrs.map((c) => cidr.parse(c)!)), secrets });

describe('stress decision', () => {
  it('accepts a token signed with either secret during a rotation overlap', () => {
    const now = 1_800_000_000;
    assert.deepEqual(verifyStressToken(['new', 'old'], 'stress-v2', signStressToken('old', 'stress-v2', now), now), { ok: true });
    assert.deepEqual(verifyStressToken(['new', 'old'], 'stress-v2', signStressToken('new', 'stress-v2', now), now), { ok: true });
    assert.equal(verifyStressToken(['new'], 'stress-v2', signStressToken('old', 'stress-v2', now), now).ok, false);
  });

  it('honours the ±300 s window on both sides', () => {
    const now = 1_800_000_000;
    assert.equal(verifyStressToken(['s'], 'a', signStressToken('s', 'a', now - 300), now).ok, true);
    assert.equal(verifyStressToken(['s'], 'a', signStressToken('s', 'a', now + 300), now).ok, true);
    assert.deepEqual(verifyStressToken(['s'], 'a', signStressToken('s', 'a', now + 301), now), { ok: false, reason: 'expired_token' });
  });

  it('matches IPv4-mapped IPv6 peers against IPv4 CIDRs', () => {
    const h: IncomingHttpHeaders = { 'x-test-env': 'stress-v2' };
    const d = decideStress(policy(['10.0.0.0/8']), instruments, '::ffff:10.1.2.3', h);
    assert.equal(d.traffic, 'stress');
  });

  it('treats duplicated X-Test-Env headers as one invalid value', () => {
    counted.length = 0;
    const h: IncomingHttpHeaders = { 'x-test-env': 'stress-v2, stress-v3' };
    const d = decideStress(policy(['127.0.0.1/32']), instruments, '127.0.0.1', h);
    assert.equal(d.traffic, 'prod');
    assert.equal(h['x-test-env'], undefined);
    assert.deepEqual(counted, ['bad_scenario']);
  });

  it('without a configured secret, a token is never accepted and the reason says why', () => {
    counted.length = 0;
    const h: IncomingHttpHeaders = { 'x-test-env': 'stress-v2', 'x-stress-token': signStressToken('anything', 'stress-v2') };
    const d = decideStress(policy([], []), instruments, '192.0.2.1', h);
    assert.equal(d.traffic, 'prod');
    assert.equal(h['x-stress-token'], undefined);
    assert.deepEqual(counted, ['no_secret_configured']);
  });

  it('leaves prod requests without markers untouched and uncounted', () => {
    counted.length = 0;
    const h: IncomingHttpHeaders = { baggage: 'userId=alice', accept: '*/*' };
    const d = decideStress(policy([]), instruments, '192.0.2.1', h);
    assert.equal(d.traffic, 'prod');
    assert.equal(h.baggage, 'userId=alice');
    assert.deepEqual(counted, []);
  });
});
