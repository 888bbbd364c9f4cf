import { NICKNAME_MAX_LENGTH } from '../jid/nickname.js';

/**
 * Caps on everything a room keeps per user, so that one client (or a crowd of guests)
 * cannot grow the service without bound. Policy that admins tune lives in [muc] instead.
 */
export const LIMITS = {
  /** Code points in a nickname. */
  nickLength: NICKNAME_MAX_LENGTH,
  /** Code points in a room's localpart. */
  roomNameLength: 100,
  /** Rooms on one MUC service, temporary and persistent together. */
  rooms: 10_000,
  /** Affiliation records (owners, admins, members, outcasts) per room. */
  affiliations: 5_000,
  /** Sessions (resources of one user) sharing one nickname. */
  sessionsPerOccupant: 10,
  /** Invitations in one message. */
  invitesPerMessage: 5,
  /** Highest history length a room may be configured with (or [muc].history_length if higher). */
  historyLength: 100,
  /** Characters of the room's shown name, description and password. */
  roomTitle: 200,
  roomDescription: 1_000,
  password: 256,
  /** In-memory history: characters of stored stanzas per room, and over all rooms. */
  historyChars: 512 * 1024,
  historyCharsTotal: 64 * 1024 * 1024,
  /** Reasons given for kicks and bans. */
  reason: 500,
} as const;
