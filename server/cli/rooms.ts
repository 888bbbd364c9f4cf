/**
 * `palaver rooms list | show NAME | destroy NAME [--reason TEXT]`: the rooms of the MUC
 * domain. With the server running (its control socket answers), the server does it: it
 * knows the temporary rooms and who is in each, and a destroyed room's occupants are told
 * (XEP-0045 §10.9). Without it, the database is read and written directly (persistent rooms
 * only: temporary rooms live in a running server's memory).
 */
import type { Config } from '../config/types.js';
import { JidError, parseJid } from '../jid/jid.js';
import { ROOM_FEATURES } from '../muc/features/index.js';
import { defaultRoomConfig, parseStoredConfig } from '../muc/room-config.js';
import { archivedCount, storedRoomSummary, type RoomSummary } from '../muc/room-summary.js';
import type { Storage } from '../storage/types.js';
import { askRunningServer, type ControlOutcome } from './control-client.js';
import { CliError, UsageError } from './errors.js';
import { withStorage } from './storage.js';

export type RoomsAction = 'list' | 'show' | 'destroy';

export interface RoomsInvocation {
  action: RoomsAction;
  name?: string;
  reason?: string;
}

export interface RoomsIo {
  /** The answer. */
  out?: NodeJS.WritableStream;
  /** Where the answer came from, and warnings. */
  err?: NodeJS.WritableStream;
}

export async function roomsCommand(config: Config, invocation: RoomsInvocation, io: RoomsIo = {}): Promise<void> {
  const out = io.out ?? process.stdout;
  const err = io.err ?? process.stderr;
  const name = invocation.action === 'list' ? undefined : roomLocalpart(config, invocation.name);
  const request = { command: `rooms.${invocation.action}`, room: name, reason: invocation.reason };
  const outcome = await askRunningServer(config.server.data_dir, request);
  if (!outcome.running) err.write(notRunningNote(outcome));
  const from = outcome.running ? 'the running server' : 'the database';
  switch (invocation.action) {
    case 'list': {
      const rooms = outcome.running ? outcome.result as RoomSummary[] : await withStorage(config, (storage) => storedRooms(config, storage));
      out.write(rooms.length === 0 ? `no rooms (from ${from})\n` : formatTable(rooms));
      return;
    }
    case 'show': {
      const room = outcome.running ? outcome.result as RoomSummary : await withStorage(config, (storage) => storedRoom(config, storage, name!));
      out.write(formatRoom(room));
      return;
    }
    case 'destroy': {
      if (outcome.running) {
        const { destroyed, occupantsTold } = outcome.result as { destroyed: string; occupantsTold: number };
        out.write(`destroyed ${destroyed}; ${occupantsTold} ${occupantsTold === 1 ? 'person in it was' : 'people in it were'} told\n`);
      } else {
        const jid = await withStorage(config, (storage) => destroyStoredRoom(config, storage, name!));
        out.write(`destroyed ${jid} (in the database; nobody was in it, as the server is not running)\n`);
      }
      if (config.channels.some((channel) => channel.name === name)) {
        err.write(`note: "${name}" is in the config's [[channels]], so it comes back (empty) at the next start; remove it there to keep it gone\n`);
      }
    }
  }
}

function notRunningNote(outcome: Extract<ControlOutcome, { running: false }>): string {
  const why = outcome.staleSocket
    ? 'the server is not running (its control socket was left behind by a server that did not stop cleanly; it is removed at the next start)'
    : 'the server is not running';
  return `${why}: working on the database (persistent rooms only)\n`;
}

/** The room's localpart as the server stores it (normalised), from what the user typed. */
function roomLocalpart(config: Config, name: string | undefined): string {
  if (name === undefined || name === '') throw new UsageError('give the room’s name, e.g. palaver rooms show lobby');
  const bare = name.includes('@') ? name : `${name}@${config.muc.domain}`;
  try {
    const jid = parseJid(bare);
    if (jid.local === null || jid.resource !== null || jid.domain !== config.muc.domain.toLowerCase()) throw new JidError('not a room of this server');
    return jid.local;
  } catch (error) {
    if (error instanceof JidError) throw new UsageError(`"${name}" is not a room name of ${config.muc.domain} (${error.message})`);
    throw error;
  }
}

async function storedRooms(config: Config, storage: Storage): Promise<RoomSummary[]> {
  const domain = config.muc.domain;
  const defaults = defaultRoomConfig(config.muc, ROOM_FEATURES);
  const summaries = await Promise.all(storage.rooms.rooms(domain).map(async (stored) => {
    const jid = `${stored.name}@${domain}`;
    const roomConfig = parseStoredConfig(stored.config, defaults, ROOM_FEATURES);
    return storedRoomSummary(jid, stored, roomConfig, storage.rooms.affiliations(domain, stored.name), await archivedCount(storage.archive, jid));
  }));
  return summaries.sort((a, b) => a.name.localeCompare(b.name));
}

async function storedRoom(config: Config, storage: Storage, name: string): Promise<RoomSummary> {
  const room = (await storedRooms(config, storage)).find((summary) => summary.name === name);
  if (!room) throw new CliError(`there is no stored room "${name}" on ${config.muc.domain}`);
  return room;
}

function destroyStoredRoom(config: Config, storage: Storage, name: string): string {
  const jid = `${name}@${config.muc.domain}`;
  if (!storage.rooms.deleteRoom(config.muc.domain, name)) throw new CliError(`there is no stored room "${name}" on ${config.muc.domain}`);
  storage.archive.deleteRoom(jid);
  return jid;
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

function formatTable(rooms: readonly RoomSummary[]): string {
  const header = ['NAME', 'TITLE', 'PUBLIC', 'PERSISTENT', 'MEMBERS', 'BANS', 'ARCHIVED', 'OCCUPANTS'];
  const rows = rooms.map((room) => [
    room.name, room.title, yesNo(room.public), yesNo(room.persistent),
    String(room.owners.length + room.admins.length + room.members.length), String(room.bans), String(room.archived),
    room.occupants === null ? '-' : String(room.occupants),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function formatRoom(room: RoomSummary): string {
  const lines: [string, string][] = [
    ['room', room.jid],
    ['title', room.title],
    ['description', room.description],
    ['subject', room.subject],
    ['public', yesNo(room.public)],
    ['persistent', yesNo(room.persistent)],
    ['owners', room.owners.join(', ')],
    ['admins', room.admins.join(', ')],
    ['members', room.members.join(', ')],
    ['bans', String(room.bans)],
    ['archived messages', String(room.archived)],
    ['occupants', room.occupants === null ? '- (the server is not running)' : String(room.occupants)],
    ['created', new Date(room.createdAt).toISOString()],
    ['creator', room.creator ?? '-'],
  ];
  return lines.map(([key, value]) => `${`${key}:`.padEnd(19)}${value}`.trimEnd()).join('\n') + '\n';
}
