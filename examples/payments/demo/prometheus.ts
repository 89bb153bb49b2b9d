/**
 * The demo's Prometheus, when one is installed: it scrapes the sidecar every second with exemplar
 * storage on, so the demo's closing lines can name a slow request's trace id the way an on-call
 * engineer finds one, from Prometheus' exemplars rather than from the client's own bookkeeping.
 */
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { delimiter, join } from 'node:path';
import { formatHostPort, type HostPort } from '../../../src/config/address';
import { startChild, type DemoChild } from './child';

const RUNNER = join(__dirname, 'prometheus-runner.js');

/** `prometheus` on PATH (Debian's package and upstream's tarball both call it that). */
export function findPrometheus(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'prometheus');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

async function freeLoopbackPort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export interface DemoPrometheus {
  readonly url: string;
  readonly child: DemoChild;
}

/** Undefined when no Prometheus is installed: the demo then reads the sidecar's exemplars itself. */
export async function startDemoPrometheus(o: { admin: HostPort; dir: string; logFile: string; env: NodeJS.ProcessEnv }): Promise<DemoPrometheus | undefined> {
  const binary = findPrometheus();
  if (!binary) return undefined;
  mkdirSync(o.dir, { recursive: true });
  const config = join(o.dir, 'prometheus.yml');
  writeFileSync(config, ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: paysidecar', '    static_configs:', `      - targets: ['${formatHostPort(o.admin)}']`, ''].join('\n'));
  const address: HostPort = { host: '127.0.0.1', port: await freeLoopbackPort() };
  const child = startChild(
    'prometheus',
    [RUNNER, binary, `--config.file=${config}`, `--storage.tsdb.path=${join(o.dir, 'data')}`, `--web.listen-address=${formatHostPort(address)}`, '--enable-feature=exemplar-storage', '--log.level=warn'],
    o.env,
    o.logFile,
  );
  await child.ready(address, 30_000);
  return { url: `http://${formatHostPort(address)}`, child };
}
