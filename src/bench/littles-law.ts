/**
 * Little's law as a cross-check of the measurement: the time-average of requests in flight L
 * (integrated exactly from dispatch and completion times) should equal throughput λ times mean
 * latency W. The gap, when there is one, says where the time went:
 *  - open loop: W counts from each intended send time, L from dispatch; the difference is time
 *    requests waited in the client (a stalled target, too few --connections, or sub-millisecond
 *    latencies meeting the client's 1 ms timer resolution);
 *  - closed loop: L should also be close to the connection count; well below it, the client
 *    spent time between requests and was itself the bottleneck.
 */

export interface LittlesLawInput {
  measuredConcurrency: number;
  rps: number;
  meanLatencyMs: number;
  meanSendLagMs: number;
  mode: 'open' | 'closed' | 'ramp';
  connections: number;
}

export interface LittlesLaw {
  /** Time-average of requests in flight. */
  measuredConcurrency: number;
  /** rps × mean latency. */
  predictedConcurrency: number;
  /** measured / predicted; 1 is perfect. */
  ratio: number;
  /** Within ±LITTLE_TOLERANCE. */
  consistent: boolean;
  /** Human-readable reading of the figures. */
  note: string;
}

const LITTLE_TOLERANCE = 0.15;

const r2 = (x: number) => Math.round(x * 100) / 100;

export function littlesLaw(i: LittlesLawInput): LittlesLaw {
  const predicted = i.rps * (i.meanLatencyMs / 1000);
  const ratio = predicted > 0 ? i.measuredConcurrency / predicted : i.measuredConcurrency > 0 ? Infinity : 1;
  const consistent = Math.abs(ratio - 1) <= LITTLE_TOLERANCE;
  const notes: string[] = [];
  notes.push(
    `${consistent ? 'consistent' : 'inconsistent'}: ${r2(i.measuredConcurrency)} requests in flight on average ${consistent ? '≈' : 'vs'} ${r2(i.rps)} rps × ${r2(i.meanLatencyMs)} ms = ${r2(predicted)}`,
  );
  const lagShare = i.meanLatencyMs > 0 ? i.meanSendLagMs / i.meanLatencyMs : 0;
  if (i.mode !== 'closed' && lagShare > LITTLE_TOLERANCE) {
    notes.push(
      `requests left on average ${r2(i.meanSendLagMs)} ms after their intended time (${Math.round(lagShare * 100)}% of the latency): the target stalled, --connections was too small, or latencies are near the client's 1 ms timer resolution`,
    );
  } else if (!consistent) {
    notes.push('the run may be too short to settle, or the client was saturated');
  }
  if (i.mode === 'closed' && i.connections > 0 && predicted < i.connections * (1 - LITTLE_TOLERANCE)) {
    notes.push(`only ${r2(predicted)} of ${i.connections} connections busy on average: the client, not the target, limited throughput`);
  }
  if (i.mode !== 'closed' && predicted > i.connections) {
    notes.push(`~${r2(predicted)} requests outstanding but ${i.connections} connections: latencies include client-side queueing (raise --connections)`);
  }
  return { measuredConcurrency: r2(i.measuredConcurrency), predictedConcurrency: r2(predicted), ratio: Math.round(ratio * 1000) / 1000, consistent, note: notes.join('; ') };
}
