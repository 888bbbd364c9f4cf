"""What the slixmpp interop scripts share: a client that reports its sign-in, sign-in with a
timeout, and running a scenario to one JSON line on stdout. Every wait has a timeout."""

import asyncio
import json
import logging
import ssl
import sys

from slixmpp import ClientXMPP

STEP_TIMEOUT = 15
RUN_TIMEOUT = 60


class SignInClient(ClientXMPP):
    """A client whose `signed_in` future resolves at session start, or fails with the reason."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        # Palaver's certificate is self-signed in tests; everything else is checked as usual.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.signed_in = asyncio.get_event_loop().create_future()
        self.add_event_handler('session_start', lambda _: self.signed_in.done() or self.signed_in.set_result(True))
        self.add_event_handler('failed_all_auth', lambda _: self._fail('authentication failed'))
        self.add_event_handler('connection_failed', lambda error: self._fail(f'connection failed: {error}'))
        self.add_event_handler('stream_error', lambda error: self._fail(f'stream error: {error}'))

    def _fail(self, reason):
        if not self.signed_in.done():
            self.signed_in.set_exception(RuntimeError(reason))


async def sign_in(client_class, jid, password, host, port):
    client = client_class(jid, password)
    client.connect(address=(host, port))
    await asyncio.wait_for(client.signed_in, STEP_TIMEOUT)
    return client


async def run_scenario(scenario):
    """Runs scenario(result, clients); an exception is reported in result['error']. Disconnects all."""
    result = {}
    clients = []
    try:
        await scenario(result, clients)
    except Exception as error:  # reported to the test, which shows it
        result['error'] = f'{type(error).__name__}: {error}'
    finally:
        closing = [client.disconnect(wait=1) for client in clients]
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), STEP_TIMEOUT)
    return result


def main(scenario):
    """Runs the scenario on a fresh event loop and prints its result as one JSON line."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    result = loop.run_until_complete(asyncio.wait_for(run_scenario(scenario), RUN_TIMEOUT))
    # slixmpp leaves its filter tasks pending after a disconnect; end them before the loop closes.
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()
    print(json.dumps(result), flush=True)
