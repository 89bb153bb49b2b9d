/**
 * Stress-traffic colouring. A request is stress traffic only when it is trusted: its peer is inside
 * a trusted CIDR, or it carries a valid X-Stress-Token for its X-Test-Env scenario. Everyone else
 * has every stress marker stripped before forwarding, and the rejection is counted by reason.
 * X-Stress-Token is always removed: it never goes upstream, into logs or back to the client.
 */
import { ROOT_CONTEXT, propagation, defaultTextMapGetter, defaultTextMapSetter, type Counter, type Meter } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import type { IncomingHttpHeaders } from 'node:http';
import { ATTR_REASON, STRESS_REJECTIONS, STRESS_REJECTION_REASONS, TRAFFIC_PROD, TRAFFIC_STRESS, type Traffic } from '../telemetry/names';
import type { CidrSet } from '../config/cidr';
import { BAGGAGE_STRESS_KEY, H_BAGGAGE, H_STRESS_TOKEN, H_TEST_ENV, H_TRACE_ID, STRESS_MARKERS_DASHED, TRACE_ID_PREFIX_STRESS } from './headers';
import { verifyStressToken } from './stress-token';
import { SCENARIO_RE } from './headers';

const baggagePropagator = new W3CBaggagePropagator();

/** Mutable so a config reload can swap trusted CIDRs and secrets without touching in-flight requests. */
export interface StressPolicy {
  trusted: CidrSet;
  /** Accepted HMAC secrets: one normally, two during a rotation's overlap window. */
  secrets: readonly string[];
}

export type RejectionReason = (typeof STRESS_REJECTION_REASONS)[keyof typeof STRESS_REJECTION_REASONS];

export interface StressDecision {
  traffic: Traffic;
  scenario?: string;
  /** Set when stress markers were present but not accepted. */
  rejection?: RejectionReason;
  /** The client's own X-Trace-ID, kept for the span and the log, never forwarded. */
  clientTraceId?: string;
}

export interface StressInstruments {
  rejections: Counter;
}

export function createStressInstruments(meter: Meter): StressInstruments {
  return {
    rejections: meter.createCounter(STRESS_REJECTIONS.otel, { description: STRESS_REJECTIONS.description, unit: STRESS_REJECTIONS.unit }),
  };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/** Reads the stress baggage member; rewrites the baggage header without it or with `scenario`. */
function rewriteBaggage(headers: IncomingHttpHeaders, scenario: string | undefined): void {
  const raw = headers[H_BAGGAGE];
  if (raw === undefined) {
    if (scenario) headers[H_BAGGAGE] = `${BAGGAGE_STRESS_KEY}=${scenario}`;
    return;
  }
  const bag = propagation.getBaggage(baggagePropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
  let next = bag ?? propagation.createBaggage();
  next = scenario ? next.setEntry(BAGGAGE_STRESS_KEY, { value: scenario }) : next.removeEntry(BAGGAGE_STRESS_KEY);
  delete headers[H_BAGGAGE];
  baggagePropagator.inject(propagation.setBaggage(ROOT_CONTEXT, next), headers, defaultTextMapSetter);
}

/**
 * A `stress` member anywhere in the header, as any app's parser might find it: keys are
 * percent-decoded (`%73tress` is `stress`), and a member past the 180 members or 8192 bytes our
 * parser reads is still there for a parser without those limits.
 */
const STRESS_MEMBER_RE = new RegExp(
  '(?:^|,)\\s*' + [...BAGGAGE_STRESS_KEY].map((c) => `(?:${c}|%${c.charCodeAt(0).toString(16)})`).join('') + '\\s*=',
);

interface BaggageStress {
  /** A stress member is present (so the header must not go upstream as it is, unless trusted). */
  marked: boolean;
  /** Its value, when our parser reached it. */
  scenario?: string;
}

function baggageStress(headers: IncomingHttpHeaders): BaggageStress {
  const raw = single(headers[H_BAGGAGE]);
  if (raw === undefined || !STRESS_MEMBER_RE.test(raw)) return { marked: false };
  const bag = propagation.getBaggage(baggagePropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
  return { marked: true, scenario: bag?.getEntry(BAGGAGE_STRESS_KEY)?.value };
}

/** Removes `x_test_env`-style spellings of the markers; true when there were any. */
function stripUnderscoreMarkers(headers: IncomingHttpHeaders): boolean {
  let found = false;
  for (const name in headers) {
    if (name.indexOf('_') !== -1 && STRESS_MARKERS_DASHED.includes(name.replace(/_/g, '-'))) {
      delete headers[name];
      found = true;
    }
  }
  return found;
}

/**
 * Decides prod or stress for one request and rewrites `headers` (in place) for the upstream hop:
 * stress → X-Test-Env and `stress=<scenario>` baggage set; prod → both stripped. X-Stress-Token and
 * the client's X-Trace-ID are always removed (the caller sets the sidecar's own X-Trace-ID).
 */
export function decideStress(
  policy: StressPolicy,
  instruments: StressInstruments,
  peer: string | undefined,
  headers: IncomingHttpHeaders,
  nowSeconds?: number,
): StressDecision {
  const aliased = stripUnderscoreMarkers(headers);
  const testEnv = single(headers[H_TEST_ENV]);
  const token = single(headers[H_STRESS_TOKEN]);
  const clientTraceId = single(headers[H_TRACE_ID]);
  if (token !== undefined) delete headers[H_STRESS_TOKEN];
  if (clientTraceId !== undefined) delete headers[H_TRACE_ID];
  const bag = baggageStress(headers);
  const bagScenario = bag.scenario;

  if (testEnv === undefined && !bag.marked && token === undefined && !aliased &&
      (clientTraceId === undefined || !clientTraceId.startsWith(TRACE_ID_PREFIX_STRESS))) {
    return { traffic: TRAFFIC_PROD, clientTraceId };
  }

  let scenario: string | undefined;
  let rejection: RejectionReason | undefined;
  const trustedPeer = policy.trusted.has(peer);
  if (testEnv !== undefined) {
    if (!SCENARIO_RE.test(testEnv)) rejection = STRESS_REJECTION_REASONS.badScenario;
    else if (trustedPeer) scenario = testEnv;
    else {
      const verdict = verifyStressToken(policy.secrets, testEnv, token, nowSeconds);
      if (verdict.ok) scenario = testEnv;
      else rejection = verdict.reason;
    }
  } else if (trustedPeer && bagScenario !== undefined && SCENARIO_RE.test(bagScenario)) {
    scenario = bagScenario;
  } else {
    rejection = trustedPeer ? STRESS_REJECTION_REASONS.strayMarkers : STRESS_REJECTION_REASONS.untrusted;
  }

  if (scenario !== undefined) {
    headers[H_TEST_ENV] = scenario;
    rewriteBaggage(headers, scenario);
    return { traffic: TRAFFIC_STRESS, scenario, clientTraceId };
  }
  delete headers[H_TEST_ENV];
  // Re-serialised from what our parser read: a stress member it never reached is dropped too.
  if (bag.marked) rewriteBaggage(headers, undefined);
  if (rejection) instruments.rejections.add(1, { [ATTR_REASON]: rejection });
  return { traffic: TRAFFIC_PROD, rejection, clientTraceId };
}
