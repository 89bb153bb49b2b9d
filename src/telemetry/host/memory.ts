/** Host memory by state, from /proc/meminfo. */
import { readFile } from 'node:fs/promises';
import { host } from '../names';
import type { Collector } from './collector';

/** /proc/meminfo's fields in bytes (the file gives kB). */
export function parseMeminfo(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const m of text.matchAll(/^(\w+):\s+(\d+)(?: kB)?$/gm)) fields.set(m[1], Number(m[2]) * 1024);
  return fields;
}

export function memoryCollector(): Collector {
  return {
    name: 'memory',
    async collect() {
      const m = parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
      const total = m.get('MemTotal');
      if (total === undefined) throw new Error('/proc/meminfo has no MemTotal');
      const state = (s: string) => ({ [host.ATTR_MEMORY_STATE]: s });
      return [
        // "used" is what cannot be reclaimed (total - MemAvailable), not total - free: page cache
        // is memory the kernel hands back under pressure.
        { metric: host.SYSTEM_MEMORY_USAGE, value: total - (m.get('MemAvailable') ?? m.get('MemFree') ?? 0), attributes: state(host.MEMORY_STATES.used) },
        { metric: host.SYSTEM_MEMORY_USAGE, value: m.get('MemFree') ?? 0, attributes: state(host.MEMORY_STATES.free) },
        { metric: host.SYSTEM_MEMORY_USAGE, value: m.get('Buffers') ?? 0, attributes: state(host.MEMORY_STATES.buffers) },
        { metric: host.SYSTEM_MEMORY_USAGE, value: m.get('Cached') ?? 0, attributes: state(host.MEMORY_STATES.cached) },
        { metric: host.SYSTEM_MEMORY_LIMIT, value: total },
      ];
    },
  };
}
