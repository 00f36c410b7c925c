#!/usr/bin/env python3
"""Mock Collibra OAuth 2.0 token endpoint over HTTPS, for the collibra-token tests.

Usage:
    mock-server.py --cert FILE --key FILE --port-file FILE --log FILE [--host 127.0.0.1]

The server binds port 0 on the loopback host and writes the chosen port to
--port-file (atomically) once it is listening.  It exits cleanly on SIGTERM or
SIGINT and never logs requests to stderr.

Secrets never come from argv:
    MOCK_CREDS  path of a file, re-read on every request, one accepted pair per
                line: HEXID<TAB>HEXSECRET (hex of the raw bytes).
    MOCK_TOKEN  the access token to issue (default: DEFAULT_TOKEN below).

Routing: the request path must end in /rest/oauth/v2/token (else 404).  What
stands before it selects the scenario, e.g. /status/503/rest/oauth/v2/token is
scenario "status/503"; an empty prefix is "ok".  The query string is ignored.
See SCENARIOS at the end of the file for the list.

One REST stand-in, for the recipes of README and docs/ (tests/91-recipes.bats):
GET /rest/2.0/assets answers 200 with an empty asset list when the request
carries "Authorization: Bearer TOKEN" with the token the mock issues, and 401
in Collibra's error envelope otherwise; its log line says which (bearer_ok).

Every request is appended to --log as one JSON line (see Request.log_entry);
the log never holds the client secret, the Authorization header value or the
raw body.
"""

import argparse
import base64
import binascii
import hmac
import json
import os
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_PATH = "/rest/oauth/v2/token"
API_PATH = "/rest/2.0/assets"
DEFAULT_TOKEN = "mock-access-token-0123456789abcdef"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_BODY = 1 << 20          # request bodies are truncated beyond this
MAX_WAIT = 120.0            # cap for delay/S, in seconds
HANG_SECONDS = 60.0

# Set on shutdown so that sleeping handlers (delay, hang) return at once.
SHUTDOWN = threading.Event()


class ScenarioError(Exception):
    """The scenario path itself is malformed (a bug in the test, not the client)."""


# --------------------------------------------------------------------------
# Decoding helpers
# --------------------------------------------------------------------------

def form_decode(raw):
    """application/x-www-form-urlencoded decoding of one name or value, to BYTES."""
    return urllib.parse.unquote_to_bytes(raw.replace(b"+", b" "))


def parse_form(body):
    """Parse a form body into a list of (name, value) byte pairs, in order."""
    fields = []
    for part in body.split(b"&"):
        if part:
            name, _, value = part.partition(b"=")
            fields.append((form_decode(name), form_decode(value)))
    return fields


def text(raw):
    """Bytes to str for the log/JSON; undecodable bytes become \\xNN."""
    return None if raw is None else raw.decode("utf-8", "backslashreplace")


def media_type(content_type):
    """'Application/X-WWW-Form-Urlencoded; charset=utf-8' -> 'application/x-www-form-urlencoded'."""
    return (content_type or "").split(";", 1)[0].strip().lower()


class BasicAuth:
    """A parsed 'Authorization: Basic ...' header.

    user_raw is the username exactly as sent (still form-encoded); client_id
    and secret are the form-decoded bytes, or None when the header is
    malformed (bad base64, no ':').
    """

    def __init__(self, value):
        self.user_raw = self.client_id = self.secret = None
        try:
            # validate=True: reject characters outside the alphabet and bad padding.
            decoded = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return
        user, sep, password = decoded.partition(b":")   # split at the FIRST ':'
        if not sep:
            return
        self.user_raw = user
        self.client_id = form_decode(user)
        self.secret = form_decode(password)


def parse_authorization(header):
    """Return a BasicAuth for a Basic Authorization header, else None."""
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    return BasicAuth(value) if scheme.lower() == "basic" else None


def echo_forms(authorization, body):
    """The client secret as sent, for the echo-secret scenario (never logged):
    its bytes, form-encoded, and the Basic value of the Authorization header."""
    forms = []
    scheme, _, value = (authorization or "").strip().partition(" ")
    basic = BasicAuth(value) if scheme.lower() == "basic" else None
    if basic is not None and basic.secret is not None:
        password = base64.b64decode(value.strip()).partition(b":")[2]
        forms += [basic.secret, password, value.strip().encode()]
    for part in body.split(b"&"):
        name, _, raw = part.partition(b"=")
        if name == b"client_secret":
            forms += [form_decode(raw), raw]
    return forms


def load_creds():
    """Read the accepted (id, secret) byte pairs from $MOCK_CREDS (re-read every time)."""
    path = os.environ.get("MOCK_CREDS")
    pairs = []
    if not path:
        return pairs
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                line = line.rstrip("\r\n")
                if not line or line.startswith("#"):
                    continue
                hex_id, _, hex_secret = line.partition("\t")
                try:
                    pairs.append((bytes.fromhex(hex_id), bytes.fromhex(hex_secret)))
                except ValueError:
                    continue
    except OSError:
        pass
    return pairs


def creds_match(client_id, secret):
    if client_id is None or secret is None:
        return False
    return any(hmac.compare_digest(client_id, i) and hmac.compare_digest(secret, s)
               for i, s in load_creds())


def issued_token():
    return os.environ.get("MOCK_TOKEN") or DEFAULT_TOKEN


# --------------------------------------------------------------------------
# One parsed request
# --------------------------------------------------------------------------

class Request:
    """What the scenario handlers need to know about one request."""

    def __init__(self, handler, path, scenario, body):
        headers = handler.headers
        self.method = handler.command
        self.path = path
        self.scenario = scenario
        self.content_type = headers.get("Content-Type")
        self.accept = headers.get("Accept")
        self.user_agent = headers.get("User-Agent")
        self.content_length = headers.get("Content-Length")
        self.is_form = media_type(self.content_type) == FORM_TYPE
        # Only parse form bodies: parsing anything else could put a secret
        # into body_keys (e.g. a JSON body would become one big "name").
        self.fields = parse_form(body) if self.is_form else []
        names = [name for name, _ in self.fields]
        self.repeated = len(set(names)) != len(names)
        form = dict(self.fields)
        self.grant_type = form.get(b"grant_type")
        self.scope = text(form.get(b"scope"))

        self.basic = parse_authorization(headers.get("Authorization"))
        self.bearer_ok = hmac.compare_digest(
            (headers.get("Authorization") or "").encode("latin-1", "replace"),
            ("Bearer " + issued_token()).encode("latin-1", "replace"))
        self.echoes = echo_forms(headers.get("Authorization"), body if self.is_form else b"")
        has_post = b"client_id" in form or b"client_secret" in form
        self.auth = {(True, True): "both", (True, False): "basic",
                     (False, True): "post", (False, False): "none"}[
                         (self.basic is not None, has_post)]
        if self.auth == "basic":
            self.client_id = self.basic.client_id
            self.auth_ok = creds_match(self.basic.client_id, self.basic.secret)
        elif self.auth == "post":
            # RFC 6749 2.3.1: an empty secret may be omitted.
            self.client_id = form.get(b"client_id")
            self.auth_ok = creds_match(self.client_id, form.get(b"client_secret", b""))
        else:
            self.client_id = None
            self.auth_ok = False    # "both" is always refused

    def log_entry(self):
        """The JSON log record.  Never add the secret, the Authorization value or the body."""
        try:
            length = int(self.content_length) if self.content_length is not None else None
        except ValueError:
            length = self.content_length
        return {
            "time": time.time(),
            "method": self.method,
            "path": self.path,
            "scenario": self.scenario,
            "content_type": self.content_type,
            "accept": self.accept,
            "user_agent": self.user_agent,
            "content_length": length,
            "auth": self.auth,
            "basic_user": text(self.basic.user_raw) if self.basic else None,
            "client_id": text(self.client_id),
            "auth_ok": self.auth_ok,
            "grant_type": text(self.grant_type),
            "scope": self.scope,
            "body_keys": [text(name) for name, _ in self.fields],
            "bearer_ok": self.bearer_ok,
        }


# --------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MockCollibra/1.0"
    sys_version = ""
    timeout = 30                # socket timeout for reads and writes

    def log_message(self, format, *args):   # noqa: A002 - signature from the base class
        pass                    # quiet: the JSON log is the only record

    def setup(self):
        super().setup()
        # The listening socket wraps with do_handshake_on_connect=False so that
        # a slow or broken client cannot stall the accept loop; shake hands here,
        # in the per-connection thread.
        self.connection.do_handshake()

    # Every method goes through the same dispatcher; non-POST gets 405 from
    # the token scenarios.
    def do_POST(self):
        self.dispatch()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_POST

    def dispatch(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        body = self.read_body()
        scenario = None
        if path.endswith(TOKEN_PATH):
            scenario = path[:-len(TOKEN_PATH)].strip("/") or "ok"
        req = Request(self, path, scenario, body)
        # Log before answering, so the line is there when the client returns.
        self.server.write_log(req.log_entry())
        if scenario is None and path == API_PATH and req.method == "GET":
            if req.bearer_ok:
                return self.send_json(200, {"total": 0, "offset": 0, "limit": 1000,
                                            "results": []})
            return self.send_json(401, {"statusCode": 401,
                                        "errorCode": "authenticationFailed",
                                        "userMessage": "Bearer token required"})
        if scenario is None:
            return self.send_html(404, "<html><body>404 Not Found</body></html>")
        name, *args = scenario.split("/")
        scenario_handler = SCENARIOS.get(name)
        if scenario_handler is None:
            return self.send_html(404, "<html><body>unknown mock scenario</body></html>")
        try:
            scenario_handler(self, req, [urllib.parse.unquote(a) for a in args])
        except ScenarioError as e:
            self.send_bytes(500, ("bad mock scenario %r: %s\n" % (scenario, e)).encode(),
                            "text/plain")

    # ---- request body ----

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self.read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def read_chunked(self):
        data = b""
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass        # skip trailers
                return data[:MAX_BODY]
            data += self.rfile.read(size)
            self.rfile.readline()   # CRLF after the chunk

    # ---- responses ----

    def send_head(self, status, content_type, length, headers=()):
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def send_bytes(self, status, body, content_type, headers=()):
        self.send_head(status, content_type, len(body), headers)
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_html(self, status, html):
        self.send_bytes(status, html.encode(), "text/html")

    def send_json(self, status, obj, headers=()):
        headers = [("Cache-Control", "no-store"), ("Pragma", "no-cache"), *headers]
        self.send_bytes(status, json.dumps(obj).encode(), "application/json", headers)

    def send_oauth_error(self, status, code, description):
        headers = [("WWW-Authenticate", 'Basic realm="collibra"')] if status == 401 else []
        self.send_json(status, {"error": code, "error_description": description}, headers)


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------

class MockServer(ThreadingHTTPServer):
    daemon_threads = True       # hanging handlers must not keep the process alive
    block_on_close = False

    def __init__(self, address, ssl_context, log_path):
        self.ssl_context = ssl_context
        self.log_file = open(log_path, "a", encoding="utf-8")
        self.log_lock = threading.Lock()
        self.counters = {}
        self.counter_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), which may do slow DNS; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        sock, addr = super().get_request()
        return self.ssl_context.wrap_socket(sock, server_side=True,
                                            do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        # TLS failures (e.g. the client rejects our certificate), resets and
        # timeouts are expected in the tests; only print real bugs.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def write_log(self, entry):
        line = json.dumps(entry, sort_keys=True)
        with self.log_lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()

    def bump(self, key):
        """Increment and return the request counter named key (for stateful scenarios)."""
        with self.counter_lock:
            self.counters[key] = self.counters.get(key, 0) + 1
            return self.counters[key]


# --------------------------------------------------------------------------
# Scenarios.  Each handler is f(handler, request, args) where args are the
# scenario path segments after the name, percent-decoded.
# --------------------------------------------------------------------------

def int_arg(args, index=0, default=None):
    try:
        return int(args[index])
    except IndexError:
        if default is None:
            raise ScenarioError("missing argument") from None
        return default
    except ValueError:
        raise ScenarioError("not an integer: %r" % args[index]) from None


def status_arg(args, index=0, default=None):
    status = int_arg(args, index, default)
    if not 200 <= status <= 599:
        raise ScenarioError("status out of range: %d" % status)
    return status


def check_token_request(h, req):
    """Validate the request like a real server.  On failure send the error and return False."""
    if req.method != "POST":
        h.send_json(405, {"error": "invalid_request", "error_description": "method not allowed"},
                    [("Allow", "POST")])
    elif not req.is_form:
        h.send_oauth_error(400, "invalid_request", "Content-Type must be " + FORM_TYPE)
    elif req.repeated:
        h.send_oauth_error(400, "invalid_request", "repeated parameter")
    elif req.grant_type is None:
        h.send_oauth_error(400, "invalid_request", "missing grant_type")
    elif req.grant_type != b"client_credentials":
        h.send_oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    elif req.auth == "both":
        h.send_oauth_error(400, "invalid_request", "more than one client authentication method")
    elif not req.auth_ok:
        h.send_oauth_error(401, "invalid_client", "Client authentication failed")
    else:
        return True
    return False


def issue_token(h, req, expires_in=3600, scope=None):
    """Check the request, then answer 200 with a token."""
    if not check_token_request(h, req):
        return
    body = {"access_token": issued_token(), "token_type": "Bearer"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    scope = req.scope if scope is None else scope
    if scope is not None:
        body["scope"] = scope
    h.send_json(200, body)


def sc_ok(h, req, args):
    issue_token(h, req)


def sc_expires(h, req, args):
    issue_token(h, req, expires_in=int_arg(args))


def sc_noexpiry(h, req, args):
    issue_token(h, req, expires_in=None)


def sc_delay(h, req, args):
    try:
        seconds = float(args[0])
    except (IndexError, ValueError):
        raise ScenarioError("delay/SECONDS needs a number") from None
    SHUTDOWN.wait(min(max(seconds, 0.0), MAX_WAIT))
    issue_token(h, req)


def sc_slow(h, req, args):
    # slow/SECONDS/SCENARIO...: wait, then answer as SCENARIO would.
    try:
        seconds = float(args[0])
        handler = SCENARIOS[args[1]]
    except (IndexError, ValueError, KeyError):
        raise ScenarioError("slow/SECONDS/SCENARIO needs a number and a scenario") from None
    SHUTDOWN.wait(min(max(seconds, 0.0), MAX_WAIT))
    handler(h, req, args[2:])


def sc_scope(h, req, args):
    # scope        -> echo the requested scope, or grant "read write" if none was asked
    #                 (a real server would omit it; tests the client's tolerance)
    # scope/VALUE  -> grant exactly VALUE (e.g. a narrower scope than requested)
    granted = "/".join(args) if args else (req.scope if req.scope is not None else "read write")
    issue_token(h, req, scope=granted)


def sc_fail_first(h, req, args):
    # fail-first/K[/KEY]: the first K requests for this exact scenario get 503,
    # later ones are served like "ok".  Use a distinct KEY per test to get a
    # fresh counter on a shared server.
    limit = int_arg(args)
    if h.server.bump(req.scenario) <= limit:
        h.send_html(503, "<html><body>503</body></html>")
    else:
        issue_token(h, req)


def sc_flaky(h, req, args):
    # flaky/K/STATUS/RETRY-AFTER/KEY: the first K requests for this scenario
    # get STATUS with a Retry-After header (seconds; "date+N" for an
    # HTTP-date N seconds ahead; "-" for none), later ones are served like
    # "ok".  Use a distinct KEY per test.
    try:
        limit, status, after = int(args[0]), int(args[1]), args[2]
    except (IndexError, ValueError):
        raise ScenarioError("flaky/K/STATUS/RETRY-AFTER/KEY") from None
    if h.server.bump(req.scenario) > limit:
        return issue_token(h, req)
    headers = []
    if after.startswith("date+"):
        headers.append(("Retry-After", formatdate(time.time() + int(after[5:]), usegmt=True)))
    elif after != "-":
        headers.append(("Retry-After", after))
    h.send_bytes(status, b"<html><body>busy</body></html>", "text/html", headers)


def sc_outage(h, req, args):
    # outage/FIRST/COUNT/EXPIRES/KEY: requests FIRST+1 to FIRST+COUNT for
    # this scenario get 503 (an outage); the others get a token that
    # lives EXPIRES seconds.  Use a distinct KEY per test.
    try:
        first, count, expires = int(args[0]), int(args[1]), int(args[2])
    except (IndexError, ValueError):
        raise ScenarioError("outage/FIRST/COUNT/EXPIRES/KEY") from None
    n = h.server.bump(req.scenario)
    if first < n <= first + count:
        return h.send_html(503, "<html><body>down</body></html>")
    issue_token(h, req, expires_in=expires)


def sc_stamped(h, req, args):
    # stamped/EXPIRES: a token that lives EXPIRES seconds and carries its
    # expiry (Unix seconds) after the issued token, so that a reader of a
    # token file can tell a stale one: "TOKEN.exp1700000000".
    expires = int_arg(args)
    if not check_token_request(h, req):
        return
    token = "%s.exp%d" % (issued_token(), int(time.time()) + expires)
    h.send_json(200, {"access_token": token, "token_type": "Bearer",
                      "expires_in": expires})


def sc_switch(h, req, args):
    # switch/NAME: answer as the scenario written in the file switch-NAME
    # beside $MOCK_CREDS says (e.g. "stamped/3", "status/503", "delay/30",
    # "oauth/invalid_client", "noexpiry"), re-read on every request; "ok"
    # when the file is missing.  A test flips its server up, down, slow or
    # broken by rewriting the file.
    if not args or "/" in args[0] or args[0].startswith("."):
        raise ScenarioError("switch/NAME needs a plain name")
    path = os.path.join(os.path.dirname(os.environ.get("MOCK_CREDS", "")) or ".",
                        "switch-" + args[0])
    try:
        with open(path, encoding="ascii") as f:
            target = f.read().strip() or "ok"
    except OSError:
        target = "ok"
    name, *rest = target.split("/")
    if name == "switch" or name not in SCENARIOS:
        raise ScenarioError("switch-%s holds %r" % (args[0], target))
    SCENARIOS[name](h, req, rest)


def sc_oauth(h, req, args):
    # oauth/CODE[/STATUS]: a full RFC 6749 5.2 error.
    if not args:
        raise ScenarioError("oauth/CODE needs a code")
    code = args[0]
    status = status_arg(args, 1, 401 if code == "invalid_client" else 400)
    headers = [("WWW-Authenticate", 'Basic realm="collibra"')] if status == 401 else []
    h.send_json(status, {"error": code, "error_description": "mock says " + code,
                         "error_uri": "https://example.invalid/doc"}, headers)


def sc_oauth_bare(h, req, args):
    if not args:
        raise ScenarioError("oauth-bare/CODE needs a code")
    h.send_json(400, {"error": args[0]})


def sc_status(h, req, args):
    status = status_arg(args)
    if status in (204, 304):    # these must not carry a body
        h.send_bytes(status, b"", "text/html")
    else:
        h.send_html(status, "<html><body>%d</body></html>" % status)


def sc_empty(h, req, args):
    h.send_bytes(status_arg(args), b"", None)


def sc_redirect(h, req, args):
    status = status_arg(args, 0, 302)
    h.send_bytes(status, b"<html><body>moved</body></html>", "text/html",
                 [("Location", "https://elsewhere.invalid" + TOKEN_PATH)])


def token_json(token, **changes):
    """A valid token response, with fields changed; a value of DROP removes the field."""
    body = {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
    for name, value in changes.items():
        if value is DROP:
            body.pop(name, None)
        else:
            body[name] = value
    return json.dumps(body).encode()


DROP = object()
HOSTILE = r"""x';touch${IFS}pwned;'$(touch${IFS}pwned2)`touch${IFS}pwned3`"\$HOME|&;<>*?[]{}~#!%"""

# body/NAME: canned 200 application/json bodies; each is f(valid_token) -> bytes.
BODIES = {
    "malformed": lambda t: b'{"access_token": "abc"',
    "array": lambda t: b"[]",
    "notjson": lambda t: b"hello",
    "empty": lambda t: b"",
    "trailing-garbage": lambda t: token_json(t) + b" trailing",
    "bom": lambda t: b"\xef\xbb\xbf" + token_json(t),
    "missing-token": lambda t: token_json(t, access_token=DROP),
    "empty-token": lambda t: token_json(t, access_token=""),
    "token-number": lambda t: token_json(t, access_token=42),
    "token-null": lambda t: token_json(t, access_token=None),
    "token-newline": lambda t: token_json(t, access_token="abc\ndef"),
    "token-space": lambda t: token_json(t, access_token="abc def"),
    "token-quote": lambda t: token_json(t, access_token="abc'def\"ghi"),
    # raw UTF-8 in the JSON text vs. the \u00e9 escape
    "token-nonascii": lambda t: json.dumps({"access_token": "abc\u00e9", "token_type": "Bearer",
                                            "expires_in": 3600}, ensure_ascii=False).encode(),
    "token-nonascii-escaped": lambda t: token_json(t, access_token="abc\u00e9"),
    "token-control": lambda t: token_json(t, access_token="abc\u001b[2Jdef"),
    "token-nul": lambda t: token_json(t, access_token="abc\u0000def"),
    "hostile": lambda t: token_json(t, access_token=HOSTILE),
    "type-mac": lambda t: token_json(t, token_type="mac"),
    "type-bearer-lower": lambda t: token_json(t, token_type="bearer"),
    "type-missing": lambda t: token_json(t, token_type=DROP),
    "expires-negative": lambda t: token_json(t, expires_in=-5),
    "expires-zero": lambda t: token_json(t, expires_in=0),
    "expires-fraction": lambda t: token_json(t, expires_in=3.5),
    "expires-huge": lambda t: token_json(t, expires_in=10 ** 29),
    "expires-string": lambda t: token_json(t, expires_in="3600"),
    # the valid token comes first, a different one second
    "dup-keys": lambda t: (b'{"access_token": ' + json.dumps(t).encode() +
                           b', "token_type": "Bearer", "access_token": "dup-second-token",'
                           b' "expires_in": 3600}'),
    "nested": lambda t: token_json(t, access_token={"a": 1}),
    "scope-granted": lambda t: token_json(t, scope="read write"),
    # a granted scope with text that reorders a line and a C1 control
    "scope-bidi": lambda t: token_json(t, scope="read\u202ewrite\u009b2J"),
    "extra-fields": lambda t: token_json(t, refresh_token=None, id_token=None,
                                         extra={"a": [1, 2, {"b": None}]}),
    "error-in-200": lambda t: b'{"error": "invalid_client"}',
    # tokens that one .env reader or another would mangle (tests/61-formats)
    "token-squote": lambda t: token_json(t, access_token="abc'def"),
    "token-backslash": lambda t: token_json(t, access_token="a\\b"),
    "token-backslash-end": lambda t: token_json(t, access_token="abc\\"),
    "token-backslash-pair": lambda t: token_json(t, access_token="a\\\\b"),
    "token-brace": lambda t: token_json(t, access_token="x${HOME}y"),
    "token-brace-open": lambda t: token_json(t, access_token="x${HOME"),
    "token-qhome": lambda t: token_json(t, access_token="q'${HOME}x"),
    "token-dollar-squote": lambda t: token_json(t, access_token="a'$b"),
    "token-percent": lambda t: token_json(t, access_token="ab%0Acd%25x%"),
}


def sc_body(h, req, args):
    make = BODIES.get(args[0]) if args else None
    if make is None:
        raise ScenarioError("unknown body; known: " + " ".join(sorted(BODIES)))
    h.send_bytes(200, make(issued_token()), "application/json")


def sc_content_type(h, req, args):
    # content-type/VALUE: VALUE may contain '/', e.g. content-type/text/plain;
    # percent-encode ';' and spaces in the URL if needed.
    h.send_bytes(200, token_json(issued_token()), "/".join(args))


def sc_big(h, req, args):
    # big/BYTES: exactly BYTES bytes of application/json, streamed; a valid
    # token response with a huge access_token when BYTES is large enough.
    size = int_arg(args)
    if not 0 <= size <= 1 << 31:
        raise ScenarioError("size out of range")
    head, tail = b'{"access_token":"', b'","token_type":"Bearer","expires_in":3600}'
    if size < len(head) + len(tail):
        head, tail = b"", b""
    h.send_head(200, "application/json", size)
    h.wfile.write(head)
    remaining = size - len(head) - len(tail)
    chunk = b"A" * 65536
    while remaining > 0:
        h.wfile.write(chunk[:remaining])
        remaining -= min(remaining, len(chunk))
    h.wfile.write(tail)


def sc_close(h, req, args):
    # Promise 1000 bytes, send 20, close.
    h.send_head(200, "application/json", 1000)
    h.wfile.write(b'{"access_token":"abc')
    h.wfile.flush()


def sc_hang(h, req, args):
    # Say nothing for up to HANG_SECONDS (or until shutdown), then close.
    SHUTDOWN.wait(HANG_SECONDS)
    h.close_connection = True


def sc_escape(h, req, args):
    h.send_json(400, {"error": "invalid_request",
                      "error_description": "bad \u001b[31mred\u001b[0m \u0007bell\r\ninjected line"})


def sc_escape_bidi(h, req, args):
    # bidi overrides, isolates and zero-width characters around "evil"
    h.send_json(400, {"error": "invalid_request",
                      "error_description": "a\u202eb\u200bc\u200fd\u2066e\u2069f"
                                           "\u2060g\ufeffh\u202ai\u2064j"})


def sc_echo_header(h, req, args):
    # echo-header/PAD/LEN: a valid answer whose token (LEN bytes: the issued
    # token, then "Z"s) is echoed in an X-Echo header after PAD "p"s.
    pad, size = int_arg(args, 0), int_arg(args, 1)
    token = issued_token()
    token += "Z" * max(0, size - len(token))
    h.send_bytes(200, token_json(token), "application/json",
                 [("X-Echo", "p" * pad + token)])


def sc_escape_invisible(h, req, args):
    # characters that hide or reorder text, which the first list missed
    h.send_json(400, {"error": "invalid_request",
                      "error_description": "a\u00adb\u061cc\u180ed\u2028e\u2029f"
                                           "\ufe00g\ufe0fh\U000e0041i\U000e007fj"})


def sc_echo_secret(h, req, args):
    # echo-secret/WHERE[/PAD]: a server that quotes the client secret as it
    # got it (bytes, form-encoded, Basic value) after PAD "p"s, in WHERE:
    # desc (error_description), user (userMessage), title (titleMessage),
    # location (a 302's Location) or header (an X-Echo header of a 200);
    # header-whole: an X-Echo header that is the secret's bytes alone.
    where = args[0] if args else "desc"
    echo = "p" * int_arg(args, 1, 0) + " ".join(text(f) for f in req.echoes)
    if where == "desc":
        h.send_json(400, {"error": "invalid_client", "error_description": echo})
    elif where == "user":
        h.send_json(401, {"statusCode": 401, "errorCode": "authenticationFailed",
                          "titleMessage": "Authentication failed", "userMessage": echo})
    elif where == "title":
        h.send_json(400, {"statusCode": 400, "errorCode": "badRequest", "titleMessage": echo})
    elif where == "location":
        h.send_bytes(302, b"moved", "text/html",
                     [("Location", "https://elsewhere.invalid/?e=" + echo.replace(" ", "&e="))])
    elif where == "header":
        h.send_bytes(200, token_json(issued_token()), "application/json", [("X-Echo", echo)])
    elif where == "header-whole":
        # the header's value is the secret's bytes and nothing else
        whole = text(req.echoes[0]) if req.echoes else ""
        h.send_bytes(200, token_json(issued_token()), "application/json", [("X-Echo", whole)])
    else:
        raise ScenarioError("echo-secret/desc|user|title|location|header|header-whole[/PAD]")


# Collibra's REST error envelope (not an RFC 6749 error).
ENVELOPES = {
    "user": {"statusCode": None, "errorCode": "authenticationFailed",
             "titleMessage": "Authentication failed",
             "userMessage": "The client \u001b[31mcredentials\u001b[0m are not valid\u202e",
             "helpMessage": "Check the client ID"},
    "title": {"statusCode": None, "errorCode": "badRequest",
              "titleMessage": "Bad request\u0007", "helpMessage": "help"},
    "none": {"statusCode": None, "errorCode": "x"},
}


def sc_collibra(h, req, args):
    # collibra/STATUS/KIND: Collibra's error envelope (KIND in ENVELOPES).
    status = status_arg(args)
    try:
        body = dict(ENVELOPES[args[1]])
    except (IndexError, KeyError):
        raise ScenarioError("collibra/STATUS/" + "|".join(ENVELOPES)) from None
    body["statusCode"] = status
    h.send_json(status, body)


def sc_html(h, req, args):
    # html/STATUS: an HTML error page with markup and control bytes.
    h.send_bytes(status_arg(args), b"<html><body>\x1b[31mSECRET-PAGE</body></html>",
                 "text/html; charset=\"utf-8\"")


SCENARIOS = {
    # token-issuing (the request is checked like a real server would)
    "ok": sc_ok,
    "outage": sc_outage,
    "expires": sc_expires,
    "noexpiry": sc_noexpiry,
    "delay": sc_delay,
    "slow": sc_slow,
    "scope": sc_scope,
    "fail-first": sc_fail_first,
    "flaky": sc_flaky,
    "stamped": sc_stamped,
    "switch": sc_switch,
    # errors and hostile answers (no credential check)
    "oauth": sc_oauth,
    "oauth-bare": sc_oauth_bare,
    "status": sc_status,
    "empty": sc_empty,
    "redirect": sc_redirect,
    "body": sc_body,
    "content-type": sc_content_type,
    "big": sc_big,
    "close": sc_close,
    "hang": sc_hang,
    "escape": sc_escape,
    "escape-bidi": sc_escape_bidi,
    "echo-header": sc_echo_header,
    "echo-secret": sc_echo_secret,
    "escape-invisible": sc_escape_invisible,
    "collibra": sc_collibra,
    "html": sc_html,
}


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def exit_on_signal(signum, frame):
    raise SystemExit(0)


def main():
    parser = argparse.ArgumentParser(description="Mock Collibra OAuth 2.0 token endpoint")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, exit_on_signal)
    signal.signal(signal.SIGINT, exit_on_signal)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server = MockServer((args.host, 0), context, args.log)
    try:
        write_port_file(args.port_file, server.server_address[1])
        server.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        SHUTDOWN.set()
        server.server_close()
        server.log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
