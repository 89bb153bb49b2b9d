// pino-roll ships no types; this is the part of its API (README, "Options") the sidecar uses.
declare module 'pino-roll' {
  import type SonicBoom from 'sonic-boom';
  import type { SonicBoomOpts } from 'sonic-boom';
  interface PinoRollOptions extends Omit<SonicBoomOpts, 'dest'> {
    file: string | (() => string);
    /** Bytes with a b/k/m/g unit, or a number of MB. */
    size?: string | number;
    /** 'daily', 'hourly' or milliseconds. */
    frequency?: 'daily' | 'hourly' | number;
    extension?: string;
    symlink?: boolean;
    limit?: { count: number; removeOtherLogFiles?: boolean };
    dateFormat?: string;
  }
  function build(options: PinoRollOptions): Promise<SonicBoom>;
  export = build;
}
