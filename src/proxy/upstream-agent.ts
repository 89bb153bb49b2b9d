/**
 * The keep-alive agents to the upstream, with one hook: http-proxy creates its upstream request
 * inside proxy.web() and tells us about it only once a socket is assigned ('proxyReq' is emitted on
 * 'socket', and never for `Expect` requests), too late to time the wait for a free socket or to
 * abort a queued request whose client left. The agent sees every request synchronously as it is
 * created; `claim` hands the next one to the flight that is sending it.
 */
import http, { type ClientRequest } from 'node:http';
import https from 'node:https';

type Claim = (req: ClientRequest) => void;

interface Claiming {
  claim?: Claim;
}

function claiming<T extends http.Agent>(agent: T): T & Claiming {
  const a = agent as T & Claiming & { addRequest(req: ClientRequest, options: unknown): void };
  const addRequest = a.addRequest.bind(a);
  a.addRequest = (req: ClientRequest, options: unknown) => {
    const claim = a.claim;
    a.claim = undefined;
    claim?.(req);
    addRequest(req, options);
  };
  return a;
}

export type UpstreamAgent = (http.Agent | https.Agent) & Claiming;

export function createUpstreamAgents(options: http.AgentOptions): { http: UpstreamAgent; https: UpstreamAgent } {
  return { http: claiming(new http.Agent(options)), https: claiming(new https.Agent(options)) };
}

/** Runs `send`, handing the upstream request it creates on `agent` to `claim` before it is queued. */
export function sendClaimed(agent: UpstreamAgent, claim: Claim, send: () => void): void {
  agent.claim = claim;
  try {
    send();
  } finally {
    agent.claim = undefined;
  }
}
