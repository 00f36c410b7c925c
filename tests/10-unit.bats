#!/usr/bin/env bats
# Pure functions, tested directly through tests/ct-unit.

load helpers

UNIT=$CT_UNIT

@test "form encoding keeps A-Z a-z 0-9 * - . _" {
	run "$UNIT" encode 'AZaz09*-._'
	assert_success
	assert_output 'AZaz09*-._'
}

@test "form encoding of a Collibra client ID (RFC 6749 2.3.1 example)" {
	run -0 "$UNIT" encode 'urn:sys:env:2eeadf60-1a11-5170-7e57-000000000000:i:1cnxtsn'
	assert_output 'urn%3Asys%3Aenv%3A2eeadf60-1a11-5170-7e57-000000000000%3Ai%3A1cnxtsn'
}

@test "form encoding: space is +, reserved bytes are %XX upper case" {
	run -0 "$UNIT" encode ': % + & = / ~ ?#'
	assert_output '%3A+%25+%2B+%26+%3D+%2F+%7E+%3F%23'
}

@test "form encoding of non-ASCII and control bytes" {
	run -0 "$UNIT" encode $'\xc3\xa9\x01\x7f\xff'
	assert_output '%C3%A9%01%7F%FF'
}

@test "form encoding of the empty string" {
	run "$UNIT" encode ''
	assert_success
	assert_output ''
}

@test "shell quoting wraps in single quotes" {
	run -0 "$UNIT" quote 'abc$HOME`x`"y"'
	assert_output "'abc\$HOME\`x\`\"y\"'"
}

@test "shell quoting escapes single quotes as '\\''" {
	run -0 "$UNIT" quote "a'b''"
	assert_output "'a'\\''b'\\'''\\'''"
}

@test "shell quoting round-trips hostile text through sh" {
	local s=$'x\';touch pwned;\'$(id)`id`"\\\n\t*?[]{}~#!%'
	run "$UNIT" quote "$s"
	assert_success
	run -0 sh -c "printf '%s' $output"
	assert_output "$s"
}

@test "sanitize drops escape sequences' control bytes and C1 controls" {
	run -0 "$UNIT" sanitize $'a\x1b[31mb\x07c\xc2\x9bd\x9be' 100
	assert_output 'a[31mbcde'
}

@test "sanitize turns tabs and line breaks into spaces" {
	run -0 "$UNIT" sanitize $'one\r\ntwo\tthree' 100
	assert_output 'one  two three'
}

@test "sanitize keeps valid UTF-8 and drops malformed bytes" {
	run -0 "$UNIT" sanitize $'caf\xc3\xa9 \xe2\x82\xac \xc3 \xed\xa0\x80 \xf4\x90\x80\x80!' 100
	assert_output $'caf\xc3\xa9 \xe2\x82\xac   !'
}

@test "sanitize cuts at the limit with ..." {
	run -0 "$UNIT" sanitize 'abcdefghij' 4
	assert_output 'abcd...'
	run -0 "$UNIT" sanitize $'ab\xc3\xa9' 3
	assert_output 'ab...'
}

@test "sanitize drops the invisible characters of the second review (issue 18)" {
	local c
	# soft hyphen, Arabic letter mark, Mongolian vowel separator, line and
	# paragraph separators, variation selectors, tags (4 bytes)
	for c in $'\u00ad' $'\u061c' $'\u180e' $'\u2028' $'\u2029' $'\ufe00' \
		$'\ufe07' $'\ufe0f' $'\U000e0000' $'\U000e0001' $'\U000e0041' \
		$'\U000e007f' $'\U000e0100' $'\U000e01ef'; do
		run -0 "$UNIT" sanitize "a${c}b" 100
		assert_output 'ab'
	done
	# their visible neighbours stay, in each length of UTF-8
	for c in $'\u00ac' $'\u00ae' $'\u061b' $'\u061d' $'\u180d' $'\u180f' \
		$'\u2027' $'\ufdff' $'\ufe10' $'\U000dffff' $'\U000e0080' \
		$'\U000e01f0' $'\U0001f600'; do
		run -0 "$UNIT" sanitize "a${c}b" 100
		assert_output "a${c}b"
	done
}

@test "redaction hides every occurrence of each secret, the longest first" {
	run -0 "$UNIT" hidden 'a S3cr3tXY S3cr3tXY%2F b S3cr3tXY' 100 S3cr3tXY 'S3cr3tXY%2F'
	assert_output 'a <redacted> <redacted> b <redacted>'
	run -0 "$UNIT" hidden 'dXNlcjpTM2Ny' 100 '' dXNlcjpTM2Ny
	assert_output '<redacted>'
	run -0 "$UNIT" hidden 'nothing here' 100 S3cr3tXY
	assert_output 'nothing here'
	run -0 "$UNIT" hidden 'no list' 100
	assert_output 'no list'
}

# issue 23, item 10: a secret shorter than 8 bytes would match inside
# ordinary words ("text/html" holds "x"): hidden only as a whole value
@test "redaction: a secret under 8 bytes is hidden only where it is the whole text" {
	run -0 "$UNIT" hidden 'Content-Type text/html' 100 x
	assert_output 'Content-Type text/html'
	run -0 "$UNIT" hidden 'x' 100 x
	assert_output '<redacted>'
	run -0 "$UNIT" hidden $'tes\x01t' 100 test
	assert_output '<redacted>'
	run -0 "$UNIT" hidden 'a test b' 100 test
	assert_output 'a test b'
	# 8 bytes: everywhere again
	run -0 "$UNIT" hidden 'a testtest b' 100 testtest
	assert_output 'a <redacted> b'
}

@test "redaction comes before the cut, so that no part of a secret survives it" {
	run -0 "$UNIT" hidden 'pppppppS3cr3tValue' 10 S3cr3tValue
	assert_output 'ppppppp<re...'
	run -0 "$UNIT" sanitize 'pppppppS3cr3tValue' 10
	assert_output 'pppppppS3c...'
}

@test "redaction sees a secret through control bytes, and sanitizes the rest" {
	run -0 "$UNIT" hidden $'x S3\x01cr3tXY \e[31my' 100 S3cr3tXY
	assert_output 'x <redacted> [31my'
	run -0 "$UNIT" hidden $'tab\tS3cr3t' 100 $'tab\tS3cr3t'
	assert_output '<redacted>'
}

@test "number parsing accepts the range bounds" {
	run -0 "$UNIT" number 1 1 86400
	assert_output 1
	run -0 "$UNIT" number 86400 1 86400
	assert_output 86400
}

@test "number parsing refuses junk, signs, spaces and out of range" {
	local bad
	for bad in '' ' 5' '5 ' '+5' '5s' '0x10' '1e3' '-' '--1'; do
		run "$UNIT" number "$bad" 1 100
		assert_failure
		assert_output 'error: invalid'
	done
	run -1 "$UNIT" number 0 1 100
	assert_output 'error: too small'
	run -1 "$UNIT" number 101 1 100
	assert_output 'error: too large'
	run -1 "$UNIT" number 99999999999999999999999 1 100
	assert_output 'error: too large'
	run -0 "$UNIT" number -5 -10 10
	assert_output -- -5
}

# parse FILE: token_parse() on the bytes of FILE.
parse() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/body"
	run --separate-stderr "$UNIT" parse "$BATS_TEST_TMPDIR/body"
}

@test "token parser accepts a full response" {
	parse '{"access_token":"abc.DEF-123","token_type":"Bearer","expires_in":3600,"scope":"read"}'
	assert_success
	assert_output $'access_token=abc.DEF-123\ntoken_type=Bearer\nexpires_in=3600\nscope=read'
}

@test "token parser accepts bearer in any case, no expiry, extra fields" {
	parse '{"access_token":"t","token_type":"bEaReR","refresh_token":null,"x":[1,{"y":2}]}'
	assert_success
	assert_output $'access_token=t\ntoken_type=bEaReR'
}

# refuse BODY REASON: token_parse() fails with exit class 6, prints
# "bad response: ...REASON" and never quotes the token (SeCr...).
refuse() {
	parse "$1"
	assert_equal "$status" 6
	assert_equal "$output" ''
	assert_regex "$stderr" "bad response: .*$2"
	refute_regex "$stderr" 'SeCr'
}

@test "token parser refuses bodies that are not a JSON object" {
	refuse '' 'empty body'
	refuse '{"access_token":"SeCret"' 'truncated JSON'
	refuse '[]' 'not a JSON object'
	refuse '"SeCret"' 'not a JSON object'
	refuse '{"access_token":"SeCret","access_token":"SeCret","token_type":"Bearer"}' 'duplicate key'
	refuse $'{"access_token":"SeC\xffret","token_type":"Bearer"}' 'invalid UTF-8'
	refuse '{"access_token":"SeCret","token_type":"Bearer","expires_in":1e400}' 'number out of range'
}

@test "token parser refuses a missing, empty or non-string access_token" {
	refuse '{"token_type":"Bearer"}' 'no access_token'
	refuse '{"access_token":"","token_type":"Bearer"}' 'access_token is empty'
	refuse '{"access_token":42,"token_type":"Bearer"}' 'access_token is not a string'
	refuse '{"access_token":null,"token_type":"Bearer"}' 'access_token is not a string'
}

@test "token parser refuses tokens with spaces, control or non-ASCII bytes" {
	refuse '{"access_token":"Se Cret","token_type":"Bearer"}' 'printable ASCII'
	refuse '{"access_token":"SeCr\u00e9t","token_type":"Bearer"}' 'printable ASCII'
	refuse '{"access_token":"SeC\nret","token_type":"Bearer"}' 'printable ASCII'
	refuse '{"access_token":"SeC\u001b[2Jret","token_type":"Bearer"}' 'printable ASCII'
	refuse '{"access_token":"SeC\u0000ret","token_type":"Bearer"}' 'NUL byte|printable ASCII'
}

@test "token parser refuses a token_type other than Bearer" {
	refuse '{"access_token":"SeCret","token_type":"mac"}' 'token_type is not Bearer'
	refuse '{"access_token":"SeCret"}' 'token_type missing'
	refuse '{"access_token":"SeCret","token_type":1}' 'token_type missing'
}

@test "token parser refuses a bad expires_in or scope" {
	refuse '{"access_token":"SeCret","token_type":"Bearer","expires_in":-1}' 'expires_in out of range'
	refuse '{"access_token":"SeCret","token_type":"Bearer","expires_in":3.5}' 'expires_in is not an integer'
	refuse '{"access_token":"SeCret","token_type":"Bearer","expires_in":"60"}' 'expires_in is not an integer'
	refuse '{"access_token":"SeCret","token_type":"Bearer","expires_in":99999999999}' 'expires_in out of range'
	refuse '{"access_token":"SeCret","token_type":"Bearer","scope":7}' 'scope is not a string'
}

@test "token parser accepts expires_in 0 and null" {
	parse '{"access_token":"t","token_type":"Bearer","expires_in":0}'
	assert_success
	assert_line 'expires_in=0'
	parse '{"access_token":"t","token_type":"Bearer","expires_in":null}'
	assert_success
	refute_line --partial 'expires_in'
}

@test "cache entry names: the previous release's is SHA-256 of its label and fields" {
	local url=https://127.0.0.1:1/rest/oauth/v2/token id=some-id want
	want=$(printf 'collibra-token cache v1\0%s\0%s\0%s\0' "$url" "$id" '' |
		sha256sum | cut -c1-32)
	run "$UNIT" name v1 "$url" "$id" ''
	assert_success
	assert_output "$want"
	run -0 "$UNIT" name v1 "$url" "$id" read
	refute_output "$want"
}

@test "cache entry names: 32 hex digits, different for any field, never the v1 name" {
	local a b
	a=$("$UNIT" name v2 secret '' https://x/t id '' basic '' '' '')
	[[ $a =~ ^[0-9a-f]{32}$ ]]
	b=$("$UNIT" name v2 command '' https://x/t id '' basic '' '' '')
	[ "$a" != "$b" ]
	b=$("$UNIT" name v2 secret '' https://x/t id '' post '' '' '')
	[ "$a" != "$b" ]
	b=$("$UNIT" name v2 secret '' https://x/t id '' basic '' '' 'http://p')
	[ "$a" != "$b" ]
	# fields are NUL-separated: moving a byte across a boundary changes it
	b=$("$UNIT" name v2 secret '' https://x/ tid '' basic '' '' '')
	[ "$a" != "$b" ]
	[ "$a" = "$("$UNIT" name v2 secret '' https://x/t id '' basic '' '' '')" ]
}

# The platform layer (src/compat.c).  The release build uses the
# system's primitives; the sanitizer build (ct-unit-asan) is built with
# COMPAT_FALLBACK, so these tests run against every portable fallback.
fallback_build() { [[ $UNIT == *-asan ]]; }

@test "compat: the release build uses Linux's primitives, the sanitizer build every fallback" {
	run "$UNIT" compat
	assert_success
	if fallback_build; then
		assert_output 'random=urandom wipe=volatile nodump=none size=header clock=monotonic'
	else
		assert_output 'random=getrandom wipe=explicit_bzero nodump=prctl size=malloc_usable_size clock=boottime'
	fi
}

@test "compat_random: the length asked for, fresh bytes each time" {
	local a
	run "$UNIT" random 0
	assert_success
	assert_output ''
	run "$UNIT" random 32
	assert_success
	assert_regex "$output" '^[0-9a-f]{64}$'
	a=$output
	run -0 "$UNIT" random 32
	assert_regex "$output" '^[0-9a-f]{64}$'
	refute_output "$a"
}

# Review of the src/ restructure (issue 21 item 12): in a buffer a few
# bytes short, tmp_name() returned a name with fewer random digits, which
# the sweeper, counting 12, would never remove.
@test "tmp_name: .NAME.PID. and 12 random hex digits within the size, or a failure" {
	local size names=0
	for size in $(seq 1 40); do
		run "$UNIT" tmpname token "$size"
		if [ "$status" -eq 1 ]; then
			assert_output ''
			continue
		fi
		assert_success
		[[ $output =~ ^\.token\.[1-9][0-9]*\.[0-9a-f]{12}$ ]] ||
			fail "size $size: $output"
		((${#output} < size)) || fail "size $size: ${#output} bytes"
		names=$((names + 1))
	done
	((names > 0))
}

@test "compat_random: a large request is filled, not left partly zero" {
	run "$UNIT" random 1000000
	assert_success
	assert_equal "${#output}" 2000000
	# 1 MB of random bytes: every byte value occurs, and the last 4 KiB
	# are not zeros (a short read that was not continued).
	printf '%s' "$output" | fold -w 2 | sort -u | wc -l | grep -qx 256
	refute_regex "${output: -8192}" '^(00)+$'
}

@test "compat_wipe zeroes exactly the bytes asked for" {
	run "$UNIT" wipe
	assert_success
	assert_output ok
}

@test "wipe_malloc and its family: sizes, alignment, realloc keeps, overflow refused" {
	run "$UNIT" alloc
	assert_success
	assert_output ok
}

@test "compat_nodump: not dumpable with prctl; the fallback leaves it to RLIMIT_CORE" {
	local me=(env)
	# A non-dumpable process's /proc/self files belong to root: seen
	# from a user other than root only.
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip 'needs setpriv to drop root'
		me=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	run "${me[@]}" "$UNIT" nodump
	assert_success
	read -r rc uid owner <<<"$output"
	if fallback_build; then
		assert_equal "$rc" 0
		assert_equal "$owner" "$uid"
	else
		assert_equal "$rc" 1
		assert_equal "$owner" 0
	fi
}

# security review 1 (issue 9), finding 5
@test "unit: redact_userinfo hides every scheme://user:pass@" {
	run "$UNIT" userinfo "Uses proxy env variable https_proxy == 'http://u:p@h:1' and socks5h://a@b/ x://y"
	assert_success
	assert_output "Uses proxy env variable https_proxy == 'http://<redacted>@h:1' and socks5h://<redacted>@b/ x://y"
	run -0 "$UNIT" userinfo "http://host/path@x and @ alone"
	assert_output "http://host/path@x and @ alone"
}

# security review 1 (issue 9), finding 11
@test "unit: sanitize drops bidi controls and zero-width characters" {
	local c
	for c in $'\u200b' $'\u200c' $'\u200d' $'\u200e' $'\u200f' $'\u202a' $'\u202b' \
		$'\u202c' $'\u202d' $'\u202e' $'\u2060' $'\u2061' $'\u2062' $'\u2063' $'\u2064' \
		$'\u2066' $'\u2067' $'\u2068' $'\u2069' $'\ufeff'; do
		run -0 "$UNIT" sanitize "a${c}b" 100
		assert_output 'ab'
	done
	# their neighbours stay
	for c in $'\u200a' $'\u2010' $'\u2027' $'\u202f' $'\u2065' $'\u206a' $'\ufefe' $'\u00e9'; do
		run -0 "$UNIT" sanitize "a${c}b" 100
		assert_output "a${c}b"
	done
}

# issue 25 item 2: utc_time() in 64-bit arithmetic, against date(1)
@test "unit: utc_time names the same second as date -u, before 1970 and past 2038" {
	local t
	for t in 0 -1 86399 951782400 951868800 2147483647 2147483648 \
	    4102444800 4133980799 2400000000 3000000000 253402300799 \
	    -2208988800 $((RANDOM * RANDOM)) $((RANDOM * RANDOM * 7)); do
		run -0 "$UNIT" utc "$t"
		assert_output "$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)"
	done
}

# --- near_word(): "did you mean" (issue 23 item 8) ----------------------------

@test "near_word: one slip in a short word, two up to 8 bytes, three beyond" {
	run -0 "$UNIT" near clientid client_id client_secret url
	assert_output client_id
	run -0 "$UNIT" near client-secert client_id client_secret
	assert_output client_secret
	run -0 "$UNIT" near vebrose verbose version
	assert_output verbose
	run -0 "$UNIT" near urk url
	assert_output url
	run -0 "$UNIT" near urkk url
	assert_equal "$output" -
	run -0 "$UNIT" near tmout timeout
	assert_output timeout
	run -0 "$UNIT" near tmot timeout
	assert_equal "$output" -
	run -0 "$UNIT" near clnt-secrt client_secret
	assert_output client_secret
	run -0 "$UNIT" near clnt-scrt client_secret
	assert_equal "$output" -
}

@test "near_word: case and '-' against '_' are no slips; the nearest, the first of equals" {
	run -0 "$UNIT" near CLIENT-ID client_id
	assert_output client_id
	run -0 "$UNIT" near scopes scope scopes2
	assert_output scope
	run -0 "$UNIT" near cat car cap
	assert_output car
	# nothing near, nothing at all, or a word past 64 bytes
	run -0 "$UNIT" near colour scope cacert cache
	assert_equal "$output" -
	run -0 "$UNIT" near ''  a
	assert_equal "$output" -
	run -0 "$UNIT" near "$(printf 'a%.0s' {1..65})" "$(printf 'a%.0s' {1..65})"
	assert_equal "$output" -
}
