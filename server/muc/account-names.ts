import type { ServerContext } from '../core/context.js';
import { Jid, JidError } from '../jid/jid.js';
import { nickKeys } from './nick-key.js';

// Look-alikes of a username ("ALICE", "аlice" with a Cyrillic а) are found through an index
// of every account's nickname keys, rebuilt at most this often: an account created since
// is still protected under its exact name at once (the direct look-up below).
const INDEX_MAX_AGE_MS = 60_000;

interface NameIndex {
  builtAt: number;
  holders: Map<string, string>;
}

const indexes = new WeakMap<ServerContext, NameIndex>();

/**
 * With [muc].reserve_account_names: the bare JID of the account whose username this nickname
 * is (on [server].domain), compared the way a room compares nicknames (muc/nick-key.ts), so
 * that nobody else takes it in any room. Undefined when the key is off or no account has it.
 */
export function accountNameHolder(server: ServerContext, nick: string): string | undefined {
  if (!server.config.muc.reserve_account_names) return undefined;
  const domain = server.config.server.domain;
  const direct = accountJid(nick, domain);
  if (direct?.local && server.storage.accounts.exists(direct.local, direct.domain)) return direct.toString();
  const holders = nameIndex(server, domain).holders;
  for (const key of nickKeys(nick)) {
    const holder = holders.get(key);
    if (holder !== undefined) return holder;
  }
  return undefined;
}

function nameIndex(server: ServerContext, domain: string): NameIndex {
  const now = server.now();
  const cached = indexes.get(server);
  if (cached && now - cached.builtAt < INDEX_MAX_AGE_MS) return cached;
  const holders = new Map<string, string>();
  for (const username of server.storage.accounts.list(domain)) {
    for (const key of nickKeys(username)) holders.set(key, `${username}@${domain}`);
  }
  const index = { builtAt: now, holders };
  indexes.set(server, index);
  return index;
}

/** The account JID a nickname names as it is, or null when it cannot be a username. */
function accountJid(nick: string, domain: string): Jid | null {
  try {
    return Jid.of(nick, domain);
  } catch (error) {
    if (error instanceof JidError) return null;
    throw error;
  }
}
