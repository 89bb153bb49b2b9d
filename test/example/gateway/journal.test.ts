import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, JournalCorruptError } from '../../../examples/payments/gateway/state/journal';

const dir = mkdtempSync(join(tmpdir(), 'paysidecar-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Rec = { n: number; s?: string };

test('appends are durable lines; concurrent appends share writes and keep each batch together', async () => {
  const path = join(dir, 'a.jsonl');
  const written: number[] = [];
  const { journal, replay } = await Journal.open<Rec>(path, { written: (n) => written.push(n) });
  assert.deepEqual(replay, { records: [], truncatedBytes: 0 });
  await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append([{ n: i * 2 }, { n: i * 2 + 1 }])));
  await journal.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
  assert.equal(lines.length, 100);
  for (let i = 0; i < 100; i += 2) assert.equal(lines[i + 1].n, lines[i].n + 1, 'a batch stays together');
  assert.equal(written.reduce((a, b) => a + b, 0), 100);
  assert.ok(written.length < 50, `group commit: ${written.length} fsyncs for 50 appends`);
});

test('a truncated last line is dropped, reported, and cut off so later appends stay readable', async () => {
  const path = join(dir, 'b.jsonl');
  writeFileSync(path, '{"n":1}\n{"n":2}\n{"n":3,"s":"cut sho');
  const { journal, replay } = await Journal.open<Rec>(path);
  assert.deepEqual(replay.records, [{ n: 1 }, { n: 2 }]);
  assert.equal(replay.truncatedBytes, Buffer.byteLength('{"n":3,"s":"cut sho'));
  await journal.append([{ n: 4 }]);
  await journal.close();
  assert.equal(readFileSync(path, 'utf8'), '{"n":1}\n{"n":2}\n{"n":4}\n');
  const again = await Journal.replay<Rec>(path);
  assert.deepEqual(again, { records: [{ n: 1 }, { n: 2 }, { n: 4 }], truncatedBytes: 0 });
});

test('a whole last record missing only its newline is kept', async () => {
  const path = join(dir, 'c.jsonl');
  writeFileSync(path, '{"n":1}\n{"n":2}');
  const { journal, replay } = await Journal.open<Rec>(path);
  assert.deepEqual(replay, { records: [{ n: 1 }, { n: 2 }], truncatedBytes: 0 });
  await journal.append([{ n: 3 }]);
  await journal.close();
  assert.equal(readFileSync(path, 'utf8'), '{"n":1}\n{"n":2}\n{"n":3}\n');
});

test('a bad line before the end is corruption: refuse to start, naming the line', async () => {
  const path = join(dir, 'd.jsonl');
  writeFileSync(path, '{"n":1}\n{"n":2\n{"n":3}\n');
  await assert.rejects(Journal.open<Rec>(path), (err: Error) => err instanceof JournalCorruptError && /line 2/.test(err.message));
});
