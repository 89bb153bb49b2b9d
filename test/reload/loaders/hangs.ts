/** A config loader thread that never answers, and keeps its thread busy (a read that never returns). */
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
