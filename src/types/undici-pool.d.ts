// undici's Pool on its own (src/proxy/forward-undici.ts): the same class undici's index exports,
// which undici's own types describe.
declare module 'undici/lib/dispatcher/pool' {
  import { Pool } from 'undici';
  export = Pool;
}
