/**
 * An append-only JSON-lines journal of state changes. Each append is written and fsync'd before
 * its promise resolves (callers apply the change in memory only after that: write-ahead).
 * Appends that arrive while a write is in flight are grouped into the next write and share one
 * fsync, so concurrent requests do not queue one fsync each.
 *
 * Replay reads every line; a last line cut short by a crash is dropped, reported, and cut off
 * the file so later appends start on a clean line. A bad line anywhere else is corruption and
 * stops the start.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface ReplayResult<R> {
  records: R[];
  /** Bytes of a partial last line that were dropped (0 when the file ended cleanly). */
  truncatedBytes: number;
}

export class JournalCorruptError extends Error {
  constructor(path: string, line: number, detail: string) {
    super(`journal ${path}: line ${line} is not a valid record (${detail}); refusing to start on a corrupt journal`);
    this.name = 'JournalCorruptError';
  }
}

export interface JournalObserver {
  /** Called after each group write+fsync with the number of records and seconds taken. */
  written?(records: number, seconds: number): void;
  failed?(records: number, err: Error): void;
}

interface Pending {
  data: string;
  count: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface JournalSink<R> {
  append(records: readonly R[]): Promise<void>;
  close(): Promise<void>;
}

/** Used when no journal file is configured: state lives in memory only. */
export class NoJournal<R> implements JournalSink<R> {
  async append(_records: readonly R[]): Promise<void> {}
  async close(): Promise<void> {}
}

export class Journal<R> implements JournalSink<R> {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly observer: JournalObserver,
  ) {}

  /** Replays `path` (missing = empty) and opens it for appending. */
  static async open<R>(path: string, observer: JournalObserver = {}): Promise<{ journal: Journal<R>; replay: ReplayResult<R> }> {
    const abs = resolve(path);
    await fs.mkdir(dirname(abs), { recursive: true });
    const replay = await Journal.replay<R>(abs);
    const fh = await fs.open(abs, 'a');
    if (replay.records.length === 0 && replay.truncatedBytes === 0) {
      // A new file: make its directory entry durable too.
      const dir = await fs.open(dirname(abs), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
    return { journal: new Journal<R>(abs, fh, observer), replay };
  }

  static async replay<R>(path: string): Promise<ReplayResult<R>> {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], truncatedBytes: 0 };
      throw err;
    }
    const records: R[] = [];
    const lastNewline = text.lastIndexOf('\n');
    const complete = text.slice(0, lastNewline + 1);
    const tail = text.slice(lastNewline + 1);
    const lines = complete.split('\n');
    lines.pop(); // '' after the final newline
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line) as R);
      } catch (err) {
        throw new JournalCorruptError(path, i + 1, (err as Error).message);
      }
    });
    let truncatedBytes = 0;
    if (tail.trim() !== '') {
      // Records are JSON objects, so no proper prefix of one parses: a parseable tail is a whole
      // record whose newline did not make it, anything else is a torn write.
      try {
        records.push(JSON.parse(tail) as R);
        await fs.appendFile(path, '\n');
      } catch {
        truncatedBytes = Buffer.byteLength(tail, 'utf8');
        await fs.truncate(path, Buffer.byteLength(complete, 'utf8'));
      }
    }
    return { records, truncatedBytes };
  }

  append(records: readonly R[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    if (records.length === 0) return Promise.resolve();
    const data = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    return new Promise<void>((resolvePromise, reject) => {
      this.queue.push({ data, count: records.length, resolve: resolvePromise, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const count = batch.reduce((n, p) => n + p.count, 0);
      const started = performance.now();
      try {
        await this.fh.appendFile(batch.map((p) => p.data).join(''));
        await this.fh.datasync();
        this.observer.written?.(count, (performance.now() - started) / 1000);
        for (const p of batch) p.resolve();
      } catch (err) {
        this.observer.failed?.(count, err as Error);
        for (const p of batch) p.reject(err as Error);
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.fh.close();
  }
}
