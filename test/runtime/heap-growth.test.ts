/** `paysidecar run` caps old-space growth, unless node's own command line already chose a value. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEAP_GROWING_PERCENT, limitOldSpaceGrowth } from '../../src/runtime/heap-growth';

test('sets --heap-growing-percent when the command line does not', () => {
  // node --test runs each file in its own process, so the flag set here stays in this file.
  assert.equal(limitOldSpaceGrowth([]), HEAP_GROWING_PERCENT);
  assert.equal(limitOldSpaceGrowth(['--max-semi-space-size=8']), HEAP_GROWING_PERCENT);
});

test("leaves node's own --heap-growing-percent alone", () => {
  assert.equal(limitOldSpaceGrowth(['--heap-growing-percent=50']), undefined);
  assert.equal(limitOldSpaceGrowth(['--heap_growing_percent', '50']), undefined);
});
