#!/usr/bin/env python3
"""A minimal HTTP CONNECT proxy for the tests of --proxy and HTTPS_PROXY.

Listens on a free loopback port (written to --port-file), tunnels CONNECT
requests to loopback targets only, and logs one line per tunnel
("CONNECT host:port") to --log.  Any other request is refused with 405 and
logged as "METHOD TARGET" (plus " with Authorization" when it carried one).  It never sees inside the TLS tunnel.
Standard library only.
"""
import argparse
import os
import select
import signal
import socket
import socketserver
import sys
import threading

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class Tunnel(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(4096).decode("latin-1").split()
        auth = False
        while True:                     # skip the request's headers
            h = self.rfile.readline(4096)
            if h in (b"\r\n", b"\n", b""):
                break
            auth = auth or h.lower().startswith(b"authorization:")
        if len(line) != 3 or line[0] != "CONNECT":
            # a plain-HTTP request sent to the proxy: log it (never the
            # credentials, only whether they came) and refuse it
            with self.server.lock:
                self.server.log.write("%s %s%s\n" % (line[0] if line else "-",
                                      line[1] if len(line) > 1 else "-",
                                      " with Authorization" if auth else ""))
                self.server.log.flush()
            return self.reply(b"405 Method Not Allowed")
        host, _, port = line[1].rpartition(":")
        if host not in LOOPBACK or not port.isdigit():
            return self.reply(b"403 Forbidden")
        with self.server.lock:
            self.server.log.write("CONNECT %s\n" % line[1])
            self.server.log.flush()
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            return self.reply(b"502 Bad Gateway")
        self.reply(b"200 Connection established")
        self.pipe(self.connection, upstream)

    def reply(self, status):
        self.wfile.write(b"HTTP/1.1 " + status + b"\r\n\r\n")

    @staticmethod
    def pipe(a, b):
        socks = [a, b]
        try:
            while True:
                ready, _, _ = select.select(socks, [], [], 30)
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        finally:
            b.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    server = Server(("127.0.0.1", 0), Tunnel)
    server.lock = threading.Lock()
    server.log = open(args.log, "a")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
