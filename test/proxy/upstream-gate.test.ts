/** The undici core's wait for a pooled connection: counted sends, a FIFO queue, its timer, its exit. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { UpstreamGate, type Waiter } from '../../src/proxy/upstream-gate';

function waiter(log: string[], name: string): Waiter {
  return { send: () => log.push(`send ${name}`), expired: () => log.push(`expired ${name}`) };
}

describe('upstream gate', () => {
  it('sends up to its limit at once, then queues in order and lets one through per end', () => {
    const log: string[] = [];
    const gate = new UpstreamGate(2, 0);
    for (const n of ['a', 'b', 'c', 'd']) gate.enter(waiter(log, n));
    assert.deepEqual(log, ['send a', 'send b']);
    assert.deepEqual(gate.stats(), { active: 2, waiting: 2 });
    gate.leave();
    assert.deepEqual(log, ['send a', 'send b', 'send c']);
    gate.leave();
    gate.leave();
    gate.leave();
    assert.deepEqual(log, ['send a', 'send b', 'send c', 'send d']);
    assert.deepEqual(gate.stats(), { active: 0, waiting: 0 });
  });

  it('a waiter past the wait timeout leaves the queue and is told; one sent in time is not', async () => {
    const log: string[] = [];
    const gate = new UpstreamGate(1, 50);
    gate.enter(waiter(log, 'a'));
    gate.enter(waiter(log, 'b'));
    gate.enter(waiter(log, 'c'));
    gate.leave();
    await sleep(120);
    assert.deepEqual(log, ['send a', 'send b', 'expired c']);
    assert.deepEqual(gate.stats(), { active: 1, waiting: 0 });
  });

  it('a cancelled waiter is never sent nor expired, and the next one takes its place', async () => {
    const log: string[] = [];
    const gate = new UpstreamGate(1, 50);
    gate.enter(waiter(log, 'a'));
    const b = waiter(log, 'b');
    gate.enter(b);
    gate.enter(waiter(log, 'c'));
    gate.cancel(b);
    assert.deepEqual(gate.stats(), { active: 1, waiting: 1 });
    gate.leave();
    await sleep(120);
    assert.deepEqual(log, ['send a', 'send c']);
  });

  it('a send that ends at once (a synchronous failure) lets the next through', () => {
    const log: string[] = [];
    const gate = new UpstreamGate(1, 0);
    gate.enter(waiter(log, 'a'));
    gate.enter({ send: () => (log.push('send b'), gate.leave()), expired: () => log.push('expired b') });
    gate.enter(waiter(log, 'c'));
    gate.leave();
    assert.deepEqual(log, ['send a', 'send b', 'send c']);
    assert.deepEqual(gate.stats(), { active: 1, waiting: 0 });
  });
});
