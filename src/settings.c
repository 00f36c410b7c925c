/*
 * The settings table: one row per setting, holding its flags, its
 * environment variables, its config-file key, its kind and bounds, its
 * default and its help.  The getopt_long table (cli.c), the lookup of
 * each source and the checks by kind (config.c), --show-config and the
 * option lines of --help are all driven by it.  Adding a setting is one
 * row here, one name in enum set_id, and the code that uses its value.
 */
#include <stdio.h>
#include <string.h>

#include "extern.h"

static const char *const format_choices[] = {
	"raw", "json", "shell", "fish", "header", "github", "dotenv", NULL
};
static const char *const auth_choices[] = { "basic", "post", NULL };

/* The rows, in the order of --help and --show-config. */
const struct setting_row settings_table[SET__MAX] = {
	[SET_URL] = {
		.name = "url", .flag = 'u', .arg = "URL",
		.var = "COLLIBRA_URL", .key = "url", .kind = KIND_STRING,
		.chars = CHARS_URL, .max = 2048,
		.help = "instance base URL",
	},
	[SET_TOKEN_URL] = {
		.name = "token-url", .arg = "URL",
		.var = "COLLIBRA_TOKEN_URL", .key = "token_url",
		.kind = KIND_STRING, .chars = CHARS_URL, .max = 2048,
		.help = "full token endpoint URL",
	},
	[SET_CLIENT_ID] = {
		.name = "client-id", .flag = 'i', .arg = "ID",
		.var = "COLLIBRA_CLIENT_ID", .key = "client_id",
		.kind = KIND_STRING, .chars = CHARS_TEXT, .min = 1,
		.max = 1024, .label = "client ID",
		.help = "OAuth client ID",
	},
	[SET_SECRET] = {
		.name = "client-secret", .flag = 's', .arg = "SECRET",
		.var = "COLLIBRA_CLIENT_SECRET", .key = "client_secret",
		.kind = KIND_SECRET,
		.help = "client secret (visible to other users)",
	},
	[SET_SECRET_FILE] = {
		.name = "client-secret-file", .arg = "FILE",
		.var = "COLLIBRA_CLIENT_SECRET_FILE",
		.key = "client_secret_file", .kind = KIND_PATH,
		.help = "read the secret from FILE, - for stdin",
	},
	[SET_SECRET_COMMAND] = {
		.name = "client-secret-command", .arg = "CMD",
		.var = "COLLIBRA_CLIENT_SECRET_COMMAND",
		.key = "client_secret_command", .kind = KIND_STRING,
		.help = "the secret is the first line CMD prints",
	},
	[SET_CONFIG] = {
		.name = "config", .arg = "FILE", .kind = KIND_PATH,
		.help = "config file (default $XDG_CONFIG_HOME or\n"
		    "~/.config, then collibra-token/config)",
	},
	[SET_PROFILE] = {
		.name = "profile", .flag = 'p', .arg = "NAME",
		.var = "COLLIBRA_PROFILE", .kind = KIND_STRING,
		.chars = CHARS_TEXT, .max = 256, .label = "profile",
		.help = "use [profile NAME] of it",
	},
	[SET_SHOW_CONFIG] = {
		.name = "show-config", .kind = KIND_FLAG,
		.help = "print the settings and their sources, exit",
	},
	[SET_STATUS] = {
		.name = "status", .kind = KIND_FLAG,
		.help = "show the cached token (never itself) and the\n"
		    "settings, fetch nothing; exit 7 without one\n"
		    "of --min-ttl",
	},
	[SET_SCOPE] = {
		.name = "scope", .arg = "SCOPE", .var = "COLLIBRA_SCOPE",
		.key = "scope", .kind = KIND_STRING, .chars = CHARS_SCOPE,
		.min = 1, .max = 1024, .label = "scope",
		.help = "request this space-separated scope",
	},
	[SET_AUTH_METHOD] = {
		.name = "auth-method", .arg = "METHOD",
		.var = "COLLIBRA_AUTH_METHOD", .key = "auth_method",
		.kind = KIND_ENUM, .choices = auth_choices, .def = "basic",
		.label = "auth method",
		.help = "basic (default) or post",
	},
	[SET_FORMAT] = {
		.name = "format", .flag = 'f', .arg = "FORMAT",
		.var = "COLLIBRA_TOKEN_FORMAT", .key = "format",
		.kind = KIND_ENUM, .choices = format_choices, .def = "raw",
		.label = "format",
		.help = "raw (default), json, shell, fish, header,\n"
		    "github or dotenv",
	},
	[SET_VAR] = {
		.name = "var", .arg = "NAME", .var = "COLLIBRA_TOKEN_VAR",
		.key = "var", .kind = KIND_STRING, .chars = CHARS_NAME,
		.min = 1, .max = MAX_VAR, .def = "COLLIBRA_TOKEN",
		.label = "variable",
		.help = "variable name for shell, fish, github, dotenv\n"
		    "and COMMAND (default COLLIBRA_TOKEN)",
	},
	[SET_OUTPUT] = {
		.name = "output", .flag = 'o', .arg = "FILE",
		.var = "COLLIBRA_OUTPUT", .kind = KIND_PATH,
		.label = "output file",
		.help = "write the token to FILE (replaced atomically)\n"
		    "instead of standard output",
	},
	[SET_FILE_MODE] = {
		.name = "file-mode", .arg = "MODE",
		.var = "COLLIBRA_TOKEN_FILE_MODE", .key = "file_mode",
		.kind = KIND_MODE, .max = 0660, .def = "0600",
		.label = "file mode",
		.help = "mode of -o FILE: 0600 (default), 0640, 0660 or\n"
		    "0440; the group is its directory's",
	},
	[SET_WATCH] = {
		.name = "watch", .kind = KIND_FLAG,
		.help = "keep running: refresh the token in -o FILE, or\n"
		    "in $COLLIBRA_TOKEN_FILE for COMMAND",
	},
	[SET_TIMEOUT] = {
		.name = "timeout", .arg = "SEC", .var = "COLLIBRA_TIMEOUT",
		.key = "timeout",
		.kind = KIND_NUMBER, .min = 1, .max = 86400, .def = "30",
		.unit = "s", .label = "timeout",
		.help = "time limit of the exchange (default 30)",
	},
	[SET_CONNECT_TIMEOUT] = {
		.name = "connect-timeout", .arg = "SEC",
		.var = "COLLIBRA_CONNECT_TIMEOUT", .key = "connect_timeout",
		.kind = KIND_NUMBER, .min = 1, .max = 86400, .def = "10",
		.unit = "s",
		.label = "connect timeout",
		.help = "connection time limit (default 10)",
	},
	[SET_RETRIES] = {
		.name = "retries", .arg = "N", .var = "COLLIBRA_TOKEN_RETRIES",
		.key = "retries", .kind = KIND_NUMBER, .min = 0, .max = 10,
		.def = "2", .label = "retries",
		.help = "retry transient failures N times (default 2)",
	},
	[SET_CACERT] = {
		.name = "cacert", .arg = "FILE", .var = "COLLIBRA_CACERT",
		.key = "cacert",
		.ambient = { "CURL_CA_BUNDLE", "SSL_CERT_FILE" },
		.kind = KIND_PATH, .label = "CA file",
		.help = "trust the CAs in FILE",
	},
	[SET_CAPATH] = {
		.name = "capath", .arg = "DIR", .var = "COLLIBRA_CAPATH",
		.key = "capath",
		.ambient = { "SSL_CERT_DIR" }, .kind = KIND_PATH,
		.label = "CA directory",
		.help = "trust the CAs in hashed DIR",
	},
	[SET_INSECURE] = {
		.name = "insecure", .flag = 'k', .var = "COLLIBRA_INSECURE",
		.key = "insecure",
		.kind = KIND_BOOL, .def = "0",
		.help = "do not verify the server certificate",
	},
	[SET_PROXY] = {
		.name = "proxy", .arg = "URL", .var = "COLLIBRA_PROXY",
		.key = "proxy",
		.ambient = { "https_proxy", "HTTPS_PROXY", "all_proxy",
		    "ALL_PROXY" },
		.kind = KIND_STRING, .chars = CHARS_URL, .max = 2048,
		.label = "proxy",
		.help = "use this proxy (NO_PROXY applies to the\n"
		    "generic variables only)",
	},
	[SET_CACHE] = {
		.name = "no-cache", .var = "COLLIBRA_TOKEN_CACHE",
		.key = "cache", .kind = KIND_BOOL, .negated = 1, .def = "1",
		.help = "neither read nor write the token cache",
	},
	[SET_REFRESH] = {
		.name = "refresh", .kind = KIND_FLAG,
		.help = "fetch a new token and cache it",
	},
	[SET_CLEAR_CACHE] = {
		.name = "clear-cache", .kind = KIND_FLAG,
		.help = "remove this configuration's cached token",
	},
	[SET_CACHE_DIR] = {
		.name = "cache-dir", .arg = "DIR",
		.var = "COLLIBRA_TOKEN_CACHE_DIR", .key = "cache_dir",
		.kind = KIND_PATH, .label = "cache directory",
		.help = "cache directory",
	},
	[SET_MIN_TTL] = {
		.name = "min-ttl", .arg = "SEC",
		.var = "COLLIBRA_TOKEN_MIN_TTL",
		.key = "min_ttl", .kind = KIND_NUMBER, .min = 0, .max = 86400,
		.def = "60", .unit = "s", .label = "min TTL",
		.help = "reuse a cached token while it has SEC left\n"
		    "(default 60)",
	},
	[SET_VERBOSE] = {
		.name = "verbose", .flag = 'v', .kind = KIND_FLAG,
		.help = "diagnostics on stderr; twice for a trace",
	},
	[SET_HELP] = {
		.name = "help", .flag = 'h', .kind = KIND_ACTION,
		.help = "show this help and exit",
	},
	[SET_VERSION] = {
		.name = "version", .flag = 'V', .kind = KIND_ACTION,
		.help = "show the version and exit",
	},
};

/* "--name" of setting id (a static buffer per row). */
const char *
setting_flag(enum set_id id)
{
	static char	 names[SET__MAX][32];

	if (names[id][0] == '\0')
		snprintf(names[id], sizeof(names[id]), "--%s",
		    settings_table[id].name);
	return names[id];
}

/* The setting whose config-file key is key, or SET__MAX. */
enum set_id
setting_by_key(const char *key)
{
	int	 i;

	for (i = 0; i < SET__MAX; i++)
		if (settings_table[i].key != NULL &&
		    strcmp(settings_table[i].key, key) == 0)
			return (enum set_id)i;
	return SET__MAX;
}

/*
 * The key (key: 1) or the long option name (0) of every row that has
 * one, NULL-terminated, for near_word().  A static list per kind.
 */
static const char *const *
names_of(int key)
{
	static const char	*list[2][SET__MAX + 1];
	int			 i, n = 0;

	if (list[key][0] != NULL)
		return list[key];
	for (i = 0; i < SET__MAX; i++) {
		if (key && settings_table[i].key != NULL)
			list[key][n++] = settings_table[i].key;
		else if (!key && settings_table[i].name != NULL)
			list[key][n++] = settings_table[i].name;
	}
	list[key][n] = NULL;
	return list[key];
}

/* The config-file key that the n bytes at key mistype, or NULL. */
const char *
setting_near_key(const char *key, size_t n)
{
	return near_word(key, n, names_of(1));
}

/*
 * The long option (without "--") that the n bytes at name mistype, or
 * NULL: curl's name for the same setting, else the nearest name.
 */
const char *
setting_near_name(const char *name, size_t n)
{
	static const char *const curl[][2] = {
		{ "max-time", "timeout" },
		{ "retry", "retries" },
		{ "retry-max-time", "timeout" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(curl) / sizeof(curl[0]); i++)
		if (strlen(curl[i][0]) == n &&
		    strncmp(curl[i][0], name, n) == 0)
			return curl[i][1];
	return near_word(name, n, names_of(0));
}

/* True if name is the variable of one of the three secret settings. */
int
setting_is_secret_var(const char *name, size_t len)
{
	static const enum set_id ids[] = {
		SET_SECRET, SET_SECRET_FILE, SET_SECRET_COMMAND
	};
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		v = settings_table[ids[i]].var;
		if (strlen(v) == len && strncmp(v, name, len) == 0)
			return 1;
	}
	return 0;
}

/* "[VAR, AMBIENT...]" of row d into buf, or "" when it has none. */
static void
help_vars(const struct setting_row *d, char *buf, size_t size)
{
	size_t	 i, n = 0;

	buf[0] = '\0';
	if (d->var != NULL)
		n += (size_t)snprintf(buf + n, size - n, "[%s%s", d->var,
		    d->negated ? "=0" : "");
	for (i = 0; i < MAX_AMBIENT && d->ambient[i] != NULL && n < size;
	    i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s",
		    n == 0 ? "[" : ", ", d->ambient[i]);
	if (n > 0 && n < size)
		snprintf(buf + n, size - n, "]");
}

/*
 * One option of --help: flags and argument in a 32-column field, the
 * help lines after it, and its variables right-aligned at column 78,
 * on a line of their own when the last line has no room.
 */
static void
help_option(FILE *f, const struct setting_row *d)
{
	char		 left[64], vars[96];
	const char	*p, *nl;
	int		 col, len;

	snprintf(left, sizeof(left), "  %c%c%s--%s%s%s",
	    d->flag ? '-' : ' ', d->flag ? d->flag : ' ',
	    d->flag ? ", " : "  ", d->name, d->arg ? " " : "",
	    d->arg ? d->arg : "");
	help_vars(d, vars, sizeof(vars));
	col = fprintf(f, "%s", left);
	for (p = d->help; p != NULL; p = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (int)(nl - p) : (int)strlen(p);
		if (col > 31) {
			fputc('\n', f);
			col = 0;
		}
		col += fprintf(f, "%*s%.*s", 32 - col, "", len, p);
		if (nl != NULL) {
			fputc('\n', f);
			col = 0;
		}
	}
	if (vars[0] != '\0' && col + 1 + (int)strlen(vars) > 78) {
		fputc('\n', f);
		col = 0;
	}
	if (vars[0] != '\0')
		fprintf(f, "%*s", 78 - col, vars);
	fputc('\n', f);
}

/* The option lines of --help, one entry per row, in table order. */
void
settings_help(FILE *f)
{
	int	 i;

	for (i = 0; i < SET__MAX; i++)
		if (settings_table[i].name != NULL)
			help_option(f, &settings_table[i]);
}
