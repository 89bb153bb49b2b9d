/**
 * Just enough of the Prometheus text format to read a /metrics (bench --watch, and the status page reading the agent): sample lines
 * (`name{label="value",…} number [timestamp]`), comments skipped, label values unescaped. What the
 * OpenTelemetry exporter writes, and no more: no exemplars are needed by the watch.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function unescape(s: string): string {
  return s.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string, from: number): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let i = from;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const m = NAME.exec(text.slice(i));
    if (!m || text[i + m[0].length] !== '=' || text[i + m[0].length + 1] !== '"') return undefined;
    i += m[0].length + 2;
    let v = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') v += text[i++];
      v += text[i++];
    }
    if (i >= text.length) return undefined;
    labels[m[0]] = unescape(v);
    i++;
  }
}

/** Every sample line; malformed lines are skipped (a scrape must not fail on one odd series). */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = NAME.exec(line);
    if (!m) continue;
    let rest = m[0].length;
    let labels: Record<string, string> = {};
    if (line[rest] === '{') {
      const parsed = parseLabels(line, rest + 1);
      if (!parsed) continue;
      labels = parsed.labels;
      rest = parsed.end;
    }
    const value = Number(line.slice(rest).trim().split(/\s+/)[0]);
    if (Number.isNaN(value) && !/NaN/.test(line.slice(rest))) continue;
    out.push({ name: m[0], labels, value });
  }
  return out;
}
