/**
 * Size limits on configuration, so a runaway generator or a hostile file cannot stall the
 * sidecar's event loop (and the payment traffic on it) while it is parsed. A real config file is a
 * few KB and an app has tens of routes; the limits leave room for ten times that.
 */

/** Largest config file read, checked before reading it. */
export const CONFIG_FILE_MAX_BYTES = 64 * 1024;

/** Most entries in any list setting (`route`, `trustCidr`). */
export const LIST_MAX_ENTRIES = 1000;

/** Longest single value in a list, in characters. */
export const LIST_ENTRY_MAX_CHARS = 512;
