/**
 * A config file as large as the limits allow (dist/src/config/limits): the most routes and the most
 * trusted CIDRs, the routes padded until the file is just under its byte limit. Realistic in shape:
 * WeChat-Pay-like paths with {params} at several depths, IPv4 and IPv6 ranges. Each `variant` differs
 * in every route, every CIDR and the sampling ratio, so a reload from one to the next rebuilds
 * every reloadable table. Shared by benchmarks/reload-block.js and the reload-block test.
 */
'use strict';
const { CONFIG_FILE_MAX_BYTES, LIST_MAX_ENTRIES } = require('../../dist/src/config/limits');

const WORDS = ['orders', 'refunds', 'bills', 'transfers', 'merchants', 'profits'];

function build(variant, pad, upstream) {
  const routes = [];
  for (let i = 0; i < LIST_MAX_ENTRIES; i++) {
    const tail = ['', '/close', '/{sub_id}'][i % 3];
    routes.push(`/v${1 + (i % 3)}/${WORDS[i % WORDS.length]}/${variant}r${i}${'x'.repeat(pad)}/{id}${tail}`);
  }
  const cidrs = [];
  for (let i = 0; i < LIST_MAX_ENTRIES; i++) {
    cidrs.push(i % 4 === 3 ? `fd${(variant % 256).toString(16).padStart(2, '0')}:${i.toString(16)}::/64` : `10.${(variant * 7 + (i >> 8)) % 256}.${i % 256}.0/24`);
  }
  return [
    `upstream: ${upstream}`,
    `traceSampleRatio: ${(variant % 10) / 10}`,
    'route:',
    ...routes.map((r) => `  - ${r}`),
    'trustCidr:',
    ...cidrs.map((c) => `  - ${c}`),
    '',
  ].join('\n');
}

/** The file's text; `upstream` is the app's URL. */
function configAtLimit(variant = 0, upstream = 'http://127.0.0.1:8080') {
  const base = Buffer.byteLength(build(variant, 0, upstream));
  const pad = Math.floor((CONFIG_FILE_MAX_BYTES - base) / LIST_MAX_ENTRIES);
  if (pad < 0) throw new Error(`the unpadded config is ${base} bytes, above the ${CONFIG_FILE_MAX_BYTES}-byte limit`);
  return build(variant, pad, upstream);
}

module.exports = { configAtLimit };
