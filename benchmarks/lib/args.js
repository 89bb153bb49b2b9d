/**
 * Flag parsing shared by the benchmark scripts: `--name value` and `--flag`. Values are read by
 * the CLI's own parsers (dist/src/config/values), so they are written and refused as everywhere else.
 */
'use strict';
const values = require('../../dist/src/config/values');

function createArgs(argv) {
  const problems = [];
  const given = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  /** The flag read as `type`; not given or invalid (a problem): the default, written as a user would. */
  const read = (name, def, type) => values.collect(`--${name}`, given(name), type, problems) ?? type.parse(def);
  return {
    problems,
    flag: (name) => argv.includes(`--${name}`),
    string: (name, def) => given(name) ?? def,
    read,
    /** Milliseconds, above zero. */
    duration: (name, def) => read(name, def, values.positiveDuration),
    /** A comma list, each item one of `allowed`; a bad item is a problem and dropped. */
    list(name, def, allowed) {
      const item = values.oneOf(allowed);
      return values.splitList(given(name) ?? def).filter((i) => values.collect(`--${name}`, i, item, problems) !== undefined);
    },
  };
}

/** Prints every problem at once and exits 2, as the CLI does for bad input. */
function exitOnProblems(script, problems) {
  if (problems.length === 0) return;
  for (const p of problems) process.stderr.write(`${script}: ${p}\n`);
  process.exit(2);
}

module.exports = { createArgs, exitOnProblems, values };
