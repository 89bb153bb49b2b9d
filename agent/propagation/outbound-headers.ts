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

/** node:http's `headers` option (a record, or a flat [name, value, ...] array) with `ours` merged in. */
export function mergeHeaders(theirs: unknown, ours: HeaderList): OutgoingHttpHeaders | string[] {
  const baggage = lookup(ours, H_BAGGAGE);
  if (Array.isArray(theirs)) {
    const out: string[] = [];
    let theirBaggage: string | undefined;
    for (let i = 0; i + 1 < theirs.length; i += 2) {
      const name = String(theirs[i]).toLowerCase();
      if (AGENT_OWNED_HEADERS.has(name)) continue;
      if (name === H_BAGGAGE && baggage !== undefined) theirBaggage = theirBaggage ? `${theirBaggage},${theirs[i + 1]}` : String(theirs[i + 1]);
      else out.push(theirs[i], theirs[i + 1]);
    }
    for (let i = 0; i < ours.length; i += 2) {
      out.push(ours[i], ours[i] === H_BAGGAGE && theirBaggage ? `${theirBaggage},${ours[i + 1]}` : ours[i + 1]);
    }
    return out;
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

/** Whether node:http's `headers` option (a record or a flat array) names `name` (lower-case). */
export function hasHeader(headers: unknown, name: string): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return true;
    return false;
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
 * options. Arguments node would refuse are returned untouched, so node raises its own error.
 */
export function withOutboundHeaders(args: unknown[], ours: HeaderList): unknown[] {
  const at = optionsAt(args);
  if (at === undefined) return args;
  const out = args.slice();
  if (at === 'insert') out.splice(1, 0, {});
  const i = at === 'insert' ? 1 : at;
  const options = out[i] as { headers?: unknown };
  out[i] = { ...options, headers: mergeHeaders(options.headers, ours) };
  return out;
}
