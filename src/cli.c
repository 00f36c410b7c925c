/*
 * The command line: one getopt_long table, usage() and --version.
 * Each option only stores its argument; config.c validates.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "extern.h"

enum {
	OPT_TOKEN_URL = 256,
	OPT_SECRET_FILE,
	OPT_SCOPE,
	OPT_AUTH_METHOD,
	OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_CACERT,
	OPT_CAPATH,
	OPT_PROXY,
	OPT_NO_CACHE,
	OPT_REFRESH,
	OPT_CLEAR_CACHE,
	OPT_CACHE_DIR,
	OPT_MIN_TTL,
	OPT_RETRIES,
	OPT_VAR,
	OPT_SECRET_COMMAND,
	OPT_CONFIG,
	OPT_SHOW_CONFIG
};

static const char shortopts[] = "+u:i:s:f:p:kvhV";

static const struct option longopts[] = {
	{ "url",		required_argument, NULL, 'u' },
	{ "token-url",		required_argument, NULL, OPT_TOKEN_URL },
	{ "client-id",		required_argument, NULL, 'i' },
	{ "client-secret",	required_argument, NULL, 's' },
	{ "client-secret-file",	required_argument, NULL, OPT_SECRET_FILE },
	{ "client-secret-command", required_argument, NULL, OPT_SECRET_COMMAND },
	{ "config",		required_argument, NULL, OPT_CONFIG },
	{ "profile",		required_argument, NULL, 'p' },
	{ "show-config",	no_argument,	   NULL, OPT_SHOW_CONFIG },
	{ "scope",		required_argument, NULL, OPT_SCOPE },
	{ "auth-method",	required_argument, NULL, OPT_AUTH_METHOD },
	{ "format",		required_argument, NULL, 'f' },
	{ "var",		required_argument, NULL, OPT_VAR },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "connect-timeout",	required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "retries",		required_argument, NULL, OPT_RETRIES },
	{ "cacert",		required_argument, NULL, OPT_CACERT },
	{ "capath",		required_argument, NULL, OPT_CAPATH },
	{ "insecure",		no_argument,	   NULL, 'k' },
	{ "proxy",		required_argument, NULL, OPT_PROXY },
	{ "no-cache",		no_argument,	   NULL, OPT_NO_CACHE },
	{ "refresh",		no_argument,	   NULL, OPT_REFRESH },
	{ "clear-cache",	no_argument,	   NULL, OPT_CLEAR_CACHE },
	{ "cache-dir",		required_argument, NULL, OPT_CACHE_DIR },
	{ "min-ttl",		required_argument, NULL, OPT_MIN_TTL },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 }
};

static const char usage_text[] =
"Usage: collibra-token [OPTIONS]\n"
"       collibra-token [OPTIONS] -- COMMAND [ARGS...]\n"
"Get an OAuth 2.0 access token from Collibra (client_credentials grant)\n"
"and print it on standard output, or run COMMAND with it in $COLLIBRA_TOKEN.\n"
"\n"
"Options (flags win over environment variables, which win over the config\n"
"file):\n"
"  -u, --url URL                 instance base URL              [COLLIBRA_URL]\n"
"      --token-url URL           full token endpoint URL  [COLLIBRA_TOKEN_URL]\n"
"  -i, --client-id ID            OAuth client ID          [COLLIBRA_CLIENT_ID]\n"
"  -s, --client-secret SECRET    client secret (visible to other users)\n"
"                                                     [COLLIBRA_CLIENT_SECRET]\n"
"      --client-secret-file FILE read the secret from FILE, - for stdin\n"
"                                                [COLLIBRA_CLIENT_SECRET_FILE]\n"
"      --client-secret-command CMD\n"
"                                the secret is the first line CMD prints\n"
"                                             [COLLIBRA_CLIENT_SECRET_COMMAND]\n"
"      --config FILE             config file (default $XDG_CONFIG_HOME or\n"
"                                ~/.config, then collibra-token/config)\n"
"  -p, --profile NAME            use [profile NAME] of it  [COLLIBRA_PROFILE]\n"
"      --show-config             print the settings and their sources, exit\n"
"      --scope SCOPE             request this space-separated scope\n"
"                                                             [COLLIBRA_SCOPE]\n"
"      --auth-method METHOD      basic (default) or post  [COLLIBRA_AUTH_METHOD]\n"
"  -f, --format FORMAT           raw (default), json, shell, fish, header,\n"
"                                github or dotenv     [COLLIBRA_TOKEN_FORMAT]\n"
"      --var NAME                variable name for shell, fish, github, dotenv\n"
"                                and COMMAND (default COLLIBRA_TOKEN)\n"
"                                                         [COLLIBRA_TOKEN_VAR]\n"
"      --timeout SEC             whole exchange time limit (default 30)\n"
"      --connect-timeout SEC     connection time limit (default 10)\n"
"      --retries N               retry transient failures N times (default 2)\n"
"                                                   [COLLIBRA_TOKEN_RETRIES]\n"
"      --cacert FILE             trust the CAs in FILE           [SSL_CERT_FILE]\n"
"      --capath DIR              trust the CAs in hashed DIR      [SSL_CERT_DIR]\n"
"  -k, --insecure                do not verify the server certificate\n"
"      --proxy URL               use this proxy       [HTTPS_PROXY, NO_PROXY]\n"
"      --no-cache                neither read nor write the token cache\n"
"                                                   [COLLIBRA_TOKEN_CACHE=0]\n"
"      --refresh                 fetch a new token and cache it\n"
"      --clear-cache             remove this configuration's cached token\n"
"      --cache-dir DIR           cache directory  [COLLIBRA_TOKEN_CACHE_DIR]\n"
"      --min-ttl SEC             reuse a cached token while it has SEC left\n"
"                                (default 60)       [COLLIBRA_TOKEN_MIN_TTL]\n"
"  -v, --verbose                 diagnostics on stderr; twice for a trace\n"
"  -h, --help                    show this help and exit\n"
"  -V, --version                 show the version and exit\n"
"\n"
"Exit status:\n"
"   0  token printed\n"
"   1  internal error (out of memory, cannot write stdout)\n"
"   2  usage or configuration error\n"
"   3  network error (resolve, connect, timeout, reset)\n"
"   4  TLS error (untrusted certificate, name mismatch, handshake)\n"
"   5  server error (5xx, 429, redirect, unexpected status)\n"
"   6  bad response (200 without a usable token)\n"
"  10  invalid_request       11  invalid_client        12  invalid_grant\n"
"  13  unauthorized_client   14  unsupported_grant_type\n"
"  15  invalid_scope         16  other OAuth error\n"
" 126  COMMAND cannot run    127  COMMAND not found\n"
" 130  interrupted (SIGINT) 143  terminated (SIGTERM)\n";

/*
 * Print the usage on stdout and exit 0 for --help; otherwise point at
 * --help on stderr and exit 2.
 */
static void
usage(int status)
{
	if (status == 0) {
		fputs(usage_text, stdout);
		exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    PROGNAME);
	exit(2);
}

/* Print the version with those of libcurl and jansson, and exit 0. */
static void
version(void)
{
	if (curl_load() != CT_OK)
		exit(1);
	printf("%s %s (%s; jansson/%s)\n", PROGNAME, VERSION,
	    curl.version(), jansson_version_str());
	exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
}

/*
 * Keep a copy of the secret and blank the argument in place, so that
 * ps(1) and /proc/PID/cmdline stop showing it (as curl does for -u).
 */
static void
take_secret(struct cli *c, char *arg)
{
	wipe_free_str(c->secret);
	if ((c->secret = xstrdup(arg)) == NULL)
		exit(1);
	memset(arg, '*', strlen(arg));
}

/*
 * Fill c from argv.  Exits 0 for --help and --version, and 2 on a usage
 * error; everything else is checked by config_resolve().
 */
void
cli_parse(int argc, char **argv, struct cli *c)
{
	int	 ch;

	memset(c, 0, sizeof(*c));
	argv[0] = (char *)PROGNAME;	/* getopt's messages name argv[0] */
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			c->url = optarg;
			break;
		case OPT_TOKEN_URL:
			c->token_url = optarg;
			break;
		case 'i':
			c->client_id = optarg;
			break;
		case 's':
			take_secret(c, optarg);
			break;
		case OPT_SECRET_FILE:
			c->secret_file = optarg;
			break;
		case OPT_SECRET_COMMAND:
			c->secret_command = optarg;
			break;
		case OPT_CONFIG:
			c->config = optarg;
			break;
		case 'p':
			c->profile = optarg;
			break;
		case OPT_SHOW_CONFIG:
			c->show_config = 1;
			break;
		case OPT_SCOPE:
			c->scope = optarg;
			break;
		case OPT_AUTH_METHOD:
			c->auth_method = optarg;
			break;
		case 'f':
			c->format = optarg;
			break;
		case OPT_VAR:
			c->var = optarg;
			break;
		case OPT_TIMEOUT:
			c->timeout = optarg;
			break;
		case OPT_CONNECT_TIMEOUT:
			c->connect_timeout = optarg;
			break;
		case OPT_RETRIES:
			c->retries = optarg;
			break;
		case OPT_CACERT:
			c->cacert = optarg;
			break;
		case OPT_CAPATH:
			c->capath = optarg;
			break;
		case 'k':
			c->insecure = 1;
			break;
		case OPT_PROXY:
			c->proxy = optarg;
			break;
		case OPT_NO_CACHE:
			c->no_cache = 1;
			break;
		case OPT_REFRESH:
			c->refresh = 1;
			break;
		case OPT_CLEAR_CACHE:
			c->clear_cache = 1;
			break;
		case OPT_CACHE_DIR:
			c->cache_dir = optarg;
			break;
		case OPT_MIN_TTL:
			c->min_ttl = optarg;
			break;
		case 'v':
			c->verbose++;
			break;
		case 'h':
			usage(0);
			break;
		case 'V':
			version();
			break;
		default:
			usage(2);
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") == 0) {
		c->command = argv + optind;
		if (c->format != NULL || c->show_config || c->clear_cache) {
			warnmsg("%s takes no command", c->format != NULL ?
			    "--format" : c->show_config ? "--show-config" :
			    "--clear-cache");
			usage(2);
		}
	} else if (optind < argc) {
		warnmsg("unexpected argument; a command goes after '--'");
		usage(2);
	}
}

/* Wipe and free what cli_parse() copied.  Safe to call twice. */
void
cli_free(struct cli *c)
{
	wipe_free_str(c->secret);
	c->secret = NULL;
}
