import type { PalaverModule } from '../core/module.js';
import delivery from './delivery.js';
import disco from './disco.js';
import ping from './ping.js';
import roster from './roster.js';
import presence from './presence.js';
import vcard from './vcard.js';
import privateStorage from './private-storage.js';
import pep from './pep.js';
import bookmarks from './bookmarks.js';
import carbons from './carbons.js';
import accountArchive from './account-archive.js';
import offline from './offline.js';
import csi from './csi.js';
import version from './version.js';
import uptime from './uptime.js';
import upload from './upload.js';
import muc from './muc.js';
import mucArchive from './muc-archive.js';
import monitoring from './monitoring.js';
import motd from './motd.js';
import adHoc from './ad-hoc.js';
import adminCommands from './admin-commands.js';
import mucControl from './muc-control.js';
import externalServices from './external-services.js';
import callPolicy from './call-policy.js';
import siteAvatar from './site-avatar.js';
import contactAddresses from './contact-addresses.js';
import serverCaps from './server-caps.js';
import blocking from './blocking.js';
import messageRate from './message-rate.js';
import proxy65 from './proxy65.js';

/** Every feature module, in load order. A new feature adds one line here. */
export const MODULES: readonly PalaverModule[] = [
  delivery,
  disco,
  ping,
  roster,
  presence,
  vcard,
  privateStorage,
  pep,
  bookmarks,
  carbons,
  accountArchive,
  offline,
  csi,
  version,
  uptime,
  upload,
  muc,
  mucArchive,
  monitoring,
  motd,
  adHoc,
  adminCommands,
  mucControl,
  externalServices,
  callPolicy,
  siteAvatar,
  contactAddresses,
  serverCaps,
  blocking,
  // After blocking: a message a block list drops never reaches anyone, so it costs no token.
  messageRate,
  proxy65,
];
