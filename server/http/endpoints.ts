import type { Config } from '../config/types.js';
import { WEBSOCKET_PATH } from '../transports/websocket.js';

/** Where BOSH lives on the HTTP listener (the WebSocket transport names its own path). */
export const BOSH_PATH = '/http-bind';

/** The transports' URLs as browsers reach them, built from [listen].public_url (XEP-0156, landing page). */
export function publicTransportUrls(config: Pick<Config, 'listen'>): { websocket: string; bosh: string } {
  const base = config.listen.public_url; // kept without a trailing slash by the config schema
  return {
    websocket: base.replace(/^http/, 'ws') + WEBSOCKET_PATH,
    bosh: base + BOSH_PATH,
  };
}

/**
 * The path of a request URL below `prefix` ('' for the prefix itself, else starting with '/'),
 * or null when the URL is elsewhere. Matches as express mounts a router at `prefix`: whole
 * segments, any letter case (`prefix` is lower case), query and fragment ignored, and a URL in
 * absolute form (`http://host/path`) by its path.
 */
export function pathBelow(prefix: string, url: string | undefined): string | null {
  let path = url ?? '';
  if (!path.startsWith('/')) {
    try {
      path = new URL(path).pathname;
    } catch {
      return null; // `*` (OPTIONS *) and garbage
    }
  }
  const head = path.slice(0, prefix.length);
  if (head !== prefix && head.toLowerCase() !== prefix) return null;
  let end = path.length;
  for (let i = prefix.length; i < end; i++) {
    const char = path.charCodeAt(i);
    if (char === 0x3f || char === 0x23) end = i; // '?' or '#'
  }
  const rest = path.slice(prefix.length, end);
  return rest === '' || rest.startsWith('/') ? rest : null;
}
