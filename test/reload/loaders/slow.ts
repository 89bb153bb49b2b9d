/**
 * The real config loader, holding its answer for 150 ms after it has read the file: long enough
 * that reloads asked for meanwhile queue behind it. Each run appends the time it read the file to
 * SLOW_LOADER_LOG (from the environment it was given to load), so a test can wait for the read and
 * see whether runs overlapped.
 */
import { appendFileSync, readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8')) as { env: Record<string, string> };
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((answer: string) => {
  appendFileSync(input.env.SLOW_LOADER_LOG, `${Date.now()}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
  return write(answer);
}) as typeof process.stdout.write;
// The real loader reads its input from stdin again: hand it the same bytes.
const fs = require('node:fs') as typeof import('node:fs');
const readFileSyncReal = fs.readFileSync;
fs.readFileSync = ((path: unknown, ...rest: unknown[]) => (path === 0 ? JSON.stringify(input) : (readFileSyncReal as (...a: unknown[]) => unknown)(path, ...rest))) as typeof fs.readFileSync;
require('../../../src/config/load-child');
