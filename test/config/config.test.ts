import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../../src/config/load';
import { redactedConfig } from '../../src/config/redact';
import { ConfigError } from '../../src/errors';
import { duration } from '../../src/config/values';

const dir = mkdtempSync(join(tmpdir(), 'paysidecar-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config loading', () => {
  it('has the documented defaults', () => {
    const { config } = loadConfig({ env: {} });
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 15001 });
    assert.deepEqual(config.admin, { host: '127.0.0.1', port: 15090 });
    assert.equal(config.upstream.href, 'http://127.0.0.1:8080/');
    assert.equal(config.drainTimeout, 20_000);
    assert.equal(config.accessLog, 'stdout');
    assert.equal(config.accessLogSample, 1);
    assert.deepEqual(config.trustCidr, []);
  });

  it('applies defaults < file < env < flags', () => {
    const file = join(dir, 'precedence.yaml');
    writeFileSync(file, 'upstream: http://127.0.0.1:1111\nupstreamTimeout: 1s\ndrainTimeout: 2m\nroute: ["/v1/users/{id}"]\n');
    const { config, sources } = loadConfig({
      file,
      env: { PAYSIDECAR_UPSTREAM_TIMEOUT: '2s', PAYSIDECAR_DRAIN_TIMEOUT: '45' },
      flags: { drainTimeout: '500ms' },
    });
    assert.equal(config.upstream.href, 'http://127.0.0.1:1111/');
    assert.equal(config.upstreamTimeout, 2000);
    assert.equal(config.drainTimeout, 500);
    assert.deepEqual(config.route, ['/v1/users/{id}']);
    assert.equal(sources.upstream, 'file');
    assert.equal(sources.upstreamTimeout, 'env');
    assert.equal(sources.drainTimeout, 'flag');
  });

  it('accepts the documented duration forms', () => {
    assert.equal(duration.parse('500ms'), 500);
    assert.equal(duration.parse('30s'), 30_000);
    assert.equal(duration.parse('2m'), 120_000);
    assert.equal(duration.parse('1.5'), 1500);
    assert.equal(duration.parse('soon'), undefined);
    assert.equal(duration.parse('-1s'), undefined);
  });

  it('reports every problem at once, naming where the value came from, the value and what was expected', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'listen: nowhere\ntrustCidr: [10.0.0.0/8, 300.1.1.1/8]\nupstreamTimout: 3s\n');
    const p = problems(() =>
      loadConfig({ file, env: { PAYSIDECAR_ACCESS_LOG_SAMPLE: '1.5', PAYSIDECAR_TYPO: 'x' }, flags: { upstream: 'ftp://x', logLevel: 'loud' } }),
    );
    const text = p.join('\n');
    assert.match(text, /^listen \(in .*bad\.yaml\): "nowhere" is invalid, expected host:port/m);
    assert.match(text, /^trustCidr \(in .*\): "300\.1\.1\.1\/8" is invalid, expected an IPv4 or IPv6 CIDR like 10\.0\.0\.0\/8, 127\.0\.0\.1\/32 or ::1\/128$/m);
    assert.match(text, /upstreamTimout \(in .*\): unknown config key/);
    assert.match(text, /^PAYSIDECAR_ACCESS_LOG_SAMPLE: "1.5" is invalid, expected a number from 0 to 1$/m);
    assert.match(text, /^PAYSIDECAR_TYPO: unknown environment variable/m);
    assert.match(text, /^--upstream: "ftp:\/\/x" is invalid, expected an http:\/\/ or https:\/\/ URL/m);
    assert.match(text, /^--log-level: "loud" is invalid, expected one of trace\|debug\|info/m);
    assert.equal(p.length, 7, text);
  });

  it('never echoes a secret in an error or in /config', () => {
    const p = problems(() => loadConfig({ env: { PAYSIDECAR_STRESS_SECRET: 'hunter2-secret' }, flags: { listen: 'bad' } }));
    assert.doesNotMatch(p.join('\n'), /hunter2/);
    const { config } = loadConfig({ env: { PAYSIDECAR_STRESS_SECRET: 'hunter2-secret', PAYSIDECAR_DEBUG_TOKEN: 'tok-123456' } });
    const shown = JSON.stringify(redactedConfig(config));
    assert.doesNotMatch(shown, /hunter2|tok-123456/);
    assert.match(shown, /"stressSecret":"\[redacted\]"/);
  });

  it('rejects a config file that is not a mapping, or not YAML', () => {
    const list = join(dir, 'list.yaml');
    writeFileSync(list, '- a\n- b\n');
    assert.match(problems(() => loadConfig({ file: list, env: {} }))[0], /must hold a mapping/);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'listen: [unclosed\n');
    assert.match(problems(() => loadConfig({ file: broken, env: {} }))[0], /not valid YAML/);
    assert.match(problems(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }))[0], /cannot read .*ENOENT/);
  });

  it('`paysidecar run` exits 2 with one line per problem', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', '--listen', 'x', '--upstream-timeout', 'abc', '--trust-cidr', '10.0.0.0/8', '--trust-cidr', 'nope'], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 3, r.stderr);
    assert.match(r.stderr, /--listen: "x" is invalid/);
    assert.match(r.stderr, /--upstream-timeout: "abc" is invalid, expected a duration like 500ms, 30s, 2m or plain seconds/);
    assert.match(r.stderr, /^paysidecar run: --trust-cidr: "nope" is invalid, expected an IPv4 or IPv6 CIDR/m);
  });

  it('`paysidecar --help` lists the run command and `run --help` every flag with its env var', () => {
    const top = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(top.status, 0);
    assert.match(top.stdout, /run\b/);
    const run = spawnSync(process.execPath, [CLI, 'run', '--help'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 0);
    for (const flag of ['--listen', '--upstream', '--admin', '--stress-secret', '--trust-cidr', '--stress-upstream', '--upstream-timeout', '--connect-timeout', '--drain-timeout', '--access-log', '--access-log-sample', '--stress-log', '--log-level', '--route']) {
      assert.match(run.stdout, new RegExp(`${flag} <value>`), flag);
    }
    assert.match(run.stdout, /PAYSIDECAR_STRESS_SECRET/);
    const v = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8', timeout: 20_000 });
    assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });
});
