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
  /** The upstream's response head has arrived: from here on a failure can only cut the connection. */
  responseStarted?: boolean;
  /**
   * How the exchange ended when the response object cannot tell (a cut connection, a parser
   * refusal, the drain deadline, a switched protocol): the record stage reads this first.
   */
  outcome?: { status?: number; errorType?: string };
}

const EXCHANGE = Symbol('paysidecar.exchange');
type Carrier = { [EXCHANGE]?: Exchange };

/** Ties an exchange to its response, so stages that only see the socket (the parser's errors) can reach it. */
export function attachExchange(res: object, ex: Exchange): void {
  (res as Carrier)[EXCHANGE] = ex;
}

export function exchangeOf(res: object | null | undefined): Exchange | undefined {
  return res ? (res as Carrier)[EXCHANGE] : undefined;
}
