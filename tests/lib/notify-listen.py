#!/usr/bin/env python3
"""A stand-in for systemd's notification socket, for the --watch tests.

Usage:
    notify-listen.py SOCKET LOG FILE

Binds a datagram socket at SOCKET (a path; "@NAME" for Linux's abstract
namespace), as systemd does for $NOTIFY_SOCKET, and appends each line of
each message it gets to LOG as "LINE<TAB>file=yes" or "...file=no": whether
FILE existed when the message came, so that a test can tell a READY=1
sent before the token file was written.  LOG is made, empty, once the
socket is bound.  Runs until SIGTERM.
"""

import os
import signal
import socket
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, log, watched = sys.argv[1:]
    address = "\0" + path[1:] if path.startswith("@") else path
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(log + ".tmp", "w", encoding="utf-8"):
        pass
    os.rename(log + ".tmp", log)
    while True:
        data = sock.recv(65536)
        seen = "yes" if os.path.exists(watched) else "no"
        with open(log, "a", encoding="utf-8") as f:
            for line in data.decode("utf-8", "replace").split("\n"):
                if line:
                    f.write("%s\tfile=%s\n" % (line, seen))


if __name__ == "__main__":
    main()
