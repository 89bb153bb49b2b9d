/** The /debug/pprof/ index, like Go's: what each endpoint gives, how to open it, and who may call it. */

export interface IndexInfo {
  tokenConfigured: boolean;
  capturing?: string;
  defaults: { profileSeconds: number; heapSeconds: number; traceSeconds: number; cpuIntervalUs: number; heapIntervalBytes: number };
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

export function indexPage(info: IndexInfo): string {
  const d = info.defaults;
  const rows: Array<[string, string, string]> = [
    [
      'profile',
      `profile?seconds=${d.profileSeconds}`,
      `CPU profile over <code>seconds</code> (default ${d.profileSeconds}, max 300), sampled every ${d.cpuIntervalUs} µs; gzipped pprof. <code>go tool pprof -top URL</code>`,
    ],
    [
      'heap',
      `heap?seconds=${d.heapSeconds}`,
      `Sampling heap profile: objects allocated during <code>seconds</code> (default ${d.heapSeconds}, max 300) and still live at the end, one sample per <code>interval</code> bytes (default ${d.heapIntervalBytes}); gzipped pprof (inuse_objects, inuse_space).`,
    ],
    [
      'trace',
      `trace?seconds=${d.traceSeconds}`,
      `Timeline over <code>seconds</code> (default ${d.traceSeconds}, max 300): HTTP requests with trace ids, GC pauses, event-loop blocks, utilisation and heap counters; Chrome Trace JSON, open in <a href="https://ui.perfetto.dev">Perfetto</a>.`,
    ],
    ['goroutine', 'goroutine', 'Active handles and requests (what keeps the event loop busy or alive), as text.'],
  ];
  const access = info.tokenConfigured
    ? 'Loopback callers are served; any other caller needs <code>Authorization: Bearer &lt;PAYSIDECAR_DEBUG_TOKEN&gt;</code>.'
    : 'Loopback callers are served; no PAYSIDECAR_DEBUG_TOKEN is configured, so every other caller gets 403.';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>/debug/pprof/</title></head>
<body>
<h1>/debug/pprof/</h1>
<p>${access} A caller behind a proxy (X-Forwarded-For or Forwarded) counts as non-loopback.</p>
<p>One capture at a time: while one runs the others answer 409.${info.capturing ? ` Running now: ${esc(info.capturing)}.` : ''}</p>
<table>
${rows.map(([name, href, text]) => `<tr><td><a href="${esc(href)}">${esc(name)}</a></td><td>${text}</td></tr>`).join('\n')}
</table>
</body></html>
`;
}
