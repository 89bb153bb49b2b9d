import { it } from 'node:test';
import assert from 'node:assert/strict';

it("require('paysidecar') resolves through package.json exports and offers the public API", () => {
  // A self-reference: resolved through "exports", exactly as an installed package would be.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require('paysidecar') as Record<string, unknown>;
  for (const name of ['startSidecar', 'loadConfig', 'redactedConfig', 'signStressToken', 'verifyStressToken']) {
    assert.equal(typeof api[name], 'function', name);
  }
  // The included payment example is not part of the product's API.
  for (const name of ['startGateway', 'startPlatform']) assert.equal(api[name], undefined, name);
  assert.equal((api.ERROR_CODES as Record<string, { status: number }>).PAYSIDECAR_UPSTREAM_TIMEOUT.status, 504);
  assert.equal(((api.names as Record<string, { otel: string }>).HTTP_SERVER_REQUEST_DURATION).otel, 'http.server.request.duration');
  assert.equal(require.resolve('paysidecar/agent'), require.resolve('../../agent/paysidecar-agent.js'));
});
