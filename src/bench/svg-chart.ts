/**
 * Tiny SVG chart renderers for the HTML report: line charts (linear or log axes, gaps allowed)
 * and horizontal bar charts. Output is plain markup, so the page needs no script and no network.
 */

export interface Series {
  name: string;
  color: string;
  /** [x, y]; a null y breaks the line (e.g. a second with no completed request). */
  points: [number, number | null][];
  dashed?: boolean;
}

export interface Tick {
  value: number;
  label: string;
}

export interface Axis {
  label: string;
  log?: boolean;
  ticks?: Tick[];
  min?: number;
  max?: number;
  format?: (v: number) => string;
}

export interface LineChartSpec {
  title: string;
  series: Series[];
  x: Axis;
  y: Axis;
  width?: number;
  height?: number;
  /** A shaded span of x, e.g. the window a profile covered. */
  band?: { from: number; to: number; label: string };
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const M = { left: 64, right: 16, top: 48, bottom: 44 };
const f1 = (v: number) => (Math.round(v * 10) / 10).toString();

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${f1(v / 1e6)}M`;
  if (a >= 1e4) return `${f1(v / 1e3)}k`;
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  if (a >= 1) return f1(v);
  return String(Number(v.toPrecision(2)));
}

function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

interface Scale {
  map(v: number): number;
  ticks: Tick[];
}

function scale(axis: Axis, values: number[], from: number, to: number): Scale {
  const fmt = axis.format ?? formatNumber;
  if (axis.log) {
    const positive = values.filter((v) => v > 0);
    const lo = axis.min ?? 10 ** Math.floor(Math.log10(positive.length ? Math.min(...positive) : 1));
    let hi = axis.max ?? 10 ** Math.ceil(Math.log10(positive.length ? Math.max(...positive) : 10));
    if (hi <= lo) hi = lo * 10;
    const l0 = Math.log10(lo);
    const l1 = Math.log10(hi);
    const ticks = axis.ticks ?? [];
    if (!axis.ticks) for (let e = Math.ceil(l0); e <= l1; e++) ticks.push({ value: 10 ** e, label: fmt(10 ** e) });
    return { map: (v) => from + ((Math.log10(Math.max(v, lo)) - l0) / (l1 - l0)) * (to - from), ticks };
  }
  let lo = axis.min ?? Math.min(0, ...values);
  let hi = axis.max ?? Math.max(...values, lo + 1);
  if (hi <= lo) hi = lo + 1;
  const step = niceStep(hi - lo, 5);
  if (axis.max === undefined) hi = Math.ceil(hi / step) * step;
  if (axis.min === undefined) lo = Math.floor(lo / step) * step;
  const ticks = axis.ticks ?? [];
  if (!axis.ticks) for (let v = lo; v <= hi + step / 1e6; v += step) ticks.push({ value: v, label: fmt(v) });
  return { map: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks };
}

function frame(title: string, width: number, height: number, body: string, legend: { name: string; color: string; dashed?: boolean }[]): string {
  let lx = M.left;
  const items = legend
    .map((s) => {
      const item = `<g transform="translate(${lx},34)"><line x1="0" y1="-4" x2="16" y2="-4" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/><text x="20" y="0" class="legend">${escapeXml(s.name)}</text></g>`;
      lx += 32 + s.name.length * 7;
      return item;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title><text x="${M.left}" y="16" class="title">${escapeXml(title)}</text>${items}${body}</svg>`
  );
}

export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 260;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null));
  const sx = scale(spec.x, xs.length ? xs : [0, 1], M.left, width - M.right);
  const sy = scale(spec.y, ys.length ? ys : [0, 1], height - M.bottom, M.top);
  const grid: string[] = [];
  if (spec.band) {
    const x0 = Math.max(M.left, sx.map(spec.band.from));
    const x1 = Math.min(width - M.right, sx.map(spec.band.to));
    if (x1 > x0) grid.push(`<g class="band"><title>${escapeXml(spec.band.label)}</title><path d="M${x0.toFixed(1)} ${M.top}H${x1.toFixed(1)}V${height - M.bottom}H${x0.toFixed(1)}z" fill="#fde68a" fill-opacity="0.35"/></g>`);
  }
  for (const t of sy.ticks) {
    const y = sy.map(t.value).toFixed(1);
    grid.push(`<line x1="${M.left}" y1="${y}" x2="${width - M.right}" y2="${y}" class="grid"/><text x="${M.left - 6}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeXml(t.label)}</text>`);
  }
  for (const t of sx.ticks) {
    const x = sx.map(t.value).toFixed(1);
    grid.push(`<line x1="${x}" y1="${height - M.bottom}" x2="${x}" y2="${height - M.bottom + 4}" class="axis"/><text x="${x}" y="${height - M.bottom + 16}" class="tick" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  grid.push(`<line x1="${M.left}" y1="${height - M.bottom}" x2="${width - M.right}" y2="${height - M.bottom}" class="axis"/>`);
  grid.push(`<text x="${(M.left + width - M.right) / 2}" y="${height - 6}" class="axis-label" text-anchor="middle">${escapeXml(spec.x.label)}</text>`);
  grid.push(`<text transform="translate(14,${(M.top + height - M.bottom) / 2}) rotate(-90)" class="axis-label" text-anchor="middle">${escapeXml(spec.y.label)}</text>`);
  const paths = spec.series.map((s) => {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx.map(x).toFixed(1)} ${sy.map(y).toFixed(1)}`;
      pen = true;
    }
    const dots = s.points.length <= 40 ? s.points.filter((p) => p[1] !== null).map((p) => `<circle cx="${sx.map(p[0]).toFixed(1)}" cy="${sy.map(p[1] as number).toFixed(1)}" r="2" fill="${s.color}"/>`).join('') : '';
    return `<g class="series" data-series="${escapeXml(s.name)}"><path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>${dots}</g>`;
  });
  return frame(spec.title, width, height, grid.join('') + paths.join(''), spec.series);
}

export interface Bar {
  label: string;
  value: number;
  color: string;
}

export function barChart(title: string, bars: Bar[], width = 720): string {
  const rowH = 26;
  const height = M.top + bars.length * rowH + 16;
  const labelW = 140;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const total = bars.reduce((s, b) => s + b.value, 0);
  const rows = bars.map((b, i) => {
    const y = M.top + i * rowH;
    const w = Math.max(1, (b.value / max) * (width - labelW - 140));
    const share = total > 0 ? ` (${((100 * b.value) / total).toFixed(2)}%)` : '';
    // A path rather than a rect so every chart in the page is drawn the same way.
    return (
      `<text x="${labelW - 8}" y="${y + 15}" class="tick" text-anchor="end">${escapeXml(b.label)}</text>` +
      `<path d="M${labelW} ${y + 3}h${w.toFixed(1)}v18h${(-w).toFixed(1)}z" fill="${b.color}"/>` +
      `<text x="${labelW + w + 6}" y="${y + 15}" class="tick">${b.value}${share}</text>`
    );
  });
  return frame(title, width, height, rows.join(''), []);
}
