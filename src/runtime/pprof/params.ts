/** Query parameters of the debug endpoints: parsed, range-checked, and named in the error when wrong. */

export type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string };

export function intParam(query: URLSearchParams, name: string, dflt: number, min: number, max: number): Parsed<number> {
  const raw = query.get(name);
  if (raw === null || raw === '') return { ok: true, value: dflt };
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n >= min && n <= max) return { ok: true, value: n };
  }
  const shown = raw.length > 40 ? raw.slice(0, 40) + '…' : raw;
  return { ok: false, detail: `${name}=${JSON.stringify(shown)} is invalid, expected an integer from ${min} to ${max}` };
}
