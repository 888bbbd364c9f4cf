import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config/types.js';

export type { Logger };

/**
 * JSON logs on stdout (or `destination`). Client addresses are only ever logged through
 * addressField(), which leaves them out unless the admin set [log].ip_addresses = true.
 * Every line passes through redactSecrets on its way out, whatever the level.
 */
export function createLogger(config: Pick<Config, 'log'>, destination?: DestinationStream): Logger {
  const options = { level: config.log.level, base: { service: 'palaver' }, hooks: { streamWrite: redactSecrets } };
  return destination ? pino(options, destination) : pino(options);
}

/** `{ address }` to spread into a log line's fields, or nothing unless [log].ip_addresses is on. */
export function addressField(config: Pick<Config, 'log'>, address: string): { address?: string } {
  return config.log.ip_addresses ? { address } : {};
}

/**
 * A `token` URL parameter (upload slots' PUT URLs), plain or percent-encoded, or a bearer
 * credential, however it got into a line.
 */
const SECRETS = /(token(?:=|%3D)|Bearer(?: |%20|\\u0020)+)[^\s"'&%<>\\]+/gi;

/**
 * Removes upload slot secrets (and any other bearer token) from a serialised log line: they
 * grant a write, and logs are read by more people and kept longer than slots live.
 */
export function redactSecrets(line: string): string {
  return line.replace(SECRETS, '$1[redacted]');
}
