/**
 * Active libuv resources by type, split into handles (long-lived: sockets, servers, timers) and
 * requests (one operation in flight: fs calls, DNS lookups, writes), as `process.getActiveResourcesInfo()`
 * names them. Node gives one list; the split follows libuv's naming of request wrappers.
 */

const REQUEST_TYPES = /Req(Wrap|Callback)?$|^FSReq|^(ShutdownWrap|WriteWrap|ConnectWrap|SendWrap|FileHandleCloseReq)$/;

export interface ActiveResources {
  readonly handles: ReadonlyMap<string, number>;
  readonly requests: ReadonlyMap<string, number>;
}

export function isRequestType(type: string): boolean {
  return REQUEST_TYPES.test(type);
}

export function activeResources(): ActiveResources {
  const handles = new Map<string, number>();
  const requests = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    const into = isRequestType(type) ? requests : handles;
    into.set(type, (into.get(type) ?? 0) + 1);
  }
  return { handles, requests };
}
