import type { Registry } from 'prom-client';
import { serviceKey } from '../core/services.js';

/** What the monitoring module keeps for the /metrics and /api/statistics routes. */
export interface Monitoring {
  /** When this server started (server.now() milliseconds) and which version it runs. */
  started: { at: number; version: string };
  /** This server's own prom-client registry: several servers can run in one process. */
  registry: Registry;
}

export const MONITORING = serviceKey<Monitoring>('monitoring');
