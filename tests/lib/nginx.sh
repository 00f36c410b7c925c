# shellcheck shell=bash
# nginx on loopback answering the token endpoint with a canned token, for
# the suites (HTTP/2 by ALPN, which the mock server does not speak) and
# for bench/run (a server whose own cost is negligible).  Plain bash,
# no bats dependency, safe under `set -e`.
#
#   nginx_start DIR CERT KEY TOKEN   start it; sets NGINX_PID and NGINX_URL
#   nginx_stop                       stop it (master and worker, by pid)
#
# DIR holds its configuration, logs (DIR/access.log has one line per
# request: address, request line, status, Authorization, User-Agent) and
# temporary files.  $NGINX_H2 (default on) adds http2 to the listener.

NGINX_PID=''

# _nginx_conf DIR CERT KEY TOKEN PORT: DIR/nginx.conf.
_nginx_conf() {
	local n=$1 cert=$2 key=$3 token=$4 port=$5 user='' h2=''
	# as root the worker would switch to nobody, who cannot enter DIR
	[[ $(id -u) -ne 0 ]] || user='user root root;'
	[[ ${NGINX_H2:-1} != 1 ]] || h2=' http2'
	cat >"$n/nginx.conf" <<-EOF
		$user
		worker_processes 1;
		pid $n/nginx.pid;
		error_log $n/error.log notice;
		events { worker_connections 512; }
		http {
		    # throwaway credentials, gone with DIR: bench/run checks
		    # that curl and collibra-token send the same request
		    log_format ct '\$remote_addr "\$request" \$status '
		                  '"\$http_authorization" "\$http_user_agent"';
		    access_log $n/access.log ct;
		    client_body_temp_path $n/tmp/body;
		    proxy_temp_path $n/tmp/proxy;
		    fastcgi_temp_path $n/tmp/fastcgi;
		    uwsgi_temp_path $n/tmp/uwsgi;
		    scgi_temp_path $n/tmp/scgi;
		    server {
		        listen 127.0.0.1:$port ssl$h2;
		        server_name localhost;
		        ssl_certificate $cert;
		        ssl_certificate_key $key;
		        location = /rest/oauth/v2/token {
		            default_type application/json;
		            return 200 '{"access_token":"$token","token_type":"Bearer","expires_in":3600}';
		        }
		        location / { return 404; }
		    }
		}
	EOF
}

# nginx_start DIR CERT KEY TOKEN: nginx on a free loopback port, waited
# for (bounded) until it accepts connections; another port if one was
# taken in between.  Returns 1 with its logs on stderr if it never came.
nginx_start() {
	local n=${1:?nginx_start DIR CERT KEY TOKEN} port try i
	[[ -z $NGINX_PID ]] || return 0
	if ! command -v nginx >/dev/null; then
		[[ -x /usr/sbin/nginx ]] || {
			echo "nginx is not installed (scripts/deps all installs it)" >&2
			return 1
		}
		PATH=$PATH:/usr/sbin
	fi
	mkdir -p "$n/tmp" || return 1
	# -e: the error log before the config is read (nginx 1.19.5 and
	# later; Debian 11's 1.18 opens its own until the config's)
	local elog=()
	if nginx -h 2>&1 | grep -q '^ *-e filename'; then
		elog=(-e "$n/error.log")
	fi
	for try in 1 2 3 4 5; do
		port=$("$MOCK_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])') || return 1
		_nginx_conf "$n" "$2" "$3" "$4" "$port" || return 1
		: >"$n/error.log"
		nginx "${elog[@]}" -p "$n" -c "$n/nginx.conf" \
			-g 'daemon off;' </dev/null >"$n/out.log" 2>&1 3>&- &
		NGINX_PID=$!
		for ((i = 0; i < 200; i++)); do
			kill -0 "$NGINX_PID" 2>/dev/null || break
			if "$MOCK_PYTHON" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null; then
				# shellcheck disable=SC2034 # for the caller
				NGINX_URL=https://127.0.0.1:$port
				return 0
			fi
			sleep 0.05
		done
		nginx_stop
		grep -q 'Address already in use' "$n/error.log" "$n/out.log" ||
			break
	done
	cat "$n/error.log" "$n/out.log" >&2
	echo "nginx did not start (try $try)" >&2
	return 1
}

# nginx_stop: stop the nginx of nginx_start; nothing if none runs.
nginx_stop() {
	[[ -n $NGINX_PID ]] || return 0
	local workers i
	workers=$(pgrep -P "$NGINX_PID" 2>/dev/null || true)
	kill -TERM "$NGINX_PID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$NGINX_PID" 2>/dev/null || true
	wait "$NGINX_PID" 2>/dev/null || true
	# shellcheck disable=SC2086 # a list of pids
	[[ -z $workers ]] || kill -KILL $workers 2>/dev/null || true
	NGINX_PID=''
}
