#!/usr/bin/env bats
# The config file: [default] and [profile NAME], each key reaching the
# request, selecting a profile, parse errors with file and line, the
# permission checks (the file, its directories, client_secret),
# --show-config, and where the file is looked for.

load helpers

setup_file() { ct_setup_file; }
teardown_file() { ct_teardown_file; }

setup() {
	ct_isolate_config
	SECRET=$COLLIBRA_CLIENT_SECRET
	CFG=$CT_CFG
}

@test "profile: url, client_id, client_secret, scope, auth_method, format reach the request" {
	unset COLLIBRA_URL COLLIBRA_CLIENT_ID COLLIBRA_CLIENT_SECRET
	mock_add_creds p-client "$SECRET"
	ct_write_config <<-EOF
		[profile p]
		url = $MOCK_URL/scope
		client_id = p-client
		client_secret = $SECRET
		scope = read write
		auth_method = post
		format = json
	EOF
	run --separate-stderr "$CT" -p p
	assert_success
	assert_equal "$(mock_last_field path)" /scope/rest/oauth/v2/token
	assert_equal "$(mock_last_field client_id)" p-client
	assert_equal "$(mock_last_field auth)" post
	assert_equal "$(mock_last_field auth_ok)" true
	assert_equal "$(mock_last_field scope)" 'read write'
	assert_regex "$output" "^\{\"access_token\":\"$MOCK_TOKEN\",.*\"scope\":\"read write\""
	refute_leak
	# without -p the profile does not apply: no URL at all
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	refute_leak
}

@test "profile: a wrong client_secret is sent (and refused)" {
	unset COLLIBRA_CLIENT_SECRET
	ct_write_config <<-EOF
		[profile p]
		client_secret = not-$SECRET
	EOF
	run --separate-stderr "$CT" -p p
	assert_equal "$status" 11
	assert_output ''
	refute_leak
}

@test "profile: token_url and client_secret_file" {
	unset COLLIBRA_URL COLLIBRA_CLIENT_SECRET
	printf '%s\n' "$SECRET" >"$BATS_TEST_TMPDIR/secret"
	printf '%s\n' "x$SECRET" >"$BATS_TEST_TMPDIR/wrong"
	ct_write_config <<-EOF
		[profile good]
		token_url = $MOCK_URL/expires/77/rest/oauth/v2/token
		client_secret_file = $BATS_TEST_TMPDIR/secret
		[profile bad]
		token_url = $MOCK_URL/expires/78/rest/oauth/v2/token
		client_secret_file = $BATS_TEST_TMPDIR/wrong
	EOF
	run --separate-stderr "$CT" -p good
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(mock_last_field path)" /expires/77/rest/oauth/v2/token
	run --separate-stderr "$CT" -p bad
	assert_equal "$status" 11
	assert_equal "$(mock_last_field path)" /expires/78/rest/oauth/v2/token
	refute_leak
}

@test "profile: cacert trusts the test CA; a wrong one fails TLS" {
	unset SSL_CERT_FILE
	ct_write_config <<-EOF
		[profile good]
		cacert = $CT_PKI/ca.pem
		[profile bad]
		cacert = $CT_PKI/wrong.pem
		retries = 0
	EOF
	run --separate-stderr "$CT" -p good
	assert_success
	assert_output "$MOCK_TOKEN"
	run --separate-stderr "$CT" -p bad
	assert_equal "$status" 4
	refute_leak
}

@test "profile: capath trusts a hashed directory; an empty one fails TLS" {
	unset SSL_CERT_FILE
	mkdir -p "$BATS_TEST_TMPDIR/ca" "$BATS_TEST_TMPDIR/empty"
	cp "$CT_PKI/ca.pem" "$BATS_TEST_TMPDIR/ca/"
	openssl rehash "$BATS_TEST_TMPDIR/ca" 2>/dev/null || c_rehash "$BATS_TEST_TMPDIR/ca" >/dev/null
	ct_write_config <<-EOF
		[profile good]
		capath = $BATS_TEST_TMPDIR/ca
		[profile bad]
		capath = $BATS_TEST_TMPDIR/empty
		retries = 0
	EOF
	run --separate-stderr "$CT" -p good
	assert_success
	assert_output "$MOCK_TOKEN"
	run --separate-stderr "$CT" -p bad
	assert_equal "$status" 4
}

@test "profile: insecure = true skips verification, insecure = off does not" {
	unset SSL_CERT_FILE
	ct_write_config <<-EOF
		[profile on]
		insecure = true
		[profile off]
		insecure = off
		retries = 0
	EOF
	run --separate-stderr "$CT" -p on
	assert_success
	assert_output "$MOCK_TOKEN"
	run --separate-stderr "$CT" -p off
	assert_equal "$status" 4
}

@test "profile: proxy is used (a dead proxy is a network error)" {
	ct_write_config <<-EOF
		[profile dead]
		proxy = http://127.0.0.1:9
		retries = 0
		[profile none]
		retries = 0
	EOF
	run --separate-stderr "$CT" -p none
	assert_success
	run --separate-stderr "$CT" -p dead
	assert_equal "$status" 3
}

@test "profile: cache = true with cache_dir caches; cache = false does not" {
	unset COLLIBRA_TOKEN_CACHE COLLIBRA_TOKEN_CACHE_DIR
	local n
	ct_write_config <<-EOF
		[profile on]
		cache = true
		cache_dir = $BATS_TEST_TMPDIR/c-on
		[profile off]
		cache = false
		cache_dir = $BATS_TEST_TMPDIR/c-off
	EOF
	n=$(mock_requests)
	run --separate-stderr "$CT" -p on
	assert_success
	run --separate-stderr "$CT" -p on
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(requests_since "$n")" 1
	[ -n "$(ls -A "$BATS_TEST_TMPDIR/c-on")" ]
	n=$(mock_requests)
	run -0 --separate-stderr "$CT" -p off
	run --separate-stderr "$CT" -p off
	assert_success
	assert_equal "$(requests_since "$n")" 2
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/c-off" 2>/dev/null)" ]
}

@test "profile: timeout, connect_timeout, retries, min_ttl, var in --show-config and output" {
	ct_write_config <<-EOF
		[profile p]
		timeout = 17
		connect_timeout = 9
		retries = 5
		min_ttl = 90
		var = P_TOK
		format = shell
	EOF
	run --separate-stderr "$CT" -p p --show-config
	assert_success
	assert_regex "$(show timeout)" "^timeout: 17( s)? \($CFG:2\)"
	assert_regex "$output" "connect timeout: 9( s)? \($CFG:3\)"
	assert_regex "$(show retries)" "^retries: 5 \($CFG:4\)"
	assert_regex "$(show 'min TTL')" "min TTL: 90( s)? \($CFG:5\)"
	run --separate-stderr "$CT" -p p
	assert_success
	assert_line -n 0 "export P_TOK='$MOCK_TOKEN'"
	# without the profile: built-in values
	run --separate-stderr "$CT" --show-config
	assert_success
	assert_regex "$(show timeout)" '^timeout: 30( s)? \(default\)'
	assert_regex "$(show retries)" '^retries: 2 \(default\)'
}

@test "a missing profile is exit 2, from -p or COLLIBRA_PROFILE, with no request" {
	local n
	ct_write_config <<-EOF
		[profile a]
		scope = x
	EOF
	n=$(mock_requests)
	run --separate-stderr "$CT" -p nope
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" "collibra-token: profile 'nope' not found in $CFG; it has -p a"
	COLLIBRA_PROFILE=gone run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: profile 'gone' not found in $CFG; it has -p a"
	assert_equal "$(requests_since "$n")" 0
	run --separate-stderr "$CT" -p a
	assert_success
}

@test "--profile with no config file at all is exit 2 naming the file" {
	run --separate-stderr "$CT" -p a
	assert_equal "$status" 2
	assert_output ''
	[[ $stderr == *"$CFG"* ]]
	# no profile asked: a missing default file is fine
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
}

@test "an unknown key is exit 2 with FILE:LINE" {
	ct_write_config <<-EOF
		# comment
		[default]
		scope = x
		foo = bar
	EOF
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" "collibra-token: $CFG:4: unknown key 'foo'"
	sed -i '$d' "$CFG"
	run --separate-stderr "$CT"
	assert_success
}

@test "an unknown key in a profile section is exit 2 with its line" {
	ct_write_config <<-EOF
		[default]
		scope = x
		[profile p]
		client-id = y
	EOF
	run --separate-stderr "$CT" -p p
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CFG:4: unknown key 'client-id'; did you mean 'client_id'?"
}

@test "an unknown section is exit 2 with FILE:LINE" {
	ct_write_config <<-EOF
		[default]
		scope = x

		[bogus]
		scope = y
	EOF
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CFG:4: unknown section 'bogus'; did you mean '[profile bogus]'?"
	sed -i 's/^\[bogus\]$/[profile bogus]/' "$CFG"
	run --separate-stderr "$CT"
	assert_success
}

@test "an unknown section with no keys is an error too, at its line" {
	printf '[default]\nscope = x\n[empty]\n' | ct_write_config
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CFG:3: unknown section 'empty'; did you mean '[profile empty]'?"
}

@test "a line that is not key = value or [section] is a syntax error with its line" {
	ct_write_config <<-EOF
		[default]
		scope = x
		just some words
	EOF
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CFG:3: syntax error"
	sed -i 's/^just some words$/; just some words/' "$CFG"
	run --separate-stderr "$CT"
	assert_success
}

@test "a bad format value is the usual message with FILE:LINE as the source" {
	ct_write_config <<-EOF
		[default]
		scope = x

		[profile a]
		scope = y

		format = xml
	EOF
	run --separate-stderr "$CT" -p a
	assert_equal "$status" 2
	assert_output ''
	assert_equal "$stderr" \
		"collibra-token: $CFG:7: unknown format 'xml' (raw, json, shell, fish, header, github or dotenv)"
	sed -i 's/^format = xml$/format = fish/' "$CFG"
	run --separate-stderr "$CT" -p a
	assert_success
}

@test "bad timeout, retries, auth_method and boolean values name FILE:LINE" {
	local bad
	unset COLLIBRA_TOKEN_CACHE
	for bad in 'timeout = 0' 'retries = many' 'auth_method = digest' 'insecure = maybe' \
		'cache = 2' 'min_ttl = -1'; do
		ct_write_config <<-EOF
			[default]
			$bad
		EOF
		run --separate-stderr "$CT"
		assert_equal "$status" 2
		assert_regex "$stderr" "^collibra-token: $CFG:2: "
	done
	ct_write_config <<-EOF
		[default]
		timeout = 5
		retries = 1
		auth_method = post
		insecure = no
		cache = 0
		min_ttl = 0
	EOF
	run --separate-stderr "$CT"
	assert_success
}

@test "booleans: true/yes/on/1 and false/no/off/0" {
	unset COLLIBRA_TOKEN_CACHE
	local v
	for v in true yes on 1; do
		printf '[default]\ncache = %s\n' "$v" | ct_write_config
		run --separate-stderr "$CT" --show-config
		assert_success
		assert_regex "$(show cache)" "^cache: on \($CFG:2\)"
	done
	for v in false no off 0; do
		printf '[default]\ncache = %s\n' "$v" | ct_write_config
		run --separate-stderr "$CT" --show-config
		assert_success
		assert_regex "$(show cache)" "^cache: off \($CFG:2\)"
	done
}

@test "a config holding client_secret readable by others or group is refused" {
	local n mode
	unset COLLIBRA_CLIENT_SECRET
	ct_write_config <<-EOF
		[default]
		client_secret = $SECRET
	EOF
	n=$(mock_requests)
	for mode in 644 640 604; do
		chmod "$mode" "$CFG"
		run --separate-stderr "$CT"
		assert_equal "$status" 2
		assert_output ''
		assert_equal "$stderr" \
			"collibra-token: $CFG holds client_secret but is readable by group or others (chmod 600 $CFG)"
	done
	assert_equal "$(requests_since "$n")" 0
	chmod 600 "$CFG"
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
	refute_leak
}

@test "client_secret in an unselected profile is refused too; a 644 file without it is fine" {
	ct_write_config <<-EOF
		[default]
		scope = x
		[profile other]
		client_secret = $SECRET
	EOF
	chmod 644 "$CFG"
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" 'holds client_secret but is readable by group or others'
	refute_leak
	ct_write_config <<-EOF
		[default]
		scope = x
		[profile other]
		client_secret_file = /nonexistent
	EOF
	chmod 644 "$CFG"
	run --separate-stderr "$CT"
	assert_success
	assert_output "$MOCK_TOKEN"
}

# cfg_with_command: a config file whose client_secret_command leaves a mark.
cfg_with_command() {
	printf '[default]\nclient_secret_command = touch %s/ran; echo s\n' \
		"$BATS_TEST_TMPDIR" | ct_write_config "$CT_CFG"
}

# security review 1 (issue 9), finding 2
@test "config: a file writable by group or others is refused (2), its command not run" {
	local mode
	for mode in g+w o+w; do
		cfg_with_command
		chmod "$mode" "$CT_CFG"
		run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT"
		assert_equal "$status" 2
		assert_equal "$stderr" "collibra-token: $CT_CFG: writable by group or others; refusing to read it (chmod go-w $CT_CFG)"
		[ ! -e "$BATS_TEST_TMPDIR/ran" ]
		run --separate-stderr "$CT" --config "$CT_CFG" --show-config
		assert_equal "$status" 2
		rm -f "$CT_CFG"
	done
	# the same file, 0644 and ours, is read: its command runs
	cfg_with_command
	chmod 644 "$CT_CFG"
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT"
	assert_equal "$status" 11
	[ -e "$BATS_TEST_TMPDIR/ran" ]
}

# security review 1 (issue 9), finding 2
@test "config: a file owned by another user is refused (2)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	cfg_with_command
	chown nobody "$CT_CFG"
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT"
	assert_equal "$status" 2
	assert_regex "$stderr" "^collibra-token: $CT_CFG: owned by uid [0-9]+, not by you or root; refusing to read it\$"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# a root-owned file is accepted (the tests run as root: owned by you)
	chown root "$CT_CFG"
	run --separate-stderr "$CT" --show-config
	assert_success
}

# security review 1 (issue 9), finding 2
@test "config: a file owned by root or by you is accepted when run as another user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	command -v setpriv >/dev/null || skip "no setpriv"
	local dir
	# a directory that nobody can reach (bats' own are 0700)
	dir=$(mktemp -d /tmp/ct-sec.XXXXXX)
	chmod 755 "$dir"
	printf '[default]\nformat = json\n' >"$dir/root"
	printf '[default]\nformat = json\n' >"$dir/mine"
	chmod 644 "$dir/root" "$dir/mine"
	chown nobody "$dir/mine"
	# nothing of the test's own (0700) may be needed
	unset SSL_CERT_FILE COLLIBRA_TOKEN_CACHE_DIR
	export XDG_CONFIG_HOME=$dir
	run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CT" --config "$dir/root" --show-config
	assert_success
	assert_regex "$output" 'format: json'
	run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CT" --config "$dir/mine" --show-config
	assert_success
	# but not one of a third user's
	chown daemon "$dir/mine"
	run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CT" --config "$dir/mine" --show-config
	rm -rf "$dir"
	assert_equal "$status" 2
	assert_regex "$stderr" 'owned by uid [0-9]+, not by you or root'
}

# security review 1 (issue 9), finding 2
@test "config: a directory on its path writable by others is refused, unless sticky" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	local dir
	cfg_with_command
	dir=$(dirname "$CT_CFG")
	chmod 0777 "$dir"
	run --separate-stderr env -u COLLIBRA_CLIENT_SECRET "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CT_CFG: directory $dir is writable by group or others; refusing to read it"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	chmod 0775 "$dir"
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	# sticky, like /tmp: no one else can replace what we own in it
	chmod 1777 "$dir"
	run --separate-stderr "$CT" --show-config
	assert_success
	chmod 0700 "$dir"
	chown nobody "$dir"
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	assert_regex "$stderr" "^collibra-token: $CT_CFG: directory $dir is owned by uid [0-9]+, not by you or root; refusing to read it\$"
	chown root "$dir"
}

# security review 1 (issue 9), finding 2
@test "config: the directories of a symlink's target are the ones checked" {
	local real=$BATS_TEST_TMPDIR/real
	mkdir -p "$real" "$(dirname "$CT_CFG")"
	printf '[default]\nformat = json\n' | ct_write_config "$real/config"
	ln -s "$real/config" "$CT_CFG"
	run --separate-stderr "$CT" --show-config
	assert_success
	chmod 0777 "$real"
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	assert_regex "$stderr" "directory $real is writable by group or others"
}

# security review 1 (issue 9), finding 11
@test "config: control bytes in keys, sections and paths are not printed raw" {
	printf '[default]\n\e]0;pwned\a = 1\n' | ct_write_config
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	[[ $stderr != *$'\e'* && $stderr != *$'\a'* ]] || fail "raw control bytes on stderr"
	assert_regex "$stderr" "unknown key ']0;pwned'"
	printf '[profile \e[2Jx]\nformat = json\n[\e[31mbad]\n' | ct_write_config
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	[[ $stderr != *$'\e'* ]] || fail "raw control bytes on stderr"
	assert_regex "$stderr" "unknown section '\[31mbad'"
	printf 'format = json\n' | ct_write_config
	run --separate-stderr "$CT" --show-config
	assert_equal "$status" 2
	assert_regex "$stderr" "'format' outside a section"
	run --separate-stderr "$CT" --config "$BATS_TEST_TMPDIR/no"$'\e[2J'"pe" --show-config
	assert_equal "$status" 2
	[[ $stderr != *$'\e'* ]] || fail "raw control bytes on stderr"
}

# security review 1 (issue 9), finding 11
@test "values from the config file or the environment are not printed raw" {
	printf '[default]\nformat = \e]0;pwned\a\u202e\n' | ct_write_config
	run --separate-stderr "$CT"
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CT_CFG:2: unknown format ']0;pwned' (raw, json, shell, fish, header, github or dotenv)"
	rm "$CT_CFG"
	COLLIBRA_TOKEN_VAR=$'a\e[2Jb' run --separate-stderr "$CT"
	assert_equal "$status" 2
	[[ $stderr != *$'\e'* ]] || fail "raw control bytes on stderr"
	assert_regex "$stderr" "invalid variable name 'a\[2Jb'"
	run --separate-stderr "$CT" --cacert $'/no/such\e[2J\u202efile'
	assert_equal "$status" 2
	assert_regex "$stderr" 'cannot read /no/such\[2Jfile'
}

# security review 2 (issue 18), finding 8
@test "8: escapes in XDG_CONFIG_HOME reach neither --show-config nor -v" {
	local dir=$BATS_TEST_TMPDIR/$'x\e]0;owned\ay\e[31mz'
	export XDG_CONFIG_HOME=$dir
	printf '[default]\nscope = read\n' | ct_write_config "$dir/collibra-token/config"
	run --separate-stderr "$CT" --show-config
	assert_success
	assert_line --partial 'config file: '
	assert_regex "$output" 'scope: read \(.*x\]0;ownedy\[31mz/collibra-token/config:2\)'
	[[ $output != *$'\e'* && $output != *$'\a'* ]] || fail "stdout holds an escape"
	run --separate-stderr "$CT" -v
	assert_success
	assert_regex "$stderr" 'scope: read \(.*ownedy\[31mz/collibra-token/config:2\)'
	[[ $stderr != *$'\e'* && $stderr != *$'\a'* ]] || fail "stderr holds an escape"
}

@test "--show-config: values and sources, the secret redacted, no request" {
	local n
	unset COLLIBRA_CLIENT_SECRET COLLIBRA_URL
	ct_write_config <<-EOF
		[default]
		scope = from-default
		[profile p]
		url = $MOCK_URL/expires/301
		client_secret = $SECRET
	EOF
	n=$(mock_requests)
	run --separate-stderr "$CT" --show-config --profile p --timeout 9 -f json --auth-method post
	assert_success
	assert_equal "$(show 'token URL')" "token URL: $MOCK_URL/expires/301/rest/oauth/v2/token ($CFG:4)"
	assert_equal "$(show 'client ID')" "client ID: $COLLIBRA_CLIENT_ID (COLLIBRA_CLIENT_ID)"
	assert_equal "$(show 'client secret')" "client secret: 32 bytes, <redacted> ($CFG:5)"
	assert_equal "$(show scope)" "scope: from-default ($CFG:2)"
	assert_equal "$(show 'auth method')" 'auth method: post (--auth-method)'
	assert_equal "$(show format)" 'format: json (--format)'
	assert_regex "$(show timeout)" '^timeout: 9( s)? \(--timeout\)'
	assert_regex "$(show retries)" '^retries: 2 \(default\)'
	assert_equal "$(show 'CA file')" "CA file: $CT_PKI/ca.pem (SSL_CERT_FILE)"
	assert_equal "$(show profile)" 'profile: p (--profile)'
	[[ $output != *"$SECRET"* ]]
	[[ $output != *"$MOCK_TOKEN"* ]]
	refute_leak
	assert_equal "$(requests_since "$n")" 0
	# the same without --show-config does fetch
	run --separate-stderr "$CT" --profile p
	assert_success
	assert_output "$MOCK_TOKEN"
	assert_equal "$(requests_since "$n")" 1
}

@test "--show-config: sources from flags and variables; secret from a variable or file" {
	local n
	n=$(mock_requests)
	run --separate-stderr "$CT" --show-config --url "$MOCK_URL/x"
	assert_success
	assert_equal "$(show 'token URL')" "token URL: $MOCK_URL/x/rest/oauth/v2/token (--url)"
	assert_equal "$(show 'client secret')" "client secret: 32 bytes, <redacted> (COLLIBRA_CLIENT_SECRET)"
	assert_equal "$(show 'auth method')" 'auth method: basic (default)'
	assert_equal "$(show format)" 'format: raw (default)'
	[[ $output != *"$SECRET"* ]]
	printf '%s\n' "$SECRET$SECRET" >"$BATS_TEST_TMPDIR/s"
	COLLIBRA_URL=$MOCK_URL/y run --separate-stderr "$CT" --show-config \
		--client-secret-file "$BATS_TEST_TMPDIR/s"
	assert_success
	assert_equal "$(show 'token URL')" "token URL: $MOCK_URL/y/rest/oauth/v2/token (COLLIBRA_URL)"
	assert_equal "$(show 'client secret')" "client secret: 64 bytes, <redacted> (--client-secret-file)"
	[[ $output != *"$SECRET"* ]]
	refute_leak
	assert_equal "$(requests_since "$n")" 0
}

@test "--show-config never prints a secret command's output" {
	unset COLLIBRA_CLIENT_SECRET
	printf '%s\n' "$SECRET" >"$BATS_TEST_TMPDIR/s"
	export CT_TEST_SECRET_PATH=$BATS_TEST_TMPDIR/s
	run --separate-stderr "$CT" --show-config --client-secret-command 'cat "$CT_TEST_SECRET_PATH"'
	assert_success
	[[ $output != *"$SECRET"* ]]
	[[ $stderr != *"$SECRET"* ]]
	assert_regex "$(show 'client secret')" '\(--client-secret-command\)$'
}

@test "--config FILE is used instead of the default file; a missing one is exit 2" {
	unset COLLIBRA_URL
	ct_write_config <<-EOF
		[default]
		url = $MOCK_URL/expires/401
	EOF
	ct_write_config "$BATS_TEST_TMPDIR/other.ini" <<-EOF
		[default]
		url = $MOCK_URL/expires/402
	EOF
	run --separate-stderr "$CT" --config "$BATS_TEST_TMPDIR/other.ini"
	assert_success
	assert_equal "$(mock_last_field path)" /expires/402/rest/oauth/v2/token
	run --separate-stderr "$CT" --config "$BATS_TEST_TMPDIR/missing.ini"
	assert_equal "$status" 2
	assert_output ''
	[[ $stderr == *"$BATS_TEST_TMPDIR/missing.ini"* ]]
}

@test "default path: \$XDG_CONFIG_HOME if absolute, else ~/.config" {
	unset COLLIBRA_URL
	export HOME=$BATS_TEST_TMPDIR/home
	ct_write_config "$HOME/.config/collibra-token/config" <<-EOF
		[default]
		url = $MOCK_URL/expires/501
	EOF
	ct_write_config "$XDG_CONFIG_HOME/collibra-token/config" <<-EOF
		[default]
		url = $MOCK_URL/expires/502
	EOF
	run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field path)" /expires/502/rest/oauth/v2/token
	# a relative XDG_CONFIG_HOME does not count
	mkdir -p "$BATS_TEST_TMPDIR/rel/collibra-token"
	cp "$CFG" "$BATS_TEST_TMPDIR/rel/collibra-token/config"
	(cd "$BATS_TEST_TMPDIR" && XDG_CONFIG_HOME=rel "$CT" >/dev/null 2>&1)
	assert_equal "$(mock_last_field path)" /expires/501/rest/oauth/v2/token
	unset XDG_CONFIG_HOME
	run --separate-stderr "$CT"
	assert_success
	assert_equal "$(mock_last_field path)" /expires/501/rest/oauth/v2/token
}

# --- the same file with Debian's libinih and with upstream inih -----------
# (issue 25 item 0) The release build uses the system's inih where it has
# Debian's run-time options; elsewhere, or with make INIH=bundled, upstream
# inih r59 (src/inih) is compiled in with the same options as macros.

# bundled_build ROOT: make INIH=bundled in ROOT/build/inih-bundled, a copy
# of ROOT's Makefile and src/ kept between runs (the sources' times kept,
# so that make compiles only what changed; a changed Makefile starts it
# afresh), one build at a time where flock(1) is (the release and
# sanitizer parts run this suite at once).
bundled_build() {
	local root=$1 dir=$1/build/inih-bundled
	mkdir -p "$root/build" || return 1
	(
		# flock(1) is util-linux's: without it (macOS), no lock
		! command -v flock >/dev/null || flock 9 || exit 1
		cmp -s "$root/Makefile" "$dir/Makefile" || rm -rf "$dir"
		mkdir -p "$dir" || exit 1
		(cd "$root" && tar -cf - --exclude='*.o' --exclude='*.a' \
		    Makefile src) | tar -xf - -C "$dir" || exit 1
		make -s -C "$dir" -j2 INIH=bundled collibra-token
	) 9>"$root/build/inih-bundled.lock"
}

# both_read: $CT and $BUNDLED with --show-config on $CFG: the same status,
# stdout and stderr; sets status, output and stderr as $CT's.
both_read() {
	run --separate-stderr "$BUNDLED" --show-config
	local b_status=$status b_output=$output b_stderr=$stderr
	run --separate-stderr "$CT" --show-config
	assert_equal "$b_status" "$status"
	assert_equal "$b_output" "$output"
	assert_equal "$b_stderr" "$stderr"
}

@test "config file: the system's inih and upstream's (make INIH=bundled) read a file the same way" {
	command -v cc >/dev/null && command -v make >/dev/null ||
	    skip "no compiler here"
	local root long
	root=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	run bundled_build "$root"
	assert_success
	BUNDLED=$root/build/inih-bundled/collibra-token
	if command -v ldd >/dev/null; then
		run -0 ldd "$BUNDLED"
		refute_output --partial libinih
	fi
	unset COLLIBRA_URL

	# an inline ";" is part of the value, a "#" or ";" line a comment,
	# after a UTF-8 byte order mark too
	printf '\357\273\277[default]\n# one\n; two\nscope = read ; write\n' |
	    ct_write_config
	both_read
	assert_success
	assert_line "scope: read ; write ($CFG:4)"
	# a continuation line is no continuation: a syntax error
	printf '[default]\nscope = read\n  write\n' | ct_write_config
	both_read
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CFG:3: syntax error"
	# a key without a value
	printf '[default]\nscope\n' | ct_write_config
	both_read
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CFG:2: syntax error"
	# a line of 4096 bytes and its newline is read (here a comment), one
	# more is too long
	long=$(printf '%*s' 4095 '' | tr ' ' a)
	printf '[default]\n#%s\nscope = x\n' "$long" | ct_write_config
	both_read
	assert_success
	assert_line "scope: x ($CFG:3)"
	printf '[default]\n#%sa\nscope = x\n' "$long" | ct_write_config
	both_read
	assert_equal "$status" 2
	assert_equal "$stderr" "collibra-token: $CFG:2: line too long"
}

# --- values and names as people type them (issue 23: items 3, 7, 8) --------
# Quoted values, the profiles listed when one is missing or not found, and
# "did you mean" for keys and sections (never with a value).

@test "a config value in one pair of matching quotes is taken without them" {
	unset COLLIBRA_URL
	ct_write_config <<-EOF
		[default]
		url = "$MOCK_URL/scope"
		scope = 'read write'
		format = "json"
	EOF
	run -0 --separate-stderr "$CT"
	assert_equal "$(mock_last_field path)" /scope/rest/oauth/v2/token
	assert_equal "$(mock_last_field scope)" 'read write'
	assert_regex "$output" "^\{\"access_token\":\"$MOCK_TOKEN\""
	run -0 --separate-stderr "$CT" --show-config
	assert_equal "$(show 'token URL')" \
		"token URL: $MOCK_URL/scope/rest/oauth/v2/token ($CFG:2)"
	assert_equal "$(show scope)" "scope: read write ($CFG:3)"
}

@test "a quoted client_secret loses its quotes; one of another kind stays" {
	local secret=$COLLIBRA_CLIENT_SECRET
	unset COLLIBRA_CLIENT_SECRET
	ct_write_config <<-EOF
		[default]
		client_secret = "$secret"
	EOF
	run -0 --separate-stderr "$CT"
	assert_output "$MOCK_TOKEN"
	assert_equal "$(mock_last_field auth_ok)" true
	# quotes of the other kind inside the pair are part of the value
	mock_add_creds "$COLLIBRA_CLIENT_ID" "a'b'c"
	ct_write_config <<-EOF
		[default]
		client_secret = "a'b'c"
	EOF
	run -0 --separate-stderr "$CT"
	assert_equal "$(mock_last_field auth_ok)" true
	refute_leak
}

# review of issue 23 (rev2), finding 4: '"/opt/my tool/get" "prod"' lost
# its first and last quotes and ran /opt/my with the rest as arguments
@test "a value with a quote of the same kind inside keeps all its quotes (a command)" {
	local tool=$BATS_TEST_TMPDIR/my\ tool
	unset COLLIBRA_CLIENT_SECRET
	mkdir -p "$tool"
	printf '#!/bin/sh\nprintf %%s "$1"\n' >"$tool/get"
	chmod +x "$tool/get"
	mock_add_creds "$COLLIBRA_CLIENT_ID" prod-secret-value
	ct_write_config <<-EOF
		[default]
		client_secret_command = "$tool/get" "prod-secret-value"
	EOF
	run -0 --separate-stderr "$CT"
	assert_output "$MOCK_TOKEN"
	assert_equal "$(mock_last_field auth_ok)" true
	# a quote closed inside the value is not an unclosed one
	ct_write_config <<-EOF
		[default]
		client_secret_command = "$tool/get" prod-secret-value
	EOF
	run -0 --separate-stderr "$CT"
	assert_equal "$(mock_last_field auth_ok)" true
	# the same for a secret: its quotes are its own
	mock_add_creds "$COLLIBRA_CLIENT_ID" '"a"b"'
	ct_write_config <<-EOF
		[default]
		client_secret = "a"b"
	EOF
	run -0 --separate-stderr "$CT"
	assert_equal "$(mock_last_field auth_ok)" true
}

@test "a value that opens a quote and does not close it is refused at its line, without the value" {
	unset COLLIBRA_URL
	ct_write_config <<-EOF
		[default]
		url = "$MOCK_URL
		client_secret = 'quoted-secret-value
	EOF
	run -2 --separate-stderr "$CT"
	assert_output ''
	assert_regex "$stderr" "^collibra-token: $CFG:2: .*quote.*url"
	ct_write_config <<-EOF
		[default]
		client_secret = 'quoted-secret-value
	EOF
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "^collibra-token: $CFG:2: .*quote.*client_secret"
	[[ $stderr != *quoted-secret-value* ]] || fail "the value is shown"
}

@test "with profiles in the config file and none chosen, a missing setting lists them" {
	unset COLLIBRA_URL
	ct_write_config <<-EOF
		[default]
		retries = 1
		[profile dev]
		url = $MOCK_URL
		[profile prod]
		url = $MOCK_URL/expires/90
	EOF
	run -2 --separate-stderr "$CT"
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	assert_regex "$stderr" 'URL'
	[[ $stderr == *'-p dev|prod'* ]] || fail "no profile list in: $stderr"
	# the secret alone missing, found at the fetch: the same list
	export COLLIBRA_URL=$MOCK_URL
	unset COLLIBRA_CLIENT_SECRET
	run -2 --separate-stderr "$CT" </dev/null
	assert_regex "$stderr" 'no client secret'
	[[ $stderr == *'-p dev|prod'* ]] || fail "no profile list in: $stderr"
	# a chosen profile: no list
	run -2 --separate-stderr "$CT" -p dev </dev/null
	[[ $stderr != *'-p dev|prod'* ]] || fail "a list in: $stderr"
}

@test "a profile that is not found lists those that exist" {
	ct_write_config <<-EOF
		[default]
		retries = 1
		[profile dev]
		scope = a
		[profile prod]
		scope = b
	EOF
	run -2 --separate-stderr "$CT" -p nope
	assert_regex "$stderr" "^collibra-token: profile 'nope' not found in $CFG"
	[[ $stderr == *'-p dev|prod'* ]] || fail "no profile list in: $stderr"
	printf '[default]\nretries = 1\n' | ct_write_config
	run -2 --separate-stderr "$CT" -p nope
	assert_regex "$stderr" 'no \[profile'
}

@test "a mistyped config key gets a suggestion, never its value" {
	printf '[default]\nclientid = value-not-shown\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_equal "$stderr" \
		"collibra-token: $CFG:2: unknown key 'clientid'; did you mean 'client_id'?"
	printf '[default]\nclient-secret = value-not-shown\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "unknown key 'client-secret'; did you mean 'client_secret'\?$"
	printf '[default]\ntimout = 5\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "did you mean 'timeout'\?$"
	# nothing close: no guess
	printf '[default]\ncolour = blue\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_equal "$stderr" "collibra-token: $CFG:2: unknown key 'colour'"
}

# review of issue 23 (rev2), finding 1: a line without '=' before the
# secret's own ':' or '=' made "KEY SECRET" the key, which the message
# quoted whole
@test "a key followed by more words shows its first word only, never the rest" {
	printf '[default]\nclientsecret s3cr3tPart:rest\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_equal "$stderr" "collibra-token: $CFG:2: unknown key 'clientsecret' (a key is one word: is '=' missing?); did you mean 'client_secret'?"
	printf '[default]\nclient_secret\ts3cr3tPart = rest\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_equal "$stderr" "collibra-token: $CFG:2: unknown key 'client_secret' (a key is one word: is '=' missing?)"
	[[ $stderr != *s3cr3t* ]] || fail "the secret's part shown: $stderr"
}

@test "a section without 'profile ' gets [profile NAME] suggested; a mistyped [default] too" {
	printf '[prod]\nscope = a\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_equal "$stderr" \
		"collibra-token: $CFG:1: unknown section 'prod'; did you mean '[profile prod]'?"
	printf '[defualt]\nscope = a\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "unknown section 'defualt'; did you mean '\[default\]'\?$"
	printf '[profiles dev]\nscope = a\n' | ct_write_config
	run -2 --separate-stderr "$CT"
	assert_regex "$stderr" "did you mean '\[profile dev\]'\?$"
}
