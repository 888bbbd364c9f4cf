/**
 * `palaver privacy`: the statement of what this server keeps about people, where and for
 * how long, written from the config in force (Markdown, for the admin to publish as it is).
 * docs/privacy.md is the same text for the defaults; a sentence that changes there changes here.
 */
import path from 'node:path';
import type { Config } from '../config/types.js';
import { formatSize, plainDuration } from '../config/units.js';
import { DATABASE_FILE } from '../storage/sqlite/database.js';
import { redactUrl } from '../startup/storage.js';

function databaseName(config: Config): string {
  if (config.storage.backend === 'postgres') return `the PostgreSQL database \`${redactUrl(config.storage.url)}\``;
  return `\`${path.join(config.server.data_dir, DATABASE_FILE)}\``;
}

export function printPrivacy(config: Config, out: NodeJS.WritableStream = process.stdout): void {
  out.write(privacyStatement(config));
}

export function privacyStatement(config: Config): string {
  const sections = [
    [`# What ${config.landing.title} keeps about people`,
      `This server (${config.server.domain}) keeps as little as it can. Everything it stores is in one database, ` +
      `${databaseName(config)}${filesPlace(config)}. Nothing is sent to other sites: the chat page loads ` +
      'nothing from third parties.'],
    addresses(config),
    accounts(config),
    guests(config),
    rooms(config),
    messages(config),
    uploads(config),
    bans(config),
    logs(config),
    statistics(config),
  ];
  return `${sections.map((lines) => lines.join('\n\n')).join('\n\n')}\n`;
}

const bullets = (items: (string | false)[]): string => items.filter((item): item is string => item !== false).map((item) => `- ${item}`).join('\n');

function addresses(config: Config): string[] {
  return ['## Network addresses', bullets([
    'Your network (IP) address is used while you are connected, and never written to the database.',
    config.access.allow.length > 0 && `Only these networks may connect: ${config.access.allow.join(', ')}.`,
    `It is counted in memory only, while you are connected and for a minute after a sign-in, to limit each address's connections ` +
      `(${config.access.max_connections_per_address} at once), guest sign-ins (${config.access.anonymous_logins_per_minute} a minute), nickname checks on the web page (${config.access.nick_checks_per_minute} a minute) ` +
      `and failed sign-ins (${config.limits.sasl_failures_per_minute} a minute; for IPv6, per /64). Failed sign-ins are also counted per account named ` +
      `(${config.limits.sasl_failures_per_account_per_minute} a minute), in memory only.`,
    config.log.ip_addresses
      ? 'It is written to the server log (see **Logs**).'
      : 'It is not written to the server log.',
  ])];
}

function accounts(config: Config): string[] {
  if (config.server.auth !== 'internal') {
    return ['## Accounts', 'This server keeps no accounts: it accepts any name and password (a test setup).'];
  }
  return ['## Accounts', bullets([
    `An account (name@${config.server.domain}) is created by the administrator. The database keeps its name, when it was created, and ` +
      'salted password hashes (SCRAM); never the password itself.',
    'With the account it keeps its contact list (roster) and pending subscription requests, its vCard and private XML storage and its block list, as the account\'s clients store them.',
    `An invitation link (\`palaver invite\`) is kept as a hash of its secret, with its expiry and whether it was used, and deleted once expired (at the next \`palaver invite\`); it is not linked to the account it opened.`,
    'All of it is kept until the account is deleted (`palaver deluser`), which deletes it together.',
  ])];
}

function guests(config: Config): string[] {
  if (!config.anonymous.enabled) return ['## Guests', 'Guest access (without an account) is off on this server.'];
  return ['## Guests', bullets([
    `A guest gets a new random address (…@${config.anonymous.domain}) at every sign-in. Nothing about a guest is written to the ` +
      'database except what the next sections list (messages in archived rooms, uploaded files, bans).',
    'A guest\'s vCard, private storage and block list live in memory and are dropped when the guest disconnects.',
    'How many messages and presence changes a guest may still send in a room (flood limits) is counted in memory only, ' +
      'and forgotten seconds after the guest has left.',
  ])];
}

function rooms(config: Config): string[] {
  const channels = config.channels.map((channel) => channel.name);
  return ['## Rooms', bullets([
    'Temporary rooms (the default for a room someone creates by joining it) live in memory only and vanish, ' +
      'with their history, when the last person leaves.',
    `Persistent rooms (${channels.length > 0 ? `the listed channels ${channels.join(', ')}, and ` : ''}rooms an account holder configures as persistent) ` +
      'keep in the database: their configuration, subject (and the nickname that set it), and their affiliation lists: owners, ' +
      'admins and members by account address, with any reserved nickname, and outcasts (bans) by address with the reason the moderator gave. ' +
      'They are kept until the room is destroyed.',
    'A room whose owner changes its persistence starts its archive afresh: what was said while it was temporary is not ' +
      'written to disk when it becomes persistent, and a persistent room made temporary loses its stored archive.',
    `The number of rooms a guest has created (at most ${config.muc.max_rooms_per_user}) is counted by a keyed hash of the guest's ` +
      'network address (as for bans, below), kept in memory only with the room, never in the database.',
    'Occupant ids (XEP-0421) are a keyed hash of the user\'s address under a random key per room, so they cannot be linked ' +
      'across rooms or turned back into the address.',
    (config.muc.messages_per_minute > 0 || config.muc.presence_changes_per_minute > 0) &&
      'Flood counters (how many messages and presence changes a user may still send in a room) live in memory only, per room ' +
      'and user, and are forgotten once the user has left and the counters have filled up again (seconds later).',
  ])];
}

function messages(config: Config): string[] {
  const { archive, archive_expires_after: keptFor, history_length: historyLength } = config.muc;
  const inMemory = `the last ${historyLength} messages of a room are kept in memory only, for people who join later, until the server stops (or a temporary room empties)`;
  if (!archive) return ['## Messages', bullets([`Room messages are not stored: ${inMemory}.`, ...oneToOne(config)])];
  return ['## Messages', bullets([
    'Messages in persistent rooms that archive (a room setting, on by default) are stored in the database with the sender\'s ' +
      `nickname and occupant id, not their address, and deleted after ${plainDuration(keptFor)}; past ` +
      `${config.muc.archive_max_messages} messages in a room the oldest go first.`,
    'Temporary rooms keep their messages in memory only, archive included; they are gone when the room empties or the ' +
      'server stops or crashes. At start the server deletes any stored messages of rooms that are not persistent.',
    `In persistent rooms that do not archive, ${inMemory}.`,
    'A moderator\'s retraction replaces the stored message with a tombstone.',
    ...oneToOne(config),
  ])];
}

/** One-to-one messages: the account holders' archive and offline messages. */
function oneToOne(config: Config): string[] {
  const cap = config.limits.offline_messages;
  return [
    'An account holder\'s one-to-one messages, sent and received, are stored in the database in an archive of their own, ' +
      'with the other person\'s address, which only the account holder can read; they are deleted after ' +
      `${plainDuration(config.server.archive_expires_after)}, or at once with the account; past ` +
      `${config.limits.archive_messages_per_account} messages in an account's archive the oldest go first. The account holder can ask for ` +
      'none to be kept, or only those with their contacts (archiving preferences).',
    cap > 0
      ? `A message to an account holder who is not connected is stored until they next come online (at most ${cap} per ` +
        `account; further ones are refused back to the sender), then delivered and deleted; unread after ` +
        `${plainDuration(config.server.archive_expires_after)}, they are deleted.`
      : 'A message to an account holder who is not connected is refused back to the sender, never stored.',
    'Guests have no archive: their private messages are passed on, never stored, not even in the archive of an account ' +
      'holder they write to.',
  ];
}

/** Upload bytes are in the PostgreSQL database itself, or in a folder beside the SQLite one. */
function filesPlace(config: Config): string {
  if (config.storage.backend === 'postgres') return ', uploaded files included';
  return `, and, for uploaded files, the folder \`${path.join(config.server.data_dir, 'uploads')}\``;
}

function uploads(config: Config): string[] {
  const { enabled, expires_after: keptFor, max_size: maxSize } = config.upload;
  if (!enabled) return ['## Uploaded files', 'File upload is off on this server.'];
  return ['## Uploaded files', bullets([
    `Files (up to ${formatSize(maxSize)} each) are stored ${config.storage.backend === 'postgres' ? 'in the database' : 'in the uploads folder'} and deleted, with their record, ${plainDuration(keptFor)} after the upload.`,
    'Anyone with a file\'s link can download it until then.',
    'The record keeps the file\'s name, size and type, and who uploaded it, for the upload quota: an account holder\'s account; ' +
      'for a guest, not the guest\'s address but a keyed hash of the guest\'s network address (IPv4, or the /64 of IPv6) under a ' +
      'random secret kept in the database, so that signing in again does not reset the quota. It goes with the record.',
  ])];
}

function bans(config: Config): string[] {
  return ['## Banned guests',
    'Guests get a new address every time they connect, so a ban on a guest\'s address alone would end with a page reload. ' +
    'When a moderator bans a guest who is connected, the server therefore also keeps a **keyed hash of the guest\'s network address** ' +
    '(for IPv6, of its /64), and refuses guests whose address gives the same hash:',
    bullets([
      'the network address itself is never stored;',
      'the hash is an HMAC-SHA-256 under a random secret kept in the database, mixed with the room\'s address, so the same network ' +
        'address gives unrelated values in different rooms and cannot be recovered by trying all addresses without the secret;',
      config.cluster.redis !== '' && 'on a cluster, the other nodes learn a guest\'s network only as a keyed hash under the same secret ' +
        '(kept in Redis with the guest\'s session while it lasts, never the address), so that a ban holds whichever node the guest comes through;',
      'it is kept exactly as long as the ban: lifting the ban, or the end of a temporary room, deletes it;',
      'it applies to guests only: account holders are banned by their account, so that others sharing a network address can still join;',
      'it covers every way into the room: joining, reading its archive, private messages to its occupants, and the chat page\'s ' +
        'nickname check, which answers a banned address as if the room were closed.',
    ])];
}

function statistics(config: Config): string[] {
  const { statistics: published, statistics_list_nicks: withNicks } = config.api;
  return ['## Statistics and metrics', bullets([
    published
      ? 'The server publishes counts (people online, rooms, people in each public room) at `/api/statistics`; never an address or an account.'
      : 'The server publishes no statistics.',
    published && withNicks && 'It also publishes the **nicknames of the people in public rooms**, which anyone could see by joining those rooms.',
    'Its monitoring metrics (for the administrator) are counts only, kept in memory, with no address, account or nickname.',
  ])];
}

function logs(config: Config): string[] {
  const { level, ip_addresses: withAddresses } = config.log;
  if (level === 'silent') return ['## Logs', 'The server writes no log.'];
  return ['## Logs', bullets([
    `The server writes its log (level "${level}") to standard output; how long it is kept is up to whatever collects it ` +
      '(for example the system journal), which the administrator controls.',
    withAddresses
      ? 'The log **includes network addresses** of connecting clients ([log].ip_addresses is on).'
      : 'The log holds no network addresses; it names accounts, rooms and guests\' random addresses where an event concerns them.',
    'It has a line for each connection and each sign-in outcome (transport, domain, mechanism). Upload links\' secrets never appear in it.',
  ])];
}
