/** Small statistics helpers for latency samples (milliseconds). */

/** A bounded sample store: keeps at most `cap` values (reservoir sampling past that). */
export class Samples {
  constructor(cap = 200_000) {
    this.cap = cap;
    this.values = [];
    this.count = 0;
  }

  add(value) {
    this.count++;
    if (this.values.length < this.cap) {
      this.values.push(value);
    } else {
      const slot = Math.floor(Math.random() * this.count);
      if (slot < this.cap) this.values[slot] = value;
    }
  }

  summary() {
    return summarize(this.values);
  }
}

const round = (value, digits = 3) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

/** p50/p90/p99/max/mean of a list of milliseconds, rounded to µs. */
export function summarize(values) {
  if (values.length === 0) return { n: 0, p50: null, p90: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(values).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  let sum = 0;
  for (const v of sorted) sum += v;
  return { n: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]), mean: round(sum / sorted.length) };
}

export { round };
