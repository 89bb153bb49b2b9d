/** Header names the sidecar reads, writes or strips. Lower-case, as node's http module keys them. */
export const H_TRACEPARENT = 'traceparent';
export const H_TRACESTATE = 'tracestate';
export const H_BAGGAGE = 'baggage';
/** Legacy trace id: `tr-<32 hex>` for prod, `t-<32 hex>` for stress. */
export const H_TRACE_ID = 'x-trace-id';
/** Stress scenario, e.g. `stress-v2`; forwarded only for trusted callers. */
export const H_TEST_ENV = 'x-test-env';
/** `<unix-seconds>.<hex HMAC-SHA256(secret, "<scenario>.<unix-seconds>")>`; never forwarded. */
export const H_STRESS_TOKEN = 'x-stress-token';
/**
 * The stress markers as CGI-style servers (PHP, WSGI, Rack) see them: they map `X_Test_Env` and
 * `X-Test-Env` to the same variable, so an underscore spelling is a marker too and is stripped.
 */
export const STRESS_MARKERS_DASHED: readonly string[] = [H_TEST_ENV, H_STRESS_TOKEN, H_TRACE_ID];
export const H_X_FORWARDED_FOR = 'x-forwarded-for';
export const H_X_FORWARDED_PROTO = 'x-forwarded-proto';
export const H_X_FORWARDED_HOST = 'x-forwarded-host';

/**
 * Single-valued headers whose value the agent decides on an app's outbound call: the app's own
 * copies are replaced, never sent next to the agent's.
 */
export const AGENT_OWNED_HEADERS: ReadonlySet<string> = new Set([H_TRACEPARENT, H_TRACESTATE, H_TRACE_ID, H_TEST_ENV]);

export const TRACE_ID_PREFIX_PROD = 'tr-';
export const TRACE_ID_PREFIX_STRESS = 't-';

/** A stress scenario name (`X-Test-Env`, the `stress` baggage member, `--stress`): here, not in
 * stress-token.ts, so the agent checks it without loading node:crypto. */
export const SCENARIO_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const SCENARIO_EXPECTED = 'lower-case letters, digits and dashes, 1-32 chars, e.g. stress-v2';

/** The W3C baggage member that marks stress traffic. */
export const BAGGAGE_STRESS_KEY = 'stress';
