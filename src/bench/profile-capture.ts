/**
 * Takes one capture from a watched target's /debug/pprof (profile, heap or trace) and saves it.
 * The debug token, when given, goes in the Authorization header only: it is never part of a URL,
 * a file name, a warning or the report. Failures come back as a sentence for the report, not a
 * thrown error: a target that refuses to be profiled must not cost the user the load test.
 */
import { ENV } from '../config/env';
import { writeFileCreatingDir } from './report-file';

export type CaptureKind = 'cpu' | 'heap' | 'trace';

const ROUTES: Record<CaptureKind, { path: string; ext: string }> = {
  cpu: { path: '/debug/pprof/profile', ext: 'cpu.pb.gz' },
  heap: { path: '/debug/pprof/heap', ext: 'heap.pb.gz' },
  trace: { path: '/debug/pprof/trace', ext: 'trace.json' },
};

/** Beyond the capture itself: the target's gzip and the transfer. */
const GRACE_MS = 15_000;

export type CaptureResult = { ok: true; bytes: Buffer; file: string } | { ok: false; warning: string };

export function captureFileName(base: string, kind: CaptureKind): string {
  return `${base}.${ROUTES[kind].ext}`;
}

export async function captureProfile(o: { baseUrl: string; kind: CaptureKind; seconds: number; token?: string; file: string; signal?: AbortSignal }): Promise<CaptureResult> {
  const url = `${o.baseUrl}${ROUTES[o.kind].path}?seconds=${o.seconds}`;
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const timeout = AbortSignal.timeout(o.seconds * 1000 + GRACE_MS);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return { ok: false, warning: `${o.kind} profile from ${o.baseUrl}: no answer (${cause})` };
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) {
    let detail = '';
    try {
      const body = JSON.parse(bytes.toString('utf8')) as { code?: string; message?: string; detail?: string };
      detail = [body.code, body.detail ?? body.message].filter(Boolean).join(': ');
    } catch {
      detail = bytes.toString('utf8').slice(0, 200).trim();
    }
    const hint = res.status === 403 && !o.token ? ` (set ${ENV.DEBUG_TOKEN.name} to the target's debug token)` : '';
    return { ok: false, warning: `${o.kind} profile from ${o.baseUrl}: HTTP ${res.status}${detail ? ` ${detail}` : ''}${hint}` };
  }
  writeFileCreatingDir(o.file, bytes);
  return { ok: true, bytes, file: o.file };
}
