/** `--target URL`: the same request every time (method, headers and body from the flags). */
import type { HttpMethod, PlannedRequest, RequestSource } from './request';

export interface TargetSpec {
  url: URL;
  method: HttpMethod;
  /** Flat [name, value, ...]. */
  headers: string[];
  body?: Buffer;
}

export class SingleTarget implements RequestSource {
  readonly description: string;
  private readonly req: PlannedRequest;

  constructor(spec: TargetSpec) {
    const path = spec.url.pathname + spec.url.search;
    this.description = `${spec.method} ${spec.url.href}`;
    this.req = {
      origin: spec.url.origin,
      method: spec.method,
      path,
      headers: spec.headers,
      body: spec.body,
      operation: `${spec.method} ${path}`,
    };
  }

  next(): PlannedRequest {
    return this.req;
  }
}
