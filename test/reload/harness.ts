/** A sidecar started from a config file in a ConfigMap-style volume, with reload wired as `paysidecar run` wires it. */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type LoadInput } from '../../src/config/load';
import type { ConfigKey } from '../../src/config/keys';
import { startSidecar, type Sidecar } from '../../src/sidecar';
import { metricValue } from '../helpers/sidecar';
import { captureLogs, type CapturedLogs } from './capture';

export const CONFIG_FILE = 'paysidecar.yaml';

export interface ReloadingSidecar {
  sc: Sidecar;
  cap: CapturedLogs;
  spans: InMemorySpanExporter;
  base: string;
  admin: string;
  reloads(result: 'success' | 'failure'): Promise<number>;
}

export async function startReloading(file: string, flags: Partial<Record<ConfigKey, unknown>> = {}): Promise<ReloadingSidecar> {
  const input: LoadInput = { env: {}, file, flags: { listen: '127.0.0.1:0', admin: '127.0.0.1:0', hostInterval: '0', ...flags } };
  const loaded = loadConfig(input);
  const cap = captureLogs();
  const spans = new InMemorySpanExporter();
  // No poll: these tests prove the directory watch alone sees each kind of change.
  const sc = await startSidecar(loaded.config, {
    configFile: loaded.file,
    loadInput: input,
    logs: cap.logs,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    watch: { pollMs: 0, debounceMs: 50 },
  });
  return {
    sc,
    cap,
    spans,
    base: `http://127.0.0.1:${sc.proxyAddress.port}`,
    admin: `http://127.0.0.1:${sc.adminAddress.port}`,
    reloads: async (result) => metricValue(await sc.metricsText(), 'paysidecar_config_reloads_total', { result }),
  };
}

// A reload starts a worker thread (~0.4 s on a quiet machine, several seconds on a loaded one):
// the bound is for a reload that never comes, not a timing claim.
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
}
