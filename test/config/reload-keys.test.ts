/**
 * Which keys a reload applies live is declared once, in CONFIG_RELOAD beside the schema. The
 * README's hot-reload table and the Kubernetes ConfigMap's comment say the same in prose; these
 * tests fail when either disagrees with the schema, in either direction.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, CONFIG_RELOAD, LIVE_KEYS, type ConfigKey } from '../../src/config/keys';

const REPO = join(__dirname, '..', '..', '..');
const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort();
const restartKeys = CONFIG_KEYS.filter((k) => CONFIG_RELOAD[k] === 'restart');
/** Keys named as `backticked` words that are config keys; flags and metric names are ignored. */
const keysIn = (text: string) => [...text.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]).filter((w) => (CONFIG_KEYS as readonly string[]).includes(w));

describe('CONFIG_RELOAD', () => {
  it('says live or restart for every key, and both kinds exist', () => {
    assert.deepEqual(sorted(Object.keys(CONFIG_RELOAD)), sorted(CONFIG_KEYS));
    for (const k of CONFIG_KEYS) assert.ok(CONFIG_RELOAD[k] === 'live' || CONFIG_RELOAD[k] === 'restart', k);
    assert.ok(LIVE_KEYS.size >= 5 && restartKeys.length >= 5);
  });

  it('keeps the listeners, the upstream and the pools restart-only (a reload cannot rebind or rebuild them)', () => {
    for (const k of ['listen', 'admin', 'upstream', 'maxSockets', 'otlpEndpoint'] as ConfigKey[]) assert.equal(CONFIG_RELOAD[k], 'restart', k);
  });
});

describe('the docs list the live keys the schema declares', () => {
  it('README: the hot-reload table', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8').split('\n');
    const header = readme.findIndex((l) => /^\|\s*Reloadable\s*\|\s*Needs a restart/.test(l));
    assert.ok(header >= 0, 'README has the "| Reloadable | Needs a restart" table');
    const [live, restart] = readme[header + 2].split('|').slice(1, 3);
    assert.deepEqual(sorted(keysIn(live)), sorted(LIVE_KEYS), 'the Reloadable column is exactly the live keys');
    // "the timeouts" stands for every restart-only *Timeout key.
    const timeouts = /\bthe timeouts\b/.test(restart) ? restartKeys.filter((k) => k.endsWith('Timeout')) : [];
    assert.deepEqual(sorted([...keysIn(restart), ...timeouts]), sorted(restartKeys), 'the Needs-a-restart column is exactly the restart keys');
  });

  it('deploy/kubernetes/payment-gateway.yaml: the ConfigMap comment', () => {
    const yaml = readFileSync(join(REPO, 'deploy/kubernetes/payment-gateway.yaml'), 'utf8');
    const comment = yaml
      .split('\n')
      .filter((l) => /^\s*#/.test(l))
      .map((l) => l.replace(/^\s*#\s?/, ''))
      .join(' ');
    const m = /applies (.+?) without a restart/.exec(comment);
    assert.ok(m, 'the ConfigMap comment says which keys apply "without a restart"');
    const listed = m[1].split(/,\s*|\s+and\s+/).map((s) => s.trim());
    assert.deepEqual(sorted(listed), sorted(LIVE_KEYS));
  });
});
