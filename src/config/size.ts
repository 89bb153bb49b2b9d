/** Sizes as users write them: plain bytes, or with k, m, g (KiB, MiB, GiB): `512k`, `100m`, `1g`. */

const UNIT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const SIZE_RE = /^(\d+)([kmg]?)$/i;

export const SIZE_EXPECTED = 'a size in bytes, or with k, m or g (KiB, MiB, GiB) like 100m';

/** Bytes, or undefined when `text` is not a size. */
export function parseSize(text: string | number): number | undefined {
  const m = SIZE_RE.exec(String(text).trim());
  return m ? Number(m[1]) * UNIT[m[2].toLowerCase()] : undefined;
}
