/**
 * Every diagnostics channel paysidecar listens on, declared once (as undici's core/diagnostics.js
 * does): node:http's own and undici's (fetch included). The timeline trace and the agent's
 * propagation subscribe by these names.
 */
export const CHANNELS = {
  httpServerRequestStart: 'http.server.request.start',
  httpServerResponseFinish: 'http.server.response.finish',
  httpClientRequestStart: 'http.client.request.start',
  httpClientResponseFinish: 'http.client.response.finish',
  httpClientRequestError: 'http.client.request.error',
  undiciRequestCreate: 'undici:request:create',
  undiciRequestHeaders: 'undici:request:headers',
  undiciRequestTrailers: 'undici:request:trailers',
  undiciRequestError: 'undici:request:error',
} as const;
