"""Saves the whole X screen (DISPLAY) as a PNG, with GTK's Gdk, which Gajim brings anyway.

Usage: gajim_screenshot.py OUT.png
"""

import sys

import gi

gi.require_version('Gdk', '3.0')
from gi.repository import Gdk  # noqa: E402


def main(out):
    root = Gdk.get_default_root_window()
    pixbuf = Gdk.pixbuf_get_from_window(root, 0, 0, root.get_width(), root.get_height())
    if pixbuf is None:
        sys.exit('could not read the screen')
    pixbuf.savev(out, 'png', [], [])
    print(f'{root.get_width()}x{root.get_height()}', flush=True)


if __name__ == '__main__':
    main(sys.argv[1])
