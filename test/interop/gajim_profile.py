"""A Gajim 1.7 profile for gajim.test.ts, written with Gajim's own settings API: one active
account that signs in to Palaver over TCP with STARTTLS, and Palaver's self-signed certificate
in Gajim's trust store, so that no dialog (account wizard, certificate, password, first-start
hints) stands between the start and the sign-in. Run as the user who will run Gajim.

Usage: gajim_profile.py CONFIG_DIR HOST PORT USERNAME DOMAIN PASSWORD CERT_PEM
The same CONFIG_DIR is then given to `gajim --config-path`.
"""

import shutil
import sys

import gi

gi.require_version('Gdk', '3.0')
gi.require_version('Gtk', '3.0')
from gajim.common import configpaths  # noqa: E402

ACCOUNT = 'palaver'


def main(config_dir, host, port, username, domain, password, cert_pem):
    configpaths.set_config_root(config_dir)
    configpaths.init()
    configpaths.create_paths()

    # Imported after the paths are set: the settings module reads them at import.
    from gajim.common.settings import Settings
    settings = Settings()
    settings.init()
    # No keyring daemon on a test machine: Gajim keeps the password in its settings.
    settings.set('use_keyring', False)
    settings.set('check_for_update', False)
    settings.set('show_help_start_chat', False)
    # Gajim's own account creation (CoreApplication.create_account), minus the keyring.
    settings.add_account(ACCOUNT)
    for name, value in {
        'name': username,
        'hostname': domain,
        'resource': 'gajim.test',
        'account_label': f'{username}@{domain}',
        'anonymous_auth': False,
        'use_custom_host': True,
        'custom_host': host,
        'custom_port': int(port),
        'custom_type': 'START TLS',
        'savepass': True,
        'password': password,
        'active': True,
        'autoconnect': True,
        # Look for the server's SOCKS5 proxy (XEP-0065) as a user who allows proxies does.
        'use_ft_proxies': True,
    }.items():
        settings.set_account_setting(ACCOUNT, name, value)

    # Gajim's CertificateStore trusts every PEM file in this folder (an unknown CA is then no error).
    shutil.copyfile(cert_pem, configpaths.get('CERT_STORE') / 'palaver-test.pem')
    settings.close()
    print(configpaths.get('SETTINGS'), flush=True)


if __name__ == '__main__':
    main(*sys.argv[1:8])
