/**
 * Kernel and process limits a busy proxy runs into, read from a proc root (default /proc; tests
 * point it at a fake tree). Values that cannot be read are left out, never guessed.
 */
import { join } from 'node:path';
import { host } from '../names';
import type { Collector } from './collector';
import { parseIntStrict, readOptional } from './proc-files';

/** Values by `paysidecar.kernel.param` name label (host.KERNEL_PARAMS). */
export type KernelParams = Partial<Record<(typeof host.KERNEL_PARAMS)[keyof typeof host.KERNEL_PARAMS], number>>;

export interface KernelParamOptions {
  /** Where /proc is mounted. Default /proc. */
  procRoot?: string;
  /** The backlog the proxy listener passes to listen(2); Node's default is 511. */
  listenBacklog?: number;
}

const P = host.KERNEL_PARAMS;

async function sysctl(procRoot: string, name: string): Promise<string | undefined> {
  return readOptional(join(procRoot, 'sys', ...name.split('.')));
}

/** The soft "Max open files" limit from /proc/self/limits; Infinity when unlimited. */
export function parseOpenFilesLimit(limits: string | undefined): number | undefined {
  const line = limits?.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === 'unlimited') return Infinity;
  return parseIntStrict(soft);
}

export async function readKernelParams(opts: KernelParamOptions = {}): Promise<KernelParams> {
  const root = opts.procRoot ?? '/proc';
  const [somaxconn, synBacklog, twReuse, portRange, limits] = await Promise.all([
    sysctl(root, P.somaxconn),
    sysctl(root, P.synBacklog),
    sysctl(root, P.twReuse),
    sysctl(root, 'net.ipv4.ip_local_port_range'),
    readOptional(join(root, 'self', 'limits')),
  ]);
  const out: KernelParams = {};
  const set = (name: keyof KernelParams & string, v: number | undefined) => {
    if (v !== undefined) out[name] = v;
  };
  set(P.somaxconn, parseIntStrict(somaxconn));
  set(P.synBacklog, parseIntStrict(synBacklog));
  set(P.twReuse, parseIntStrict(twReuse));
  const [low, high] = (portRange ?? '').split(/\s+/).map((s) => parseIntStrict(s));
  set(P.portRangeLow, low);
  set(P.portRangeHigh, high);
  set(P.openFiles, parseOpenFilesLimit(limits));
  if (opts.listenBacklog !== undefined) {
    set(P.listenBacklog, opts.listenBacklog);
    // The kernel silently caps every listen(2) backlog at somaxconn.
    const cap = out[P.somaxconn];
    set(P.effectiveBacklog, cap === undefined ? undefined : Math.min(opts.listenBacklog, cap));
  }
  return out;
}

export function kernelParamsCollector(opts: KernelParamOptions): Collector {
  return {
    name: 'kernel',
    async collect() {
      const params = await readKernelParams(opts);
      const entries = Object.entries(params);
      if (entries.length === 0) throw new Error(`no kernel parameters readable under ${opts.procRoot ?? '/proc'}`);
      return entries.map(([name, value]) => ({ metric: host.KERNEL_PARAM, value, attributes: { [host.ATTR_PARAM_NAME]: name } }));
    },
  };
}
