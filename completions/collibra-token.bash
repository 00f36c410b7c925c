# bash completion for collibra-token(1)                     -*- shell-script -*-
#
# To add an option, add a line to _collibra_token_opts: the long option,
# its short option or "-", and what its argument is (none, file, dir,
# profile, or a space-separated list of words; "?" when anything goes).

_collibra_token_opts=(
	'--url               -u  ?'
	'--token-url         -   ?'
	'--client-id         -i  ?'
	'--client-secret     -s  ?'
	'--client-secret-file -  file'
	'--client-secret-command - ?'
	'--config            -   file'
	'--profile           -p  profile'
	'--show-config       -   none'
	'--status            -   none'
	'--scope             -   ?'
	'--auth-method       -   basic post'
	'--format            -f  raw json shell fish header github dotenv'
	'--var               -   ?'
	'--output            -o  file'
	'--file-mode         -   0600 0640 0660 0440'
	'--watch             -   none'
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

# _collibra_token_takes_arg WORD: true if WORD is an option that takes its
# argument in the next word.
_collibra_token_takes_arg()
{
	local word long short arg

	for word in "${_collibra_token_opts[@]}"; do
		read -r long short arg <<<"$word"
		[[ $1 == "$long" || $1 == "$short" ]] || continue
		[[ $arg != none ]]
		return
	done
	return 1
}

# _collibra_token_profiles: the NAMEs of the [profile NAME] sections of the
# config file: --config's on the command line, else
# $XDG_CONFIG_HOME/collibra-token/config (when absolute), else
# ~/.config/collibra-token/config.
_collibra_token_profiles()
{
	local i file=

	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -- ]] && break
		[[ ${COMP_WORDS[i]} == --config ]] || continue
		# --config=FILE arrives as "--config" "=" "FILE"
		if [[ ${COMP_WORDS[i + 1]} == = ]]; then
			((i + 2 < COMP_CWORD)) && file=${COMP_WORDS[i + 2]}
		elif ((i + 1 < COMP_CWORD)); then
			file=${COMP_WORDS[i + 1]}
		fi
	done
	if [[ -n $file ]]; then
		[[ $file == \~/* ]] && file=$HOME/${file#\~/}
	elif [[ $XDG_CONFIG_HOME == /* ]]; then
		file=$XDG_CONFIG_HOME/collibra-token/config
	else
		file=$HOME/.config/collibra-token/config
	fi
	[[ -r $file ]] || return 0
	sed -n 's/^[[:space:]]*\[profile \([^]]*\)\].*/\1/p' -- "$file" \
	    2>/dev/null
}

# _collibra_token_reply: COMPREPLY from the lines of standard input, one
# word a line, so that a file name with spaces stays one word (bash 3.2
# has no mapfile).
_collibra_token_reply()
{
	local line

	COMPREPLY=()
	while IFS= read -r line; do
		COMPREPLY+=("$line")
	done
}

_collibra_token()
{
	local cur prev word long short arg i
	local -a opts=()

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# After "--" comes a command and its arguments.
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ $word == -- ]]; then
			if declare -F _command_offset >/dev/null; then
				_command_offset $((i + 1))
			elif ((i + 1 == COMP_CWORD)); then
				_collibra_token_reply < <(compgen -c -- "$cur" |
				    LC_ALL=C sort -u)
			else
				compopt -o filenames 2>/dev/null
				_collibra_token_reply < <(compgen -f -- "$cur")
			fi
			return 0
		fi
		if [[ ${COMP_WORDS[i + 1]} == = ]]; then
			((i += 2))	# an option, "=", its value
		elif _collibra_token_takes_arg "$word"; then
			((i++))
		fi
	done

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
			_collibra_token_reply < <(compgen -f -- "$cur")
			;;
		dir)
			compopt -o filenames 2>/dev/null
			_collibra_token_reply < <(compgen -d -- "$cur")
			;;
		profile)
			_collibra_token_reply < <(compgen -W \
			    "$(_collibra_token_profiles)" -- "$cur")
			;;
		'?')
			;;
		*)
			_collibra_token_reply < <(compgen -W "$arg" -- "$cur")
			;;
		esac
		return 0
	done

	if [[ $cur == -* || -z $cur ]]; then
		_collibra_token_reply < <(compgen -W "${opts[*]}" -- "$cur")
	fi
	return 0
}

complete -F _collibra_token collibra-token
