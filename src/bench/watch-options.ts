/**
 * The `bench --watch` flags: which listeners to watch, and what to capture from them. Problems are
 * collected with the others, each naming the flag; the debug token comes from the environment
 * only (a flag would show in `ps`).
 */
import { basename, dirname, extname } from 'node:path';
import { ENV, readEnv } from '../config/env';
import type { BenchFlags, Outputs } from './options';
import type { WatchOptions } from './watch';

export type WatchFlags = Omit<WatchOptions, 'window' | 'onWarning'> & { maxSeconds?: number };

const WATCH_EXPECTED = "http:// URLs of the sidecar's admin listener and/or the agent's listener, comma separated, e.g. http://127.0.0.1:15090,http://127.0.0.1:15091";
const show = (v: string) => JSON.stringify(v);

export function parseWatchTargets(text: string, problems: string[]): URL[] {
  const out: URL[] = [];
  const parts = text.split(',').map((p) => p.trim());
  for (const part of parts) {
    let u: URL | undefined;
    try {
      u = new URL(part);
    } catch {
      u = undefined;
    }
    if (!u || u.protocol !== 'http:' || u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
      problems.push(`--watch: ${show(part)} is invalid, expected ${WATCH_EXPECTED}`);
      continue;
    }
    if (out.some((o) => o.href === u.href)) problems.push(`--watch: ${show(part)} is given twice`);
    else out.push(u);
  }
  return out;
}

export function parseWatchFlags(flags: BenchFlags, env: NodeJS.ProcessEnv, problems: string[]): WatchFlags | undefined {
  const only = ['profileSeconds', 'profileHeap', 'profileTrace', 'profileDir'] as const;
  const flagName: Record<(typeof only)[number], string> = { profileSeconds: '--profile-seconds', profileHeap: '--profile-heap', profileTrace: '--profile-trace', profileDir: '--profile-dir' };
  if (flags.watch === undefined) {
    for (const k of only) if (flags[k] !== undefined) problems.push(`${flagName[k]}: only meaningful with --watch`);
    if (flags.profile === false) problems.push('--no-profile: only meaningful with --watch');
    return undefined;
  }
  const targets = parseWatchTargets(flags.watch, problems);
  let maxSeconds: number | undefined;
  if (flags.profileSeconds !== undefined) {
    const n = Number(flags.profileSeconds);
    if (!/^\d+$/.test(flags.profileSeconds.trim()) || n < 1 || n > 300) problems.push(`--profile-seconds: ${show(flags.profileSeconds)} is invalid, expected an integer from 1 to 300`);
    else maxSeconds = n;
  }
  const profiling = flags.profile !== false;
  if (!profiling) for (const k of only) if (flags[k] !== undefined) problems.push(`${flagName[k]}: cannot be combined with --no-profile`);
  const watch: WatchFlags = { targets, token: readEnv(ENV.DEBUG_TOKEN, env), maxSeconds };
  if (profiling) watch.profile = { heap: flags.profileHeap === true, trace: flags.profileTrace === true, dir: flags.profileDir ?? '', prefix: '' };
  return watch;
}

/** Profiles are saved next to the report: the --html file's directory, else the --json file's, else here. */
export function reportDir(o: Pick<Outputs, 'html' | 'json'>): string {
  const f = o.html ?? o.json;
  return f ? dirname(f) : '.';
}

/** `report.html` → `report.`, so `report.payment-gateway-15091.cpu.pb.gz` sits beside it. */
export function reportBase(o: Pick<Outputs, 'html' | 'json'>): string {
  const f = o.html ?? o.json;
  return f ? `${basename(f, extname(f))}.` : 'paysidecar-bench.';
}
