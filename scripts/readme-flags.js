#!/usr/bin/env node
// Rewrites the README's flag table from the config schema (after `npm run build`).
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { flagsTable } = require('../dist/src/config/flags-doc');
const file = join(__dirname, '..', 'README.md');
const text = readFileSync(file, 'utf8');
const next = text.replace(/<!-- flags:start -->\n[\s\S]*?<!-- flags:end -->/, `<!-- flags:start -->\n${flagsTable()}<!-- flags:end -->`);
if (next === text) console.log('README flag table already current');
else writeFileSync(file, next), console.log('README flag table rewritten');
