/**
 * The error codes, kept in step (fastify's test/internals/errors.test.js is the model): every code
 * in a catalogue is used by the code it belongs to and documented in the README's error table for
 * its wing, every code in that table exists, with the same status; and no error body is built by
 * hand beside the one writer (src/net/json-error.ts). Each guard first shows its scanner sees what
 * it guards, so a broken scanner fails rather than passes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ERROR_CODES, type ErrorCatalog } from '../../src/errors';
import { GATEWAY_ERROR_CODES } from '../../examples/payments/gateway/errors';
import { REPO, tsFiles } from './source-imports';

interface Source {
  /** Repo-relative path. */
  file: string;
  /** The text with comments removed: a code named in a comment is not a use. */
  code: string;
}

function stripComments(text: string): string {
  // Good enough for this codebase's sources: block comments, whole-line `//` comments and trailing
  // ` // …` (a URL's `://` is not preceded by a space, so string literals survive). Line breaks
  // stay, so line numbers still point into the file.
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ''))
    .split('\n')
    .map((l) => (/^\s*\/\//.test(l) ? '' : l.replace(/\s\/\/\s.*$/, '')))
    .join('\n');
}

function sources(...dirs: string[]): Source[] {
  return dirs
    .flatMap((d) => tsFiles(join(REPO, d)))
    .map((abs) => ({ file: relative(REPO, abs), code: stripComments(readFileSync(abs, 'utf8')) }));
}

/** Codes that appear as string literals ('X', "X" or `X`) in the given sources. */
function usedCodes(srcs: Source[], prefix: string): Set<string> {
  const re = new RegExp(`['"\`](${prefix}[A-Z0-9_]+)['"\`]`, 'g');
  const out = new Set<string>();
  for (const s of srcs) for (const m of s.code.matchAll(re)) out.add(m[1]);
  return out;
}

interface Row {
  code: string;
  status: number;
  line: number;
}

/**
 * The error table (`| code | status | when |`) inside one `<!-- section:NAME -->` of the README.
 * Only this table counts: the README names PAYSIDECAR_* environment variables in other tables.
 */
function errorTable(readme: string, section: string): Row[] {
  const lines = readme.split('\n');
  const start = lines.indexOf(`<!-- section:${section}:start -->`);
  const end = lines.indexOf(`<!-- section:${section}:end -->`);
  assert.ok(start >= 0 && end > start, `README has no section ${section}`);
  const headers = lines.map((l, i) => ({ l, i })).filter(({ l, i }) => i > start && i < end && /^\|\s*code\s*\|\s*status\s*\|\s*when\s*\|$/.test(l));
  assert.equal(headers.length, 1, `README section ${section}: expected one "| code | status | when |" table`);
  const rows: Row[] = [];
  for (let i = headers[0].i + 2; i < end && lines[i].startsWith('|'); i++) {
    const m = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|\s*\S.*\|$/.exec(lines[i]);
    assert.ok(m, `README line ${i + 1}: not a "| \`CODE\` | status | meaning |" row: ${lines[i]}`);
    rows.push({ code: m[1], status: Number(m[2]), line: i + 1 });
  }
  return rows;
}

const README = readFileSync(join(REPO, 'README.md'), 'utf8');

function checkCatalogue(name: string, catalogue: ErrorCatalog, prefix: string, used: Set<string>, rows: Row[]): void {
  const codes = Object.keys(catalogue);
  for (const c of codes) assert.ok(c.startsWith(prefix), `${name}: ${c} does not start with ${prefix}`);

  const unused = codes.filter((c) => !used.has(c));
  assert.deepEqual(unused, [], `${name}: codes declared but never answered with (use them or remove them)`);

  const documented = new Map<string, Row[]>();
  for (const r of rows) documented.set(r.code, [...(documented.get(r.code) ?? []), r]);
  const undocumented = codes.filter((c) => !documented.has(c));
  assert.deepEqual(undocumented, [], `${name}: codes missing from the README's error table`);
  const unknown = rows.filter((r) => !(r.code in catalogue)).map((r) => `README:${r.line} ${r.code}`);
  assert.deepEqual(unknown, [], `${name}: the README documents codes that do not exist`);
  const twice = [...documented].filter(([, rs]) => rs.length > 1).map(([c]) => c);
  assert.deepEqual(twice, [], `${name}: codes documented twice`);
  const wrongStatus = rows.filter((r) => catalogue[r.code].status !== r.status).map((r) => `README:${r.line} ${r.code} says ${r.status}, the map ${catalogue[r.code].status}`);
  assert.deepEqual(wrongStatus, [], `${name}: statuses differ`);
}

describe('error codes: the map, their use and the README agree', () => {
  const product = sources('src', 'agent').filter((s) => s.file !== 'src/errors.ts' && s.file !== 'src/config/env.ts');
  const example = sources('examples/payments').filter((s) => s.file !== 'examples/payments/gateway/errors.ts');

  it('the scanners see what they guard', () => {
    assert.ok(product.length > 50 && example.length > 30, 'source files found');
    assert.ok(usedCodes(product, 'PAYSIDECAR_').has('PAYSIDECAR_OVERLOADED'), 'a use in src/proxy/shed.ts is seen');
    assert.equal(stripComments("a('x'); // 'PAYSIDECAR_X'\n/**\n * 'PAYSIDECAR_Y' */ b('http://h/'); // c"), "a('x');\n\n b('http://h/');");
    assert.deepEqual([...usedCodes([{ file: 'x.ts', code: stripComments("// 'PAYSIDECAR_X'\nf(`PAYSIDECAR_Y`);") }], 'PAYSIDECAR_')], ['PAYSIDECAR_Y']);
    assert.ok(errorTable(README, 'sidecar').length >= 10);
    assert.ok(errorTable(README, 'gateway').length >= 10);
  });

  it("the sidecar's ERROR_CODES: each used in src/ or agent/, each in the README table, and nothing more there", () => {
    // src/config/env.ts is left out: PAYSIDECAR_UPSTREAM_TIMEOUT is also the name of a variable.
    checkCatalogue('ERROR_CODES', ERROR_CODES, 'PAYSIDECAR_', usedCodes(product, 'PAYSIDECAR_'), errorTable(README, 'sidecar'));
  });

  it("the example gateway's GATEWAY_ERROR_CODES: each used in examples/payments/, each in the gateway section's table", () => {
    checkCatalogue('GATEWAY_ERROR_CODES', GATEWAY_ERROR_CODES, 'PAYSIDECAR_GATEWAY_', usedCodes(example, 'PAYSIDECAR_GATEWAY_'), errorTable(README, 'gateway'));
  });

  it('the two catalogues never share a code', () => {
    assert.deepEqual(Object.keys(ERROR_CODES).filter((c) => c in GATEWAY_ERROR_CODES), []);
  });
});

describe('one JSON error writer', () => {
  const WRITER = 'src/net/json-error.ts';
  const HAND_BUILT: Array<[string, RegExp]> = [
    // An error body is a code and a message; `{ code: …, errorType, detail }` (an upstream failure
    // handed to the writer) is not one.
    ["an object literal with code: 'PAYSIDECAR_…' and a message", /\bcode\s*:\s*['"`]PAYSIDECAR_[A-Z0-9_]*['"`][^{}]*\bmessage\s*:|\bmessage\s*:[^{}]*\bcode\s*:\s*['"`]PAYSIDECAR_/],
    ['JSON.stringify({ code …', /JSON\.stringify\(\s*\{\s*code\b/],
    ['errorBody( outside the writer', /\berrorBody\(/],
  ];
  const scanned = sources('src', 'agent').filter((s) => s.file !== WRITER && s.file !== 'src/errors.ts');

  it('the patterns catch the hand-built bodies the writer replaced', () => {
    const old = [
      "return json(res, 405, { code: 'PAYSIDECAR_BAD_PARAMETER', message: `method ${req.method} not allowed on ${path}` });",
      "res.end(JSON.stringify(errorBody('PAYSIDECAR_NOT_FOUND', `${path}: the agent serves /metrics`)) + '\\n');",
      "const body = JSON.stringify({ code, message });",
    ];
    for (const text of old) assert.ok(HAND_BUILT.some(([, re]) => re.test(text)), text);
    assert.ok(HAND_BUILT[0][1].test("json(res, 404, {\n  code: 'PAYSIDECAR_NOT_FOUND',\n  message: 'x',\n});"), 'over several lines');
    assert.ok(!HAND_BUILT.some(([, re]) => re.test("return { code: 'PAYSIDECAR_UPSTREAM_TIMEOUT', errorType: 'timeout', detail: 'x' };")));
  });

  it('src/ and agent/ build no error body by hand outside src/net/json-error.ts', () => {
    const found: string[] = [];
    for (const s of scanned) {
      // The whole file, not line by line: an object literal may spread over several lines.
      for (const [what, re] of HAND_BUILT) {
        for (const m of s.code.matchAll(new RegExp(re.source, 'g'))) {
          found.push(`${s.file}:${s.code.slice(0, m.index).split('\n').length}: ${what}`);
        }
      }
    }
    assert.deepEqual(found, []);
  });
});
