/*
 * The command line: the getopt_long table built from the settings table,
 * usage() and --version.  Each option only stores its argument;
 * config.c validates.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extern.h"

static const char usage_head[] =
"Usage: collibra-token [OPTIONS]\n"
"       collibra-token [OPTIONS] -- COMMAND [ARGS...]\n"
"Get an OAuth 2.0 access token from Collibra (client_credentials grant)\n"
"and print it on standard output, or run COMMAND with it in $COLLIBRA_TOKEN.\n"
"\n"
"Options (each setting from the first source that gives it: its flag, the\n"
"profile named by -p, its COLLIBRA_* variable, the config file, a generic\n"
"variable such as SSL_CERT_FILE, its default):\n";

static const char exit_text[] =
"\n"
"Exit status:\n"
"   0  token printed\n"
"   1  internal error (out of memory, cannot write stdout)\n"
"   2  usage or configuration error\n"
"   3  network error (resolve, connect, timeout, reset)\n"
"   4  TLS error (untrusted certificate, name mismatch, handshake)\n"
"   5  server error (5xx, 429, redirect, unexpected status)\n"
"   6  bad response (200 without a usable token)\n"
"   7  --status: no token with --min-ttl left is cached\n"
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
		fputs(usage_head, stdout);
		settings_help(stdout);
		fputs(exit_text, stdout);
		exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    PROGNAME);
	exit(2);
}

/*
 * Print the version with those of libcurl and jansson, and exit 0;
 * without libcurl, say that it is missing (http_version() said why and
 * what to install): a cache hit still works, a fetch does not.
 */
static void
version(void)
{
	const char	*v;

	if ((v = http_version()) == NULL)
		v = "libcurl missing";
	printf("%s %s (%s; jansson/%s)\n", PROGNAME, VERSION, v,
	    jansson_version_str());
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
	c->arg[SET_SECRET] = c->secret;
}

/* getopt_long's tables from the settings table: val is 256 + the id. */
static void
build_tables(struct option *longopts, char *shortopts)
{
	const struct setting_row *d;
	int		 i, n = 0;
	char		*o = shortopts;

	*o++ = '+';
	*o++ = ':';
	for (i = 0; i < SET__MAX; i++) {
		d = &settings_table[i];
		longopts[n++] = (struct option){ d->name,
		    d->arg != NULL ? required_argument : no_argument, NULL,
		    256 + i };
		if (d->flag != 0) {
			*o++ = (char)d->flag;
			if (d->arg != NULL)
				*o++ = ':';
		}
	}
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	*o = '\0';
}

/* The setting of a getopt_long result, or SET__MAX when unknown. */
static enum set_id
option_id(int ch)
{
	int	 i;

	if (ch >= 256 && ch < 256 + SET__MAX)
		return (enum set_id)(ch - 256);
	for (i = 0; i < SET__MAX; i++)
		if (ch != '?' && settings_table[i].flag == ch)
			return (enum set_id)i;
	return SET__MAX;
}

/*
 * The message for the unknown or ambiguous long option of arg (its
 * first k bytes, without "=VALUE"), with the options it may abbreviate
 * or the one it likely mistypes.
 */
static void
unknown_long(const char *arg, size_t k, const struct option *longopts)
{
	const char	*near;
	char		 list[256] = "";
	size_t		 n = 0;
	int		 i, matches = 0;

	for (i = 0; longopts[i].name != NULL && k > 2; i++) {
		if (strncmp(longopts[i].name, arg + 2, k - 2) != 0)
			continue;
		matches++;
		if (n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n,
			    " '--%s'", longopts[i].name);
	}
	if (matches > 1)
		warnmsg("option '%.*s' is ambiguous; possibilities:%s",
		    (int)k, arg, list);
	else if (k > 2 && (near = setting_near_name(arg + 2, k - 2)) != NULL)
		warnmsg("unrecognized option '%.*s'; did you mean '--%s'?",
		    (int)k, arg, near);
	else
		warnmsg("unrecognized option '%.*s'", (int)k, arg);
}

/*
 * What getopt_long would say of a bad option, but never its value: a
 * mistyped --client-secret=VALUE must not reach the terminal.  ch is
 * '?' or ':' (optopt: the short option, 256 + the id of a long one, or
 * 0 for an unknown long one), arg the word of argv.  Exits 2.
 */
static void
bad_option(int ch, const char *arg, const struct option *longopts)
{
	size_t		 k = strcspn(arg, "=");

	/* a short option (a byte, which may be < 0), or a long one */
	if (optopt != 0 && optopt < 256)
		warnmsg(ch == ':' ? "option requires an argument -- '%c'" :
		    "invalid option -- '%c'", optopt);
	else if (optopt >= 256)
		warnmsg(ch == ':' ? "option '%.*s' requires an argument" :
		    "option '%.*s' doesn't allow an argument", (int)k, arg);
	else
		unknown_long(arg, k, longopts);
	usage(2);
}

/* Store one option: its argument, or one more of a flag. */
static void
store(struct cli *c, enum set_id id, char *arg)
{
	if (id == SET__MAX)
		usage(2);
	if (id == SET_HELP)
		usage(0);
	if (id == SET_VERSION)
		version();
	c->count[id]++;
	if (id == SET_SECRET)
		take_secret(c, arg);
	else if (arg != NULL)
		c->arg[id] = arg;
}

/*
 * The options that go together: --status only looks (no fetch, no
 * command, no other action), a command after "--" with no option
 * that prints (--format only with --watch, for the file it keeps).
 * Whether --watch has somewhere to keep the token depends on
 * COLLIBRA_OUTPUT too: config.c checks it.
 */
static void
check_combinations(struct cli *c)
{
	static const enum set_id printing[] = {
		SET_FORMAT, SET_OUTPUT, SET_SHOW_CONFIG, SET_CLEAR_CACHE
	};
	int	 watch = c->count[SET_WATCH] > 0;
	size_t	 i;

	if (c->count[SET_STATUS] > 0 && (c->command != NULL ||
	    c->count[SET_REFRESH] > 0 || watch ||
	    c->count[SET_CLEAR_CACHE] > 0 || c->count[SET_SHOW_CONFIG] > 0)) {
		warnmsg("--status goes with neither --refresh, --watch, "
		    "--clear-cache, --show-config nor a command");
		usage(2);
	}

	for (i = 0; c->command != NULL &&
	    i < sizeof(printing) / sizeof(printing[0]); i++) {
		if (c->count[printing[i]] == 0 ||
		    (watch && printing[i] == SET_FORMAT))
			continue;
		warnmsg("%s takes no command", setting_flag(printing[i]));
		usage(2);
	}
	if (watch && (c->count[SET_SHOW_CONFIG] || c->count[SET_CLEAR_CACHE])) {
		warnmsg("--watch goes with neither --show-config nor "
		    "--clear-cache");
		usage(2);
	}
}

/*
 * Fill c from argv.  Exits 0 for --help and --version, and 2 on a usage
 * error; everything else is checked by config_resolve().
 */
void
cli_parse(int argc, char **argv, struct cli *c)
{
	struct option	 longopts[SET__MAX + 1];
	char		 shortopts[2 * SET__MAX + 2];
	int		 ch;

	memset(c, 0, sizeof(*c));
	build_tables(longopts, shortopts);
	opterr = 0;			/* bad_option() says it */
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	    -1) {
		if (ch == '?' || ch == ':')
			bad_option(ch, argv[optind - 1], longopts);
		store(c, option_id(ch), optarg);
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") == 0)
		c->command = argv + optind;
	else if (optind < argc) {
		warnmsg("unexpected argument; a command goes after '--'");
		usage(2);
	}
	check_combinations(c);
}

/* Wipe and free what cli_parse() copied.  Safe to call twice. */
void
cli_free(struct cli *c)
{
	wipe_free_str(c->secret);
	c->secret = NULL;
	c->arg[SET_SECRET] = NULL;
}
