# fish completion for collibra-token(1).  To add an option, add a line
# below: -s short, -l long, -r takes an argument, -x takes an argument
# that is not a file, -F completes files, -a lists the values.

complete -c collibra-token -s u -l url -x -d 'Instance base URL'
complete -c collibra-token -l token-url -x -d 'Full token endpoint URL'
complete -c collibra-token -s i -l client-id -x -d 'OAuth client ID'
complete -c collibra-token -s s -l client-secret -x -d 'Client secret (visible to other users)'
complete -c collibra-token -l client-secret-file -r -F -d 'Read the secret from FILE, - for stdin'
complete -c collibra-token -l scope -x -d 'Request this space-separated scope'
complete -c collibra-token -l auth-method -x -a 'basic post' -d 'Client authentication'
complete -c collibra-token -s f -l format -x -a 'raw json shell' -d 'Output format'
complete -c collibra-token -l timeout -x -d 'Whole exchange time limit (seconds)'
complete -c collibra-token -l connect-timeout -x -d 'Connection time limit (seconds)'
complete -c collibra-token -l retries -x -d 'Retry transient failures N times'
complete -c collibra-token -l cacert -r -F -d 'Trust the CAs in FILE'
complete -c collibra-token -l capath -x -a '(__fish_complete_directories)' -d 'Trust the CAs in hashed DIR'
complete -c collibra-token -s k -l insecure -d 'Do not verify the server certificate'
complete -c collibra-token -l proxy -x -d 'Use this proxy'
complete -c collibra-token -l no-cache -d 'Neither read nor write the token cache'
complete -c collibra-token -l refresh -d 'Fetch a new token and cache it'
complete -c collibra-token -l clear-cache -d "Remove this configuration's cached token"
complete -c collibra-token -l cache-dir -x -a '(__fish_complete_directories)' -d 'Cache directory'
complete -c collibra-token -l min-ttl -x -d 'Reuse a cached token while it has SEC left (default 60)'
complete -c collibra-token -s v -l verbose -d 'Diagnostics on stderr; twice for a trace'
complete -c collibra-token -s h -l help -d 'Show the help and exit'
complete -c collibra-token -s V -l version -d 'Show the version and exit'
