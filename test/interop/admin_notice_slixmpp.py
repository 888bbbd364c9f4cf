"""An admin runs one XEP-0133 command from slixmpp (XEP-0050: execute, then complete with
the given fields), for tests that watch what it does elsewhere (admin-notices.test.ts: the
guest in the web chat sees it). Prints one JSON line: the completed step's status and notes.

Usage: admin_notice_slixmpp.py HOST PORT ADMIN_JID PASSWORD COMMAND FIELD=VALUE...
"""

import sys

from admin_commands_slixmpp import Client, run, submit
from slixmpp_harness import main, sign_in


async def notice(result, clients, host, port, jid, password, command, fields):
    admin = await sign_in(Client, jid, password, host, port)
    clients.append(admin)
    started = await run(admin, command)
    if 'error' in started:
        raise RuntimeError(f'{command} refused: {started}')
    done = await submit(admin, command, started, **fields)
    result['status'] = done.get('status')
    result['notes'] = done.get('notes')
    result['error_condition'] = done.get('error')


if __name__ == '__main__':
    HOST, PORT, ADMIN_JID, PASSWORD, COMMAND = sys.argv[1:6]
    FIELDS = dict(argument.split('=', 1) for argument in sys.argv[6:])
    main(lambda result, clients: notice(result, clients, HOST, int(PORT), ADMIN_JID, PASSWORD, COMMAND, FIELDS))
