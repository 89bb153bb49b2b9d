/** Builds a fake /proc tree (sysctls, self/limits, self/cgroup) in a temp dir for a test. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface FakeProc {
  readonly root: string;
  write(relative: string, text: string): void;
  remove(): void;
}

export function limitsFile(openFilesSoft: number | 'unlimited'): string {
  return [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    `Max open files            ${openFilesSoft}                 1048576              files     `,
    'Max processes             63974                63974                processes ',
  ].join('\n');
}

export function fakeProc(files: Record<string, string>): FakeProc {
  const root = mkdtempSync(join(tmpdir(), 'paysidecar-proc-'));
  const write = (relative: string, text: string) => {
    const path = join(root, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text + '\n');
  };
  for (const [p, t] of Object.entries(files)) write(p, t);
  return { root, write, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** What a busy proxy wants: no advice expected. */
export const HEALTHY = {
  'sys/net/core/somaxconn': '4096',
  'sys/net/ipv4/tcp_max_syn_backlog': '8192',
  'sys/net/ipv4/tcp_tw_reuse': '1',
  'sys/net/ipv4/ip_local_port_range': '15000\t65000',
  'self/limits': limitsFile(1048576),
};

/** An old or badly tuned node: every value too low. */
export const LOW = {
  'sys/net/core/somaxconn': '128',
  'sys/net/ipv4/tcp_max_syn_backlog': '256',
  'sys/net/ipv4/tcp_tw_reuse': '0',
  'sys/net/ipv4/ip_local_port_range': '40000\t41000',
  'self/limits': limitsFile(1024),
};
