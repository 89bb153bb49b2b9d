/**
 * The paysidecar headers that W3C propagators do not know, for the app's own calls:
 *
 *   extract  `X-Test-Env: <scenario>` (or a `stress` baggage member) marks the request being
 *            handled as stress traffic; the scenario is kept in the context and mirrored into
 *            baggage so the W3C baggage propagator forwards `stress=<scenario>` too.
 *   inject   `X-Trace-ID: t-<trace id>` for stress, `tr-<trace id>` for prod, from the active span,
 *            and `X-Test-Env: <scenario>` only for stress.
 *
 * The app trusts these markers because the sidecar in front of it strips them from untrusted
 * callers; the app's port must not be reachable around the sidecar.
 */
import { createContextKey, isSpanContextValid, propagation, trace, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { BAGGAGE_STRESS_KEY, H_TEST_ENV, H_TRACE_ID, TRACE_ID_PREFIX_PROD, TRACE_ID_PREFIX_STRESS, SCENARIO_RE } from '../../src/context/headers';

const SCENARIO = createContextKey('paysidecar stress scenario');

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function validScenario(v: string | undefined): string | undefined {
  const s = v?.trim();
  return s && SCENARIO_RE.test(s) ? s : undefined;
}

/** The stress scenario of the request this context belongs to, or undefined for prod traffic. */
export function stressScenario(ctx: Context): string | undefined {
  const kept = ctx.getValue(SCENARIO);
  if (typeof kept === 'string') return kept;
  return validScenario(propagation.getBaggage(ctx)?.getEntry(BAGGAGE_STRESS_KEY)?.value);
}

/** Same as extract(), for a plain header record (the server-span hook sees one before extract runs). */
export function scenarioFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const direct = validScenario(first(headers[H_TEST_ENV]));
  if (direct) return direct;
  const baggage = first(headers['baggage']);
  if (!baggage) return undefined;
  for (const member of baggage.split(',')) {
    const [kv] = member.split(';');
    const eq = kv.indexOf('=');
    if (eq > 0 && kv.slice(0, eq).trim() === BAGGAGE_STRESS_KEY) return validScenario(kv.slice(eq + 1).trim());
  }
  return undefined;
}

export class LegacyHeadersPropagator implements TextMapPropagator {
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const scenario = validScenario(first(getter.get(carrier, H_TEST_ENV))) ?? stressScenario(ctx);
    if (!scenario) return ctx;
    let out = ctx.setValue(SCENARIO, scenario);
    const bag = propagation.getBaggage(out) ?? propagation.createBaggage();
    if (bag.getEntry(BAGGAGE_STRESS_KEY)?.value !== scenario) {
      out = propagation.setBaggage(out, bag.setEntry(BAGGAGE_STRESS_KEY, { value: scenario }));
    }
    return out;
  }

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const scenario = stressScenario(ctx);
    const sc = trace.getSpanContext(ctx);
    if (sc && isSpanContextValid(sc)) {
      setter.set(carrier, H_TRACE_ID, (scenario ? TRACE_ID_PREFIX_STRESS : TRACE_ID_PREFIX_PROD) + sc.traceId);
    }
    if (scenario) setter.set(carrier, H_TEST_ENV, scenario);
  }

  fields(): string[] {
    return [H_TRACE_ID, H_TEST_ENV];
  }
}
