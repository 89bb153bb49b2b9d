/**
 * The real config loader, holding its answer for 150 ms after it has read the file: long enough
 * that reloads asked for meanwhile queue behind it. Each run appends the time it read the file to
 * SLOW_LOADER_LOG, so a test can wait for the read and see whether runs overlapped.
 */
import { appendFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort!;
const post = port.postMessage.bind(port);
port.postMessage = (answer: unknown) => {
  appendFileSync((workerData as { env: Record<string, string> }).env.SLOW_LOADER_LOG, `${Date.now()}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
  post(answer);
};
require('../../../src/config/load-worker');
