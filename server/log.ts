import { pino, type Logger } from 'pino';
import type { Config } from './config/types.js';

export type { Logger };

/**
 * JSON logs on stdout. Client addresses are only ever logged through addressField(), which
 * leaves them out unless the admin set [log].ip_addresses = true.
 */
export function createLogger(config: Pick<Config, 'log'>): Logger {
  return pino({ level: config.log.level, base: { service: 'palaver' } });
}

/** `{ address }` to spread into a log line's fields, or nothing unless [log].ip_addresses is on. */
export function addressField(config: Pick<Config, 'log'>, address: string): { address?: string } {
  return config.log.ip_addresses ? { address } : {};
}
