import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

const NS_PER_S = 1e9;

/**
 * Event-loop delay and memory, read at each scrape. The delay histogram restarts after each
 * scrape, so its figures cover the time since the previous one. Returns the stop function.
 */
export function registerRuntimeMetrics(registry: Registry): () => void {
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  new Gauge({
    name: 'palaver_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape (p50, p99, max)',
    labelNames: ['stat'],
    registers: [registry],
    collect() {
      // Before the first sample the histogram reports huge sentinel values; 0 says "none yet".
      const sampled = delay.count > 0;
      this.set({ stat: 'p50' }, sampled ? delay.percentile(50) / NS_PER_S : 0);
      this.set({ stat: 'p99' }, sampled ? delay.percentile(99) / NS_PER_S : 0);
      this.set({ stat: 'max' }, sampled ? delay.max / NS_PER_S : 0);
      delay.reset();
    },
  });
  new Gauge({
    name: 'palaver_memory_bytes',
    help: 'Memory of the process (rss, heap_used, heap_total, external)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const usage = process.memoryUsage();
      this.set({ kind: 'rss' }, usage.rss);
      this.set({ kind: 'heap_used' }, usage.heapUsed);
      this.set({ kind: 'heap_total' }, usage.heapTotal);
      this.set({ kind: 'external' }, usage.external);
    },
  });
  return () => delay.disable();
}
