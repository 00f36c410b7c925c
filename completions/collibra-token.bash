# bash completion for collibra-token(1)                     -*- shell-script -*-
#
# To add an option, add a line to _collibra_token_opts: the long option,
# its short option or "-", and what its argument is (none, file, dir,
# or a space-separated list of words; "?" when anything goes).

_collibra_token_opts=(
	'--url               -u  ?'
	'--token-url         -   ?'
	'--client-id         -i  ?'
	'--client-secret     -s  ?'
	'--client-secret-file -  file'
	'--scope             -   ?'
	'--auth-method       -   basic post'
	'--format            -f  raw json shell'
	'--timeout           -   ?'
	'--connect-timeout   -   ?'
	'--retries           -   ?'
	'--cacert            -   file'
	'--capath            -   dir'
	'--insecure          -k  none'
	'--proxy             -   ?'
	'--no-cache          -   none'
	'--refresh           -   none'
	'--clear-cache       -   none'
	'--cache-dir         -   dir'
	'--min-ttl           -   ?'
	'--verbose           -v  none'
	'--help              -h  none'
	'--version           -V  none'
)

_collibra_token()
{
	local cur prev word long short arg
	local -a opts=()

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# COMP_WORDBREAKS splits --format=json into "--format" "=" "json".
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	for word in "${_collibra_token_opts[@]}"; do
		read -r long short arg <<<"$word"
		opts+=("$long")
		[[ $arg != none ]] || continue
		[[ $prev == "$long" || $prev == "$short" ]] || continue
		case $arg in
		file)
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
			;;
		dir)
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -d -- "$cur"))
			;;
		'?')
			;;
		*)
			COMPREPLY=($(compgen -W "$arg" -- "$cur"))
			;;
		esac
		return 0
	done

	if [[ $cur == -* || -z $cur ]]; then
		COMPREPLY=($(compgen -W "${opts[*]}" -- "$cur"))
	fi
	return 0
}

complete -F _collibra_token collibra-token
