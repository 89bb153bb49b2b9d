/**
 * The seams, kept by test: the product never imports the included payment example (the CLI's lazy
 * table in src/cli/example.ts is its one door), and the agent never loads the sidecar's request
 * path (src/proxy/). Each guard is first shown to see imports at all, so a broken scanner fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, importsOf, importsUnder, inside, show } from './source-imports';

const EXAMPLE = 'examples/payments';
const EXAMPLE_DOOR = 'src/cli/example.ts';

describe('two wings: the product and the included payment example', () => {
  it('the scanner sees the imports it guards (the example does import the product)', () => {
    const fromExample = importsUnder(EXAMPLE).filter((i) => inside(i.target, 'src'));
    assert.ok(fromExample.length > 20, `only ${fromExample.length} example → product imports seen`);
    const door = importsOf(join(REPO, EXAMPLE_DOOR)).filter((i) => inside(i.target, EXAMPLE));
    assert.ok(door.length >= 4 && door.every((i) => i.lazy), 'the CLI door loads the example lazily');
  });

  it('src/ and agent/ never import examples/, but for the CLI door, lazily', () => {
    const leaks = importsUnder('src', 'agent')
      .filter((i) => inside(i.target, EXAMPLE))
      .filter((i) => !(i.file === EXAMPLE_DOOR && i.lazy));
    assert.deepEqual(leaks.map(show), []);
  });

  it('nothing else requires the door, so the sidecar never loads the example', () => {
    const users = importsUnder('src', 'agent').filter((i) => i.target === EXAMPLE_DOOR.replace(/\.ts$/, ''));
    assert.deepEqual(users.map((i) => i.file).sort(), ['src/cli/bench.ts', 'src/cli/main.ts']);
  });
});

describe("the agent's room", () => {
  it('the scanner sees agent/ importing the shared parts of src/', () => {
    assert.ok(importsUnder('agent').some((i) => inside(i.target, 'src/runtime')));
  });

  it('agent/ never imports the request path (src/proxy/)', () => {
    assert.deepEqual(importsUnder('agent').filter((i) => inside(i.target, 'src/proxy')).map(show), []);
  });

  it('the sidecar never imports agent/', () => {
    assert.deepEqual(importsUnder('src').filter((i) => inside(i.target, 'agent')).map(show), []);
  });
});
