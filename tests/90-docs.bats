#!/usr/bin/env bats
# The documentation cannot drift from the code: --help (the truth, itself
# checked against the settings table in src/settings.c) must name the same options,
# environment variables, formats and exit codes as the man page, the bash,
# zsh and fish completions, README and docs/; the man page must lint clean;
# each completion must load and complete in its own shell; the precedence
# sentences and the --show-config sample of docs/ must agree with the
# binary; no shell recipe may throw the tool's exit status away; and the
# Homebrew formula's text says what current Homebrew wants.

bats_load_library bats-support
bats_load_library bats-assert

ROOT=$BATS_TEST_DIRNAME/..
CT=${CT_BIN:-$ROOT/collibra-token}
MAN=$ROOT/man/collibra-token.1
README=$ROOT/README.md
DOCS=$ROOT/docs
FORMULA=$ROOT/scripts/collibra-token.rb.in
TABLE=$ROOT/src/settings.c
BASH_COMP=$ROOT/completions/collibra-token.bash
ZSH_COMP=$ROOT/completions/_collibra-token
FISH_COMP=$ROOT/completions/collibra-token.fish
AUTH_METHODS='basic post'

# ---- helpers ---------------------------------------------------------------

# sorted_set: stdin, one item per line (or space-separated), sorted and
# deduplicated, blank lines dropped.
sorted_set() {
	tr ' \t' '\n\n' | sed '/^$/d' | LC_ALL=C sort -u
}

# same_set WHAT WANT GOT: fail, showing the difference, unless the two lists
# hold the same items.  An empty WANT means the extraction broke: fail.
same_set() {
	local what=$1 want got
	want=$(sorted_set <<<"$2")
	got=$(sorted_set <<<"$3")
	[[ -n $want ]] || fail "$what: the reference list is empty"
	[[ $want == "$got" ]] && return 0
	fail "$what: (< missing, > extra)"$'\n'"$(diff <(echo "$want") \
	    <(echo "$got") | grep '^[<>]')"
}

# subset WHAT SMALL BIG: fail unless every item of SMALL is in BIG.
subset() {
	local what=$1 small missing
	small=$(sorted_set <<<"$2")
	[[ -n $small ]] || fail "$what: the list to check is empty"
	missing=$(LC_ALL=C comm -23 <(echo "$small") <(sorted_set <<<"$3"))
	[[ -z $missing ]] || fail "$what: not found:"$'\n'"$missing"
}

# The usage text of the binary under test, read once per file.
setup_file() {
	if [[ -x $CT ]]; then
		"$CT" --help >"$BATS_FILE_TMPDIR/help" ||
		    rm -f "$BATS_FILE_TMPDIR/help"
	fi
}

help_text() {
	[[ -s $BATS_FILE_TMPDIR/help ]] ||
	    fail "$CT --help failed or $CT is not built (run make)"
	cat "$BATS_FILE_TMPDIR/help"
}

long_opts() { grep -oE -- '--[a-z0-9]+(-[a-z0-9]+)*' | sorted_set; }

# man_long_opts: the long options of mdoc source (".Fl -url" is --url).
man_long_opts() {
	grep -oE 'Fl -[a-z0-9]+(-[a-z0-9]+)*' | sed 's/^Fl /-/' | sorted_set
}

help_longs() { help_text | long_opts; }

# "-u --url" for each option of --help that has a short form.
help_pairs() {
	help_text | sed -nE 's/^ +-([A-Za-z]), (--[a-z0-9-]+).*/-\1 \2/p'
}

# "--url COLLIBRA_URL": each [VARIABLE] of --help with the option it
# belongs to (a bracket may sit on a continuation line; [VAR=0] is VAR).
# The variables are the bracket that ends a line: "[profile NAME]" in a
# description is not one.
help_opt_vars() {
	help_text | awk '
	    /^Exit status/ { exit }
	    match($0, /^ +(-[A-Za-z], )?--[a-z0-9-]+/) {
		    opt = substr($0, RSTART, RLENGTH); sub(/.*--/, "--", opt) }
	    opt != "" && match($0, /\[[A-Za-z][A-Za-z0-9_=, ]*\] *$/) {
		    v = substr($0, RSTART + 1, RLENGTH - 1); sub(/\] *$/, "", v)
		    gsub(/=[^ ,]*/, "", v); gsub(/,/, " ", v)
		    n = split(v, a, " "); for (i = 1; i <= n; i++) print opt, a[i] }'
}

help_vars() { help_opt_vars | awk '{ print $2 }' | sorted_set; }

# The formats --help lists for --format: the words of its description,
# continuation lines included, less "(default)", "or" and [VARIABLE].
help_formats() {
	help_text | awk '
	    /^ +(-[A-Za-z], )?--[a-z]/ { on = ($0 ~ / --format /) }
	    /^$/ { on = 0 }
	    on' |
	    sed -E 's/^ +-f, --format FORMAT//; s/\[[^]]*\]//g
		s/\(default\)//g; s/,/ /g; s/(^| )or( |$)/ /g' | sorted_set
}

# The format names of the settings table, in the order of enum format.
src_formats() {
	sed -n '/format_choices\[\] = {/,/};/p' "$TABLE" |
	    grep -oE '"[a-z]+"' | tr -d '"'
}

help_exit_codes() {
	help_text | sed -n '/^Exit status:/,$p' |
	    grep -oE '(^|[[:space:]])[0-9]+[[:space:]]{2}' | sorted_set
}

# man_section NAME: the mdoc source of one .Sh section of the man page.
man_section() {
	awk -v sh=".Sh $1" '/^\.Sh / { on = ($0 == sh) } on' "$MAN"
}

# man_item --opt: the OPTIONS entry of --opt, nested lists included.
man_item() {
	man_section OPTIONS | awk -v re="Fl ${1#-}( |$)" '
	    /^\.It Fl / { on = ($0 ~ re) } on'
}

env_names() { grep -oE '[A-Za-z]+(_[A-Za-z]+)+' | sorted_set; }

man_env_vars() {
	man_section ENVIRONMENT | sed -n 's/^\.It Ev //p' |
	    grep -oE '[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*' | grep -vx Ev | sorted_set
}

# doc_files: README and every docs/*.md, one path per line.
doc_files() {
	printf '%s\n' "$README" "$DOCS"/*.md
}

# doc_section TITLE: the "## TITLE" sections of README and docs/ (a
# section ends at the next "#" or "##" heading); fails when there is none.
doc_section() {
	local out
	out=$(doc_files | xargs awk -v h="## $1" '
	    FNR == 1 { on = 0 }
	    /^##? / { on = ($0 == h) } on')
	[[ -n $out ]] || fail "no '## $1' section in README or docs/"
	printf '%s\n' "$out"
}

# doc_column TITLE N: column N of the tables in section TITLE.
doc_column() {
	doc_section "$1" | awk -F'|' -v n="$(($2 + 1))" '
	    /^\|/ && !/^\|[-| ]+\|$/ { print $n }'
}

# bash_complete WORD...: COMPREPLY for the command line WORD... (the last
# word is the one being completed), one per line.
bash_complete() {
	local fn
	# shellcheck source=../completions/collibra-token.bash
	source "$BASH_COMP" || fail "cannot source $BASH_COMP"
	fn=$(complete -p collibra-token 2>/dev/null |
	    sed -nE 's/.*-F ([^ ]+).*/\1/p')
	[[ -n $fn ]] || fail "no completion function for collibra-token"
	COMP_WORDS=(collibra-token "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" collibra-token "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}"
}

# fish_complete LINE: the candidates fish offers for LINE, one per line.
# An empty fish_complete_path keeps an installed copy out of the way.
# (the arguments in the environment: fish before 3.3, Debian 11's 3.1,
# has no --no-config and gives no $argv to fish -c)
fish_complete() {
	local nc=
	! fish --no-config -c true 2>/dev/null || nc=--no-config
	mkdir -p "$BATS_TEST_TMPDIR/nofish"
	FC_PATH=$BATS_TEST_TMPDIR/nofish FC_COMP=$FISH_COMP FC_LINE=$1 \
	    fish ${nc:+"$nc"} -c '
	    set -g fish_complete_path $FC_PATH
	    source $FC_COMP; or exit 1
	    complete -C"$FC_LINE"' | cut -f1
}

# zsh_complete LINE...: the matches zsh's completion system adds for each
# LINE, typed into one interactive zsh on a pseudo-terminal (zsh/zpty):
# the Nth LINE's into $ZM/N (one zsh and compinit for all, not one each).
# compadd is wrapped to record its matches; a comppostfuncs hook marks
# the end of each completion; ^U clears the line for the next.
zsh_complete() {
	ZM=$BATS_TEST_TMPDIR/zsh-matches
	rm -rf "$ZM" && mkdir -p "$ZM" || return 1
	zsh -f -c '
	    zmodload zsh/zpty || exit 99
	    compdir=$1 out=$2
	    shift 2
	    zpty z zsh -f -i || exit 99
	    zpty -w z "fpath=(${(q)compdir} \$fpath)"
	    zpty -w z "autoload -U compinit; compinit -u -D"
	    zpty -w z "PS1= RPS1=; __out=${(q)out}; unsetopt autolist listambiguous"
	    zpty -w z "bindkey -e; bindkey \"^I\" complete-word"
	    zpty -w z '\''compadd() {
		    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
			    builtin compadd "$@"; return
		    fi
		    local -a __h
		    builtin compadd -A __h "$@"
		    (( $#__h )) && print -rl -- $__h >>| $__out/$__n
		    builtin compadd "$@"
	    }'\''
	    zpty -w z "__done() { print -r -- __DONE__ >>| \$__out/\$__n }"
	    n=0
	    for line; do
		    n=$((n + 1))
		    : >| $out/$n
		    zpty -w -n z $'\''\C-u'\''
		    zpty -w z "__n=$n comppostfuncs=(__done)"
		    zpty -w -n z "$line"$'\''\t'\''
		    for i in {1..150}; do
			    grep -q __DONE__ $out/$n && break
			    sleep 0.1
		    done
		    grep -q __DONE__ $out/$n || { zpty -d z; exit 98; }
		    grep -v __DONE__ $out/$n >| $out/$n.tmp
		    mv $out/$n.tmp $out/$n
	    done
	    zpty -d z' zsh "$ROOT/completions" "$ZM" "$@"
}

# profile_config DIR NAME...: a config file DIR/collibra-token/config with
# a [default] section and a [profile NAME] section for each NAME (one of
# them indented, as the parser allows), and a commented-out profile that
# must not be offered.
profile_config() {
	local dir=$1 name
	shift
	mkdir -p "$dir/collibra-token"
	{
		printf '%s\n' '# profiles' '[default]' 'url = https://a.example'
		for name; do
			printf '\n  [profile %s]\nclient_id = id-%s\n' \
			    "$name" "$name"
		done
		printf '%s\n' '; [profile commented]' '#[profile hashed]'
	} >"$dir/collibra-token/config"
}

# ---- (a) options ----------------------------------------------------------

@test "--help lists exactly the long options of the settings table" {
	local table
	table=$(sed -nE 's/.*\.name = "([^"]+)".*/--\1/p' "$TABLE")
	same_set "long options: --help vs src/settings.c" \
	    "$(help_longs)" "$table"
}

@test "--help lists exactly the short options of the settings table" {
	local table
	table=$(sed -nE "s/.*\\.flag = '(.)'.*/\\1/p" "$TABLE")
	same_set "short options: --help vs src/settings.c" \
	    "$(help_pairs | cut -c2)" "$table"
}

@test "man page OPTIONS has one .It per long option of --help" {
	same_set "long options: --help vs man OPTIONS .It lines" \
	    "$(help_longs)" \
	    "$(man_section OPTIONS | grep '^\.It ' | man_long_opts)"
}

@test "man page names no long option that --help lacks" {
	subset "Fl options in the man page vs --help" \
	    "$(man_long_opts <"$MAN")" \
	    "$(help_longs)"
}

@test "man page pairs each short option with the same long one as --help" {
	local short long
	while read -r short long; do
		man_item "$long" | head -n1 | grep -qE "Fl ${short#-}( |$)" ||
		    fail "man OPTIONS: $long is not paired with $short"
	done < <(help_pairs)
}

@test "man page SYNOPSIS shows every option of --help, and no other" {
	local syn short long shorts longs
	syn=$(man_section SYNOPSIS)
	shorts=$(grep -oE 'Fl [A-Za-z]+' <<<"$syn" | cut -c4- | grep -o .)
	longs=$(man_long_opts <<<"$syn")
	subset "SYNOPSIS short options vs --help" "$shorts" \
	    "$(help_pairs | cut -c2)"
	subset "SYNOPSIS long options vs --help" "$longs" "$(help_longs)"
	for long in $(help_longs); do
		short=$(help_pairs | awk -v l="$long" '$2 == l { print $1 }')
		grep -qxF -- "$long" <<<"$longs" && continue
		[[ -n $short ]] && grep -qxF -- "${short#-}" <<<"$shorts" &&
		    continue
		fail "SYNOPSIS lacks $long${short:+ / $short}"
	done
}

@test "bash completion offers exactly the long options of --help" {
	same_set "long options: --help vs bash file" \
	    "$(help_longs)" "$(long_opts <"$BASH_COMP")"
	same_set "long options: --help vs bash completing --" \
	    "$(help_longs)" "$(bash_complete --)"
}

@test "zsh completion offers exactly the long options of --help" {
	same_set "long options: --help vs zsh file" \
	    "$(help_longs)" "$(long_opts <"$ZSH_COMP")"
}

@test "fish completion offers exactly the long options of --help" {
	same_set "long options: --help vs fish file (-l)" \
	    "$(help_longs)" \
	    "$(sed -nE 's/^complete .* -l ([a-z0-9-]+).*/--\1/p' "$FISH_COMP")"
	same_set "long options: --help vs fish completing --" \
	    "$(help_longs)" "$(fish_complete 'collibra-token --')"
}

@test "docs' configuration table has one row per option, none stale" {
	same_set "long options: --help vs docs Configuration column 1" \
	    "$(help_longs)" "$(doc_column Configuration 1 | long_opts)"
	# less other tools' options: brew --repository, sha256sum
	# --ignore-missing, kubectl --from-file, systemctl --now
	subset "long options anywhere in README and docs/ vs --help" \
	    "$(doc_files | xargs cat |
	    grep -vE '(brew|sha256sum|kubectl|systemctl) [^`]*--' |
	    long_opts)" "$(help_longs)"
}

@test "docs pair each short option with the same long one as --help" {
	local short long
	while read -r short long; do
		doc_column Configuration 1 | grep -E -- "\`${long}[\` ]" |
		    grep -qF -- "\`$short\`" ||
		    fail "docs Configuration: $long is not paired with $short"
	done < <(help_pairs)
}

# ---- (b) environment variables ------------------------------------------

@test "man page ENVIRONMENT lists every variable --help names" {
	subset "--help variables vs man ENVIRONMENT" \
	    "$(help_vars)" "$(man_env_vars)"
}

@test "docs' configuration lists the same variables as man ENVIRONMENT" {
	same_set "variables: man ENVIRONMENT vs docs Configuration" \
	    "$(man_env_vars)" "$(doc_column Configuration 2 |
	    grep -oE '`([A-Za-z]+(_[A-Za-z0-9]+)+|[A-Z][A-Z0-9]*)`' | tr -d '`' |
	    sorted_set)"
}

@test "man page and docs give each option the variable --help gives it" {
	local opt var
	while read -r opt var; do
		man_item "$opt" | grep -qE "^\.Ev $var( |$)" ||
		    fail "man OPTIONS: $opt does not mention $var"
		doc_section Configuration | grep -E -- "\`${opt}[\` ]" |
		    grep -qF -- "\`$var\`" ||
		    fail "docs Configuration: $opt row lacks $var"
	done < <(help_opt_vars)
}

# config.c reads its variables through a helper (getenv(var)), so every
# variable-like literal of config.c counts, as does any getenv("X").
@test "every variable src/*.c reads is documented in man ENVIRONMENT" {
	local read
	read=$({ cat "$ROOT"/src/*.c |
	    grep -oE '(secure_)?getenv\("[^"]+"\)' | grep -oE '"[^"]+"'
	    grep -ohE '"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+"' "$ROOT/src/config.c"  "$ROOT/src/settings.c"
	    } | tr -d '"')
	subset "getenv() in src/*.c vs man ENVIRONMENT" "$read" \
	    "$(man_env_vars)"
}

@test "every documented variable, except libcurl's proxies, is read in src/*.c" {
	local var
	for var in $(man_env_vars | grep -vi proxy); do
		grep -qF "\"$var\"" "$ROOT"/src/*.c ||
		    fail "$var is documented but src/*.c never names it"
	done
}

# ---- (c) exit codes -------------------------------------------------------

@test "man page EXIT STATUS lists the exit codes of --help" {
	same_set "exit codes: --help vs man EXIT STATUS" \
	    "$(help_exit_codes)" \
	    "$(man_section 'EXIT STATUS' | sed -nE 's/^\.It ([0-9]+)$/\1/p')"
}

@test "docs' exit codes table lists the exit codes of --help" {
	same_set "exit codes: --help vs docs" "$(help_exit_codes)" \
	    "$(doc_column 'Exit codes' 1 | grep -oE '^ *[0-9]+ *$')"
}

# ---- (d) formats ----------------------------------------------------------

@test "every format of --help is in src/config.c, man, completions, docs" {
	local f c
	same_set "formats: --help --format vs src/settings.c format_choices" \
	    "$(help_formats)" "$(src_formats)"
	for f in $(help_formats); do
		man_item --format | grep -qx "\.It Cm $f" ||
		    fail "man: --format has no '.It Cm $f'"
		doc_section Formats | grep -q "^\`$f\`" ||
		    fail "docs Formats: no paragraph for \`$f\`"
		for c in "$BASH_COMP" "$ZSH_COMP" "$FISH_COMP"; do
			grep -e 'format' "$c" | grep -qw "$f" ||
			    fail "$c: no $f on a format line"
		done
	done
}

# ---- (e) man page lint ----------------------------------------------------

@test "mandoc -Tlint -W warning is clean" {
	command -v mandoc >/dev/null || fail "mandoc not installed (make deps)"
	run mandoc -Tlint -W warning "$MAN"
	assert_success
	assert_output ''
}

# ---- (f) completions work in their shells --------------------------------

@test "bash: completes --fo to --format" {
	run bash_complete --fo
	assert_success
	assert_output -- '--format'
}

@test "bash: completes the values of --format, -f and --format=" {
	same_set "bash --format" "$(help_formats)" "$(bash_complete --format '')"
	same_set "bash -f j" "json" "$(bash_complete -f j)"
	same_set "bash --format=" "$(help_formats)" "$(bash_complete --format = '')"
}

@test "bash: completes the values of --auth-method" {
	same_set "bash --auth-method" "$AUTH_METHODS" \
	    "$(bash_complete --auth-method '')"
}

@test "bash: files for --cacert and --client-secret-file, dirs for --capath" {
	local d=$BATS_TEST_TMPDIR/t
	mkdir -p "$d/cadir"
	: >"$d/ca.pem"
	same_set "bash --cacert" "$d/ca.pem $d/cadir" \
	    "$(bash_complete --cacert "$d/")"
	same_set "bash --client-secret-file" "$d/ca.pem $d/cadir" \
	    "$(bash_complete --client-secret-file "$d/")"
	same_set "bash --capath" "$d/cadir" "$(bash_complete --capath "$d/")"
}

@test "fish: completes the values of --format, -f and --auth-method" {
	command -v fish >/dev/null || fail "fish not installed (make deps)"
	same_set "fish --format" "$(help_formats)" \
	    "$(fish_complete 'collibra-token --format ')"
	same_set "fish -f" "$(help_formats)" "$(fish_complete 'collibra-token -f ')"
	same_set "fish --auth-method" "$AUTH_METHODS" \
	    "$(fish_complete 'collibra-token --auth-method ')"
}

@test "fish: files for --cacert and --client-secret-file, dirs for --capath" {
	local d=$BATS_TEST_TMPDIR/t
	mkdir -p "$d/cadir"
	: >"$d/ca.pem"
	same_set "fish --cacert" "$d/ca.pem $d/cadir/" \
	    "$(fish_complete "collibra-token --cacert $d/")"
	same_set "fish --client-secret-file" "$d/ca.pem $d/cadir/" \
	    "$(fish_complete "collibra-token --client-secret-file $d/")"
	same_set "fish --capath" "$d/cadir/" \
	    "$(fish_complete "collibra-token --capath $d/")"
}

@test "zsh: the completion parses and compinit registers it" {
	command -v zsh >/dev/null || fail "zsh not installed (make deps)"
	run zsh -n "$ZSH_COMP"
	assert_success
	run zsh -f -c '
	    fpath=($1 $fpath)
	    autoload -U compinit && compinit -u -D || exit 1
	    print -r -- $_comps[collibra-token]' zsh "$ROOT/completions"
	assert_success
	assert_output '_collibra-token'
}

@test "zsh: completes --fo, the long options and the values of --format" {
	command -v zsh >/dev/null || fail "zsh not installed (make deps)"
	zsh_complete 'collibra-token --fo' 'collibra-token --' \
	    'collibra-token --format ' 'collibra-token -f ' \
	    'collibra-token --auth-method ' || fail "zsh completion: $?"
	same_set "zsh --fo" "--format" "$(cat "$ZM/1")"
	same_set "long options: --help vs zsh completing --" \
	    "$(help_longs)" "$(cat "$ZM/2")"
	same_set "zsh --format" "$(help_formats)" "$(cat "$ZM/3")"
	same_set "zsh -f" "$(help_formats)" "$(cat "$ZM/4")"
	same_set "zsh --auth-method" "$AUTH_METHODS" "$(cat "$ZM/5")"
}

@test "zsh: files for --cacert and --client-secret-file, dirs for --capath" {
	command -v zsh >/dev/null || fail "zsh not installed (make deps)"
	local d=$BATS_TEST_TMPDIR/t
	mkdir -p "$d/cadir"
	: >"$d/ca.pem"
	zsh_complete "collibra-token --cacert $d/" \
	    "collibra-token --client-secret-file $d/" \
	    "collibra-token --capath $d/" || fail "zsh completion: $?"
	same_set "zsh --cacert" "ca.pem cadir" "$(cat "$ZM/1")"
	same_set "zsh --client-secret-file" "ca.pem cadir" "$(cat "$ZM/2")"
	same_set "zsh --capath" "cadir" "$(cat "$ZM/3")"
}

# ---- (g) profile names from the config file ------------------------------

@test "bash: completes profile names from the config file" {
	local t=$BATS_TEST_TMPDIR
	profile_config "$t/xdg" dev prod
	profile_config "$t/home/.config" home1 home2
	profile_config "$t/other" alpha beta
	export HOME=$t/home XDG_CONFIG_HOME=$t/xdg
	same_set "bash -p (XDG_CONFIG_HOME)" "dev prod" "$(bash_complete -p '')"
	same_set "bash --profile d" "dev" "$(bash_complete --profile d)"
	same_set "bash --profile=" "dev prod" \
	    "$(bash_complete --profile = '')"
	same_set "bash --config FILE -p" "alpha beta" \
	    "$(bash_complete --config "$t/other/collibra-token/config" -p '')"
	same_set "bash --config=FILE --profile" "alpha beta" \
	    "$(bash_complete --config = "$t/other/collibra-token/config" \
	    --profile '')"
	cd "$t"		# fish and bash may create the relative directory
	XDG_CONFIG_HOME=relative
	same_set "bash -p (HOME, XDG_CONFIG_HOME not absolute)" \
	    "home1 home2" "$(bash_complete -p '')"
}

@test "fish: completes profile names from the config file" {
	command -v fish >/dev/null || fail "fish not installed (make deps)"
	local t=$BATS_TEST_TMPDIR
	profile_config "$t/xdg" dev prod
	profile_config "$t/home/.config" home1 home2
	profile_config "$t/other" alpha beta
	export HOME=$t/home XDG_CONFIG_HOME=$t/xdg
	same_set "fish -p (XDG_CONFIG_HOME)" "dev prod" \
	    "$(fish_complete 'collibra-token -p ')"
	# (fish before 3.3 adds what only contains the word: "prod")
	same_set "fish --profile d" "dev" \
	    "$(fish_complete 'collibra-token --profile d' | grep '^d')"
	same_set "fish --config FILE -p" "alpha beta" \
	    "$(fish_complete "collibra-token --config $t/other/collibra-token/config -p ")"
	same_set "fish --config=FILE --profile" "alpha beta" \
	    "$(fish_complete "collibra-token --config=$t/other/collibra-token/config --profile ")"
	cd "$t"		# fish creates XDG directories it is given
	XDG_CONFIG_HOME=relative
	same_set "fish -p (HOME, XDG_CONFIG_HOME not absolute)" \
	    "home1 home2" "$(fish_complete 'collibra-token -p ')"
}

@test "zsh: completes profile names from the config file" {
	command -v zsh >/dev/null || fail "zsh not installed (make deps)"
	local t=$BATS_TEST_TMPDIR
	profile_config "$t/xdg" dev prod
	profile_config "$t/other" alpha beta
	export XDG_CONFIG_HOME=$t/xdg
	zsh_complete 'collibra-token -p ' \
	    "collibra-token --config $t/other/collibra-token/config --profile " ||
	    fail "zsh completion: $?"
	same_set "zsh -p (XDG_CONFIG_HOME)" "dev prod" "$(cat "$ZM/1")"
	same_set "zsh --config FILE --profile" "alpha beta" "$(cat "$ZM/2")"
}

# ---- (e) precedence statements ---------------------------------------------

# precedence_claims FILE: "WINNER LOSER HOW" for each sentence of FILE that
# says `A` beats / outranks / comes before / is not overridden by `B`, or
# `B` comes after `A` (the nearest names around the verb, within one
# sentence; "and `C`" after B makes a claim for C too).  HOW is how the
# sentence selects the profile: "env" when it names `COLLIBRA_PROFILE`
# (the variables' level), else "flag" (-p, which outranks the variables).
precedence_claims() {
	tr '\n' ' ' <"$1" | tr '.;:' '\n\n\n' | awk '
	    function names(s, out,   n, t) {
		n = 0
		while (match(s, /`[^`]+`/)) {
			out[++n] = substr(s, RSTART + 1, RLENGTH - 2)
			s = substr(s, RSTART + RLENGTH)
		}
		return n
	    }
	    {
		line = $0
		how = index($0, "`COLLIBRA_PROFILE`") > 0 ? "env" : "flag"
		verbs = "(beats|outranks|comes before|is not overridden by|comes after)"
		while (match(line, " " verbs " ")) {
			before = substr(line, 1, RSTART)
			verb = substr(line, RSTART + 1, RLENGTH - 2)
			after = substr(line, RSTART + RLENGTH)
			nb = names(before, b)
			# the names right after the verb: "`X`", "`X` and `Y`"
			na = 0
			rest = after
			if (match(rest, /^[^`]*`[^`]+`/)) {
				do {
					seg = substr(rest, RSTART, RLENGTH)
					sub(/^[^`]*`/, "", seg)
					a[++na] = substr(seg, 1, length(seg) - 1)
					rest = substr(rest, RSTART + RLENGTH)
				} while (match(rest, /^(,| and) `[^`]+`/))
			}
			if (nb > 0)
				for (i = 1; i <= na; i++)
					if (verb == "comes after")
						print a[i], b[nb], how
					else
						print b[nb], a[i], how
			line = after
		}
	    }'
}

# claim_source NAME: how to give NAME a value in the check below: "flag",
# "env" or "key" (a config file key); with claim_value for its value.
claim_source() {
	case $1 in
	--*) echo flag ;;
	*[A-Z]*) echo env ;;
	*) echo key ;;
	esac
}

# claim_value NAME WHICH: a valid value (WHICH a or b) for the setting
# NAME belongs to; fails for a name the check does not know yet.
claim_value() {
	case $1 in
	*token?url* | *TOKEN_URL*) echo "https://$2.example/t" ;;
	*url* | *URL*) echo "https://$2.example" ;;
	*cacert* | *CA_BUNDLE* | *CERT_FILE*)
		: >"$BATS_TEST_TMPDIR/$2.pem"
		echo "$BATS_TEST_TMPDIR/$2.pem" ;;
	*capath* | *CERT_DIR*)
		mkdir -p "$BATS_TEST_TMPDIR/$2.d"
		echo "$BATS_TEST_TMPDIR/$2.d" ;;
	*proxy* | *PROXY*) echo "http://$2.example:3128" ;;
	*) return 1 ;;
	esac
}

# claim_holds WINNER LOSER HOW: run --show-config with both given, the
# profile selected by -p (HOW flag) or COLLIBRA_PROFILE (env), and check
# that the winner's source is shown, not the loser's.
claim_holds() {
	local w=$1 l=$2 how=$3 name args=() envs=() \
	    cfg=$BATS_TEST_TMPDIR/claim.cfg keys='' which val src
	for name in "$w" "$l"; do
		which=a
		[[ $name == "$l" ]] && which=b
		val=$(claim_value "$name" "$which") ||
		    fail "precedence claim '$w' over '$l': no test value for $name"
		case $(claim_source "$name") in
		flag) args+=("$name" "$val") ;;
		env) envs+=("$name=$val") ;;
		key) keys+="$name = $val"$'\n' ;;
		esac
	done
	printf '[default]\n%s[profile p]\n%s' "$keys" "$keys" >"$cfg"
	if [[ $how == env ]]; then
		envs+=(COLLIBRA_PROFILE=p)
	else
		args+=(-p p)
	fi
	run --separate-stderr env -i PATH="$PATH" HOME="$BATS_TEST_TMPDIR" \
	    COLLIBRA_CLIENT_ID=id ${envs[@]+"${envs[@]}"} "$CT" --config "$cfg" \
	    --show-config ${args[@]+"${args[@]}"}
	[[ $status -eq 0 ]] || fail "'$w' over '$l': --show-config exited $status: $stderr"
	for name in "$w" "$l"; do
		case $(claim_source "$name") in
		key) src="($cfg:" ;;
		*) src="($name)" ;;
		esac
		if [[ $name == "$w" && $output != *"$src"* ]]; then
			fail "docs say '$w' beats '$l', but --show-config shows:"$'\n'"$output"
		elif [[ $name == "$l" && $output == *"$src"* ]]; then
			fail "docs say '$w' beats '$l', but --show-config shows:"$'\n'"$output"
		fi
	done
}

@test "the unit: precedence_claims reads winners and losers" {
	printf '%s\n' 'So `A` for a CA beats an exported `B`. The' \
	    '`C` key comes after `D` and `E`; `F` is not overridden by `G`.' \
	    'With `COLLIBRA_PROFILE`, `H` outranks `I`.' \
	    >"$BATS_TEST_TMPDIR/t.md"
	run -0 precedence_claims "$BATS_TEST_TMPDIR/t.md"
	assert_output $'A B flag\nD C flag\nE C flag\nF G flag\nH I env'
}

@test "every precedence statement of README and docs/ agrees with --show-config" {
	local w l how n=0
	while read -r w l how; do
		# only settings with values (not --no-cache and its kin)
		claim_value "$w" a >/dev/null && claim_value "$l" b >/dev/null ||
		    continue
		claim_holds "$w" "$l" "$how"
		n=$((n + 1))
	done < <(doc_files | while read -r f; do precedence_claims "$f"; done)
	((n >= 3)) || fail "only $n precedence statements found in README and docs/"
}

# ---- (h) README is a front door; docs/ is linked ----------------------------

@test "README is a front door: at most about 200 lines, every docs/ file linked" {
	local n f
	n=$(wc -l <"$README")
	((n <= 210)) || fail "README has $n lines; move the reference to docs/"
	for f in "$DOCS"/*.md; do
		grep -qF "](docs/${f##*/})" "$README" ||
		    fail "README does not link docs/${f##*/}"
	done
	# the contributors' section starts with the two set-up commands, and
	# says that make demo installs packages
	run -0 awk '/^## Contributing/ { on = 1; next } on && /^## / { exit }
	    on && /^make / { print $1, $2 }' "$README"
	assert_output $'make demo\nmake check'
	grep -E '^make demo +#.*install' "$README" ||
	    fail "README's make demo line does not say that it installs packages"
}

@test "the command .ci/run runs is the test command README gives" {
	local cmd
	cmd=$(sed -nE 's/^(make [a-z]+) +# .*every test.*/\1/p' "$README")
	[[ -n $cmd ]] || fail "README gives no command that runs every test"
	grep -qx "$cmd 2>&1 | tee \"\$log\"" "$ROOT/.ci/run" ||
	    fail ".ci/run does not run README's '$cmd'"
}

# ---- (i) the --show-config sample -------------------------------------------

# doc_block FILE MARKER: the fenced block after the line <!-- MARKER -->.
doc_block() {
	awk -v m="<!-- $2 -->" '$0 == m { on = 1; next }
	    on == 1 && /^```/ { on = 2; next }
	    on == 2 && /^```/ { exit } on == 2' "$1"
}

@test "the --show-config sample of docs/ is the binary's output for its config file" {
	local h=$BATS_TEST_TMPDIR/home want got
	mkdir -p "$h/.config/collibra-token"
	doc_block "$DOCS/configuration.md" 'sample: show-config-file' \
	    >"$h/.config/collibra-token/config"
	grep -q '^\[profile prod\]' "$h/.config/collibra-token/config" ||
	    fail "no config file sample before the --show-config sample"
	want=$(doc_block "$DOCS/configuration.md" 'sample: show-config')
	[[ $want == '$ collibra-token -p prod --show-config'$'\n'* ]] ||
	    fail "the sample does not start with its command: $want"
	run --separate-stderr env -i PATH="$PATH" HOME="$h" \
	    "$CT" -p prod --show-config
	assert_success
	assert_equal "$stderr" ''
	got=${output//"$h"/\/home\/ann}
	[[ ${want#*$'\n'} == "$got" ]] || fail "the sample has drifted:"$'\n'"$(
	    diff <(echo "${want#*$'\n'}") <(echo "$got"))"
}

# ---- (j) recipes keep the exit status -----------------------------------------

# unguarded FILE...: the lines that throw collibra-token's exit status
# away: export NAME=$(collibra-token...) (export's status is 0), a bare
# eval "$(collibra-token...)", -H @<(collibra-token...) (a process
# substitution's status is lost), "...$(collibra-token...)" inside another
# command's argument, and collibra-token ... | source in fish.
unguarded() {
	grep -nE -e 'export +[A-Za-z_][A-Za-z0-9_]*="?\$\(collibra-token' \
	    -e 'eval +"?\$\(collibra-token' \
	    -e '@<\(collibra-token' \
	    -e '[^=]"[^"]*\$\(collibra-token' \
	    -e 'collibra-token[^|;)`]*\| *source' "$@"
}

@test "the unit: unguarded finds each lost exit status, and passes the guarded forms" {
	local f=$BATS_TEST_TMPDIR/r.md
	printf '%s\n' 'export TOKEN=$(collibra-token)' \
	    'eval "$(collibra-token -f shell)"' \
	    'curl -H @<(collibra-token -f header) URL' \
	    'curl -H "Authorization: Bearer $(collibra-token)" URL' \
	    'collibra-token -f fish | source' >"$f"
	run unguarded "$f"
	assert_success
	[ "${#lines[@]}" -eq 5 ] || fail "found ${#lines[@]} of 5: $output"
	printf '%s\n' 'TOKEN=$(collibra-token) || exit; export TOKEN' \
	    'out=$(collibra-token -f shell) && eval "$out"' \
	    'out=$(collibra-token -f shell) || exit; eval "$out"' \
	    'hdr=$(collibra-token -f header) || exit' \
	    "set -l out (collibra-token -f fish); and printf '%s\\n' \$out | source" \
	    'collibra-token -- ./sync-assets' >"$f"
	run unguarded "$f"
	assert_failure 1
	assert_output ''
}

@test "no recipe in README, docs/, the man page or the demo throws the exit status away" {
	run unguarded "$README" "$DOCS"/*.md "$MAN" "$ROOT/scripts/demo"
	assert_failure 1
	assert_output ''
}

@test "every recipe of README and docs/ is run by tests/91-recipes.bats" {
	local name n=0
	while read -r name; do
		grep -qE "recipe_block [^ ]+ $name\\b" \
		    "$BATS_TEST_DIRNAME/91-recipes.bats" ||
		    fail "recipe '$name' is not run by tests/91-recipes.bats"
		n=$((n + 1))
	done < <(doc_files | xargs sed -nE 's/^<!-- recipe: ([a-z0-9-]+) -->$/\1/p')
	((n >= 8)) || fail "only $n recipes marked in README and docs/"
}

# ---- (k) the Homebrew formula ---------------------------------------------------

@test "the Homebrew formula: the tap route, a real homepage, no -Werror, pkgconf" {
	! grep -n 'brew install --formula' "$FORMULA" ||
	    fail "the formula says brew install --formula, which Homebrew refuses"
	grep -q '^# .*brew tap-new ' "$FORMULA" || fail "no tap route in its comment"
	grep -q '^# .*brew install [A-Za-z0-9_-]*/[a-z]*/collibra-token' "$FORMULA" ||
	    fail "no brew install TAP/collibra-token in its comment"
	run grep -E '^  homepage ' "$FORMULA"
	assert_success
	assert_output '  homepage "https://github.com/collibra-token/collibra-token"'
	run -0 grep -cE '^ +system "make", "install", "WERROR=",' "$FORMULA"
	assert_output 1
	grep -qx '  depends_on "pkgconf" => :build' "$FORMULA" ||
	    fail "the formula does not build with pkgconf"
	! grep -n 'pkg-config' "$FORMULA" || fail "the formula names pkg-config"
	# and docs/install.md says the same route
	grep -q 'brew tap-new NAME/tools' "$DOCS/install.md" &&
	    grep -q 'brew install NAME/tools/collibra-token' "$DOCS/install.md" ||
	    fail "docs/install.md does not give the tap route"
}
