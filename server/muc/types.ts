import type { StoredAffiliationKind } from '../storage/rooms.js';

/** XEP-0045 §5.1: a role lasts for one visit. */
export type Role = 'moderator' | 'participant' | 'visitor' | 'none';
/** XEP-0045 §5.2: an affiliation outlives visits. */
export type Affiliation = StoredAffiliationKind | 'none';

export const AFFILIATIONS: readonly Affiliation[] = ['owner', 'admin', 'member', 'none', 'outcast'];
export const ROLES: readonly Role[] = ['moderator', 'participant', 'visitor', 'none'];

const AFFILIATION_RANK: Record<Affiliation, number> = { outcast: -1, none: 0, member: 1, admin: 2, owner: 3 };
const ROLE_RANK: Record<Role, number> = { none: 0, visitor: 1, participant: 2, moderator: 3 };

export function affiliationRank(affiliation: Affiliation): number {
  return AFFILIATION_RANK[affiliation];
}

export function roleRank(role: Role): number {
  return ROLE_RANK[role];
}

export function isAffiliation(value: string | undefined): value is Affiliation {
  return value !== undefined && (AFFILIATIONS as readonly string[]).includes(value);
}

export function isRole(value: string | undefined): value is Role {
  return value !== undefined && (ROLES as readonly string[]).includes(value);
}

export type Whois = 'moderators' | 'anyone';
export type AllowPm = 'anyone' | 'participants' | 'moderators' | 'none';

/** The keys of a room's configuration that the room core owns. */
export interface CoreRoomConfig {
  /** Shown name; '' means the localpart. */
  name: string;
  description: string;
  persistent: boolean;
  public: boolean;
  membersOnly: boolean;
  moderated: boolean;
  /** '' = no password. */
  password: string;
  whois: Whois;
  allowPm: AllowPm;
  /** Participants (not only moderators) may change the subject. */
  changeSubject: boolean;
  /** Members may invite others into a members-only room, which makes them members. */
  allowInvites: boolean;
  maxUsers: number;
  /** Messages sent to a joiner by default. */
  historyLength: number;
}

/**
 * A room's configuration (the muc#roomconfig form, config-form.ts): the core's keys and those
 * the room features add to this interface (`declare module`, features/*.ts).
 */
export interface RoomConfig extends CoreRoomConfig {}
