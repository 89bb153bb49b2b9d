/**
 * deploy/systemd agrees with systemd and with the CLI: `systemd-analyze verify` accepts the unit
 * without a warning (in a scratch root holding the ExecStart binary, so the host is not touched);
 * the EnvironmentFile example loads through `paysidecar run`'s own config code; the unit runs the
 * package bin; and the stop timeout leaves room for the whole drain.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { allEnvVars } from '../../src/config/env';
import { duration } from '../../src/config/values';
import { requireTool } from '../e2e/tools';
import { REPO } from './manifests';

const DIR = join(REPO, 'deploy', 'systemd');
const UNIT = join(DIR, 'paysidecar.service');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> };

/** `[Section]` → key → values (a key may repeat, as Environment= does). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      current = new Map();
      sections.set(s[1], current);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv && current, `unit line outside a section or not key=value: ${line}`);
    current.set(kv[1], [...(current.get(kv[1]) ?? []), kv[2]]);
  }
  return sections;
}

/** systemd's time spans as the unit uses them: 30s, 2min, 500ms, or plain seconds. */
function seconds(span: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|min|m)?$/.exec(span.trim());
  assert.ok(m, `time span ${span}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'min' || m[2] === 'm' ? n * 60 : n;
}

function envFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const i = t.indexOf('=');
    assert.ok(i > 0, `${basename(path)}: not NAME=value: ${t}`);
    env[t.slice(0, i)] = t.slice(i + 1);
  }
  return env;
}

const unit = parseUnit(readFileSync(UNIT, 'utf8'));
const service = unit.get('Service')!;
const one = (key: string) => {
  const v = service.get(key);
  assert.ok(v && v.length === 1, `[Service] ${key}= is set once`);
  return v[0];
};

describe('systemd unit (deploy/systemd/paysidecar.service)', () => {
  const scratch: string[] = [];
  after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('passes `systemd-analyze verify` with nothing to say', () => {
    const analyze = requireTool('systemd-analyze');
    // A scratch root: the unit under /etc/systemd/system, the targets it orders against, and an
    // executable at every absolute path it runs, so verify checks this file and not the host.
    const root = mkdtempSync(join(tmpdir(), 'paysidecar-systemd-'));
    scratch.push(root);
    const system = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(join(d, 'multi-user.target')));
    assert.ok(system, 'the systemd package ships its targets');
    cpSync(system, join(root, 'usr/lib/systemd/system'), { recursive: true, dereference: false });
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    copyFileSync(UNIT, join(root, 'etc/systemd/system/paysidecar.service'));
    for (const key of ['ExecStart', 'ExecReload']) {
      const bin = one(key).split(/\s+/)[0].replace(/^[-@:+!]+/, '');
      assert.ok(bin.startsWith('/'), `${key} names an absolute path`);
      mkdirSync(join(root, dirname(bin)), { recursive: true });
      writeFileSync(join(root, bin), '#!/bin/sh\n');
      chmodSync(join(root, bin), 0o755);
    }
    const r = spawnSync(analyze, ['verify', `--root=${root}`, '/etc/systemd/system/paysidecar.service'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.error, undefined);
    // verify exits 0 on an unknown key or a bad value and only warns: any output is a failure.
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'systemd-analyze verify printed warnings');
    assert.equal(r.status, 0);
  });

  it('runs the package bin as a dedicated user, restarts on failure and bounds its resources', () => {
    const argv = one('ExecStart').split(/\s+/);
    assert.equal(basename(argv[0]), Object.keys(pkg.bin)[0]);
    assert.deepEqual(argv.slice(1), ['run']);
    assert.match(one('User'), /^[a-z][a-z0-9-]*$/);
    assert.notEqual(one('User'), 'root');
    assert.equal(one('Restart'), 'on-failure');
    assert.ok(seconds(one('RestartSec')) > 0);
    assert.ok(Number(one('LimitNOFILE')) >= 65536, 'room for a socket per client and per upstream connection');
    assert.match(one('MemoryMax'), /^\d+[KMG]$/);
    assert.match(one('CPUQuota'), /^\d+%$/);
    assert.equal(one('KillSignal'), 'SIGTERM', 'SIGTERM is what drains');
    assert.match(one('ExecReload'), /kill -HUP \$MAINPID$/, 'SIGHUP reloads the config');
    assert.equal(one('EnvironmentFile'), '/etc/paysidecar/paysidecar.env');
  });

  it('the EnvironmentFile example loads through `paysidecar run` config, and the stop timeout outlasts its drain', () => {
    const env = envFile(join(DIR, 'paysidecar.env'));
    const declared = new Set(allEnvVars().map((e) => e.name));
    for (const name of Object.keys(env)) assert.ok(declared.has(name), `paysidecar.env: ${name} is not in src/config/env.ts`);
    for (const e of service.get('Environment') ?? []) {
      for (const name of e.split(/\s+/).map((kv) => kv.split('=')[0])) assert.ok(!name.startsWith('PAYSIDECAR_') || declared.has(name), name);
    }
    const { config } = loadConfig({ env });
    assert.equal(config.accessLog, 'file');
    assert.ok(config.accessLogFile.startsWith(`/var/log/${service.get('LogsDirectory')?.[0]}/`), 'the access log is in the unit\'s LogsDirectory, writable by its user');
    const drain = config.drainTimeout / 1000;
    assert.equal(drain, duration.parse(env.PAYSIDECAR_DRAIN_TIMEOUT)! / 1000);
    assert.ok(seconds(one('TimeoutStopSec')) > drain, `TimeoutStopSec ${one('TimeoutStopSec')} must exceed the drain timeout (${drain}s), or systemd SIGKILLs a drain`);
  });
});
