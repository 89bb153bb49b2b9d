import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagsTable } from '../../src/config/flags-doc';

it("README's flag table matches the config schema (regenerate with `node scripts/readme-flags.js`)", () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const m = /<!-- flags:start -->\n([\s\S]*?)<!-- flags:end -->/.exec(readme);
  assert.ok(m, 'README.md has <!-- flags:start --> / <!-- flags:end --> markers');
  assert.equal(m[1], flagsTable());
});
