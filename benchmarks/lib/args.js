/** Flag parsing shared by the benchmark scripts: `--name value`, `--flag`, durations as the CLI writes them. */
'use strict';
const { parseDuration } = require('../../dist/src/config/duration');

function createArgs(argv) {
  const problems = [];
  const value = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    problems,
    flag: (name) => argv.includes(`--${name}`),
    string(name, def) {
      return value(name) ?? def;
    },
    number(name, def, { min = 0, integer = false } = {}) {
      const v = value(name);
      if (v === undefined) return def;
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
        problems.push(`--${name}: "${v}" is invalid, expected ${integer ? 'an integer' : 'a number'} >= ${min}`);
        return def;
      }
      return n;
    },
    /** Milliseconds. */
    duration(name, def) {
      const v = value(name);
      if (v === undefined) return parseDuration(def);
      const ms = parseDuration(v);
      if (ms === undefined || ms <= 0) {
        problems.push(`--${name}: "${v}" is invalid, expected a duration like 500ms, 30s, 2m or plain seconds`);
        return parseDuration(def);
      }
      return ms;
    },
    list(name, def, allowed) {
      const v = value(name);
      const items = (v ?? def).split(',').map((s) => s.trim()).filter(Boolean);
      for (const item of items) if (!allowed.includes(item)) problems.push(`--${name}: "${item}" is invalid, expected some of ${allowed.join(',')}`);
      return items.filter((i) => allowed.includes(i));
    },
  };
}

/** Prints every problem at once and exits 2, as the CLI does for bad input. */
function exitOnProblems(script, problems) {
  if (problems.length === 0) return;
  for (const p of problems) process.stderr.write(`${script}: ${p}\n`);
  process.exit(2);
}

module.exports = { createArgs, exitOnProblems };
