/**
 * Layers inside the product, kept by test: config exposes data and reload events and never imports
 * the request path (src/proxy/), which imports config; and src/sidecar.ts stays an entry file that
 * only wires (behaviour belongs in the small files it calls). The scanner is first shown to see
 * imports of src/proxy/ at all, so a broken scanner fails instead of passing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, importsOf, importsUnder, inside, show } from './source-imports';

/** About 120 lines of wiring; past this, something that is not wiring has crept back in. */
const SIDECAR_MAX_LINES = 130;

describe('config below the request path', () => {
  it('the scanner sees imports of src/proxy/ and of src/config/', () => {
    const fromSidecar = importsOf(join(REPO, 'src/sidecar.ts'));
    assert.ok(fromSidecar.some((i) => inside(i.target, 'src/proxy')), 'src/sidecar.ts imports src/proxy/');
    assert.ok(importsUnder('src/proxy').some((i) => inside(i.target, 'src/config')), 'src/proxy/ imports src/config/');
    assert.ok(importsUnder('src/config').length > 10, 'src/config/ files import each other');
  });

  it('src/config/ never imports src/proxy/', () => {
    assert.deepEqual(importsUnder('src/config').filter((i) => inside(i.target, 'src/proxy')).map(show), []);
  });
});

describe('src/sidecar.ts only wires', () => {
  it(`stays under ${SIDECAR_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(REPO, 'src/sidecar.ts'), 'utf8').trimEnd().split('\n').length;
    assert.ok(lines < SIDECAR_MAX_LINES, `src/sidecar.ts has ${lines} lines; move behaviour into a file named for it`);
  });
});
