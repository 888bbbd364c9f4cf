import { defineModule } from '../core/module.js';
import { AD_HOC } from './ad-hoc/commands.js';
import { adminsOnly } from './admin-commands/context.js';
import { announceCommand } from './admin-commands/announce.js';
import { onlineUsersCountCommand, onlineUsersListCommand } from './admin-commands/online-users.js';
import { endUserSessionCommand } from './admin-commands/end-user-session.js';
import { deleteMotdCommand, editMotdCommand, setMotdCommand } from './admin-commands/motd-commands.js';

/**
 * XEP-0133 service administration for [server].admins, as ad-hoc commands on the server's
 * domain: the ones Gajim and Converse list (announce, online users, end a session, the
 * message of the day). Everyone else sees no commands.
 */
export default defineModule({
  name: 'admin-commands',
  hostKinds: ['account'],
  load(host, server) {
    const commands = server.services.get(AD_HOC, host);
    for (const command of [
      announceCommand(server),
      onlineUsersCountCommand(server),
      onlineUsersListCommand(server),
      endUserSessionCommand(server),
      setMotdCommand(server),
      editMotdCommand(server),
      deleteMotdCommand(server),
    ]) commands.add(adminsOnly(server, command));
  },
});
