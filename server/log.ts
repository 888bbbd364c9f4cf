import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config/types.js';
import { formatLogLine } from './util/log-lines.js';

export type { Logger };

/**
 * Logs on stdout (or `destination`): readable lines when stdout is a terminal, JSON
 * otherwise (a service manager, a file, a log collector). Client addresses are only ever
 * logged through addressField(), which leaves them out unless the admin set
 * [log].ip_addresses = true. Every line passes through redactSecrets on its way out,
 * whatever the level and the format.
 */
export function createLogger(config: Pick<Config, 'log'>, destination?: DestinationStream): Logger {
  const options = { level: config.log.level, base: { service: 'palaver' }, hooks: { streamWrite: redactSecrets } };
  if (destination) return pino(options, destination);
  return process.stdout.isTTY ? pino(options, readableLines(process.stdout)) : pino(options);
}

/** For a terminal: each JSON line written as formatLogLine's text, in colour. */
export function readableLines(out: Pick<NodeJS.WritableStream, 'write'>, colour = true): DestinationStream {
  return { write: (line: string) => void out.write(formatLogLine(line, { colour })) };
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
