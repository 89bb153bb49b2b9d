/**
 * Stopping, as one ordered list. The normal shutdown and a start that fails to bind run the same
 * list, so a failed start cannot leave timers, sockets or exporters behind, and a new part of the
 * sidecar is added to both by adding it once.
 */
export interface Closer {
  /** Names the part in the log when closing it fails. */
  readonly name: string;
  close(): unknown;
}

/** Closes each part in order, waiting for each; one that fails is reported and the rest still close. */
export async function closeInOrder(closers: readonly Closer[], onError: (name: string, err: unknown) => void): Promise<void> {
  for (const c of closers) {
    try {
      await c.close();
    } catch (err) {
      onError(c.name, err);
    }
  }
}
