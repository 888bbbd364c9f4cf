"""slixmpp runs Palaver's admin commands (XEP-0050 ad-hoc commands, XEP-0133 nodes), driven by
admin-commands-slixmpp.test.ts.

Phase "main": an admin (two resources) lists the commands and runs them: online users count
and list, announce, set and edit the message of the day, end a user's session; a command
is cancelled, a finished session is refused, the other resource cannot continue the first
one's session, an action the step does not offer is refused; a non-admin sees no commands
and is refused. Phase "after-restart": the admin reads the message of the day back (edit
form) and deletes it. Prints one JSON line; every wait has a timeout.

Usage: admin_commands_slixmpp.py HOST PORT ADMIN_JID ADMIN_PASSWORD OTHER_JID OTHER_PASSWORD KICK_JID PHASE
"""

import sys

from slixmpp.exceptions import IqError

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in

COMMANDS = 'http://jabber.org/protocol/commands'
ADMIN = 'http://jabber.org/protocol/admin'


class Client(SignInClient):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ('xep_0030', 'xep_0004', 'xep_0050', 'xep_0133'):
            self.register_plugin(plugin)


def node(name):
    return f'{ADMIN}#{name}'


def submit_form(client, **fields):
    form = client['xep_0004'].make_form(ftype='submit')
    form.add_field(var='FORM_TYPE', ftype='hidden', value=ADMIN)
    for var, value in fields.items():
        form.add_field(var=var.replace('__', '-'), value=value)
    return form


def describe(command):
    form = command.xml.find('{jabber:x:data}x')
    fields = {}
    if form is not None:
        for field in form.findall('{jabber:x:data}field'):
            fields[field.get('var')] = {
                'type': field.get('type'),
                'values': [value.text or '' for value in field.findall('{jabber:x:data}value')],
                'required': field.find('{jabber:x:data}required') is not None,
            }
    actions = command.xml.find(f'{{{COMMANDS}}}actions')
    return {
        'status': command['status'],
        'sessionid': command['sessionid'],
        'form_type': form.get('type') if form is not None else None,
        'fields': fields,
        'notes': [[kind, text] for kind, text in command['notes']],
        'actions': None if actions is None else {'execute': actions.get('execute'), 'allowed': [child.tag.split('}')[1] for child in actions]},
    }


async def run(client, name, action='execute', sessionid=None, form=None):
    """The command's answer, or {'error': condition, 'command_error': specific condition}."""
    try:
        iq = await client['xep_0050'].send_command(client.boundjid.server, node(name), action=action,
                                                   sessionid=sessionid, payload=form, timeout=STEP_TIMEOUT)
        return describe(iq['command'])
    except IqError as error:
        specific = [child.tag.split('}')[1] for child in error.iq.xml.find('{jabber:client}error')
                    if child.tag.startswith(f'{{{COMMANDS}}}')]
        return {'error': error.iq['error']['condition'], 'command_error': specific[0] if specific else None}


async def submit(client, name, started, action='complete', **fields):
    """Submits the form of a command session `started` (an answer of run) with these fields."""
    return await run(client, name, action=action, sessionid=started['sessionid'], form=submit_form(client, **fields))


async def command_items(client):
    items = await client['xep_0030'].get_items(jid=client.boundjid.server, node=COMMANDS, timeout=STEP_TIMEOUT)
    return sorted(item[1] for item in items['disco_items']['items'])


async def info_error(client, name):
    try:
        await client['xep_0030'].get_info(jid=client.boundjid.server, node=node(name), timeout=STEP_TIMEOUT)
        return None
    except IqError as error:
        return error.iq['error']['condition']


async def main_phase(result, clients, host, port, admin, password, other, other_password, kick):
    one = await sign_in(Client, f'{admin}/one', password, host, port)
    clients.append(one)
    two = await sign_in(Client, f'{admin}/two', password, host, port)
    clients.append(two)
    stranger = await sign_in(Client, f'{other}/slixmpp', other_password, host, port)
    clients.append(stranger)

    result['admin_items'] = await command_items(one)
    info = await one['xep_0030'].get_info(jid=one.boundjid.server, node=node('announce'), timeout=STEP_TIMEOUT)
    result['admin_info'] = {
        'identities': [[category, kind] for category, kind, _lang, _name in info['disco_info']['identities']],
        'features': sorted(info['disco_info']['features']),
    }
    result['other_items'] = await command_items(stranger)
    result['other_info_error'] = await info_error(stranger, 'announce')
    result['other_execute'] = await run(stranger, 'announce')
    result['other_count'] = await run(stranger, 'get-online-users-num')

    result['count'] = await run(one, 'get-online-users-num')

    listing = await run(one, 'get-online-users-list')
    result['list_form'] = listing
    result['list_by_other_resource'] = await submit(two, 'get-online-users-list', listing, max_items='none')
    result['list_next'] = await submit(one, 'get-online-users-list', listing, action='next', max_items='none')
    result['list'] = await submit(one, 'get-online-users-list', listing, max_items='none')
    result['list_again'] = await submit(one, 'get-online-users-list', listing, max_items='none')

    cancelled = await run(one, 'announce')
    result['cancel'] = await run(one, 'announce', action='cancel', sessionid=cancelled['sessionid'])
    result['after_cancel'] = await submit(one, 'announce', cancelled, announcement='never sent')

    started = await run(one, 'announce')
    result['announce_form'] = started
    result['announce_empty'] = await submit(one, 'announce', started, announcement='')
    result['announce'] = await submit(one, 'announce', started, subject='Maintenance', announcement='The server restarts at noon.\nSorry!')

    motd = await run(one, 'set-motd')
    result['set_motd'] = await submit(one, 'set-motd', motd, motd='First rule: be kind.')
    edit = await run(one, 'edit-motd')
    result['edit_form'] = edit
    result['edit_motd'] = await submit(one, 'edit-motd', edit, action='execute', motd='Be kind.\nHave fun.')

    ending = await run(one, 'end-user-session')
    result['end_session'] = await submit(one, 'end-user-session', ending, accountjids=[kick, 'nobody@localhost'])


async def after_restart_phase(result, clients, host, port, admin, password, *_):
    one = await sign_in(Client, f'{admin}/again', password, host, port)
    clients.append(one)
    result['edit_form'] = await run(one, 'edit-motd')
    await run(one, 'edit-motd', action='cancel', sessionid=result['edit_form']['sessionid'])
    result['delete_motd'] = await run(one, 'delete-motd')
    result['edit_form_after_delete'] = await run(one, 'edit-motd')


if __name__ == '__main__':
    HOST, PORT, ADMIN_JID, PASSWORD, OTHER_JID, OTHER_PASSWORD, KICK_JID, PHASE = sys.argv[1:9]
    phase = main_phase if PHASE == 'main' else after_restart_phase
    main(lambda result, clients: phase(result, clients, HOST, int(PORT), ADMIN_JID, PASSWORD, OTHER_JID, OTHER_PASSWORD, KICK_JID))
