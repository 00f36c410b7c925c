# fish completion for collibra-token(1).  To add an option, add a line
# below: -s short, -l long, -r takes an argument, -x takes an argument
# that is not a file, -F completes files, -a lists the values.

# The NAMEs of the [profile NAME] sections of the config file: --config's
# on the command line, else $XDG_CONFIG_HOME/collibra-token/config (when
# absolute), else ~/.config/collibra-token/config.
function __collibra_token_profiles
    set -l tokens (commandline -opc)
    set -l file
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case --
                break
            case --config
                set i (math $i + 1)
                set -q tokens[$i]; and set file $tokens[$i]
            case '--config=*'
                set file (string replace -- --config= '' $tokens[$i])
        end
        set i (math $i + 1)
    end
    if test -n "$file"
        set file (string replace -r -- '^~/' "$HOME/" $file)
    else if string match -q -- '/*' "$XDG_CONFIG_HOME"
        set file $XDG_CONFIG_HOME/collibra-token/config
    else
        set file ~/.config/collibra-token/config
    end
    test -r "$file"; or return
    string replace -rf -- '^\s*\[profile ([^]]*)\].*' '$1' <$file
end

# True once "--" is on the command line: a command and its arguments follow.
function __collibra_token_after_dashdash
    contains -- -- (commandline -opc)
end

# Complete the command after "--" as fish would on its own.
function __collibra_token_command
    set -l tokens (commandline -opc) (commandline -ct)
    set -l i (contains -i -- -- $tokens)
    set -l cmd $tokens[(math $i + 1)..-1]
    if test (count $cmd) -le 1
        __fish_complete_command
    else
        __fish_complete_subcommand --commandline $cmd
    end
end

complete -c collibra-token -n __collibra_token_after_dashdash -x -a '(__collibra_token_command)'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s u -l url -x -d 'Instance base URL'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l token-url -x -d 'Full token endpoint URL'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s i -l client-id -x -d 'OAuth client ID'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s s -l client-secret -x -d 'Client secret (visible to other users)'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l client-secret-file -r -F -d 'Read the secret from FILE, - for stdin'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l client-secret-command -x -d 'The secret is the first line CMD prints'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l config -r -F -d 'Config file'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s p -l profile -x -a '(__collibra_token_profiles)' -d 'Profile of the config file'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l show-config -d 'Print the settings and their sources, exit'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l status -d 'Show the cached token and the settings, fetch nothing'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l scope -x -d 'Request this space-separated scope'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l auth-method -x -a 'basic post' -d 'Client authentication'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s f -l format -x -a 'raw json shell fish header github dotenv' -d 'Output format'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l var -x -d 'Variable name for the token (default COLLIBRA_TOKEN)'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s o -l output -r -F -d 'Write the token to FILE instead of stdout'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l file-mode -x -a '0600 0640 0660 0440' -d 'Mode of -o FILE (default 0600)'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l watch -d 'Keep running and keep the token fresh'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l timeout -x -d 'Time limit of the exchange (seconds)'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l connect-timeout -x -d 'Connection time limit (seconds)'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l retries -x -d 'Retry transient failures N times'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l cacert -r -F -d 'Trust the CAs in FILE'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l capath -x -a '(__fish_complete_directories)' -d 'Trust the CAs in hashed DIR'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s k -l insecure -d 'Do not verify the server certificate'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l proxy -x -d 'Use this proxy'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l no-cache -d 'Neither read nor write the token cache'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l refresh -d 'Fetch a new token and cache it'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l clear-cache -d "Remove this configuration's cached token"
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l cache-dir -x -a '(__fish_complete_directories)' -d 'Cache directory'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -l min-ttl -x -d 'Reuse a cached token while it has SEC left (default 60)'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s v -l verbose -d 'Diagnostics on stderr; twice for a trace'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s h -l help -d 'Show the help and exit'
complete -c collibra-token -n 'not __collibra_token_after_dashdash' -s V -l version -d 'Show the version and exit'
