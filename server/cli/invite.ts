/**
 * `palaver invite`: stores a one-time invitation (the hash of a random token, with its expiry
 * from [server].invite_expires_after) and prints the link, `<public_url>/invite/<token>`,
 * where someone picks a username and password for an account on [server].domain.
 */
import type { Config } from '../config/types.js';
import { inviteTokenHash, newInviteToken } from '../util/invite-tokens.js';
import { CliError } from './errors.js';
import { withStorage } from './storage.js';

export async function createInvitation(config: Config, out: NodeJS.WritableStream = process.stdout, now = Date.now()): Promise<string> {
  if (config.server.auth !== 'internal') {
    throw new CliError(`[server].auth is "${config.server.auth}": this server keeps no accounts, so there is nothing to invite to`);
  }
  const token = newInviteToken();
  const expiresAt = now + config.server.invite_expires_after;
  await withStorage(config, async (storage) => {
    await storage.invitations.deleteExpired(now);
    await storage.invitations.create(inviteTokenHash(token), expiresAt);
  });
  const link = `${config.listen.public_url.replace(/\/+$/, '')}/invite/${token}`;
  out.write(`${link}\n`);
  out.write(`(one account on ${config.server.domain}; valid until ${new Date(expiresAt).toISOString()})\n`);
  return link;
}
