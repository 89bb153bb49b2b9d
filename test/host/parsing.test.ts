import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countByState, normaliseState, parseProcNetTcp } from '../../src/telemetry/host/connections';
import { parseCpuTicks } from '../../src/telemetry/host/cpu';
import { parseMeminfo } from '../../src/telemetry/host/memory';
import { parseNetDev } from '../../src/telemetry/host/network';
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

test('/proc/net/tcp rows count by the kernel state in their "st" column', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:3A99 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0',
    '   1: 0100007F:3A99 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 20 4 30 10 -1',
    '   2: 0100007F:D2F0 0100007F:3A99 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0',
    '',
  ].join('\n');
  const counts = countByState(parseProcNetTcp(table));
  assert.equal(counts.get('LISTEN'), 1);
  assert.equal(counts.get('ESTABLISHED'), 1);
  assert.equal(counts.get('TIME_WAIT'), 1);
  assert.equal(counts.get('CLOSE_WAIT'), 0);
});

test('host CPU, memory and network parsed from /proc/stat, /proc/meminfo and /proc/net/dev', () => {
  assert.deepEqual(parseCpuTicks('cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\n'), { busy: 160, total: 1000 });
  assert.throws(() => parseCpuTicks('intr 1 2 3\n'), /aggregate cpu line/);
  const mem = parseMeminfo('MemTotal:       16000 kB\nMemFree:         4000 kB\nMemAvailable:   9000 kB\nBuffers:          100 kB\nCached:          3000 kB\n');
  assert.equal(mem.get('MemTotal'), 16000 * 1024);
  assert.equal(mem.get('MemAvailable'), 9000 * 1024);
  assert.equal(mem.get('Cached'), 3000 * 1024);
  const dev = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0',
    '  eth0: 987654321 5000   0    0    0     0          0         0 12345678   4000    0    0    0     0       0          0',
  ].join('\n');
  assert.deepEqual(parseNetDev(dev), [{ iface: 'lo', rx: 123456, tx: 123456 }, { iface: 'eth0', rx: 987654321, tx: 12345678 }]);
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
