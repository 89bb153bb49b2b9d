/**
 * Sends one request and records it: adds the colouring and trace headers, and measures latency
 * from the time the request was *meant* to go out (open loop) or did go out (closed loop).
 */
import type { HttpClient } from './http-client';
import type { Recorder } from './recorder';
import type { RequestSource } from './request';
import type { StressColour } from './stress-colour';
import { TraceIds } from './trace-ids';

export interface IssueContext {
  client: HttpClient;
  source: RequestSource;
  recorder: Recorder;
  colour?: StressColour;
  traceIds?: TraceIds;
  /** performance.now()-style clock, ms. */
  clock: () => number;
}

/**
 * `done` is never called from inside the `send` call or an undici error callback, so a driver
 * looping on it cannot recurse. `lane` pins a closed-loop worker to its own connection.
 */
export function issue(ctx: IssueContext, intendedMs: number, step: number | undefined, done: () => void, lane?: number): void {
  const req = ctx.source.next();
  let headers = req.headers as string[];
  if (ctx.colour || ctx.traceIds) {
    headers = headers.slice();
    if (ctx.colour) headers.push(...ctx.colour.headers());
  }
  let traceId: string | undefined;
  if (ctx.traceIds) {
    const t = ctx.traceIds.next();
    traceId = t.traceId;
    headers.push(TraceIds.header, t.traceparent);
  }
  let sync = true;
  const dispatchMs = ctx.clock();
  ctx.recorder.dispatched(dispatchMs, Math.max(0, dispatchMs - intendedMs));
  ctx.client.send(
    req,
    headers,
    (outcome) => {
      const now = ctx.clock();
      ctx.recorder.record(req.operation, outcome, (now - intendedMs) * 1000, now, traceId, step);
      // undici fails a connection's queued requests in one synchronous loop and asserts the queue
      // is empty afterwards: a worker must not dispatch again from inside that loop.
      if (sync || outcome.error !== undefined) setImmediate(done);
      else done();
    },
    lane,
  );
  sync = false;
}
