#!/usr/bin/env bats
# The gate's own tools: scripts/lint-bats finds the assertions that cannot
# fail, tests/run fails the sanitizer part on a report that no test
# looked at and orders its jobs by the times it kept.  Not in the inner
# loop (make test), as 00-mock.

load helpers

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
}

@test "lint-bats: [ A ] && [ B ], ! cmd and an unchecked run mid-test are found; the last statement and ! cmd || fail are not" {
	local f=$BATS_TEST_TMPDIR/planted.bats
	# (printf: bats would take an @test line of a here-document for a test)
	printf '%s\n' '@test "planted" {' \
	    '	[ 1 = 2 ] && [ 1 = 1 ]' \
	    '	! false' \
	    '	false || ! true' \
	    '	run true' \
	    "	assert_output ''" \
	    '	run -0 true' \
	    '	! grep -q x /dev/null || fail "grep found x"' \
	    '	run true' \
	    '	[ "$status" -eq 0 ]' \
	    '	[ 1 = 1 ] && [ 2 = 2 ]' \
	    '}' >"$f"
	run -1 "$ROOT/scripts/lint-bats" "$f"
	assert_equal "$(printf '%s\n' "$output" | cut -d: -f2 | sort -n | tr '\n' ' ')" '2 3 4 5 '
	assert_line "$f:2: [ A ] && [ B ] in the middle of a test never checks A (one test per line)"
	assert_line --partial "$f:5: run whose status nothing reads"
	# the suites themselves are clean
	run -0 "$ROOT/scripts/lint-bats"
	assert_output ''
}

@test "tests/run: a sanitizer report fails the sanitizer part, whatever the test said" {
	command -v "${CC:-cc}" >/dev/null || skip "no C compiler"
	local d=$BATS_TEST_TMPDIR
	printf '#include <stdlib.h>\nint main(void) { char *p = malloc(16); p[0] = 1; p = 0; return 0; }\n' >"$d/leak.c"
	"${CC:-cc}" -fsanitize=address -g -o "$d/leak" "$d/leak.c" 2>"$d/cc.err" ||
		skip "no AddressSanitizer: $(cat "$d/cc.err")"
	# a test that looks at neither the status nor stderr of a leaking program
	printf '@test "blind" {\n\t"%s" >/dev/null 2>&1 || true\n}\n' "$d/leak" >"$d/blind.bats"
	TEST_LOG_DIR=$d/log CT_BIN=$ROOT/collibra-token-asan run -1 "$ROOT/tests/run" "$d/blind.bats"
	assert_line '1 passed, 1 failed'
	assert_line --regexp '^FAIL sanitizer 1 report'
	ls "$d/log/sanitizer-reports/"asan.*
	# the same test against the release build: no sanitizer options, no report
	TEST_LOG_DIR=$d/log2 run -0 "$ROOT/tests/run" "$d/blind.bats"
	assert_line '1 passed, 0 failed'
}

@test "tests/run: the slowest job first by the last times, which a partial run keeps" {
	local d=$BATS_TEST_TMPDIR
	printf '@test "%s" {\n\ttrue\n}\n' a >"$d/a.bats"
	printf '@test "%s" {\n\ttrue\n}\n' b >"$d/b.bats"
	# an earlier run's times (part, name, start, end, CPU): b took 50 s, a 1 s
	mkdir -p "$d/log"
	printf '%s\n' 'release a 100 101 0.1' 'release b 100 150 0.1' >"$d/log/times"
	# a run of a alone keeps b's time
	TEST_LOG_DIR=$d/log run -0 "$ROOT/tests/run" -j 1 "$d/a.bats"
	assert_line '1 passed, 0 failed'
	run -0 grep -c '^release ' "$d/log/times"
	assert_output 1
	run -0 grep -x 'release:b 50.0' "$d/log/times.carry"
	# so the next run of both starts b first, though a's time is newer
	TEST_LOG_DIR=$d/log run -0 "$ROOT/tests/run" -j 1 "$d/a.bats" "$d/b.bats"
	assert_line '2 passed, 0 failed'
	run -0 sort -n -k3,3 "$d/log/times"
	assert_line --index 0 --regexp '^release b '
	assert_line --index 1 --regexp '^release a '
}
