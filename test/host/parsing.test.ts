import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countByState, normaliseState } from '../../src/telemetry/host/connections';
import { matchProcesses } from '../../src/telemetry/host/watched-process';
import { parseOpenFilesLimit } from '../../src/telemetry/host/kernel-params';
import { limitsFile } from './fake-proc';

test('ss and netstat state spellings count as one state; UDP is not counted', () => {
  assert.equal(normaliseState('ESTAB'), 'ESTABLISHED');
  assert.equal(normaliseState('TIME-WAIT'), 'TIME_WAIT');
  assert.equal(normaliseState('SYN-RECV'), 'SYN_RECV');
  const counts = countByState([
    { protocol: 'tcp', state: 'ESTABLISHED' },
    { protocol: 'tcp6', state: 'ESTAB' },
    { protocol: 'tcp', state: 'CLOSE-WAIT' },
    { protocol: 'tcp', state: 'CLOSE_WAIT' },
    { protocol: 'udp', state: 'ESTABLISHED' },
  ]);
  assert.equal(counts.get('ESTABLISHED'), 2);
  assert.equal(counts.get('CLOSE_WAIT'), 2);
  assert.equal(counts.get('TIME_WAIT'), 0);
});

test('the watched process matches by pid, or by name or command basename, never this process by name', () => {
  const list = [
    { pid: 10, name: 'java', command: '/usr/bin/java', cpu: 1, memRss: 1 },
    { pid: 11, name: 'node', command: 'node', cpu: 1, memRss: 1 },
    { pid: 12, name: 'gateway', command: '/app/bin/gateway --port 8080', cpu: 1, memRss: 1 },
  ];
  assert.deepEqual(matchProcesses(list, '11', 11).map((p) => p.pid), [11]);
  assert.deepEqual(matchProcesses(list, 'node', 11).map((p) => p.pid), []);
  assert.deepEqual(matchProcesses(list, 'java', 11).map((p) => p.pid), [10]);
  assert.deepEqual(matchProcesses(list, 'gateway', 11).map((p) => p.pid), [12]);
  assert.deepEqual(matchProcesses(list, 'missing', 11), []);
});

test('open-files soft limit from /proc/self/limits', () => {
  assert.equal(parseOpenFilesLimit(limitsFile(1024)), 1024);
  assert.equal(parseOpenFilesLimit(limitsFile('unlimited')), Infinity);
  assert.equal(parseOpenFilesLimit('garbage'), undefined);
});
