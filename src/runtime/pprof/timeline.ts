/**
 * A timeline of this process over a window, as Chrome Trace Event JSON (opens in Perfetto and
 * chrome://tracing): inbound and outbound HTTP requests with their trace ids, GC pauses,
 * event-loop blocks, and counters for event-loop utilisation and heap.
 *
 * Requests come from diagnostics_channel (node:http's `http.server.*` / `http.client.*` and
 * undici's `undici:request:*`, which fetch uses), so nothing is patched and nothing is subscribed
 * outside a capture. Overlapping requests are spread over lanes (one "thread" each) because
 * complete ("X") events on one thread must nest.
 */
import * as dc from 'node:diagnostics_channel';
import { CHANNELS } from '../channels';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { H_TRACEPARENT, H_TRACE_ID } from '../../context/headers';
import { startBlockProbe } from '../block-probe';
import { observeGc } from '../gc';
import { waitWindow } from './wait';

export interface TimelineOptions {
  seconds: number;
  signal?: AbortSignal;
  /** Requests to this server are not recorded (the debug listener serving the capture). */
  excludeServer?: unknown;
  /** Counter sampling period (ms). Default 100. */
  counterIntervalMs?: number;
  /** Event-loop stalls at least this long are drawn (ms). Default 10. */
  blockThresholdMs?: number;
  /** Stop recording events past this many (memory bound). Default 200000. */
  maxEvents?: number;
}

export interface TraceEvent {
  name: string;
  ph: 'X' | 'B' | 'E' | 'i' | 'C' | 'M';
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  cat?: string;
  s?: 'g' | 'p' | 't';
  args?: Record<string, unknown>;
}

export interface TraceDocument {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, unknown>;
}

const TID_LOOP = 1;
const TID_GC = 2;
const TID_SERVER_BASE = 100;
const TID_CLIENT_BASE = 1000;
const MAX_LANES = 256;
const TRACEPARENT_RE = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}/;

interface Span {
  kind: 'server' | 'client';
  name: string;
  start: number;
  end?: number;
  args: Record<string, unknown>;
}

const us = (ms: number) => Math.round(ms * 1000);

function traceIdFromTraceparent(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? TRACEPARENT_RE.exec(v)?.[1] : undefined;
}

/** Path without the query string: queries can carry ids and signatures that do not belong in a file. */
function pathOnly(url: string | undefined): string {
  const p = (url ?? '/').split('?')[0];
  return p.length > 200 ? p.slice(0, 200) + '…' : p;
}

/** undici v6 keeps request headers as [name, value, ...]; v5 as one "name: value\r\n" string. */
function undiciHeader(headers: unknown, name: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
    }
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const at = line.indexOf(':');
      if (at > 0 && line.slice(0, at).trim().toLowerCase() === name) return line.slice(at + 1).trim();
    }
  }
  return undefined;
}

/** Spreads spans over lanes so spans on one lane never overlap. */
function assignLanes(spans: Span[], end: number): Array<{ span: Span; lane: number }> {
  const laneEnds: number[] = [];
  const out: Array<{ span: Span; lane: number }> = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    let lane = laneEnds.findIndex((e) => e <= span.start);
    if (lane < 0) {
      if (laneEnds.length < MAX_LANES) lane = laneEnds.push(0) - 1;
      else lane = laneEnds.indexOf(Math.min(...laneEnds));
    }
    laneEnds[lane] = span.end ?? end;
    out.push({ span, lane });
  }
  return out;
}

type Listener = (message: unknown) => void;

export async function captureTimeline(opts: TimelineOptions): Promise<TraceDocument | undefined> {
  const pid = process.pid;
  const maxEvents = opts.maxEvents ?? 200_000;
  const events: TraceEvent[] = [];
  const spans: Span[] = [];
  let dropped = 0;
  const push = (e: TraceEvent) => {
    if (events.length + spans.length < maxEvents) events.push(e);
    else dropped++;
  };
  const open = (span: Span): Span | undefined => {
    if (events.length + spans.length >= maxEvents) {
      dropped++;
      return undefined;
    }
    spans.push(span);
    return span;
  };

  const serverSpans = new WeakMap<object, Span>();
  const clientSpans = new WeakMap<object, Span>();
  const subscriptions: Array<[string, Listener]> = [];
  const on = (channel: string, fn: (m: Record<string, unknown>) => void) => {
    const listener: Listener = (m) => {
      try {
        fn(m as Record<string, unknown>);
      } catch {
        // A malformed message must not break the app's request.
      }
    };
    dc.subscribe(channel, listener);
    subscriptions.push([channel, listener]);
  };

  on(CHANNELS.httpServerRequestStart, (m) => {
    if (opts.excludeServer !== undefined && m.server === opts.excludeServer) return;
    const req = m.request as { method?: string; url?: string; headers: Record<string, unknown> };
    const span = open({
      kind: 'server',
      name: `${req.method ?? 'GET'} ${pathOnly(req.url)}`,
      start: performance.now(),
      args: { trace_id: traceIdFromTraceparent(req.headers[H_TRACEPARENT]) },
    });
    if (span) serverSpans.set(m.response as object, span);
  });
  on(CHANNELS.httpServerResponseFinish, (m) => {
    const res = m.response as { statusCode: number; getHeader(n: string): unknown };
    const span = serverSpans.get(res);
    if (!span) return;
    span.end = performance.now();
    span.args.status = res.statusCode;
    const legacy = res.getHeader(H_TRACE_ID);
    if (typeof legacy === 'string') span.args.x_trace_id = legacy;
  });
  on(CHANNELS.httpClientRequestStart, (m) => {
    const req = m.request as { method: string; host?: string; path?: string; getHeader(n: string): unknown };
    const span = open({
      kind: 'client',
      name: `${req.method} ${req.host ?? ''}${pathOnly(req.path)}`,
      start: performance.now(),
      args: { trace_id: traceIdFromTraceparent(req.getHeader(H_TRACEPARENT)) },
    });
    if (span) clientSpans.set(req, span);
  });
  on(CHANNELS.httpClientResponseFinish, (m) => {
    const span = clientSpans.get(m.request as object);
    if (!span) return;
    span.end = performance.now();
    span.args.status = (m.response as { statusCode?: number }).statusCode;
  });
  on(CHANNELS.httpClientRequestError, (m) => {
    const span = clientSpans.get(m.request as object);
    if (!span || span.end !== undefined) return;
    span.end = performance.now();
    span.args.error = (m.error as Error | undefined)?.message;
  });
  on(CHANNELS.undiciRequestCreate, (m) => {
    const req = m.request as { method: string; origin: string; path: string; headers: unknown };
    const span = open({
      kind: 'client',
      name: `${req.method} ${req.origin}${pathOnly(req.path)}`,
      start: performance.now(),
      args: { trace_id: traceIdFromTraceparent(undiciHeader(req.headers, H_TRACEPARENT)), client: 'undici' },
    });
    if (span) clientSpans.set(req, span);
  });
  on(CHANNELS.undiciRequestHeaders, (m) => {
    const span = clientSpans.get(m.request as object);
    if (span) span.args.status = (m.response as { statusCode?: number }).statusCode;
  });
  on(CHANNELS.undiciRequestTrailers, (m) => {
    const span = clientSpans.get(m.request as object);
    if (span && span.end === undefined) span.end = performance.now();
  });
  on(CHANNELS.undiciRequestError, (m) => {
    const span = clientSpans.get(m.request as object);
    if (!span || span.end !== undefined) return;
    span.end = performance.now();
    span.args.error = (m.error as Error | undefined)?.message;
  });

  const gc = observeGc((p) => push({ name: `GC ${p.kind}`, cat: 'gc', ph: 'X', ts: us(p.start), dur: us(p.duration), pid, tid: TID_GC }));
  const probe = startBlockProbe({
    intervalMs: 5,
    thresholdMs: opts.blockThresholdMs ?? 10,
    onBlock: (b) =>
      push({ name: 'event-loop block', cat: 'eventloop', ph: 'X', ts: us(b.start), dur: us(b.duration), pid, tid: TID_LOOP, args: { ms: Math.round(b.duration) } }),
  });
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  const sampleCounters = () => {
    const now = performance.now();
    const delta = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    const mem = process.memoryUsage();
    push({ name: 'event loop utilization', ph: 'C', ts: us(now), pid, tid: TID_LOOP, args: { utilization: Number(delta.utilization.toFixed(4)) } });
    push({ name: 'heap', ph: 'C', ts: us(now), pid, tid: TID_LOOP, args: { used: mem.heapUsed, total: mem.heapTotal, external: mem.external } });
  };
  const counters = setInterval(sampleCounters, opts.counterIntervalMs ?? 100);
  counters.unref();

  const startedAt = new Date();
  const start = performance.now();
  let complete: boolean;
  try {
    sampleCounters();
    complete = await waitWindow(opts.seconds * 1000, opts.signal);
    sampleCounters();
  } finally {
    clearInterval(counters);
    probe.stop();
    gc.stop();
    for (const [channel, listener] of subscriptions) dc.unsubscribe(channel, listener);
  }
  if (!complete) return undefined;
  const end = performance.now();

  const meta = (tid: number, name: string, sortIndex: number): TraceEvent[] => [
    { name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name } },
    { name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid, args: { sort_index: sortIndex } },
  ];
  const out: TraceEvent[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: `node ${pid} ${process.title}` } },
    ...meta(TID_LOOP, 'event loop', 1),
    ...meta(TID_GC, 'GC', 2),
  ];
  const lanesSeen = new Set<number>();
  for (const kind of ['server', 'client'] as const) {
    const base = kind === 'server' ? TID_SERVER_BASE : TID_CLIENT_BASE;
    for (const { span, lane } of assignLanes(spans.filter((s) => s.kind === kind), end)) {
      const tid = base + lane;
      if (!lanesSeen.has(tid)) {
        lanesSeen.add(tid);
        out.push(...meta(tid, `${kind === 'server' ? 'inbound HTTP' : 'outbound HTTP'} #${lane + 1}`, tid));
      }
      const args: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(span.args)) if (v !== undefined) args[k] = v;
      if (span.end === undefined) args.unfinished = true;
      const s = Math.max(span.start, start);
      out.push({ name: span.name, cat: `http.${kind}`, ph: 'X', ts: us(s), dur: us((span.end ?? end) - s), pid, tid, args });
    }
  }
  out.push(...events);
  return {
    traceEvents: out,
    displayTimeUnit: 'ms',
    otherData: {
      generator: 'paysidecar',
      pid,
      started_at: startedAt.toISOString(),
      seconds: opts.seconds,
      dropped_events: dropped,
    },
  };
}
