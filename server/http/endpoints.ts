import type { Config } from '../config/types.js';

/** Where the XMPP transports live on the HTTP listener. */
export const WEBSOCKET_PATH = '/xmpp-websocket';
export const BOSH_PATH = '/http-bind';

/** The transports' URLs as browsers reach them, built from [listen].public_url (XEP-0156, landing page). */
export function publicTransportUrls(config: Pick<Config, 'listen'>): { websocket: string; bosh: string } {
  const base = config.listen.public_url; // kept without a trailing slash by the config schema
  return {
    websocket: base.replace(/^http/, 'ws') + WEBSOCKET_PATH,
    bosh: base + BOSH_PATH,
  };
}
