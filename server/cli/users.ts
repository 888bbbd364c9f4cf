/**
 * `palaver adduser|passwd|deluser JID`: account administration straight on the configured
 * storage, so it works while the server is stopped and while it runs (SQLite: thanks to WAL
 * mode; PostgreSQL: every node hears of the change through its notifications). Accounts live on `[server].domain` only; guests on the anonymous domain have none.
 */
import type { Config } from '../config/types.js';
import { JidError, parseJid } from '../jid/jid.js';
import { deriveAllScramCredentials, InvalidPasswordError } from '../sasl/scram-credentials.js';
import { AccountExistsError, type ScramCredentials } from '../storage/types.js';
import { CliError, UsageError } from './errors.js';
import { readNewPassword, type TerminalInput } from './password-input.js';
import { withStorage } from './storage.js';

export interface Account {
  username: string;
  host: string;
  /** "username@host", normalised. */
  jid: string;
}

export interface UserCommandIo {
  passwordFile?: string | undefined;
  input?: TerminalInput;
  /** Confirmation messages. */
  out?: NodeJS.WritableStream;
  /** Prompts. */
  prompt?: NodeJS.WritableStream;
}

/** Checks that `text` names an account on this server; throws UsageError saying why not. */
function resolveAccountJid(config: Config, text: string): Account {
  let jid;
  try {
    jid = parseJid(text.trim());
  } catch (err) {
    if (err instanceof JidError) throw new UsageError(`"${text}" is not a valid JID (${err.message}); give user@${config.server.domain}`);
    throw err;
  }
  const accountDomain = config.server.domain.toLowerCase();
  if (jid.local === null) throw new UsageError(`"${text}" has no user name; give user@${accountDomain}`);
  if (jid.resource !== null) throw new UsageError(`"${text}" has a resource; give the bare JID user@${accountDomain}`);
  if (jid.domain !== accountDomain) {
    const role = jid.domain === config.anonymous.domain.toLowerCase() ? ' is the anonymous (guest) domain, which has no accounts'
      : jid.domain === config.muc.domain.toLowerCase() ? ' is the MUC (rooms) domain, which has no accounts'
      : jid.domain === config.upload.domain.toLowerCase() ? ' is the upload domain, which has no accounts'
      : ' is not served by this configuration';
    throw new UsageError(`${jid.domain}${role}; accounts live on ${accountDomain} (user@${accountDomain})`);
  }
  return { username: jid.local, host: jid.domain, jid: `${jid.local}@${jid.domain}` };
}

export async function addUser(config: Config, jidText: string, io: UserCommandIo = {}): Promise<void> {
  const account = resolveAccountJid(config, jidText);
  await withStorage(config, async (storage) => {
    if (storage.accounts.exists(account.username, account.host)) {
      throw new CliError(`account ${account.jid} already exists (use "palaver passwd" to change its password)`);
    }
    const credentials = await newCredentials(config, account, io);
    try {
      storage.accounts.create(account.username, account.host, credentials);
    } catch (err) {
      if (err instanceof AccountExistsError) throw new CliError(`account ${account.jid} already exists`);
      throw err;
    }
  });
  (io.out ?? process.stdout).write(`created account ${account.jid}\n`);
}

export async function changePassword(config: Config, jidText: string, io: UserCommandIo = {}): Promise<void> {
  const account = resolveAccountJid(config, jidText);
  await withStorage(config, async (storage) => {
    if (!storage.accounts.exists(account.username, account.host)) {
      throw new CliError(`account ${account.jid} does not exist (use "palaver adduser" to create it)`);
    }
    const credentials = await newCredentials(config, account, io);
    if (!storage.accounts.setCredentials(account.username, account.host, credentials)) {
      throw new CliError(`account ${account.jid} does not exist`);
    }
  });
  (io.out ?? process.stdout).write(`changed the password of ${account.jid}\n`);
}

export async function deleteUser(config: Config, jidText: string, io: UserCommandIo = {}): Promise<void> {
  const account = resolveAccountJid(config, jidText);
  await withStorage(config, (storage) => {
    if (!storage.accounts.delete(account.username, account.host)) {
      throw new CliError(`account ${account.jid} does not exist`);
    }
  });
  (io.out ?? process.stdout).write(`deleted account ${account.jid} and its data\n`);
}

async function newCredentials(config: Config, account: Account, io: UserCommandIo): Promise<ScramCredentials[]> {
  const password = await readNewPassword({
    passwordFile: io.passwordFile,
    account: account.jid,
    ...(io.input ? { input: io.input } : {}),
    ...(io.prompt ? { output: io.prompt } : {}),
  });
  try {
    return await deriveAllScramCredentials(password, config.sasl.scram_iterations);
  } catch (err) {
    // The message says which kind of character is wrong, never the password itself.
    if (err instanceof InvalidPasswordError) throw new CliError(`unusable password: ${err.message}`);
    throw err;
  }
}
