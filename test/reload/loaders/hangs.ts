/** A config loader that never answers, and stays busy (a read that never returns). */
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
