/**
 * A short-lived node:inspector session in this thread. Loaded only when a capture starts, so the
 * agent's start-up never pays for the inspector.
 */
import type { Session } from 'node:inspector/promises';

export async function withInspector<T>(use: (session: Session) => Promise<T>): Promise<T> {
  const { Session: InspectorSession } = await import('node:inspector/promises');
  const session = new InspectorSession();
  session.connect();
  try {
    return await use(session);
  } finally {
    // Disconnecting also stops a profiler left running by an aborted capture.
    session.disconnect();
  }
}
