/**
 * Renders the small subset of Prometheus alert templating our annotations use, so the promtool
 * test files can state the exact annotations promtool must see (it compares them verbatim).
 * Anything outside the subset throws: a silently mis-rendered expectation would make a test lie.
 * The humanize functions follow Prometheus 2.42's template/template.go.
 */

/** Go's `%.4g`. */
function goG4(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const prec = 4;
  const [mant, expText] = v.toExponential(prec - 1).split('e');
  const exp = Number(expText);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= prec) {
    const abs = Math.abs(exp);
    return `${trim(mant)}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return trim(v.toFixed(Math.max(0, prec - 1 - exp)));
}

const SMALL_PREFIXES = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
const BIG_PREFIXES = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return goG4(v);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of BIG_PREFIXES) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return `${goG4(v)}${prefix}`;
  }
  for (const p of SMALL_PREFIXES) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goG4(v)}${prefix}`;
}

export function humanizePercentage(v: number): string {
  return `${goG4(v * 100)}%`;
}

export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return goG4(v);
  if (v === 0) return `${goG4(v)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const abs = Math.abs(v);
    const whole = Math.trunc(abs);
    const seconds = whole % 60;
    const minutes = Math.trunc(whole / 60) % 60;
    const hours = Math.trunc(whole / 3600) % 24;
    const days = Math.trunc(whole / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${goG4(abs)}s`;
  }
  let prefix = '';
  for (const p of SMALL_PREFIXES) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goG4(v)}${prefix}s`;
}

const FUNCS: Record<string, (v: number) => string> = { humanize, humanizePercentage, humanizeDuration };

/**
 * Prometheus computes $value with its own float rounding; near a %.4g tie the last digit could go
 * either way, so such a value cannot be an exact expectation.
 */
export function nearTie(f: (v: number) => string, value: number): boolean {
  return f(value * (1 + 1e-9)) !== f(value * (1 - 1e-9));
}

/** rules.ts evalTimeMs(): the evaluation time in ms plus an offset, through a `query`. */
const EVAL_TIME_MS = /\{\{ with query "time\(\) \* 1000 ([+-]) (\d+)" \}\}\{\{ \. \| first \| value \| printf "%\.0f" \}\}\{\{ end \}\}/g;

/**
 * Renders `{{ $labels.x }}`, `{{ $value }}`, `{{ $value | humanize* }}`, and the evaluation-time
 * query of dashboard links at `evalSeconds` (promtool's clock starts at 0).
 */
export function renderTemplate(text: string, labels: Readonly<Record<string, string>>, value: number, evalSeconds?: number): string {
  text = text.replace(EVAL_TIME_MS, (whole, sign: string, ms: string) => {
    if (evalSeconds === undefined) throw new Error(`${whole}: needs the evaluation time`);
    return String(Math.round(evalSeconds * 1000 + (sign === '-' ? -1 : 1) * Number(ms)));
  });
  return text.replace(/\{\{(.*?)\}\}/g, (whole, inner: string) => {
    const expr = inner.trim();
    const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(expr);
    if (label) return labels[label[1]] ?? '';
    if (expr === '$value') return String(value);
    const piped = /^\$value\s*\|\s*([a-zA-Z]+)$/.exec(expr);
    if (piped && FUNCS[piped[1]]) {
      const f = FUNCS[piped[1]];
      if (nearTie(f, value)) {
        throw new Error(`${whole}: $value ${value} sits on a rounding tie; choose scenario numbers that avoid it`);
      }
      return f(value);
    }
    throw new Error(`template construct not supported by the test renderer: ${whole}`);
  });
}
