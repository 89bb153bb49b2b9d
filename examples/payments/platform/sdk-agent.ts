/**
 * An https agent that sends every request to the mock platform whatever host the URL names, for
 * SDKs with https://api.mch.weixin.qq.com built in (wechatpay-node-v3 through superagent). TLS
 * still runs end to end: SNI and the certificate check use the URL's host name, which the mock's
 * TLS certificate covers, and the keys directory's demo CA is the only one trusted. Install it
 * for a whole process with `https.globalAgent = mockPlatformAgent(…)`, or pass it per request.
 */
import { Agent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect, type ConnectionOptions } from 'node:tls';

export interface MockPlatformAgentOptions extends AgentOptions {
  /** The mock's https base URL, e.g. https://127.0.0.1:8090 */
  platformUrl: string;
  /** PEM of the CA to trust (the keys directory's ca_cert.pem). */
  ca: string;
}

export function mockPlatformAgent(opts: MockPlatformAgentOptions): Agent {
  const target = new URL(opts.platformUrl);
  if (target.protocol !== 'https:') throw new Error(`mockPlatformAgent needs the mock's https URL (start it with --tls), got ${target.protocol}`);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 443);
  const { platformUrl: _u, ca, ...agentOptions } = opts;
  // A class, not an instance with a patched method: clients that pass `agent: false` (superagent)
  // get `new globalAgent.constructor()` from node, and that fresh agent must redirect too.
  class MockPlatformAgent extends Agent {
    constructor(o: AgentOptions = {}) {
      super({ keepAlive: true, ...agentOptions, ...o });
      // Agent#createConnection is node's hook for how a socket is made.
      (this as unknown as { createConnection: (o: ConnectionOptions) => Duplex }).createConnection = (c: ConnectionOptions) =>
        connect({ ...c, host, port, servername: c.servername ?? (c.host as string | undefined), ca });
    }
  }
  return new MockPlatformAgent();
}
