#!/usr/bin/env bats
# The token cache: reuse, expiry, refresh, safety of the directory and
# entries, single flight and atomic writes.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	CACHE=$COLLIBRA_TOKEN_CACHE_DIR
}

# await_request N: wait (up to ~10 s) until the mock has more than N
# requests, i.e. a background call holds the lock and is being answered.
await_request() {
	local i
	for i in $(seq 200); do
		(($(mock_requests) > $1)) && return 0
		sleep 0.05
	done
	fail "no request reached the mock"
}

# entry: the path of the one cache entry.
entry() {
	find "$CACHE" -maxdepth 1 -type f -regex '.*/[0-9a-f]*' | head -n 1
}

@test "a second call is served from the cache, without a request" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	run --separate-stderr "$CT" -v
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: hit \([0-9]+ s left\)'
	assert_equal "$(requests_since "$n")" 1
	refute_leak
}

@test "-v says miss, then stored" {
	run --separate-stderr "$CT" -v
	assert_success
	assert_regex "$stderr" 'cache: miss'
	assert_regex "$stderr" 'cache: stored'
}

@test "json from the cache gives the remaining lifetime" {
	local n
	run --separate-stderr "$CT" --url "$MOCK_URL/expires/300"
	n=$(mock_requests)
	# as the clock goes on, less is left: 300 at first, then 299 or less
	wait_for 'run --separate-stderr "$CT" -f json --url "$MOCK_URL/expires/300"
		[[ $output =~ \"expires_in\":(29[0-9]), ]]' ||
		fail "expires_in never went down: $output"
	assert_success
	assert_equal "$(requests_since "$n")" 0
	run --separate-stderr "$CT" -f shell --url "$MOCK_URL/expires/300"
	assert_success
}

@test "a token with less than --min-ttl left is fetched anew" {
	local n
	n=$(mock_requests)
	# a 120 s token: a hit under --min-ttl 60 however slow the machine,
	# refused under --min-ttl 121 without waiting for the clock
	run -0 --separate-stderr "$CT" --url "$MOCK_URL/expires/120" --min-ttl 60
	run -0 --separate-stderr "$CT" --url "$MOCK_URL/expires/120" --min-ttl 60
	assert_equal "$(requests_since "$n")" 1
	run --separate-stderr "$CT" -v --url "$MOCK_URL/expires/120" --min-ttl 121
	assert_success
	left_in 'cache: expired \(([0-9]+) s left, --min-ttl 121\)' 60 120
	assert_equal "$(requests_since "$n")" 2
	COLLIBRA_TOKEN_MIN_TTL=10 run -0 --separate-stderr "$CT" -v --url "$MOCK_URL/expires/120"
	assert_regex "$stderr" 'cache: hit'
	assert_equal "$(requests_since "$n")" 2
}

@test "--min-ttl is validated" {
	run --separate-stderr "$CT" --min-ttl -1
	assert_equal "$status" 2
	assert_regex "$stderr" '--min-ttl: '
	COLLIBRA_TOKEN_MIN_TTL=abc run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'COLLIBRA_TOKEN_MIN_TTL: invalid'
}

@test "a response without expires_in is not served to later calls" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" -v --url "$MOCK_URL/noexpiry"
	assert_success
	assert_regex "$stderr" 'cache: stored for the processes waiting now, not for later calls \(no lifetime given\)'
	run --separate-stderr "$CT" -v --url "$MOCK_URL/noexpiry"
	assert_success
	assert_regex "$stderr" 'cache: rejected \(no lifetime given'
	assert_equal "$(requests_since "$n")" 2
}

@test "--refresh fetches anew and stores the result" {
	local n
	n=$(mock_requests)
	run -0 --separate-stderr "$CT"
	run --separate-stderr "$CT" --refresh -v
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: refreshed'
	run -0 --separate-stderr "$CT"
	assert_equal "$(requests_since "$n")" 2
}

@test "--no-cache and COLLIBRA_TOKEN_CACHE=0 neither read nor write" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" --no-cache
	assert_success
	[ ! -e "$CACHE" ]
	run -0 --separate-stderr "$CT"
	[ -n "$(entry)" ]
	run -0 --separate-stderr "$CT" --no-cache
	COLLIBRA_TOKEN_CACHE=0 run --separate-stderr "$CT"
	assert_success
	assert_equal "$(requests_since "$n")" 4
	# a word that is no boolean (yes/no and the others are: issue 23)
	COLLIBRA_TOKEN_CACHE=maybe run --separate-stderr "$CT"
	assert_equal "$status" 2
}

@test "--refresh, --no-cache and --clear-cache exclude each other" {
	run --separate-stderr "$CT" --refresh --no-cache
	assert_equal "$status" 2
	assert_regex "$stderr" 'mutually exclusive'
}

@test "--clear-cache removes this configuration's entry, needs no secret, exits 0" {
	local n
	run -0 --separate-stderr "$CT"
	[ -n "$(entry)" ]
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT" --clear-cache
	assert_success
	assert_output ''
	[ -z "$(entry)" ]
	run --separate-stderr "$CT" --clear-cache
	assert_success
	n=$(mock_requests)
	run -0 --separate-stderr "$CT"
	assert_equal "$(requests_since "$n")" 1
}

@test "the entry is keyed by URL, client ID and scope" {
	local n
	n=$(mock_requests)
	run -0 --separate-stderr "$CT"
	run -0 --separate-stderr "$CT" --scope read
	run -0 --separate-stderr "$CT" --url "$MOCK_URL/ok"
	mock_add_creds other-id "$COLLIBRA_CLIENT_SECRET"
	run --separate-stderr "$CT" --client-id other-id
	assert_success
	assert_equal "$(requests_since "$n")" 4
}

@test "a wrong secret never gets the cached token: the server answers" {
	local n
	run -0 --separate-stderr "$CT"
	n=$(mock_requests)
	COLLIBRA_CLIENT_SECRET=wrong-secret run --separate-stderr "$CT" -v
	assert_equal "$status" 11
	assert_output ''
	assert_regex "$stderr" 'cache: rejected \(cannot authenticate'
	assert_equal "$(requests_since "$n")" 1
	refute_leak
	# the right secret still hits
	run -0 --separate-stderr "$CT" -v
	assert_regex "$stderr" 'cache: hit'
}

@test "a second valid secret for the same client goes to the server" {
	local n
	run -0 --separate-stderr "$CT"
	mock_add_creds "$COLLIBRA_CLIENT_ID" second-secret
	n=$(mock_requests)
	COLLIBRA_CLIENT_SECRET=second-secret run --separate-stderr "$CT"
	assert_success
	assert_equal "$(requests_since "$n")" 1
}

@test "the directory is 0700, entries 0600, and the token is not in them in clear" {
	run -0 --separate-stderr "$CT"
	assert_equal "$(stat -c %a "$CACHE")" 700
	assert_equal "$(stat -c %a "$(entry)")" 600
	run ! grep -qF "$MOCK_TOKEN" "$CACHE"/*
	run ! grep -qF "$COLLIBRA_CLIENT_SECRET" "$CACHE"/*
}

@test "a copied entry yields nothing without the secret" {
	local n
	run -0 --separate-stderr "$CT"
	mkdir "$BATS_TEST_TMPDIR/other"
	cp "$(entry)" "$BATS_TEST_TMPDIR/other/"
	n=$(mock_requests)
	COLLIBRA_CLIENT_SECRET=guess run --separate-stderr "$CT" --cache-dir "$BATS_TEST_TMPDIR/other"
	assert_equal "$status" 11
	assert_output ''
}

@test "a directory writable by others is not used; the fetch goes on" {
	local n
	mkdir -m 0777 "$CACHE"
	n=$(mock_requests)
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" "warning: cache directory .* is writable by group or others; going on without a cache"
	run -0 --separate-stderr "$CT"
	assert_equal "$(requests_since "$n")" 2
	assert_equal "$(ls -A "$CACHE")" ''
}

@test "a directory owned by another user is not used" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	mkdir -m 0700 "$CACHE"
	chown nobody "$CACHE"
	run --separate-stderr "$CT"
	assert_success
	assert_regex "$stderr" 'is owned by another user; going on without a cache'
}

@test "an uncreatable directory warns and the fetch goes on" {
	run --separate-stderr "$CT" --cache-dir /proc/collibra-token
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'warning: cache directory /proc/collibra-token: '
}

@test "a truncated entry is ignored and replaced, never printed" {
	local n e
	run -0 --separate-stderr "$CT"
	e=$(entry)
	head -c 60 "$e" >"$e.cut" && mv "$e.cut" "$e"
	n=$(mock_requests)
	run --separate-stderr "$CT" -v
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: rejected \(cannot authenticate'
	run -0 --separate-stderr "$CT" -v
	assert_regex "$stderr" 'cache: hit'
	assert_equal "$(requests_since "$n")" 1
	head -c 40 "$e" >"$e.cut" && mv "$e.cut" "$e"
	run -0 --separate-stderr "$CT" -v
	assert_regex "$stderr" 'cache: rejected \(truncated'
}

@test "a tampered entry is ignored and replaced" {
	local e size i n
	run -0 --separate-stderr "$CT"
	e=$(entry)
	size=$(stat -c %s "$e")
	for i in 0 4 10 30 40 $((size - 1)); do
		cp "$e" "$BATS_TEST_TMPDIR/good"
		printf '\x55' | dd of="$e" bs=1 seek="$i" conv=notrunc status=none
		cmp -s "$e" "$BATS_TEST_TMPDIR/good" && printf '\xaa' | dd of="$e" bs=1 seek="$i" conv=notrunc status=none
		n=$(mock_requests)
		run --separate-stderr "$CT" -v
		assert_success
		assert_output "$MOCK_TOKEN"
		assert_regex "$stderr" 'cache: rejected'
		assert_equal "$(requests_since "$n")" 1
	done
}

@test "an entry that is a symlink or a directory is not followed" {
	run -0 --separate-stderr "$CT"
	local e
	e=$(entry)
	rm "$e"
	ln -s /etc/passwd "$e"
	run --separate-stderr "$CT" -v
	assert_success
	assert_regex "$stderr" 'cache: rejected'
	[ "$(head -c 4 /etc/passwd)" = "root" ]
}

@test "32 concurrent cold calls make one request and print the same token" {
	local n i
	n=$(mock_requests)
	for i in $(seq 32); do
		"$CT" --url "$MOCK_URL/delay/0.5" >"$BATS_TEST_TMPDIR/out.$i" 2>"$BATS_TEST_TMPDIR/err.$i" &
	done
	wait
	assert_equal "$(requests_since "$n")" 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/out.* | sort -u)" "$MOCK_TOKEN"
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/out.* | wc -l)" 32
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/err.*)" ''
}

@test "when the one request fails, the waiting processes report its error without retrying" {
	local url=$MOCK_URL/status/503 name n i rc
	# 16 calls wait on the lock we hold, however slowly they start
	name=$(entry_name --url "$url")
	exec 9>>"$CACHE/$name.lock"
	flock 9
	n=$(mock_requests)
	for i in $(seq 16); do
		{
			rc=0
			"$CT" -v --retries 0 --url "$url" >"$BATS_TEST_TMPDIR/out.$i" \
				2>"$BATS_TEST_TMPDIR/err.$i" || rc=$?
			echo "$rc" >"$BATS_TEST_TMPDIR/rc.$i"
		} 9>&- &
	done
	for i in $(seq 16); do
		await_line "$BATS_TEST_TMPDIR/err.$i" 'cache: waiting for another collibra-token' 200
	done
	exec 9>&-
	wait
	assert_equal "$(requests_since "$n")" 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/rc.* | sort -u)" 5
	for i in $(seq 16); do
		run -0 grep -cxF "collibra-token: server error: HTTP 503 from $url/rest/oauth/v2/token" \
			"$BATS_TEST_TMPDIR/err.$i"
		assert_output 1
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/out.*)" ''
	# a later call tries again
	run -5 --separate-stderr "$CT" --retries 0 --url "$url"
	assert_equal "$(requests_since "$n")" 2
}

@test "waiting for another process counts against --timeout" {
	local url=$MOCK_URL/delay/4 name
	# the lock held as long as it takes: a wait that --timeout does not
	# bound would end only when timeout(1) kills it (124)
	name=$(entry_name --url "$url")
	exec 9>>"$CACHE/$name.lock"
	flock 9
	run -3 --separate-stderr timeout 30 "$CT" --url "$url" --timeout 1 9>&-
	exec 9>&-
	assert_regex "$stderr" 'timed out waiting for another collibra-token'
}

@test "a process killed while fetching leaves no lock that blocks others" {
	local pid n
	n=$(mock_requests)
	"$CT" --url "$MOCK_URL/delay/10" >/dev/null 2>&1 &
	pid=$!
	await_request "$n"
	kill -9 "$pid"
	wait "$pid" || true
	n=$(mock_requests)
	# a lock left behind would make this wait out --timeout (3)
	run -0 --separate-stderr "$CT" --url "$MOCK_URL/delay/10" --timeout 3 --url "$MOCK_URL"
	assert_output "$MOCK_TOKEN"
}

@test "a temporary file left by a killed writer never becomes the entry and is cleaned up" {
	local e
	run -0 --separate-stderr "$CT" --url "$MOCK_URL/ok"
	e=$(entry)
	printf 'half-written' >"$e.tmp.0123456789abcdef"
	touch -d '2 hours ago' "$e.tmp.0123456789abcdef"
	run -0 --separate-stderr "$CT" -v --url "$MOCK_URL/ok"
	assert_regex "$stderr" 'cache: hit'
	run --separate-stderr "$CT" --refresh --url "$MOCK_URL/ok"
	assert_success
	[ ! -e "$e.tmp.0123456789abcdef" ]
}

@test "the default location follows XDG_RUNTIME_DIR, XDG_CACHE_HOME, then HOME" {
	unset COLLIBRA_TOKEN_CACHE_DIR
	local r=$BATS_TEST_TMPDIR/run c=$BATS_TEST_TMPDIR/xdg h=$BATS_TEST_TMPDIR/home
	mkdir -p "$r" "$h"
	XDG_RUNTIME_DIR=$r XDG_CACHE_HOME=$c HOME=$h run -0 --separate-stderr "$CT"
	[ -d "$r/collibra-token" ]
	[ ! -e "$c" ]
	env -u XDG_RUNTIME_DIR XDG_CACHE_HOME=$c HOME=$h "$CT" >/dev/null
	[ -d "$c/collibra-token" ]
	env -u XDG_RUNTIME_DIR -u XDG_CACHE_HOME HOME=$h "$CT" >/dev/null
	assert_equal "$(stat -c %a "$h/.cache/collibra-token")" 700
	assert_equal "$(stat -c %a "$h/.cache")" 700
	# relative XDG paths are ignored
	(cd "$BATS_TEST_TMPDIR" &&
		env -u XDG_RUNTIME_DIR XDG_CACHE_HOME=relative HOME=$h "$CT" >/dev/null)
	[ ! -e "$BATS_TEST_TMPDIR/relative" ]
}
