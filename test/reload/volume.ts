/**
 * A directory laid out the way the kubelet lays out a ConfigMap or Secret volume, updated the way
 * the kubelet's AtomicWriter updates it: the files are written into a new timestamped directory,
 * a `..data_tmp` symlink to it is renamed over `..data`, and the old directory is removed. The
 * visible names (`config.yaml` → `..data/config.yaml`) never change; only `..data` does.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Volume {
  dir: string;
  path(name: string): string;
  /** Atomically replaces every file's contents, as a ConfigMap/Secret update does. */
  update(files: Record<string, string>): void;
  remove(): void;
}

let generation = 0;

export function projectedVolume(files: Record<string, string>, prefix = 'paysidecar-volume-'): Volume {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const writeGeneration = (contents: Record<string, string>): string => {
    const name = `..2026_11_21_17_00_00.${process.pid}_${++generation}`;
    mkdirSync(join(dir, name));
    for (const [file, text] of Object.entries(contents)) writeFileSync(join(dir, name, file), text, { mode: 0o644 });
    return name;
  };
  symlinkSync(writeGeneration(files), join(dir, '..data'));
  for (const file of Object.keys(files)) symlinkSync(join('..data', file), join(dir, file));
  return {
    dir,
    path: (name) => join(dir, name),
    update(contents) {
      const old = readlinkSync(join(dir, '..data'));
      const next = writeGeneration(contents);
      symlinkSync(next, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(join(dir, old), { recursive: true, force: true });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
