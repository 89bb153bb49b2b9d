/** Query parameters of the debug endpoints: parsed, range-checked, and named in the error when wrong. */
import { check, intIn } from '../../config/values';

export type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string };

export function intParam(query: URLSearchParams, name: string, dflt: number, min: number, max: number): Parsed<number> {
  const raw = query.get(name);
  if (raw === null || raw === '') return { ok: true, value: dflt };
  const r = check(name, raw, intIn(min, max));
  return r.ok ? r : { ok: false, detail: r.problem };
}
