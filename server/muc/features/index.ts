import { accountNames } from './account-names.js';
import { allowPm } from './allow-pm.js';
import { archive } from './archive.js';
import type { RoomFeature } from './feature.js';
import { channelWelcome } from './channel-welcome.js';
import { historyLength } from './history-length.js';
import { allowInvites } from './allow-invites.js';
import { changeSubject } from './change-subject.js';
import { moderated } from './moderated.js';
import { maxUsers } from './max-users.js';
import { membersOnly } from './members-only.js';
import { memoryHistory } from './memory-history.js';
import { nameAndDescription } from './name.js';
import { password } from './password.js';
import { publicRoom } from './public.js';
import { siteIdentity } from './site-identity.js';
import { whois } from './whois.js';

/** The room features every MUC host has, in the order their hooks and form fields come. */
export const ROOM_FEATURES: readonly RoomFeature[] = [
  memoryHistory,
  whois,
  archive,
  publicRoom,
  nameAndDescription,
  maxUsers,
  allowPm,
  membersOnly,
  moderated,
  changeSubject,
  allowInvites,
  historyLength,
  channelWelcome,
  password,
  siteIdentity,
  accountNames,
];
