#!/usr/bin/env bats
# The cache over real time (issue 16): what an entry records of its
# receipt (the wall clock, the clock of lifetimes, the boot) and when it
# is not served; wall clock steps with libfaketime (wall clock only);
# error records a step made look new; entries of another boot; single
# flight with short tokens and without expires_in.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

UNIT=$CT_UNIT

setup() {
	unset COLLIBRA_TOKEN_CACHE
	export COLLIBRA_TOKEN_CACHE_DIR=$BATS_TEST_TMPDIR/cache
	CACHE=$COLLIBRA_TOKEN_CACHE_DIR
}

# faketime OFFSET CMD...: CMD with the wall clock moved by OFFSET
# (libfaketime's "+10m", "-10m"); the clock of lifetimes is left alone.
faketime() {
	local lib=
	# where Debian (multiarch) and RPM-based systems put it: a glob, not a
	# find over /usr/lib (0.4 s of CPU per call)
	for lib in /usr/lib/*/faketime/libfaketime.so.1 \
	    /usr/lib64/faketime/libfaketime.so.1 \
	    /usr/lib/faketime/libfaketime.so.1 ''; do
		[ ! -f "$lib" ] || break
	done
	[ -n "$lib" ] || skip "needs libfaketime (scripts/deps all)"
	local off=$1
	shift
	LD_PRELOAD=$lib FAKETIME=$off FAKETIME_DONT_FAKE_MONOTONIC=1 \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 "$@"
}

# uptime_ms: the boot clock (CLOCK_BOOTTIME) in milliseconds.
uptime_ms() {
	local up
	read -r up _ </proc/uptime
	echo $((10#${up%.*} * 1000 + 10#${up#*.} * 10))
}

# await_uptime MS: wait (bounded) until the boot clock reaches MS.
await_uptime() {
	# shellcheck disable=SC2016 # expanded by wait_for's eval
	wait_for '(($(uptime_ms) >= '"$1"'))' 100 ||
		fail "the boot clock did not reach $1 ms"
}

# --- wall clock steps ---------------------------------------------------------

@test "a token cached while the wall clock was 10 min ahead has its real life left, not 10 min more" {
	local n
	n=$(mock_requests)
	run --separate-stderr faketime +10m "$CT" --url "$MOCK_URL/expires/3600"
	assert_success
	assert_output "$MOCK_TOKEN"
	# the clock corrected
	run --separate-stderr "$CT" -v --url "$MOCK_URL/expires/3600"
	assert_success
	assert_output "$MOCK_TOKEN"
	left_in 'cache: hit \(([0-9]+) s left\)' 3540 3600
	assert_equal "$(requests_since "$n")" 1
}

@test "a token cached while the wall clock was 10 min ahead is not served once it expired" {
	local n t0
	n=$(mock_requests)
	run --separate-stderr faketime +10m "$CT" --min-ttl 0 --url "$MOCK_URL/expires/2"
	assert_success
	t0=$(uptime_ms)
	await_uptime $((t0 + 3000))
	run --separate-stderr "$CT" -v --min-ttl 0 --url "$MOCK_URL/expires/2"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: expired \(-?[0-9]+ s left, --min-ttl 0\)'
	refute_regex "$stderr" 'cache: hit'
	assert_equal "$(requests_since "$n")" 2
}

@test "a wall clock stepped back 10 min after expiry does not bring the token back" {
	local n t0
	n=$(mock_requests)
	run --separate-stderr "$CT" --min-ttl 0 --url "$MOCK_URL/expires/2"
	assert_success
	t0=$(uptime_ms)
	await_uptime $((t0 + 3000))
	run --separate-stderr faketime -10m "$CT" -v --min-ttl 0 --url "$MOCK_URL/expires/2"
	assert_regex "$stderr" 'cache: expired \(-?[0-9]+ s left, --min-ttl 0\)'
	refute_regex "$stderr" 'cache: hit'
	# the fetch that follows may find the test's new certificate not
	# yet valid at the stepped-back clock (4), or get a new token
	[[ $status -eq 0 || $status -eq 4 ]]
}

@test "a wall clock stepped back within the token's life changes nothing: a hit with its real life" {
	local n
	n=$(mock_requests)
	run -0 --separate-stderr "$CT" --url "$MOCK_URL/expires/3600"
	run --separate-stderr faketime -10m "$CT" -v --url "$MOCK_URL/expires/3600"
	assert_success
	left_in 'cache: hit \(([0-9]+) s left\)' 3540 3600
	run -0 --separate-stderr faketime +50m "$CT" -v --url "$MOCK_URL/expires/3600"
	left_in 'cache: hit \(([0-9]+) s left\)' 3540 3600
	assert_equal "$(requests_since "$n")" 1
}

@test "an error record written while the clock was ahead is not replayed after the step back; the holder removes it" {
	local name n pid rc=0 url=$MOCK_URL/fail-first/1/$RANDOM$RANDOM
	name=$(entry_name --url "$url")
	# the first request fails (503), and is recorded for waiters
	run --separate-stderr faketime +10m "$CT" --retries 0 --url "$url"
	assert_equal "$status" 5
	[ -n "$name" ]
	[ -e "$CACHE/$name.err" ]
	# the clock corrected: a call waits for the lock while we hold it
	exec 9>>"$CACHE/$name.lock"
	flock 9
	n=$(mock_requests)
	"$CT" -v --retries 0 --url "$url" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 9>&- &
	pid=$!
	await_line "$BATS_TEST_TMPDIR/err" 'cache: waiting for another collibra-token'
	exec 9>&-
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$MOCK_TOKEN"
	run -1 grep -c 'not retrying' "$BATS_TEST_TMPDIR/err"
	assert_output 0
	grep -q 'cache: removed a stale error record' "$BATS_TEST_TMPDIR/err"
	assert_equal "$(requests_since "$n")" 1
	[ ! -e "$CACHE/$name.err" ]
}

@test "an error record from before a call began is removed by the holder, not replayed" {
	local url=$MOCK_URL/fail-first/1/$RANDOM$RANDOM name n
	name=$(entry_name --url "$url")
	run --separate-stderr "$CT" --retries 0 --url "$url"
	assert_equal "$status" 5
	[ -e "$CACHE/$name.err" ]
	n=$(mock_requests)
	run --separate-stderr "$CT" -v --retries 0 --url "$url"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: removed a stale error record'
	[ ! -e "$CACHE/$name.err" ]
	assert_equal "$(requests_since "$n")" 1
}

# --- another boot ---------------------------------------------------------------

@test "an entry of another boot is judged by the wall clock" {
	local n
	# received 100 s ago by the wall clock, in a boot that had run longer
	"$UNIT" entry 100 -100000 other-boot-id 3600
	n=$(mock_requests)
	run --separate-stderr "$CT" -v
	assert_success
	assert_output cached-by-ct-unit
	left_in 'cache: hit \(([0-9]+) s left, by the wall clock: another boot\)' 3440 3500
	assert_equal "$(requests_since "$n")" 0
	# expired by the wall clock
	"$UNIT" entry 3590 -100000 other-boot-id 3600
	run --separate-stderr "$CT" -v
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: expired \([0-9]+ s left, --min-ttl 60\)'
	assert_equal "$(requests_since "$n")" 1
}

@test "an entry of this boot whose clock reading is ahead of now is not served" {
	local n
	"$UNIT" entry 100 -100000 this 3600
	n=$(mock_requests)
	run --separate-stderr "$CT" -v
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: rejected \(received in the future on the clock of this boot\)'
	assert_equal "$(requests_since "$n")" 1
}

@test "an entry of another boot received in the future by the wall clock is not served" {
	local n
	"$UNIT" entry -600 -100000 other-boot-id 3600
	n=$(mock_requests)
	run --separate-stderr "$CT" -v
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_regex "$stderr" 'cache: rejected \(received in the future by the wall clock'
	assert_equal "$(requests_since "$n")" 1
	# an unknown boot is another boot
	"$UNIT" entry -600 -100000 none 3600
	run -0 --separate-stderr "$CT" -v
	assert_regex "$stderr" 'cache: rejected \(received in the future by the wall clock'
	assert_equal "$(requests_since "$n")" 2
}

@test "the boot id is the kernel's" {
	[ -r /proc/sys/kernel/random/boot_id ] || skip "no /proc/sys/kernel/random/boot_id"
	run "$UNIT" boot
	assert_success
	assert_output "$(cat /proc/sys/kernel/random/boot_id)"
}

# --- the remaining life, as a function ------------------------------------------

@test "lookup: the life within one boot comes from the clock of lifetimes, suspend included" {
	# WALL CLOCK BOOT LIFE SINCE MIN_TTL, now in boot "this-boot"
	run -0 "$UNIT" lookup 100 100 this-boot 3600 - 60
	assert_output 'hit 3500'
	# an hour suspended: both clocks went on
	run -1 "$UNIT" lookup 3700 3700 this-boot 3600 - 60
	assert_output 'miss expired'
	# the wall clock stepped back 10 min after expiry
	run -1 "$UNIT" lookup 3100 3700 this-boot 3600 - 60
	assert_output 'miss expired'
	# the wall clock was 10 min ahead at receipt
	run -0 "$UNIT" lookup -500 100 this-boot 3600 - 60
	assert_output 'hit 3500'
	run -1 "$UNIT" lookup 100 -5 this-boot 3600 - 60
	assert_output 'miss received in the future on the clock of this boot'
}

@test "lookup: across boots the life comes from the wall clock" {
	run -0 "$UNIT" lookup 700 -100000 other 3600 - 60
	assert_output 'hit 2900, by the wall clock: another boot'
	run -1 "$UNIT" lookup 3590 -100000 other 3600 - 60
	assert_output 'miss expired'
	run -1 "$UNIT" lookup -1 -100000 other 3600 - 60
	assert_output 'miss received in the future by the wall clock (stepped back, or another boot)'
	# clocks that agree say the same whatever the boot
	run -0 "$UNIT" lookup 100 100 other 3600 - 60
	assert_output 'hit 3500'
}

@test "lookup: a token fetched since the call began is served whatever --min-ttl says" {
	run -1 "$UNIT" lookup 100 100 this-boot 130 - 60
	assert_output 'miss expired'
	run -0 "$UNIT" lookup 100 100 this-boot 130 200 60
	assert_output 'hit 30, fetched since this call began: --min-ttl not applied'
	run -1 "$UNIT" lookup 100 100 this-boot 100 200 60
	assert_output 'miss expired'
	run -0 "$UNIT" lookup 100 100 this-boot - 200 60
	assert_output 'hit none'
	run -1 "$UNIT" lookup 100 100 this-boot - 50 60
	assert_output 'miss no lifetime given: it was only for the processes waiting for it'
	run -1 "$UNIT" lookup 100 100 this-boot - - 60
	assert_output 'miss no lifetime given: it was only for the processes waiting for it'
	# not if it is of another boot
	run -1 "$UNIT" lookup 100 -100000 other 130 200 60
	assert_output 'miss expired'
}

# --- entries of the previous release -------------------------------------------

@test "a CTK2 entry is recognised, ignored and replaced, silently" {
	local e n
	run -0 --separate-stderr "$CT"
	e=$(find "$CACHE" -maxdepth 1 -type f -regex '.*/[0-9a-f]*')
	[ "$(head -c 4 "$e")" = CTK3 ]
	printf CTK2 | dd of="$e" bs=1 conv=notrunc status=none
	n=$(mock_requests)
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$stderr" ''
	[ "$(head -c 4 "$e")" = CTK3 ]
	run -0 --separate-stderr "$CT" -v
	assert_regex "$stderr" 'cache: hit'
	assert_equal "$(requests_since "$n")" 1
	printf CTK2 | dd of="$e" bs=1 conv=notrunc status=none
	run -0 --separate-stderr "$CT" -v
	assert_regex "$stderr" 'cache: rejected \(an entry of an earlier release \(CTK2\)\)'
}

# --- single flight with short tokens ---------------------------------------------

# burst SCENARIO: 20 calls wait on the lock we hold, then get it one by
# one; each must print the token, and the server must see one request.
burst() {
	local url=$MOCK_URL/$1 name n i pid pids=() rc
	name=$(entry_name --url "$url")
	exec 9>>"$CACHE/$name.lock"
	flock 9
	n=$(mock_requests)
	for i in $(seq 20); do
		"$CT" -v --timeout 60 --url "$url" >"$BATS_TEST_TMPDIR/out.$i" \
			2>"$BATS_TEST_TMPDIR/err.$i" 9>&- &
		pids+=($!)
	done
	for i in $(seq 20); do
		await_line "$BATS_TEST_TMPDIR/err.$i" 'cache: waiting for another collibra-token' 200
	done
	exec 9>&-
	for pid in "${pids[@]}"; do
		rc=0
		wait "$pid" || rc=$?
		assert_equal "$rc" 0
	done
	assert_equal "$(requests_since "$n")" 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/out.* | sort -u)" "$MOCK_TOKEN"
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/out.* | wc -l)" 20
}

@test "20 waiting calls, 30 s tokens (under --min-ttl 60), a 1 s server: one request, all 20 get it" {
	burst slow/1/expires/30
	assert_equal "$(grep -l 'fetched since this call began: --min-ttl not applied' "$BATS_TEST_TMPDIR"/err.* | wc -l)" 19
	# a later call applies --min-ttl
	local n
	n=$(mock_requests)
	run -0 --separate-stderr "$CT" -v --url "$MOCK_URL/slow/1/expires/30"
	# refused for being under --min-ttl, however long the burst took on a
	# loaded machine (the promise, not the machine's speed)
	left_in 'cache: expired \(([0-9]+) s left, --min-ttl 60\)' 0 30
	assert_equal "$(requests_since "$n")" 1
}

@test "20 waiting calls, no expires_in, a 1 s server: one request, all 20 get it" {
	burst slow/1/noexpiry
	assert_equal "$(grep -l 'cache: hit (no lifetime given, fetched since this call began)' "$BATS_TEST_TMPDIR"/err.* | wc -l)" 19
	# a later call does not get it
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" -v --url "$MOCK_URL/slow/1/noexpiry"
	assert_success
	assert_regex "$stderr" 'cache: rejected \(no lifetime given'
	assert_equal "$(requests_since "$n")" 1
}

# --- what a hit costs --------------------------------------------------------------

@test "a hit does not read the boot id; a lookup after a wall clock step does" {
	strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	# LeakSanitizer cannot run under ptrace (the sanitizer build)
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	run --separate-stderr "$CT"
	assert_success
	strace -f -e trace=open,openat -o "$BATS_TEST_TMPDIR/hit" "$CT" >/dev/null
	run -1 grep -c boot_id "$BATS_TEST_TMPDIR/hit"
	assert_output 0
	grep -q "$(basename "$(find "$CACHE" -maxdepth 1 -type f -regex '.*/[0-9a-f]*')")" \
		"$BATS_TEST_TMPDIR/hit"
	faketime +10m strace -f -e trace=open,openat -o "$BATS_TEST_TMPDIR/step" "$CT" -v \
		>/dev/null 2>"$BATS_TEST_TMPDIR/err"
	grep -q 'cache: hit' "$BATS_TEST_TMPDIR/err"
	grep -q boot_id "$BATS_TEST_TMPDIR/step"
}

@test "a watch that began on a cache hit does not replay a failure of another call at its refresh" {
	local out=$BATS_TEST_TMPDIR/token first pid rc=0 url=$MOCK_URL/expires/6
	run --separate-stderr "$CT" --url "$url"
	assert_success
	"$CT" -v --url "$url" --min-ttl 1 --watch -o "$out" \
		2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	await_line "$BATS_TEST_TMPDIR/err" 'cache: hit'
	wait_for '[[ -s $out ]]'
	# shellcheck disable=SC2034 # read by wait_for's condition
	first=$(stat -c %i "$out")
	# another call of this configuration fails for good (11) meanwhile
	mock_reset_creds
	run --separate-stderr "$CT" --url "$url" --refresh --retries 0
	mock_add_creds "$COLLIBRA_CLIENT_ID" "$COLLIBRA_CLIENT_SECRET"
	assert_equal "$status" 11
	# the watch's refresh asks the server, and gets a token
	wait_for '[[ $(stat -c %i "$out" 2>/dev/null) != "$first" ]] ||
		! kill -0 "$pid" 2>/dev/null' 150
	kill -0 "$pid" 2>/dev/null ||
		fail "the watch ended: $(cat "$BATS_TEST_TMPDIR/err")"
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	assert_equal "$rc" 143
	run -1 grep -c 'not retrying' "$BATS_TEST_TMPDIR/err"
	assert_output 0
}
