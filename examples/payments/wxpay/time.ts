/** RFC 3339 timestamps in Beijing time (+08:00), as the platform writes them. */
const OFFSET_MS = 8 * 3600 * 1000;

export function rfc3339Beijing(ms: number = Date.now()): string {
  const local = new Date(ms + OFFSET_MS).toISOString().slice(0, 19);
  return `${local}+08:00`;
}
