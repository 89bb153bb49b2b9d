/**
 * Notices when any of a few files changes, however it changes: edited in place, replaced by a
 * rename (what editors do), or swapped through the `..data` symlink of a Kubernetes ConfigMap or
 * Secret volume, where the kubelet writes a new timestamped directory and renames `..data` over
 * the old link. A watch on the file itself follows the inode it started with and goes silent after
 * such a swap, so each file's directory is watched instead; a slow poll backs it up on filesystems
 * where inotify reports nothing (NFS, some overlay setups). Either way the contents decide: an
 * event that leaves them as they were does nothing.
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';

export interface WatchOptions {
  /** How often contents are compared even without an event. Default 10 s; 0 turns polling off. */
  pollMs?: number;
  /** Events arrive in bursts (the kubelet's swap is several renames): wait this long for quiet. Default 100 ms. */
  debounceMs?: number;
}

export interface FileWatch {
  close(): void;
}

/** A digest of every file's bytes, or of why it could not be read; never kept as text. */
function fingerprint(paths: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of paths) {
    try {
      h.update(readFileSync(p));
    } catch (err) {
      h.update(`unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    h.update('\0');
  }
  return h.digest('hex');
}

export function watchFiles(paths: readonly string[], onChange: () => void, opts: WatchOptions = {}): FileWatch {
  const debounceMs = opts.debounceMs ?? 100;
  const pollMs = opts.pollMs ?? 10_000;
  let last = fingerprint(paths);
  let pending: NodeJS.Timeout | undefined;
  let closed = false;

  const check = () => {
    pending = undefined;
    if (closed) return;
    const now = fingerprint(paths);
    if (now === last) return;
    last = now;
    onChange();
  };
  const soon = () => {
    if (closed || pending) return;
    pending = setTimeout(check, debounceMs);
    pending.unref();
  };

  const watchers: FSWatcher[] = [];
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    try {
      // persistent: false — a config watch alone must not keep the process alive.
      const w = watch(dir, { persistent: false }, soon);
      // The directory may go away (an unmounted volume); the poll still runs.
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // No inotify here (or the directory is missing): the poll is all we have.
    }
  }
  const poll = pollMs > 0 ? setInterval(soon, pollMs) : undefined;
  poll?.unref();

  return {
    close() {
      closed = true;
      if (pending) clearTimeout(pending);
      if (poll) clearInterval(poll);
      for (const w of watchers) w.close();
    },
  };
}
