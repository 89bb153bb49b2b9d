/** Small readers for /proc- and /sys-style files, where "absent" is an answer, not an error. */
import { readFile } from 'node:fs/promises';

/** The file's trimmed text, or undefined when it does not exist. Other errors throw. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

export function parseIntStrict(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}
