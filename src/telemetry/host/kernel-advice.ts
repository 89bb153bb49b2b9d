/**
 * Turns kernel parameters into advice: one line per value below what a busy payment proxy needs,
 * saying what goes wrong and the command that fixes it. The same table feeds the README's
 * deployment section, so the log and the docs cannot disagree.
 */
import { host } from '../names';
import type { KernelParams } from './kernel-params';

const P = host.KERNEL_PARAMS;

/** How a setting is changed in Kubernetes. */
export type KubernetesScope =
  /** Namespaced and on the kubelet's safe list: `securityContext.sysctls` just works. */
  | 'safe-sysctl'
  /** Namespaced but "unsafe": the node's kubelet must allow it (--allowed-unsafe-sysctls). */
  | 'unsafe-sysctl'
  /** Not a sysctl: a per-process limit set by the container runtime. */
  | 'ulimit';

export interface Advice {
  /** The `paysidecar.kernel.param` name. */
  readonly name: string;
  readonly value: number;
  /** What we recommend (a number, or the port range as "low high"). */
  readonly recommended: string;
  /** The command to run on the node (or in the pod's network namespace). */
  readonly fix: string;
  readonly kubernetes: KubernetesScope;
  /** The advice line: what is wrong, why it matters, how to fix it. */
  readonly message: string;
}

/** Minimums for a proxy handling bursts of payment traffic. */
export const RECOMMENDED = {
  somaxconn: 4096,
  synBacklog: 4096,
  /** 1 allows reusing TIME_WAIT sockets for new outbound connections; 2 does so on loopback only. */
  twReuse: 1,
  /** The kernel default range (32768-60999) holds 28232 ports; a narrower one is a red flag. */
  portRangeSize: 28232,
  portRange: '15000 65000',
  openFiles: 65536,
} as const;

export interface AdviceOptions {
  /** The upstream is on loopback (the usual sidecar case): tcp_tw_reuse=2 already covers it. */
  upstreamLoopback?: boolean;
}

const K8S_HINT: Record<KubernetesScope, string> = {
  'safe-sysctl': 'in Kubernetes set it in the pod\'s securityContext.sysctls',
  'unsafe-sysctl': 'in Kubernetes set it in the pod\'s securityContext.sysctls after allowing it on the node (kubelet --allowed-unsafe-sysctls)',
  ulimit: `under systemd set LimitNOFILE=${RECOMMENDED.openFiles}, under Docker --ulimit nofile=${RECOMMENDED.openFiles}:${RECOMMENDED.openFiles}; in Kubernetes the container runtime sets it`,
};

function advice(
  name: string,
  value: number,
  recommended: string,
  fix: string,
  kubernetes: KubernetesScope,
  why: string,
  shown: string = value === Infinity ? 'unlimited' : String(value),
): Advice {
  return {
    name,
    value,
    recommended,
    fix,
    kubernetes,
    message: `${name} is ${shown}, below the ${recommended} a busy payment proxy needs: ${why}. Run \`${fix}\`; ${K8S_HINT[kubernetes]}.`,
  };
}

export function kernelAdvice(params: KernelParams, opts: AdviceOptions = {}): Advice[] {
  const out: Advice[] = [];

  const somaxconn = params[P.somaxconn];
  const backlog = params[P.listenBacklog];
  const wantSomaxconn = Math.max(RECOMMENDED.somaxconn, backlog ?? 0);
  if (somaxconn !== undefined && somaxconn < wantSomaxconn) {
    const truncates = backlog !== undefined && somaxconn < backlog ? `; it also cuts the listener's backlog of ${backlog} to ${somaxconn}` : '';
    out.push(
      advice(P.somaxconn, somaxconn, String(wantSomaxconn), `sysctl -w net.core.somaxconn=${wantSomaxconn}`, 'unsafe-sysctl',
        `it caps every listener's accept queue, so in a burst connections beyond it are dropped and clients see connect timeouts${truncates}`),
    );
  }

  const syn = params[P.synBacklog];
  if (syn !== undefined && syn < RECOMMENDED.synBacklog) {
    out.push(
      advice(P.synBacklog, syn, String(RECOMMENDED.synBacklog), `sysctl -w net.ipv4.tcp_max_syn_backlog=${RECOMMENDED.synBacklog}`, 'unsafe-sysctl',
        'half-open connections beyond it are dropped (or answered with syncookies) during a SYN burst'),
    );
  }

  const tw = params[P.twReuse];
  if (tw !== undefined && (tw === 0 || (tw === 2 && !opts.upstreamLoopback))) {
    const why =
      tw === 0
        ? 'TIME_WAIT sockets are never reused for new outbound connections, so a proxy that opens many upstream connections runs out of local ports (EADDRNOTAVAIL)'
        : 'value 2 reuses TIME_WAIT sockets on loopback only and this upstream is not on loopback, so new upstream connections can run out of local ports (EADDRNOTAVAIL)';
    out.push(advice(P.twReuse, tw, String(RECOMMENDED.twReuse), 'sysctl -w net.ipv4.tcp_tw_reuse=1', 'unsafe-sysctl', why));
  }

  const low = params[P.portRangeLow];
  const high = params[P.portRangeHigh];
  if (low !== undefined && high !== undefined && high - low + 1 < RECOMMENDED.portRangeSize) {
    const size = high - low + 1;
    out.push(
      advice(
        'net.ipv4.ip_local_port_range',
        size,
        `${RECOMMENDED.portRangeSize} ports`,
        `sysctl -w net.ipv4.ip_local_port_range="${RECOMMENDED.portRange}"`,
        'safe-sysctl',
        'each closed outbound connection holds its local port for 60 s in TIME_WAIT, and when the ports run out connects fail with EADDRNOTAVAIL',
        `"${low} ${high}" (${size} ports)`,
      ),
    );
  }

  const files = params[P.openFiles];
  if (files !== undefined && files < RECOMMENDED.openFiles) {
    out.push(
      advice(P.openFiles, files, String(RECOMMENDED.openFiles), `ulimit -n ${RECOMMENDED.openFiles}`, 'ulimit',
        'every proxied request holds two sockets (client and upstream), and past the limit accept() and connect() fail with EMFILE'),
    );
  }
  return out;
}
