/**
 * The keep-alive agents to the upstream, with one hook: http-proxy creates its upstream request
 * inside proxy.web() and tells us about it only once a socket is assigned ('proxyReq' is emitted on
 * 'socket', and never for `Expect` requests), too late to time the wait for a free socket or to
 * abort a queued request whose client left. The agent sees every request synchronously as it is
 * created; `claim` hands the next one to the flight that is sending it.
 */
import http, { type ClientRequest } from 'node:http';
import https from 'node:https';

/** Receives the next request the agent sees, with the owner it was armed for. */
export type Claim = (req: ClientRequest, owner: unknown) => void;

interface Claiming {
  claim?: Claim;
  claimOwner?: unknown;
}

function claiming<T extends http.Agent>(agent: T): T & Claiming {
  const a = agent as T & Claiming & { addRequest(req: ClientRequest, options: unknown): void };
  const addRequest = a.addRequest.bind(a);
  a.addRequest = (req: ClientRequest, options: unknown) => {
    const { claim, claimOwner } = a;
    a.claim = a.claimOwner = undefined;
    claim?.(req, claimOwner);
    addRequest(req, options);
  };
  return a;
}

export type UpstreamAgent = (http.Agent | https.Agent) & Claiming;

export function createUpstreamAgents(options: http.AgentOptions): { http: UpstreamAgent; https: UpstreamAgent } {
  return { http: claiming(new http.Agent(options)), https: claiming(new https.Agent(options)) };
}

/**
 * Runs `send(owner)`, handing the upstream request it creates on `agent` to `claim` (with `owner`)
 * before it is queued. `claim` and `send` are meant to be made once, not per request.
 */
export function sendClaimed<T>(agent: UpstreamAgent, claim: (req: ClientRequest, owner: T) => void, owner: T, send: (owner: T) => void): void {
  agent.claim = claim as Claim;
  agent.claimOwner = owner;
  try {
    send(owner);
  } finally {
    agent.claim = agent.claimOwner = undefined;
  }
}
