/** Everything the stages learn about one proxied request, read by the record stage at the end. */
import type { RequestTrace } from '../context/trace';
import type { StressDecision } from '../context/stress';

export interface Exchange {
  /** performance.now() at accept, for the duration. */
  readonly startMs: number;
  /** Wall clock at accept, for the span start time. */
  readonly startEpochMs: number;
  readonly method: string;
  readonly route: string;
  readonly peer: string;
  stress: StressDecision;
  trace: RequestTrace;
  /** tr-/t- prefixed id sent upstream and returned to the client. */
  legacyTraceId: string;
  /** Set when the request failed between sidecar and upstream. */
  upstreamError?: string;
  /** The client went away before the response completed. */
  clientAborted: boolean;
  /** Response body bytes when no content-length was known up front. */
  countedBytes: number;
}
