/** Fixed-width text tables for the benchmark reports. */
'use strict';
const { isAbsolute, relative } = require('node:path');

/** `rows` are arrays of cells; the first column is left-aligned, the others right-aligned. */
function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

const fixed = (x, digits) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const signed = (x, digits) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`);
/** Relative to the working directory when inside it, else absolute. */
function displayPath(file) {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

const mark = (ok) => (ok === null || ok === undefined ? '' : ok ? 'ok' : 'MISSED');

module.exports = { table, fixed, signed, mark, displayPath };
