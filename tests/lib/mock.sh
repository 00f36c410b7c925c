# shellcheck shell=bash
# Helpers to run tests/lib/mock-server.py (a mock Collibra OAuth 2.0 token
# endpoint over HTTPS).  Plain bash + coreutils + openssl + python3; no bats
# dependency, so a demo script can source this too.
#
#   mock_pki DIR                     throwaway CA + server certificates
#   mock_start DIR [CERT KEY]        start a server; exports MOCK_PID MOCK_PORT
#                                    MOCK_URL MOCK_LOG (and MOCK_CREDS if unset)
#   mock_stop [PREFIX]               stop it
#   mock_add_creds ID SECRET         accept this client (any bytes but NUL)
#   mock_reset_creds                 accept no client
#   mock_requests [PREFIX]           number of requests logged
#   mock_last_request [PREFIX]       last log line (JSON)
#   mock_last_field NAME [PREFIX]    one field of the last log line
#   $MOCK_PYTHON                     the python3 interpreter (fast path);
#                                    the suites run it with -S where the
#                                    standard library is enough (no
#                                    site-packages scan: a third of the
#                                    start-up, hundreds of times a run)
#
# Everything here is safe under `set -e` (bats runs tests with errexit).
#
# Several servers at once: set MOCK_PREFIX for mock_start, e.g.
#   MOCK_PREFIX=WRONG mock_start "$dir/wrong" "$pki/wrong.pem" "$pki/wrong.key"
# exports WRONG_PID WRONG_PORT WRONG_URL WRONG_LOG; then `mock_stop WRONG`,
# `mock_requests WRONG`.  The default prefix is MOCK.  All servers share
# $MOCK_CREDS.  The scenario goes before the token path, so a tool's base URL
# is e.g. "$MOCK_URL/status/503" (see tests/lib/mock-server.py).

# (no fork when sourced by an absolute path, as bats does for every test)
if [[ ${BASH_SOURCE[0]} == /*/* ]]; then
	_MOCK_LIB_DIR=${BASH_SOURCE[0]%/*}
else
	_MOCK_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fi
: "${MOCK_SERVER:=$_MOCK_LIB_DIR/mock-server.py}"
# The real interpreter behind `python3`, resolved once and exported: a pyenv
# shim costs ~0.3 s per call, which adds up over hundreds of requests.
if [[ -z ${MOCK_PYTHON-} ]]; then
	MOCK_PYTHON=$(python3 -c 'import sys; print(sys.executable)') || MOCK_PYTHON=python3
	export MOCK_PYTHON
fi

# Run openssl quietly; show its output only on failure.
_mock_openssl() {
	local out
	if ! out=$(openssl "$@" 2>&1); then
		printf 'mock_pki: openssl %s failed:\n%s\n' "$1" "$out" >&2
		return 1
	fi
}

# _mock_leaf DIR NAME SAN: key DIR/NAME.key, cert DIR/NAME.pem signed by DIR/ca.
_mock_leaf() {
	local dir=$1 name=$2 san=$3
	printf '%s\n' \
		"basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" \
		"subjectAltName=$san" \
		"subjectKeyIdentifier=hash" \
		"authorityKeyIdentifier=keyid" >"$dir/$name.ext"
	_mock_openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=mock-$name" &&
		_mock_openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
			-set_serial "0x$(_mock_hex 8 </dev/urandom)" -days 1 \
			-extfile "$dir/$name.ext" -out "$dir/$name.pem" &&
		rm -f "$dir/$name.csr" "$dir/$name.ext"
}

# _mock_hex [N]: hex of stdin (or of its first N bytes), no spaces or newlines.
_mock_hex() {
	if [[ -n ${1-} ]]; then
		head -c "$1" | od -An -v -tx1 | tr -d ' \n'
	else
		od -An -v -tx1 | tr -d ' \n'
	fi
}

# mock_pki DIR: DIR/ca.pem (EC P-256, 1 day), DIR/server.{pem,key} with SAN
# localhost,127.0.0.1,::1 and DIR/wrong.{pem,key} with SAN wrong.invalid only,
# both signed by the CA.  Quiet on success; does nothing if already done.
mock_pki() {
	local dir=${1:?mock_pki DIR}
	[[ -s $dir/ca.pem && -s $dir/server.pem && -s $dir/server.key &&
		-s $dir/wrong.pem && -s $dir/wrong.key ]] && return 0
	mkdir -p "$dir" || return 1
	(
		umask 077
		# the CA's extensions from a config of its own: with -addext,
		# OpenSSL 1.1.1 (Debian 11) also adds its default config's
		# basicConstraints, and a certificate with an extension twice
		# is no issuer there
		printf '%s\n' '[req]' 'distinguished_name = dn' \
			'x509_extensions = ca' '[dn]' '[ca]' \
			'basicConstraints = critical,CA:TRUE' \
			'keyUsage = critical,keyCertSign,cRLSign' \
			'subjectKeyIdentifier = hash' >"$dir/ca.cnf"
		_mock_openssl req -x509 -config "$dir/ca.cnf" -newkey ec \
			-pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$dir/ca.key" -out "$dir/ca.pem" -days 1 -subj "/CN=collibra-token test CA" &&
			_mock_leaf "$dir" server "DNS:localhost,IP:127.0.0.1,IP:::1" &&
			_mock_leaf "$dir" wrong "DNS:wrong.invalid"
	)
}

# mock_start DIR [CERT KEY]: start a server (cert defaults to DIR/server.pem)
# with log DIR/requests.log and port file DIR/port; wait up to ~10 s for it.
mock_start() {
	local dir=${1:?mock_start DIR [CERT KEY]}
	local cert=${2:-$dir/server.pem} key=${3:-$dir/server.key}
	local p=${MOCK_PREFIX:-MOCK} pid port i
	mkdir -p "$dir" || return 1
	if [[ -z ${MOCK_CREDS-} ]]; then
		export MOCK_CREDS=$dir/creds
	fi
	[[ -e $MOCK_CREDS ]] || (umask 077 && : >"$MOCK_CREDS")
	rm -f "$dir/port"
	# fd 3 closed and output to a file: otherwise bats waits for the server.
	"$MOCK_PYTHON" -S "$MOCK_SERVER" --cert "$cert" --key "$key" --port-file "$dir/port" \
		--log "$dir/requests.log" </dev/null >"$dir/server.out" 2>&1 3>&- &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		[[ -s $dir/port ]] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	if ! [[ -s $dir/port ]] || ! read -r port <"$dir/port"; then
		printf 'mock_start: server did not start; its output:\n' >&2
		cat "$dir/server.out" >&2
		kill "$pid" 2>/dev/null || true
		return 1
	fi
	export "${p}_PID=$pid" "${p}_PORT=$port" "${p}_URL=https://127.0.0.1:$port" \
		"${p}_LOG=$dir/requests.log"
}

# mock_stop [PREFIX]: stop the server; no error if it is already gone.
mock_stop() {
	local p=${1:-MOCK} var i
	var=${p}_PID
	local pid=${!var-}
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "${p}_PID"
	return 0
}

# mock_add_creds ID SECRET: accept this client ID/secret pair (raw bytes).
mock_add_creds() {
	[[ $# -eq 2 ]] || { echo 'mock_add_creds ID SECRET' >&2; return 2; }
	if [[ -z ${MOCK_CREDS-} ]]; then
		echo 'mock_add_creds: MOCK_CREDS is not set (call mock_start first)' >&2
		return 1
	fi
	local hex_id hex_secret
	hex_id=$(printf '%s' "$1" | _mock_hex)
	hex_secret=$(printf '%s' "$2" | _mock_hex)
	(umask 077 && printf '%s\t%s\n' "$hex_id" "$hex_secret" >>"$MOCK_CREDS")
}

# mock_reset_creds: accept no client at all.
mock_reset_creds() {
	: >"${MOCK_CREDS:?MOCK_CREDS is not set}"
}

# mock_set_creds ID SECRET: accept this pair only, in one step (a new file
# renamed over the old): no request sees an empty list in between, as
# mock_reset_creds followed by mock_add_creds would let it.
mock_set_creds() {
	[[ $# -eq 2 ]] || { echo 'mock_set_creds ID SECRET' >&2; return 2; }
	local real=${MOCK_CREDS:?MOCK_CREDS is not set} hex_id hex_secret
	hex_id=$(printf '%s' "$1" | _mock_hex)
	hex_secret=$(printf '%s' "$2" | _mock_hex)
	(umask 077 && printf '%s\t%s\n' "$hex_id" "$hex_secret" \
	    >"$real.new.$$") && mv -f "$real.new.$$" "$real"
}

_mock_log() {
	local var=${1:-MOCK}_LOG
	printf '%s' "${!var-}"
}

# mock_requests [PREFIX]: number of requests the server has seen.
mock_requests() {
	local log
	log=$(_mock_log "${1-}")
	if [[ -f $log ]]; then
		wc -l <"$log" | tr -d ' '
	else
		echo 0
	fi
}

# mock_last_request [PREFIX]: the last log line (JSON), empty if none.
mock_last_request() {
	local log
	log=$(_mock_log "${1-}")
	[[ -f $log ]] && tail -n 1 "$log"
	return 0
}

# mock_last_field NAME [PREFIX]: one field of the last log line; strings are
# printed raw, anything else as JSON (true, null, ["a", "b"], 42).
mock_last_field() {
	mock_last_request "${2-}" | "$MOCK_PYTHON" -S -c '
import json, sys
line = sys.stdin.readline()
value = json.loads(line).get(sys.argv[1]) if line else None
print(value if isinstance(value, str) else json.dumps(value))
' "${1:?mock_last_field NAME}"
}
