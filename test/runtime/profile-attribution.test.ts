/** The agent and `paysidecar run` turn Maglev OSR off unless node's own command line chose. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepProfilesAttributable } from '../../src/runtime/profile-attribution';

test('sets --no-maglev-osr when neither the command line nor NODE_OPTIONS chose', () => {
  // node --test runs each file in its own process, so the flag set here stays in this file.
  assert.equal(keepProfilesAttributable([], ''), true);
  assert.equal(keepProfilesAttributable(['--max-semi-space-size=8'], '--max-semi-space-size=8'), true);
});

test("leaves node's own Maglev OSR choice alone", () => {
  assert.equal(keepProfilesAttributable(['--maglev-osr'], ''), false);
  assert.equal(keepProfilesAttributable([], '--no-maglev-osr'), false);
});
