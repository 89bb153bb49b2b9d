/**
 * The Prometheus text exposition (what @opentelemetry/exporter-prometheus writes, merged with the
 * agent's) rewritten as OpenMetrics 1.0 text, with exemplars on the histogram buckets that have
 * an ExemplarSource.
 *
 * Why a rewrite beside the exporter and not a fork: the exporter writes only the 0.0.4 format and
 * OpenTelemetry JS has no exemplars on its Prometheus path yet (open-telemetry/opentelemetry-js#5147).
 * Once it does, drop this file, exemplars/ and the Accept negotiation in src/admin/metrics-format.ts.
 *
 * What OpenMetrics asks of the text, and what changes:
 *   - a counter family is named without `_total` (`# TYPE x counter`, sample `x_total`);
 *   - `# UNIT` is only valid when the family name ends in `_<unit>`: OTel names carry no unit
 *     suffix, so such lines are dropped (the unit is still in HELP's source, the instrument);
 *   - HELP escapes `"` as well; no blank lines; `untyped` is `unknown`; the text ends with `# EOF`;
 *   - an exemplar follows its bucket sample: `x_bucket{...,le="0.5"} 12 # {trace_id="…",span_id="…"} 0.43 1733150000.123`;
 *     its label names and values together are at most 128 characters.
 */
import { EXEMPLAR_SPAN_ID, EXEMPLAR_TRACE_ID } from '../names';
import type { Exemplar } from './request-exemplars';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
/** OpenMetrics 1.0: "The combined length of the label names and values of an Exemplar's LabelSet MUST NOT exceed 128 UTF-8 characters." */
export const EXEMPLAR_LABELS_MAX_CHARS = 128;

/** Finds the exemplar for one bucket line of a histogram family. */
export interface ExemplarSource {
  /** The family's name as exposed (the histogram's name without `_bucket`). */
  readonly family: string;
  exemplarFor(labels: ReadonlyMap<string, string>, le: string): Exemplar | undefined;
}

/** Label pairs of a sample line, unescaped; undefined when the line has no label set. */
export function parseLabels(line: string): Map<string, string> | undefined {
  const open = line.indexOf('{');
  if (open < 0) return undefined;
  const labels = new Map<string, string>();
  let i = open + 1;
  while (i < line.length && line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0 || line[eq + 1] !== '"') return labels;
    const name = line.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\' && j + 1 < line.length) {
        j++;
        value += line[j] === 'n' ? '\n' : line[j];
      } else value += line[j];
    }
    labels.set(name, value);
    i = j + 1;
    if (line[i] === ',') i++;
  }
  return labels;
}

function exemplarText(e: Exemplar): string | undefined {
  if (EXEMPLAR_TRACE_ID.length + e.traceId.length + EXEMPLAR_SPAN_ID.length + e.spanId.length > EXEMPLAR_LABELS_MAX_CHARS) return undefined;
  return ` # {${EXEMPLAR_TRACE_ID}="${e.traceId}",${EXEMPLAR_SPAN_ID}="${e.spanId}"} ${e.value} ${(e.timeMs / 1000).toFixed(3)}`;
}

const METADATA = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s(.*))?$/;

export function toOpenMetrics(prometheusText: string, sources: readonly ExemplarSource[] = []): string {
  const lines = prometheusText.split('\n');
  // The family name OpenMetrics wants for each name the 0.0.4 text uses in its metadata.
  const familyOf = new Map<string, { name: string; type: string }>();
  for (const line of lines) {
    if (!line.startsWith('# TYPE')) continue;
    const m = METADATA.exec(line);
    if (!m || m[1] !== 'TYPE') continue;
    const type = (m[3] ?? 'unknown').trim();
    familyOf.set(m[2], { name: m[2], type: type === 'untyped' ? 'unknown' : type });
  }
  for (const [name, family] of familyOf) {
    if (family.type !== 'counter') continue;
    const base = name.slice(0, -'_total'.length);
    // A counter whose name lacks _total, or whose base name another family already holds, cannot
    // be an OpenMetrics counter: it is exposed as unknown under its own name.
    if (name.endsWith('_total') && !familyOf.has(base)) family.name = base;
    else family.type = 'unknown';
  }
  const bySample = new Map<string, ExemplarSource>();
  for (const s of sources) bySample.set(`${s.family}_bucket`, s);

  const out: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = METADATA.exec(line);
      if (!m) continue;
      const [, kind, name, rest = ''] = m;
      const family = familyOf.get(name) ?? { name, type: 'unknown' };
      if (kind === 'TYPE') out.push(`# TYPE ${family.name} ${family.type}`);
      // The 0.0.4 text escapes only \\ and \n in HELP; OpenMetrics escapes " too.
      else if (kind === 'HELP') out.push(`# HELP ${family.name} ${rest.replaceAll('"', '\\"')}`);
      else if (rest !== '' && family.name.endsWith(`_${rest}`)) out.push(`# UNIT ${family.name} ${rest}`);
      continue;
    }
    const brace = line.indexOf('{');
    const source = brace > 0 ? bySample.get(line.slice(0, brace)) : undefined;
    if (source !== undefined) {
      const labels = parseLabels(line);
      const le = labels?.get('le');
      const exemplar = labels && le !== undefined ? source.exemplarFor(labels, le) : undefined;
      const text = exemplar && exemplarText(exemplar);
      if (text) {
        out.push(line.trimEnd() + text);
        continue;
      }
    }
    out.push(line);
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}
