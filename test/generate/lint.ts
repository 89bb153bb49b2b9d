/**
 * Small PromQL checks for the generated artefacts: which series an expression reads, and whether
 * every `rate()` sits inside an aggregation. Deliberately syntactic (no full parser): the
 * generators emit a narrow, regular subset of PromQL.
 */
import { join } from 'node:path';
import * as names from '../../src/telemetry/names';
import { prom, type MetricName } from '../../src/telemetry/names';

export const ROOT = join(__dirname, '..', '..', '..');

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);
const AGGREGATORS = new Set(['sum', 'avg', 'max', 'min', 'count', 'topk', 'bottomk', 'quantile', 'stddev', 'stdvar', 'group', 'count_values']);

function isMetricName(x: unknown): x is MetricName {
  return typeof x === 'object' && x !== null && typeof (x as MetricName).otel === 'string' && typeof (x as MetricName).kind === 'string';
}

/**
 * Every metric a names module defines, wherever it sits: top-level exports, namespaces
 * (`runtime`, `host`, `admin`) and records of metrics (`runtime.EVENTLOOP_DELAY.p99`).
 */
export function metricNames(module: object = names): MetricName[] {
  const out = new Map<string, MetricName>();
  const visit = (x: unknown, depth: number) => {
    if (isMetricName(x)) {
      out.set(x.otel, x);
      return;
    }
    if (depth < 3 && typeof x === 'object' && x !== null) for (const v of Object.values(x)) visit(v, depth + 1);
  };
  visit(module, 0);
  return [...out.values()];
}

/** The series one metric puts in Prometheus (a histogram's with their suffixes). */
export function seriesOf(m: MetricName): string[] {
  const base = prom(m);
  return m.kind === 'histogram' ? [base, ...['_bucket', '_sum', '_count'].map((s) => base + s)] : [base];
}

/** Every series name the names modules can put in Prometheus (the product's by default). */
export function knownSeries(...modules: object[]): Set<string> {
  return new Set((modules.length ? modules : [names]).flatMap((m) => metricNames(m)).flatMap(seriesOf));
}

/** Series names an expression selects (metric names, including recorded ones). */
export function seriesIn(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping label lists
    .replace(/\{[^}]*\}/g, ' ') // matchers
    .replace(/\[[^\]]*\]/g, ' ') // range windows
    .replace(/\boffset\s+[0-9a-z]+/g, ' '); // offset durations
  const out: string[] = [];
  const re = /([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[2]) continue; // a function or aggregation call
    const word = m[1];
    if (KEYWORDS.has(word.toLowerCase())) continue;
    if (/^\d/.test(word)) continue;
    out.push(word);
  }
  return out;
}

/** `rate(`/`irate(`/`increase(` calls that no aggregation encloses (counters must be summed after rate). */
export function unaggregatedRates(expr: string): number {
  const stack: string[] = [];
  let pendingAggregator: string | undefined;
  let bad = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"') {
      i++;
      while (i < expr.length && expr[i] !== '"') i += expr[i] === '\\' ? 2 : 1;
      continue;
    }
    if (c === '(') {
      const before = expr.slice(0, i).replace(/\s+$/, '');
      const word = /([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(before)?.[1];
      if (word && ['by', 'without'].includes(word)) {
        pendingAggregator = /([a-zA-Z_][a-zA-Z0-9_]*)\s+(?:by|without)$/.exec(before)?.[1];
        stack.push('(grouping)');
      } else if (word && ['on', 'ignoring', 'group_left', 'group_right'].includes(word)) {
        stack.push('(grouping)');
      } else if (!word && before.endsWith(')') && pendingAggregator) {
        stack.push(pendingAggregator);
        pendingAggregator = undefined;
      } else {
        stack.push(word ?? '');
        if (word && ['rate', 'irate', 'increase'].includes(word) && !stack.slice(0, -1).some((s) => AGGREGATORS.has(s))) bad++;
      }
    } else if (c === ')') {
      stack.pop();
    }
  }
  return bad;
}

/** Range windows used in an expression (`[5m]`, `[$__rate_interval]`). */
export function windows(expr: string): string[] {
  return [...expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
}
