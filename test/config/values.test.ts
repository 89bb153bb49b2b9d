/**
 * The one set of value parsers: for each kind, the values it takes (and what they become) and the
 * values it refuses, with the exact problem line every command prints for them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  boolean,
  check,
  cidr,
  collect,
  duration,
  durationIn,
  expecting,
  fixedHostPort,
  hostPort,
  httpUrl,
  intAtLeast,
  intIn,
  jsonObject,
  logLevel,
  nonEmpty,
  oneOf,
  percentOrRatio,
  positiveDuration,
  positiveNumber,
  ratio,
  showValue,
  splitList,
  type ValueType,
} from '../../src/config/values';
import { LOG_LEVELS } from '../../src/telemetry/logger';

interface Row {
  name: string;
  type: ValueType<unknown>;
  valid: Array<[string, unknown]>;
  invalid: string[];
  /** The expectation as printed, in full. */
  expected: string;
}

const DURATION = 'a duration like 500ms, 30s, 2m or plain seconds';
const HOST_PORT = 'host:port, e.g. 127.0.0.1:15001 or [::1]:15001 (port 0..65535)';

const ROWS: Row[] = [
  {
    name: 'duration',
    type: duration,
    valid: [['500ms', 500], ['30s', 30_000], ['2m', 120_000], ['1h', 3_600_000], ['1.5', 1500], ['0', 0], [' 15s ', 15_000], ['0.0004s', 0]],
    invalid: ['abc', '', '-1s', '5x', '1 s', '1e3', '.5s', '30S'],
    expected: DURATION,
  },
  {
    name: 'positiveDuration',
    type: positiveDuration,
    valid: [['1ms', 1], ['10s', 10_000]],
    invalid: ['0', '0s', '0.0001', 'soon'],
    expected: `${DURATION}, above zero`,
  },
  {
    name: 'durationIn(1, 1000)',
    type: durationIn(1, 1000),
    valid: [['1ms', 1], ['1s', 1000], ['0.25', 250]],
    invalid: ['0ms', '1001ms', '5s', 'fast'],
    expected: `${DURATION}, from 1ms to 1000ms`,
  },
  {
    name: 'intIn(1, 100)',
    type: intIn(1, 100),
    valid: [['1', 1], ['100', 100], [' 7 ', 7], ['007', 7]],
    invalid: ['0', '101', '-1', '1.5', '1e2', '0x10', '', 'ten'],
    expected: 'an integer from 1 to 100',
  },
  {
    name: 'intAtLeast(1)',
    type: intAtLeast(1),
    valid: [['1', 1], ['512', 512]],
    invalid: ['0', '-1', 'lots', '1.0'],
    expected: 'an integer of at least 1',
  },
  {
    name: 'positiveNumber',
    type: positiveNumber,
    valid: [['1', 1], ['0.001', 0.001], ['.5', 0.5], ['250', 250]],
    invalid: ['0', '-3', 'fast', '1e3', 'Infinity', ''],
    expected: 'a positive number',
  },
  {
    name: 'ratio',
    type: ratio,
    valid: [['0', 0], ['1', 1], ['0.25', 0.25], ['.5', 0.5]],
    invalid: ['1.5', '-0.1', '50%', 'half', ''],
    expected: 'a number from 0 to 1',
  },
  {
    name: 'percentOrRatio',
    type: percentOrRatio,
    valid: [['0.1%', 0.001], ['100%', 1], ['0.05', 0.05], ['1', 1]],
    invalid: ['101%', '2', '%', 'ten%', '-1%'],
    expected: 'a percentage like 0.1% or a ratio from 0 to 1',
  },
  {
    name: 'boolean',
    type: boolean,
    valid: [['true', true], ['false', false], ['on', true], ['OFF', false], ['1', true], ['0', false]],
    invalid: ['yes', 'maybe', '', '2'],
    expected: 'true or false',
  },
  {
    name: 'oneOf',
    type: oneOf(['stdout', 'file', 'off']),
    valid: [['stdout', 'stdout'], ['off', 'off']],
    invalid: ['STDOUT', 'syslog', ''],
    expected: 'one of stdout|file|off',
  },
  {
    name: 'logLevel',
    type: logLevel,
    valid: LOG_LEVELS.map((l) => [l, l]),
    invalid: ['loud', 'WARN', 'warning'],
    expected: 'one of trace|debug|info|warn|error|fatal|silent',
  },
  {
    name: 'nonEmpty',
    type: nonEmpty,
    valid: [['x', 'x'], [' a b ', ' a b ']],
    invalid: [''],
    expected: 'a non-empty string',
  },
  {
    name: 'jsonObject',
    type: jsonObject,
    valid: [['{}', {}], ['{"errorRate":0.1}', { errorRate: 0.1 }]],
    invalid: ['[]', 'null', '3', '{', 'x'],
    expected: 'a JSON object',
  },
  {
    name: 'hostPort',
    type: hostPort,
    valid: [['127.0.0.1:15001', { host: '127.0.0.1', port: 15001 }], ['[::1]:0', { host: '::1', port: 0 }], ['localhost:80', { host: 'localhost', port: 80 }]],
    invalid: ['localhost', '127.0.0.1:65536', ':80', '::1:80', 'a b:1', '1.2.3.4:-1'],
    expected: HOST_PORT,
  },
  {
    name: 'fixedHostPort',
    type: fixedHostPort,
    valid: [['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }]],
    invalid: ['127.0.0.1:0', 'nowhere'],
    expected: `${HOST_PORT}, with a fixed port (not 0)`,
  },
  {
    name: 'httpUrl()',
    type: httpUrl(),
    valid: [['http://127.0.0.1:8080', new URL('http://127.0.0.1:8080')], ['https://pay.example/v3?x=1', new URL('https://pay.example/v3?x=1')]],
    invalid: ['ftp://x', 'collector:4318', '127.0.0.1:8080', ''],
    expected: 'an http:// or https:// URL like http://127.0.0.1:8080',
  },
  {
    name: 'httpUrl, http only',
    type: httpUrl({ like: 'http://127.0.0.1:15001/', https: false }),
    valid: [['http://127.0.0.1:15001/', new URL('http://127.0.0.1:15001/')]],
    invalid: ['https://127.0.0.1/', 'ws://x'],
    expected: 'an http:// URL like http://127.0.0.1:15001/',
  },
  {
    name: 'httpUrl, no query',
    type: httpUrl({ like: 'http://127.0.0.1:8090', query: false }),
    valid: [['https://api.mch.weixin.qq.com', new URL('https://api.mch.weixin.qq.com')]],
    invalid: ['http://x/?a=1', 'nope'],
    expected: 'an http:// or https:// URL without a query, like http://127.0.0.1:8090',
  },
  {
    name: 'cidr',
    type: cidr,
    valid: [
      ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
      ['127.0.0.1', { address: '127.0.0.1', prefix: 32, family: 'ipv4' }],
      ['::1/128', { address: '::1', prefix: 128, family: 'ipv6' }],
      ['fd00::/8', { address: 'fd00::', prefix: 8, family: 'ipv6' }],
    ],
    invalid: ['10.0.0.0/33', '300.1.1.1/8', '10.0.0.0/', '10.0.0.0/x', '::1/129', 'localhost', ''],
    expected: 'an IPv4 or IPv6 CIDR like 10.0.0.0/8, 127.0.0.1/32 or ::1/128',
  },
];

describe('value parsers', () => {
  for (const row of ROWS) {
    it(`${row.name}: takes its valid forms`, () => {
      for (const [text, value] of row.valid) {
        const r = check('--x', text, row.type);
        assert.ok(r.ok, `${JSON.stringify(text)} was refused`);
        assert.deepEqual(r.value, value, `${JSON.stringify(text)}`);
      }
    });

    it(`${row.name}: refuses the rest with the one problem shape`, () => {
      assert.equal(row.type.expected, row.expected);
      for (const text of row.invalid) {
        const r = check('--x', text, row.type);
        assert.deepEqual(r, { ok: false, problem: `--x: ${JSON.stringify(text)} is invalid, expected ${row.expected}` });
      }
    });
  }
});

describe('the problem shape', () => {
  it('matches the README example', () => {
    const r = check('--upstream-timeout', 'abc', duration);
    assert.deepEqual(r, { ok: false, problem: '--upstream-timeout: "abc" is invalid, expected a duration like 500ms, 30s, 2m or plain seconds' });
  });

  it('cuts a long value and escapes control characters, so one bad value stays one short line', () => {
    const r = check('--x', 'a'.repeat(500) + '\n', duration);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.problem, `--x: "${'a'.repeat(80)}…" is invalid, expected ${DURATION}`);
    assert.equal(showValue('a\nb'), '"a\\nb"');
  });

  it('expecting() keeps the parser and changes only the words', () => {
    const onOff = expecting(boolean, 'on or off');
    assert.equal(onOff.parse('off'), false);
    assert.deepEqual(check('PAYSIDECAR_AGENT_PROPAGATION', 'maybe', onOff), { ok: false, problem: 'PAYSIDECAR_AGENT_PROPAGATION: "maybe" is invalid, expected on or off' });
  });

  it('collect() gathers every problem and skips what was not given', () => {
    const problems: string[] = [];
    assert.equal(collect('--a', undefined, intIn(1, 2), problems), undefined);
    assert.equal(collect('--b', '2', intIn(1, 2), problems), 2);
    assert.equal(collect('--c', '3', intIn(1, 2), problems), undefined);
    assert.equal(collect('--d', 'x', ratio, problems), undefined);
    assert.deepEqual(problems, ['--c: "3" is invalid, expected an integer from 1 to 2', '--d: "x" is invalid, expected a number from 0 to 1']);
  });

  it('splitList() reads comma lists and YAML arrays alike', () => {
    assert.deepEqual(splitList('10.0.0.0/8, ::1/128,,'), ['10.0.0.0/8', '::1/128']);
    assert.deepEqual(splitList(['a,b', 'c', 5]), ['a', 'b', 'c', '5']);
    assert.deepEqual(splitList(''), []);
  });
});
