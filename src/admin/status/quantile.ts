/**
 * A quantile from explicit-bucket counts, interpolated linearly inside the bucket as Prometheus'
 * histogram_quantile() does, so the page and a Grafana panel over the same minute agree. The
 * open top bucket answers its lower edge (Prometheus does the same).
 */
export function bucketQuantile(q: number, boundaries: readonly number[], counts: readonly number[]): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (seen + c >= rank && c > 0) {
      if (i >= boundaries.length) return boundaries[boundaries.length - 1] ?? 0;
      const lower = i === 0 ? 0 : boundaries[i - 1];
      return lower + (boundaries[i] - lower) * ((rank - seen) / c);
    }
    seen += c;
  }
  return boundaries[boundaries.length - 1] ?? 0;
}
