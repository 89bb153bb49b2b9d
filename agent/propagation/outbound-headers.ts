/**
 * The headers an app's outbound call carries on the agent's context-only path, and how they are
 * merged into what the app passed: the trace headers the agent owns replace the app's own copies
 * (an app written for Linkerd or Istio forwards them by hand), and `baggage` is appended to the
 * app's, as two baggage headers would be.
 */
import { SpanKind, trace, type Context, type TextMapPropagator, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import type { OutgoingHttpHeaders } from 'node:http';
import { AGENT_OWNED_HEADERS, H_BAGGAGE } from '../../src/context/headers';

/** Flat [name, value, name, value, ...], lower-case names, as undici's addHeader wants them one by one. */
export type HeaderList = string[];

const listSetter: TextMapSetter<HeaderList> = {
  set(carrier, key, value) {
    carrier.push(key, value);
  },
};

/**
 * What to send for one outbound call made in `ctx`: a client span id of its own (a child of the
 * request's server span, or a new trace when there is no request), then the propagators' output.
 */
export function outboundHeaders(ctx: Context, propagator: TextMapPropagator, tracer: Tracer): HeaderList {
  const span = tracer.startSpan('client', { kind: SpanKind.CLIENT }, ctx);
  const out: HeaderList = [];
  propagator.inject(trace.setSpan(ctx, span), out, listSetter);
  return out;
}

function lookup(list: HeaderList, name: string): string | undefined {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
  return undefined;
}

/**
 * node:http's two array forms of `headers` as [name, value] pairs: flat [name, value, ...] and
 * nested [[name, value], ...]. undefined for an array node refuses (odd length, a nested entry
 * that is not a pair), so node reports it as it would without the agent.
 */
function headerPairs(theirs: unknown[]): { nested: boolean; pairs: Array<[unknown, unknown]> } | undefined {
  const pairs: Array<[unknown, unknown]> = [];
  if (theirs.length > 0 && Array.isArray(theirs[0])) {
    for (const entry of theirs) {
      if (!Array.isArray(entry) || entry.length !== 2) return undefined;
      pairs.push([entry[0], entry[1]]);
    }
    return { nested: true, pairs };
  }
  if (theirs.length % 2 !== 0) return undefined;
  for (let i = 0; i < theirs.length; i += 2) pairs.push([theirs[i], theirs[i + 1]]);
  return { nested: false, pairs };
}

/**
 * node:http's `headers` option (a record, or either array form) with `ours` merged in, in the
 * app's own shape; undefined when node would refuse the app's array.
 */
export function mergeHeaders(theirs: unknown, ours: HeaderList): OutgoingHttpHeaders | unknown[] | undefined {
  const baggage = lookup(ours, H_BAGGAGE);
  if (Array.isArray(theirs)) {
    const form = headerPairs(theirs);
    if (form === undefined) return undefined;
    const pairs: Array<[unknown, unknown]> = [];
    let theirBaggage: string | undefined;
    for (const [key, value] of form.pairs) {
      const name = String(key).toLowerCase();
      if (AGENT_OWNED_HEADERS.has(name)) continue;
      if (name === H_BAGGAGE && baggage !== undefined) theirBaggage = theirBaggage ? `${theirBaggage},${value}` : String(value);
      else pairs.push([key, value]);
    }
    for (let i = 0; i < ours.length; i += 2) {
      pairs.push([ours[i], ours[i] === H_BAGGAGE && theirBaggage ? `${theirBaggage},${ours[i + 1]}` : ours[i + 1]]);
    }
    return form.nested ? pairs : pairs.flat();
  }
  const out: OutgoingHttpHeaders = {};
  let theirBaggage: string | undefined;
  if (theirs !== null && typeof theirs === 'object') {
    for (const [key, value] of Object.entries(theirs as OutgoingHttpHeaders)) {
      const name = key.toLowerCase();
      if (AGENT_OWNED_HEADERS.has(name)) continue;
      if (name === H_BAGGAGE && baggage !== undefined && value !== undefined) theirBaggage = Array.isArray(value) ? value.join(',') : String(value);
      else out[key] = value;
    }
  }
  for (let i = 0; i < ours.length; i += 2) {
    out[ours[i]] = ours[i] === H_BAGGAGE && theirBaggage ? `${theirBaggage},${ours[i + 1]}` : ours[i + 1];
  }
  return out;
}

/**
 * node:http's array `headers` (either form) as a record, repeated names as one array value (node
 * sends those as repeated lines, as it sends repeated array entries); undefined when `headers` is
 * not an array node accepts. For code that only understands records (instrumentation-http copies
 * an array into {"0": ..., "1": ...}, so the app's headers went out named by their index).
 */
export function headersAsRecord(headers: unknown): OutgoingHttpHeaders | undefined {
  if (!Array.isArray(headers)) return undefined;
  const form = headerPairs(headers);
  if (form === undefined) return undefined;
  const out: OutgoingHttpHeaders = {};
  const spelling = new Map<string, string>();
  for (const [key, value] of form.pairs) {
    const name = String(key);
    const seen = spelling.get(name.toLowerCase());
    if (seen === undefined) {
      spelling.set(name.toLowerCase(), name);
      out[name] = value as OutgoingHttpHeaders[string];
    } else {
      const before = out[seen];
      out[seen] = [...(Array.isArray(before) ? before : [String(before)]), String(value)];
    }
  }
  return out;
}

/** Whether node:http's `headers` option (a record or either array form) names `name` (lower-case). */
export function hasHeader(headers: unknown, name: string): boolean {
  if (Array.isArray(headers)) {
    const form = headerPairs(headers);
    return form !== undefined && form.pairs.some(([key]) => String(key).toLowerCase() === name);
  }
  if (headers === null || typeof headers !== 'object') return false;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return true;
  return false;
}

/**
 * Where the options object of http.request-style arguments is: (url, options?, cb?) or
 * (options, cb?). 'insert' for a url without options; undefined for arguments node will refuse.
 */
function optionsAt(args: unknown[]): 0 | 1 | 'insert' | undefined {
  const first = args[0];
  if (typeof first === 'string' || first instanceof URL) return args[1] !== null && typeof args[1] === 'object' ? 1 : 'insert';
  return first !== null && typeof first === 'object' ? 0 : undefined;
}

/** The options object of http.request-style arguments, if there is one. */
export function requestOptions(args: unknown[]): { headers?: unknown } | undefined {
  const at = optionsAt(args);
  return typeof at === 'number' ? (args[at] as { headers?: unknown }) : undefined;
}

/**
 * http.request / http.get / https.request / https.get arguments with `ours` merged into the
 * options. Arguments node would refuse (a bad headers array included) are returned untouched, so
 * node raises its own error.
 */
export function withOutboundHeaders(args: unknown[], ours: HeaderList): unknown[] {
  const at = optionsAt(args);
  if (at === undefined) return args;
  const out = args.slice();
  if (at === 'insert') out.splice(1, 0, {});
  const i = at === 'insert' ? 1 : at;
  const options = out[i] as { headers?: unknown };
  const headers = mergeHeaders(options.headers, ours);
  if (headers === undefined) return args;
  out[i] = { ...options, headers };
  return out;
}
