/**
 * The report's flame graph: the CPU profile's call tree as an SVG icicle (callers above their
 * callees, width = share of samples), drawn here so the page stays one file with nothing fetched,
 * and a few lines of inline script for search (highlight every frame whose function or file
 * matches, and the share of samples under the matches) and click-to-zoom.
 *
 * Written rather than borrowed: d3-flame-graph needs d3 (~280 KB) and the page's CSP would have
 * to let it run; the small stand-alone renderers are unmaintained. The tree arrives already
 * trimmed (cpu-profile.ts), so the SVG stays a few hundred frames.
 */
import type { CpuSummary, FlameNode, TopFunction } from './server-report';
import { escapeXml as esc } from './svg-chart';
import { describeFunction } from './diagnose';

const WIDTH = 1000;
const ROW = 17;
const MAX_DEPTH = 60;
/** Frames narrower than this (px) are left out; their time stays in their parent's width. */
const MIN_WIDTH = 0.6;

function colour(n: FlameNode): string {
  const f = n.file ?? '';
  if (n.name.startsWith('(')) return '#d1d5db';
  if (f.startsWith('node:')) return '#93c5fd';
  if (f.includes('node_modules') || f.includes('paysidecar-agent')) return '#86efac';
  if (f === '') return '#c4b5fd';
  // The application's own code, warm as a classic flame graph.
  let h = 0;
  for (let i = 0; i < n.name.length; i++) h = (h * 31 + n.name.charCodeAt(i)) | 0;
  return `hsl(${20 + (Math.abs(h) % 30)},90%,${62 + (Math.abs(h >> 5) % 10)}%)`;
}

export function flameSvg(cpu: CpuSummary, id: string): string {
  const total = cpu.flame.value || 1;
  const frames: string[] = [];
  let maxDepth = 0;
  let next = 0;
  const walk = (n: FlameNode, x: number, depth: number, parent: number) => {
    const w = (n.value / total) * WIDTH;
    if (w < MIN_WIDTH || depth > MAX_DEPTH) return;
    const me = next++;
    maxDepth = Math.max(maxDepth, depth);
    const share = ((100 * n.value) / total).toFixed(2);
    const label = `${n.name}${n.file ? ` (${n.file})` : ''}: ${share}% of samples`;
    const text = w > 28 ? `<text x="${(x + 3).toFixed(1)}" y="${depth * ROW + 12}">${esc(n.name.slice(0, Math.floor((w - 6) / 6.5)))}</text>` : '';
    frames.push(
      `<g class="fr" data-i="${me}" data-p="${parent}" data-v="${n.value}" data-x="${x.toFixed(2)}" data-w="${w.toFixed(2)}" data-d="${depth}" data-n="${esc(n.name)}" data-f="${esc(n.file ?? '')}">` +
        `<title>${esc(label)}</title><rect x="${x.toFixed(1)}" y="${depth * ROW}" width="${Math.max(0.5, w - 0.5).toFixed(1)}" height="${ROW - 1}" fill="${colour(n)}"/>${text}</g>`,
    );
    let cx = x;
    for (const c of n.children ?? []) {
      walk(c, cx, depth + 1, me);
      cx += (c.value / total) * WIDTH;
    }
  };
  walk(cpu.flame, 0, 0, -1);
  const height = (maxDepth + 1) * ROW;
  return (
    `<div class="flame" id="${esc(id)}"><div class="flame-bar"><input type="search" placeholder="search functions or files" aria-label="search the flame graph">` +
    `<span class="flame-match"></span><button type="button" class="flame-reset">reset zoom</button></div>` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="none" style="height:${height}px" role="img" aria-label="CPU flame graph">` +
    `<title>CPU flame graph</title>${frames.join('')}</svg></div>`
  );
}

export function topTable(top: TopFunction[]): string {
  const rows = top
    .map((f) => `<tr><td>${esc(describeFunction(f))}</td><td class="num">${(f.self * 100).toFixed(1)}%</td><td class="num">${(f.total * 100).toFixed(1)}%</td></tr>`)
    .join('');
  return `<table class="top"><thead><tr><th>function</th><th>self</th><th>total</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The search and zoom, as one inline script (its hash is allowed by the page's CSP). */
export const FLAME_SCRIPT = `(() => {
for (const root of document.querySelectorAll('.flame')) {
  const svg = root.querySelector('svg');
  const frames = [...root.querySelectorAll('g.fr')];
  const byId = new Map(frames.map((g) => [g.dataset.i, g]));
  const total = Number(frames[0] ? frames[0].dataset.v : 1) || 1;
  const input = root.querySelector('input');
  const out = root.querySelector('.flame-match');
  const W = ${WIDTH};
  const place = (x0, w0) => {
    for (const g of frames) {
      const x = (Number(g.dataset.x) - x0) * (W / w0), w = Number(g.dataset.w) * (W / w0);
      const r = g.querySelector('rect'), t = g.querySelector('text');
      const off = x + w <= 0 || x >= W;
      g.style.display = off ? 'none' : '';
      r.setAttribute('x', x.toFixed(1)); r.setAttribute('width', Math.max(0.5, w - 0.5).toFixed(1));
      if (t) { t.setAttribute('x', (x + 3).toFixed(1)); t.style.display = w > 28 ? '' : 'none'; t.textContent = g.dataset.n.slice(0, Math.max(0, Math.floor((w - 6) / 6.5))); }
    }
  };
  const search = () => {
    const q = input.value.trim().toLowerCase();
    const hit = new Set();
    for (const g of frames) {
      const m = q !== '' && (g.dataset.n.toLowerCase().includes(q) || g.dataset.f.toLowerCase().includes(q));
      g.classList.toggle('match', m);
      if (m) hit.add(g.dataset.i);
    }
    let under = 0;
    for (const id of hit) {
      let p = byId.get(id).dataset.p, nested = false;
      while (p !== '-1' && p !== undefined) { if (hit.has(p)) { nested = true; break; } p = byId.get(p).dataset.p; }
      if (!nested) under += Number(byId.get(id).dataset.v);
    }
    out.textContent = q === '' ? '' : hit.size + ' frames, ' + (100 * under / total).toFixed(1) + '% of samples';
  };
  input.addEventListener('input', search);
  svg.addEventListener('click', (e) => {
    const g = e.target.closest && e.target.closest('g.fr');
    if (g) place(Number(g.dataset.x), Number(g.dataset.w));
  });
  root.querySelector('.flame-reset').addEventListener('click', () => place(0, W));
}
})();`;
