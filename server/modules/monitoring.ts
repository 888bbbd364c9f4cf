import { Registry } from 'prom-client';
import { defineModule } from '../core/module.js';
import { packageVersion } from '../version.js';
import { MONITORING } from '../monitoring/service.js';
import { registerRuntimeMetrics } from '../monitoring/runtime-metrics.js';
import { registerStateMetrics } from '../monitoring/state-metrics.js';
import { registerTrafficMetrics } from '../monitoring/traffic-metrics.js';

/**
 * Statistics and Prometheus metrics (server/monitoring/): counts from the server's events and
 * registries, for the /metrics and /api/statistics routes (http/metrics.ts, http/statistics.ts).
 */
export default defineModule({
  name: 'monitoring',
  hostKinds: ['account'],
  setup(server) {
    const started = { at: server.now(), version: packageVersion() };
    const registry = new Registry();
    registerTrafficMetrics(registry, server);
    registerStateMetrics(registry, server, started);
    const stopRuntime = registerRuntimeMetrics(registry);
    server.services.provide(MONITORING, { started, registry });
    return stopRuntime;
  },
});
