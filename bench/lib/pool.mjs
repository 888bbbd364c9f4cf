/** Bounded concurrency with a deadline: how every scenario starts many clients. */

/**
 * Runs task(i) for i in [0, count) with at most `concurrency` at once. Stops starting new
 * tasks at the deadline (ms since performance.timeOrigin) or after `maxFailures` failures.
 * Resolves with { results, failures, errors (first few messages), timedOut }.
 */
export async function runPool(count, concurrency, task, { deadline = Infinity, maxFailures = Math.max(10, count / 10) } = {}) {
  const results = new Array(count);
  const errors = [];
  let failures = 0;
  let next = 0;
  let timedOut = false;
  const worker = async () => {
    while (next < count) {
      if (performance.now() > deadline) {
        timedOut = true;
        return;
      }
      if (failures >= maxFailures) return;
      const i = next++;
      try {
        results[i] = await task(i);
      } catch (error) {
        failures++;
        if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { results, failures, errors, timedOut, started: next };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
