import { pino, type Logger } from 'pino';
import type { Config } from './config/types.js';

export type { Logger };

/**
 * JSON logs on stdout. Client addresses are only ever logged through logAddress(), which
 * hides them unless the admin set [log].ip_addresses = true.
 */
export function createLogger(config: Pick<Config, 'log'>): Logger {
  return pino({ level: config.log.level, base: { service: 'palaver' } });
}

export function logAddress(config: Pick<Config, 'log'>, address: string): string {
  return config.log.ip_addresses ? address : '[hidden]';
}
