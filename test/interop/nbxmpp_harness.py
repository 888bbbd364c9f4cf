"""What the nbxmpp (Gajim's library) interop scripts share: a client set up as Gajim connects
(TCP, STARTTLS, SCRAM), a GLib main loop that a timeout always ends, and one JSON line out."""

import json
import logging
import sys

import gi

gi.require_version('GLib', '2.0')
from gi.repository import GLib  # noqa: E402

from nbxmpp.client import Client  # noqa: E402
from nbxmpp.const import ConnectionProtocol, ConnectionType  # noqa: E402

STEP_TIMEOUT = 10
RUN_TIMEOUT = 45


def gajim_client(host, port, username, domain, password, resource):
    client = Client()
    client.set_domain(domain)
    client.set_username(username)
    client.set_password(password)
    client.set_resource(resource)
    client.set_custom_host(f'{host}:{port}', ConnectionProtocol.TCP, ConnectionType.START_TLS)
    client.set_connection_types([ConnectionType.START_TLS])
    # The test server's certificate is self-signed.
    client.set_ignore_tls_errors(True)
    return client


class GLibScenario:
    """A run on a GLib main loop: set self.client, then run() returns self.result after finish()."""

    def __init__(self, result):
        self.loop = GLib.MainLoop()
        self.result = result
        self.client = None

    def run(self):
        GLib.timeout_add_seconds(RUN_TIMEOUT, lambda: self.finish('the run timed out'))
        self.client.connect()
        self.loop.run()
        return self.result

    def finish(self, error=None):
        if error and 'error' not in self.result:
            self.result['error'] = error
        self.before_finish()
        if self.loop.is_running():
            self.loop.quit()
        return False

    def before_finish(self):
        """Last words for the result; nothing by default."""


def main(make_scenario, argument_count):
    """Builds the scenario from the command-line arguments, runs it and prints its result."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result = make_scenario(*sys.argv[1:1 + argument_count]).run()
    print(json.dumps(result), flush=True)
