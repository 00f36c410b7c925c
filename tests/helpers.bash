# shellcheck shell=bash
# bats glue for the collibra-token tests.  In a .bats file:
#
#   load helpers
#   setup_file()    { ct_setup_file; }
#   teardown_file() { ct_teardown_file; }
#
# Exports (visible in every test): CT_PKI (ca.pem, server.*, wrong.*),
# CT_MOCK_DIR, COLLIBRA_URL, COLLIBRA_CLIENT_ID, COLLIBRA_CLIENT_SECRET,
# SSL_CERT_FILE, MOCK_TOKEN, MOCK_CREDS, MOCK_PID, MOCK_PORT, MOCK_URL, MOCK_LOG.

bats_require_minimum_version 1.5.0 # run --separate-stderr

# ct_load_library NAME: bats_load_library NAME, without the fork of
# dirname per file that the libraries' load.bash costs: this runs for
# every test, and the forks were a third of a trivial test's CPU time.
ct_load_library() {
	local dir dirs text
	IFS=: read -ra dirs <<<"${BATS_LIB_PATH:-/usr/lib/bats}"
	for dir in "${dirs[@]}"; do
		[[ -f $dir/$1/load.bash ]] || continue
		IFS= read -r -d '' text <"$dir/$1/load.bash" || true
		# shellcheck disable=SC2016 # the literal text of load.bash
		eval "${text//'$(dirname "${BASH_SOURCE[0]}")'/$dir/$1}"
		return
	done
	bats_load_library "$1"
}
ct_load_library bats-support
ct_load_library bats-assert
# shellcheck source=lib/mock.sh
source "${BASH_SOURCE[0]%/*}/lib/mock.sh"
# shellcheck source=lib/nginx.sh
source "${BASH_SOURCE[0]%/*}/lib/nginx.sh"

# The binary under test, as an absolute path: $CT_BIN, else the release
# build.  Never $COLLIBRA_TOKEN: the tool exports that very name (-f shell).
# The unit binary matches it: tests/ct-unit-asan beside a sanitizer build
# (a name ending in -asan), else tests/ct-unit.
# shellcheck disable=SC2034 # used by the .bats files
CT=${CT_BIN:-$BATS_TEST_DIRNAME/../collibra-token}
[[ $CT == /* && $CT != *'/.'* ]] || CT=$(realpath -m -- "$CT")
# shellcheck disable=SC2034
if [[ $CT == *-asan ]]; then
	CT_UNIT=$BATS_TEST_DIRNAME/ct-unit-asan
else
	CT_UNIT=$BATS_TEST_DIRNAME/ct-unit
fi
# the Python tools of the suites (mock server and proxy, pty, runner)
CT_LIB=$BATS_TEST_DIRNAME/lib

CT_DEFAULT_CLIENT_ID='urn:sys:env:2eeadf60-1a11-5170-7e57-000000000000:i:1cnxtsn'

# fish_no_config: fish's option to read no config file, --no-config (fish
# 3.3 and later); nothing for older ones (Debian 11's 3.1), where the
# tests' own XDG_CONFIG_HOME (ct_isolate_config) keeps the user's out.
fish_no_config() {
	if fish --no-config -c true 2>/dev/null; then
		echo --no-config
	fi
}

# ct_libcurl_since X.Y.Z: the libcurl that $CT loads is X.Y.Z or later.
ct_libcurl_since() {
	local v
	v=$("$CT" --version | sed -n 's|.*(libcurl/\([0-9.]*\).*|\1|p')
	[[ -n $v ]] && printf '%s\n%s\n' "$1" "$v" | sort -V -C
}

# ct_random_alnum N: N random letters and digits.
ct_random_alnum() {
	local n=${1:?ct_random_alnum N} s=''
	while ((${#s} < n)); do
		s+=$(head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9')
	done
	printf '%s\n' "${s:0:n}"
}

# Call from setup_file: PKI, credentials, mock server, environment for the tool.
ct_setup_file() {
	export CT_PKI=$BATS_FILE_TMPDIR/pki
	export CT_MOCK_DIR=$BATS_FILE_TMPDIR/mock
	mock_pki "$CT_PKI" || return 1
	mkdir -p "$CT_MOCK_DIR"
	export MOCK_CREDS=$CT_MOCK_DIR/creds
	mock_reset_creds
	export COLLIBRA_CLIENT_ID=$CT_DEFAULT_CLIENT_ID
	COLLIBRA_CLIENT_SECRET=$(ct_random_alnum 32)
	export COLLIBRA_CLIENT_SECRET
	mock_add_creds "$COLLIBRA_CLIENT_ID" "$COLLIBRA_CLIENT_SECRET"
	MOCK_TOKEN=tok-$(head -c 16 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
	export MOCK_TOKEN
	mock_start "$CT_MOCK_DIR" "$CT_PKI/server.pem" "$CT_PKI/server.key" || return 1
	export COLLIBRA_URL=$MOCK_URL
	export SSL_CERT_FILE=$CT_PKI/ca.pem
	# trust only the test CA unless a test says otherwise, whatever the
	# machine's environment holds
	unset SSL_CERT_DIR CURL_CA_BUNDLE
	# no proxy from the machine's environment between the tool and the mock
	unset http_proxy https_proxy HTTPS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy
	# the fetch suites test requests: no cache unless a suite turns it on,
	# and never in the real home
	export COLLIBRA_TOKEN_CACHE=0
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_FILE_TMPDIR/cache
	# nor a config file, profile or output setting of the machine's
	export XDG_CONFIG_HOME=$BATS_FILE_TMPDIR/xdg-config
	# and the user's cache key (cachekey.c) never in the real home
	export XDG_STATE_HOME=$BATS_FILE_TMPDIR/xdg-state
	# nor the machine's own trust, timeouts, proxy or output file
	unset COLLIBRA_CACERT COLLIBRA_CAPATH COLLIBRA_TIMEOUT \
		COLLIBRA_CONNECT_TIMEOUT COLLIBRA_INSECURE COLLIBRA_PROXY \
		COLLIBRA_OUTPUT COLLIBRA_SCOPE COLLIBRA_AUTH_METHOD \
		COLLIBRA_TOKEN_URL
	unset COLLIBRA_PROFILE COLLIBRA_TOKEN_VAR COLLIBRA_TOKEN_FORMAT \
		COLLIBRA_CLIENT_SECRET_FILE COLLIBRA_CLIENT_SECRET_COMMAND \
		COLLIBRA_TOKEN_RETRIES COLLIBRA_TOKEN_MIN_TTL GITHUB_ENV \
		COLLIBRA_TOKEN_FILE_MODE NOTIFY_SOCKET
}

# Call from teardown_file.
ct_teardown_file() {
	mock_stop MOCK
}

# wait_for CONDITION [TENTHS]: poll a shell condition every 0.1 s until it
# holds, for at most TENTHS tenths of a second (default 100: 10 s, so
# that a loaded machine gives the same verdict); false if it never did.
# Tests order events with this, never with a fixed sleep.
wait_for() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
}

# await_line FILE REGEX [TENTHS]: wait_for a line of FILE (a -v log)
# matching REGEX; fail, showing FILE, if none came.
await_line() {
	local await_file=$1 await_re=$2
	wait_for 'grep -qE -- "$await_re" "$await_file" 2>/dev/null' \
	    "${3:-100}" && return 0
	fail "no line /$await_re/ in $await_file after $((${3:-100} / 10)) s:"$'\n'"$(cat "$await_file" 2>/dev/null)"
}

# free_port: a loopback TCP port that nothing listens on (just now).
free_port() {
	"$MOCK_PYTHON" -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# requests_since N: how many requests the mock got after it had N.
requests_since() {
	echo $(($(mock_requests) - $1))
}

# refute_leak: after `run --separate-stderr`, fail if $stderr contains the
# client secret or the issued token.  stdout is checked separately by each
# test (it legitimately carries the token on success).  The failure message
# names the variable, never its value.
refute_leak() {
	if [[ -z ${stderr+set} ]]; then
		fail "refute_leak: \$stderr is unset; use run --separate-stderr"
		return
	fi
	local name value
	for name in COLLIBRA_CLIENT_SECRET MOCK_TOKEN; do
		value=${!name-}
		[[ -n $value ]] || continue
		if [[ $stderr == *"$value"* ]]; then
			fail "stderr leaks the value of \$$name"
			return
		fi
	done
}

# --- profiles, secrets, formats and exec mode (75-78) ---

# ct_hostile_token: the printable, space-free hostile token that the mock's
# body/hostile scenario sends (quotes, $(...), backquotes, globs, ;, |, &).
ct_hostile_token() {
	"$MOCK_PYTHON" -S - "$CT_LIB/mock-server.py" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("mock", sys.argv[1])
mock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mock)
sys.stdout.write(mock.HOSTILE)
PY
}

# ct_isolate_config: no config file, profile or variable name from the
# machine; $XDG_CONFIG_HOME in the test's directory, $CT_CFG the default
# config file there (not created).
ct_isolate_config() {
	export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg
	CT_CFG=$XDG_CONFIG_HOME/collibra-token/config
	unset COLLIBRA_PROFILE COLLIBRA_TOKEN_VAR COLLIBRA_TOKEN_FORMAT \
		COLLIBRA_CLIENT_SECRET_FILE COLLIBRA_CLIENT_SECRET_COMMAND GITHUB_ENV
}

# ct_write_config [FILE]: stdin to FILE (default $CT_CFG), mode 0600.
ct_write_config() {
	local f=${1:-$CT_CFG}
	mkdir -p "$(dirname "$f")"
	(umask 077 && cat >"$f") && chmod 600 "$f"
}

# start_proxy: the CONNECT proxy (tests/lib/mock-proxy.py) on a free loopback
# port; sets PROXY_PID, PROXY_PORT, PROXY_URL and PROXY_LOG.  stop_proxy
# ends it.
start_proxy() {
	local dir=$BATS_TEST_TMPDIR/proxy
	mkdir -p "$dir"
	: >"$dir/log"
	"$MOCK_PYTHON" -S "$CT_LIB/mock-proxy.py" --port-file "$dir/port" \
		--log "$dir/log" </dev/null >"$dir/out" 2>&1 3>&- &
	PROXY_PID=$!
	# shellcheck disable=SC2034 # for the suites that source this file
	PROXY_LOG=$dir/log
	for _ in $(seq 100); do
		[ -s "$dir/port" ] && break
		sleep 0.05
	done
	PROXY_PORT=$(cat "$dir/port")
	# shellcheck disable=SC2034
	PROXY_URL=http://127.0.0.1:$PROXY_PORT
}

stop_proxy() {
	kill "$PROXY_PID" 2>/dev/null || true
	wait "$PROXY_PID" 2>/dev/null || true
}

# show LABEL: the --show-config line for LABEL ("LABEL: ...") from $output.
show() {
	# shellcheck disable=SC2154 # bats' run sets $output
	printf '%s\n' "$output" | grep -m1 -- "^$1: " || true
}

# bg_ct CMD...: CMD (the tool, or a wrapper of it) in the background with
# SIGINT and SIGQUIT at their defaults (a shell ignores them in background
# jobs); its stderr to $ERR, its pid in WATCH_PID.  reap waits for it.
bg_ct() {
	ERR=$BATS_TEST_TMPDIR/err
	env --default-signal=INT,QUIT "$@" 2>"$ERR" &
	WATCH_PID=$!
}

# reap: wait for the process in WATCH_PID (bg_ct); its status in $status.
# shellcheck disable=SC2034 # $status is read by the tests, as bats' run's
reap() {
	status=0
	wait "$WATCH_PID" || status=$?
	WATCH_PID=
}

# --- secrets whose encodings differ from their bytes ----------------------

# ct_sr_secret (from setup_file): SR_SECRET, a secret whose form encoding
# differs from its bytes, accepted by the mock for $COLLIBRA_CLIENT_ID.
ct_sr_secret() {
	SR_SECRET="Sr/$(ct_random_alnum 20)+k=y"
	export SR_SECRET
	mock_add_creds "$COLLIBRA_CLIENT_ID" "$SR_SECRET"
}

# sr_forms: SR_ENC (the secret form-encoded) and SR_BASIC (the Basic value
# of "id:secret", both form-encoded, as the tool sends it).
sr_forms() {
	SR_ENC=$("$CT_UNIT" encode "$SR_SECRET")
	SR_BASIC=$(printf '%s:%s' "$("$CT_UNIT" encode \
		"$COLLIBRA_CLIENT_ID")" "$SR_ENC" | base64 -w0)
}

# refute_secret TEXT [N]: TEXT holds no form of SR_SECRET, nor the first
# N (default 8) bytes of one (a cut through a secret must not leave a
# part of it).
refute_secret() {
	local form n=${2:-8}
	sr_forms
	for form in "$SR_SECRET" "$SR_ENC" "$SR_BASIC"; do
		if [[ $1 == *"${form:0:n}"* ]]; then
			fail "a form of the secret is shown: ${form:0:3}..."
			return
		fi
	done
}

# entry_name ARGS...: the name of the cache entry the tool uses with ARGS
# (from -v --clear-cache), for a test that holds its lock.
entry_name() {
	"$CT" -v --clear-cache "$@" 2>&1 >/dev/null |
		sed -n 's|.*cache: .*/\([0-9a-f]\{32\}\) (.*|\1|p'
}

# left_in REGEX LO HI: $stderr matches REGEX, whose one group (the seconds
# a token has left) is within LO..HI: the promise (its real life, not one
# shifted by a clock step) with a margin for a slow machine, never "the
# call took under a second".
left_in() {
	local re=$1
	[[ $stderr =~ $re ]] || { fail "no /$re/ in: $stderr"; return; }
	((BASH_REMATCH[1] >= $2 && BASH_REMATCH[1] <= $3)) ||
		fail "${BASH_REMATCH[1]} s left, not within $2..$3"
}
