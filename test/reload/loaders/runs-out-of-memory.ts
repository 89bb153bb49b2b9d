/** A config loader that grows its heap until it reaches the limit it was started with. */
const kept: string[][] = [];
for (;;) kept.push(Array.from({ length: 10_000 }, (_, i) => `entry ${i} of ${kept.length}`));
