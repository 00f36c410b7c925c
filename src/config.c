/*
 * Settings resolved in one place: flags win over environment variables,
 * which win over defaults.  The only getenv(3) calls of the program are
 * here.  Every value is checked for length and bytes before use.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "extern.h"

#define MAX_URL		2048
#define MAX_CLIENT_ID	1024
#define MAX_SCOPE	1024
#define MAX_SECONDS	86400
#define MAX_RETRIES	10

/*
 * The value of a setting: the flag if given, else the environment
 * variable if set and not empty, else the config file's key (the
 * selected profile, then [default]), else NULL.  *from names the source.
 */
static const char *
pick(const struct settings *s, const char *flagval, const char *flag,
    const char *var, const char *key, const char **from)
{
	const char	*v;

	if (flagval != NULL) {
		*from = flag;
		return flagval;
	}
	if (var != NULL && (v = getenv(var)) != NULL && *v != '\0') {
		*from = var;
		return v;
	}
	if (key != NULL && s != NULL &&
	    (v = profile_get(&s->profile, key, from)) != NULL)
		return v;
	*from = "default";
	return NULL;
}

/*
 * A boolean of the config file (true/yes/on/1, false/no/off/0): 1 or 0,
 * def when absent, -1 after a message when it is neither.
 */
static int
pick_bool(const struct settings *s, const char *key, int def,
    const char **from)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };
	const char	*v;
	int		 i;

	if ((v = pick(s, NULL, NULL, NULL, key, from)) == NULL)
		return def;
	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	warnmsg("%s: %s must be true or false", *from, key);
	return -1;
}

/* True if host (as libcurl prints it) is a loopback name or address. */
static int
is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 buf[INET6_ADDRSTRLEN + 2];
	size_t		 n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n < 3 || n >= sizeof(buf) || host[0] != '[' || host[n - 1] != ']')
		return 0;
	memcpy(buf, host + 1, n - 2);
	buf[n - 2] = '\0';
	return inet_pton(AF_INET6, buf, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* Fetch one part of a parsed URL; NULL when absent.  Caller frees. */
static char *
url_part(CURLU *u, CURLUPart part)
{
	char	*s = NULL;

	if (curl.url_get(u, part, &s, 0) != CURLUE_OK)
		return NULL;
	return s;
}

/*
 * Check the URL as given (--url or --token-url) with libcurl's own
 * parser, so that what is checked is what libcurl will use (the token
 * path appended to a base URL changes no part checked here): https, or
 * http to a loopback host
 * (then s->allow_http is set); no credentials, no fragment; no query in
 * a base URL.  Called before the first request, not on a cache hit: an
 * entry is only ever stored for a URL that passed.  Prints the reason
 * on failure.
 */
enum ct_err
config_check_url(struct settings *s)
{
	CURLU		*u;
	CURLUcode	 uc;
	char		*scheme = NULL, *host = NULL, *user = NULL;
	char		*frag = NULL, *query = NULL;
	const char	*what = s->token_url_from;
	enum ct_err	 rc = CT_ERR_USAGE;

	if ((u = curl.url()) == NULL) {
		warnmsg("out of memory");
		return CT_ERR_INTERNAL;
	}
	if ((uc = curl.url_set(u, CURLUPART_URL, s->url, 0)) != CURLUE_OK) {
		warnmsg("%s: malformed URL: %s", what, curl.url_strerror(uc));
		goto out;
	}
	scheme = url_part(u, CURLUPART_SCHEME);
	host = url_part(u, CURLUPART_HOST);
	user = url_part(u, CURLUPART_USER);
	frag = url_part(u, CURLUPART_FRAGMENT);
	query = url_part(u, CURLUPART_QUERY);
	s->allow_http = scheme != NULL && strcmp(scheme, "http") == 0;
	if (scheme == NULL || host == NULL)
		warnmsg("%s: malformed URL", what);
	else if (strcmp(scheme, "https") != 0 && !s->allow_http)
		warnmsg("%s: scheme must be https", what);
	else if (s->allow_http && !is_loopback(host))
		warnmsg("%s: http:// is only allowed for loopback hosts; "
		    "use https://", what);
	else if (user != NULL)
		warnmsg("%s: credentials in the URL are not allowed", what);
	else if (frag != NULL)
		warnmsg("%s: a fragment (#) is not allowed", what);
	else if (s->url_is_base && query != NULL)
		warnmsg("%s: a query (?) is not allowed in the base URL",
		    what);
	else
		rc = CT_OK;
out:
	curl.free(scheme);
	curl.free(host);
	curl.free(user);
	curl.free(frag);
	curl.free(query);
	curl.url_cleanup(u);
	return rc;
}

/*
 * The token endpoint: --token-url as given, or --url with TOKEN_PATH
 * appended after any trailing slashes.  Only the length and bytes are
 * checked here; config_check_url() parses it before it is used.
 */
static enum ct_err
resolve_token_url(const struct cli *c, struct settings *s)
{
	const char	*url, *p;
	size_t		 n;

	url = pick(s, c->token_url, "--token-url", "COLLIBRA_TOKEN_URL",
	    "token_url", &s->token_url_from);
	if (url == NULL) {
		url = pick(s, c->url, "--url", "COLLIBRA_URL", "url",
		    &s->token_url_from);
		s->url_is_base = 1;
	}
	if (url == NULL && s->show_config)
		return CT_OK;		/* shown as none */
	if (url == NULL) {
		warnmsg("no Collibra URL: use --url or set COLLIBRA_URL");
		return CT_ERR_USAGE;
	}
	s->url = url;
	if ((n = strlen(url)) > MAX_URL) {
		warnmsg("%s: URL too long", s->token_url_from);
		return CT_ERR_USAGE;
	}
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			warnmsg("%s: malformed URL: spaces or control "
			    "characters", s->token_url_from);
			return CT_ERR_USAGE;
		}
	}
	if (!s->url_is_base)
		return (s->token_url = xstrdup(url)) == NULL ?
		    CT_ERR_INTERNAL : CT_OK;
	while (n > 0 && url[n - 1] == '/')
		n--;
	if ((s->token_url = xmalloc(n + sizeof(TOKEN_PATH))) == NULL)
		return CT_ERR_INTERNAL;
	memcpy(s->token_url, url, n);
	memcpy(s->token_url + n, TOKEN_PATH, sizeof(TOKEN_PATH));
	return CT_OK;
}

/* True if s has a byte outside printable ASCII and space. */
static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static enum ct_err
resolve_client_id(const struct cli *c, struct settings *s)
{
	s->client_id = pick(s, c->client_id, "--client-id",
	    "COLLIBRA_CLIENT_ID", "client_id", &s->client_id_from);
	if (s->client_id == NULL && s->show_config)
		return CT_OK;		/* shown as none */
	if (s->client_id == NULL) {
		warnmsg("no client ID: use --client-id or set "
		    "COLLIBRA_CLIENT_ID");
		return CT_ERR_USAGE;
	}
	if (*s->client_id == '\0' || strlen(s->client_id) > MAX_CLIENT_ID) {
		warnmsg("%s: client ID must be 1 to %d bytes",
		    s->client_id_from, MAX_CLIENT_ID);
		return CT_ERR_USAGE;
	}
	if (has_control(s->client_id)) {
		warnmsg("%s: client ID contains control characters",
		    s->client_id_from);
		return CT_ERR_USAGE;
	}
	return CT_OK;
}

/* One of the three ways to give the secret, and where it was said. */
struct secret_source {
	const char	*value;
	const char	*file;
	const char	*command;
	const char	*from;		/* of the one that is set */
	int		 n;		/* how many are set */
};

/* Note v (from `from`) as the given kind of source if it is set. */
static void
source_add(struct secret_source *src, const char **slot, const char *v,
    const char *from)
{
	if (v == NULL)
		return;
	*slot = v;
	src->from = from;
	src->n++;
}

/*
 * The secret's source: the flags, else the variables, else the config
 * file (the selected profile's keys, else [default]'s).  At each level
 * only one of value, file and command may be given.
 */
static enum ct_err
find_secret(const struct cli *c, struct settings *s,
    struct secret_source *src)
{
	static const char *const keys[] = {
		"client_secret", "client_secret_file", "client_secret_command"
	};
	const struct profile_value *tab;
	const char	*v, *f;
	int		 i, k;

	memset(src, 0, sizeof(*src));
	source_add(src, &src->value, c->secret, "--client-secret");
	source_add(src, &src->file, c->secret_file, "--client-secret-file");
	source_add(src, &src->command, c->secret_command,
	    "--client-secret-command");
	if (src->n > 1) {
		warnmsg("--client-secret, --client-secret-file and "
		    "--client-secret-command are mutually exclusive");
		return CT_ERR_USAGE;
	}
	if (src->n == 0) {
		v = pick(NULL, NULL, NULL, "COLLIBRA_CLIENT_SECRET", NULL, &f);
		source_add(src, &src->value, v, f);
		v = pick(NULL, NULL, NULL, "COLLIBRA_CLIENT_SECRET_FILE", NULL,
		    &f);
		source_add(src, &src->file, v, f);
		v = pick(NULL, NULL, NULL, "COLLIBRA_CLIENT_SECRET_COMMAND",
		    NULL, &f);
		source_add(src, &src->command, v, f);
		if (src->n > 1) {
			warnmsg("COLLIBRA_CLIENT_SECRET, "
			    "COLLIBRA_CLIENT_SECRET_FILE and "
			    "COLLIBRA_CLIENT_SECRET_COMMAND are set together; "
			    "unset all but one");
			return CT_ERR_USAGE;
		}
	}
	for (k = 0; k < 2 && src->n == 0; k++) {
		tab = k == 0 ? s->profile.sel : s->profile.def;
		for (i = 0; i < 3; i++) {
			const struct profile_value *pv =
			    &tab[profile_key(keys[i])];
			source_add(src, i == 0 ? &src->value : i == 1 ?
			    &src->file : &src->command, pv->value, pv->from);
		}
		if (src->n > 1) {
			warnmsg("%s: only one of client_secret, "
			    "client_secret_file and client_secret_command "
			    "may be given", src->from);
			return CT_ERR_USAGE;
		}
	}
	return CT_OK;
}

static char	*path_join(const char *, const char *);

/*
 * Where the user's cache key is kept (the key of entries for a secret
 * command or a prompt): $XDG_STATE_HOME/collibra-token/cache-key, else
 * ~/.local/state/collibra-token/cache-key; outside the cache directory,
 * so that a copy of the cache is useless without it.  NULL: nowhere.
 */
static enum ct_err
resolve_key_file(struct settings *s)
{
	const char	*home, *from;

	if ((home = pick(NULL, NULL, NULL, "XDG_STATE_HOME", NULL,
	    &from)) != NULL && home[0] == '/')
		s->key_file = path_join(home, "collibra-token/cache-key");
	else if ((home = pick(NULL, NULL, NULL, "HOME", NULL, &from)) != NULL &&
	    home[0] == '/')
		s->key_file = path_join(home,
		    ".local/state/collibra-token/cache-key");
	else
		return CT_OK;
	return s->key_file != NULL ? CT_OK : CT_ERR_INTERNAL;
}

/*
 * The secret's source (see find_secret()), else a prompt on the
 * terminal.  A literal secret (flag, variable, file, standard input) is
 * read now; a command runs, and the prompt asks, only when a fetch
 * needs the secret (secret_load()).  --show-config and --clear-cache
 * note the source only.
 */
static enum ct_err
resolve_secret(const struct cli *c, struct settings *s)
{
	struct secret_source src;
	struct secret	 sec = { 0 };
	enum ct_err	 rc;

	if ((rc = find_secret(c, s, &src)) != CT_OK)
		return rc;
	s->secret_from = src.from;	/* NULL: none, a prompt */
	s->secret_kind = src.command != NULL ? SECRET_COMMAND :
	    src.n == 0 ? SECRET_PROMPT : SECRET_LITERAL;
	s->secret_command = src.command;
	if (c->secret != NULL)
		warnmsg("warning: --client-secret is visible to other users "
		    "of this machine; prefer --client-secret-file or "
		    "COLLIBRA_CLIENT_SECRET");
	if (s->secret_kind != SECRET_LITERAL)
		return resolve_key_file(s);
	if (s->cache == CACHE_CLEAR)
		return CT_OK;		/* needs no secret */
	if (src.value != NULL) {
		if ((sec.len = strlen(src.value)) == 0 ||
		    sec.len > MAX_SECRET) {
			warnmsg("%s: the secret must be 1 to %d bytes",
			    src.from, MAX_SECRET);
			return CT_ERR_USAGE;
		}
		sec.size = sec.len + 1;
		if ((sec.value = xstrdup(src.value)) == NULL)
			return CT_ERR_INTERNAL;
	} else
		rc = secret_from_file(src.file, src.from, &sec);
	s->secret = sec.value;
	s->secret_len = sec.len;
	s->secret_size = sec.size;
	return rc;
}

/*
 * A scope is space-separated scope-tokens of printable ASCII other than
 * '"' and '\' (RFC 6749 section 3.3).
 */
static enum ct_err
resolve_scope(const struct cli *c, struct settings *s)
{
	const char	*p;

	s->scope = pick(s, c->scope, "--scope", "COLLIBRA_SCOPE", "scope",
	    &s->scope_from);
	if (s->scope == NULL)
		return CT_OK;
	if (*s->scope == '\0' || strlen(s->scope) > MAX_SCOPE) {
		warnmsg("%s: scope must be 1 to %d bytes", s->scope_from,
		    MAX_SCOPE);
		return CT_ERR_USAGE;
	}
	for (p = s->scope; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\') {
			warnmsg("%s: scope may only hold printable ASCII "
			    "other than '\"' and '\\'", s->scope_from);
			return CT_ERR_USAGE;
		}
	}
	return CT_OK;
}

/* The names of enum format, in its order. */
const char *const format_names[] = {
	"raw", "json", "shell", "fish", "header", "github", "dotenv", NULL
};

/* Map a word to its index in names[] (NULL-terminated), or -1. */
static int
lookup(const char *word, const char *const names[])
{
	int	 i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(word, names[i]) == 0)
			return i;
	return -1;
}

/*
 * --var: the variable name of the shell-like formats and of a command's
 * environment; NAME_TYPE and NAME_EXPIRES_AT follow it.  Also where
 * GitHub Actions wants the variables (GITHUB_ENV).
 */
static enum ct_err
resolve_var(const struct cli *c, struct settings *s)
{
	const char	*p;

	s->var = pick(s, c->var, "--var", "COLLIBRA_TOKEN_VAR", "var",
	    &s->var_from);
	if (s->var == NULL)
		s->var = "COLLIBRA_TOKEN";
	for (p = s->var; *p != '\0'; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || (p > s->var && *p >= '0' &&
		    *p <= '9')))
			break;
	if (*p != '\0' || p == s->var || p - s->var > MAX_VAR) {
		warnmsg("%s: invalid variable name '%s'", s->var_from, s->var);
		return CT_ERR_USAGE;
	}
	s->github_env = pick(NULL, NULL, NULL, "GITHUB_ENV", NULL, &p);
	return CT_OK;
}

static enum ct_err
resolve_choices(const struct cli *c, struct settings *s)
{
	static const char *const methods[] = { "basic", "post", NULL };
	const char	*v;
	int		 i;

	v = pick(s, c->format, "--format", "COLLIBRA_TOKEN_FORMAT", "format",
	    &s->format_from);
	if ((i = lookup(v == NULL ? "raw" : v, format_names)) < 0) {
		warnmsg("%s: unknown format '%s' (raw, json, shell, fish, "
		    "header, github or dotenv)", s->format_from, v);
		return CT_ERR_USAGE;
	}
	s->format = (enum format)i;
	v = pick(s, c->auth_method, "--auth-method", "COLLIBRA_AUTH_METHOD",
	    "auth_method", &s->auth_from);
	if ((i = lookup(v == NULL ? "basic" : v, methods)) < 0) {
		warnmsg("%s: unknown method '%s' (basic or post)",
		    s->auth_from, v);
		return CT_ERR_USAGE;
	}
	s->auth = (enum auth_method)i;
	return resolve_var(c, s);
}

/*
 * A number of seconds from a flag, else the config file's key, else
 * def; stored in milliseconds.
 */
static enum ct_err
resolve_seconds(const struct settings *s, const char *val, const char *flag,
    const char *key, long def, long *ms, const char **from)
{
	const char	*errstr;
	long long	 v = def;

	val = pick(s, val, flag, NULL, key, from);
	if (val != NULL &&
	    parse_number(val, 1, MAX_SECONDS, &v, &errstr) == -1) {
		warnmsg("%s: %s (whole seconds, 1 to %d)", *from, errstr,
		    MAX_SECONDS);
		return CT_ERR_USAGE;
	}
	*ms = (long)v * 1000;
	return CT_OK;
}

/* A copy of dir + "/" + sub, or NULL when out of memory. */
static char *
path_join(const char *dir, const char *sub)
{
	size_t	 a = strlen(dir), b = strlen(sub);
	char	*p;

	if ((p = xmalloc(a + b + 2)) == NULL)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, sub, b + 1);
	return p;
}

/*
 * Where the cache lives: --cache-dir, COLLIBRA_TOKEN_CACHE_DIR,
 * $XDG_RUNTIME_DIR/collibra-token, $XDG_CACHE_HOME/collibra-token,
 * ~/.cache/collibra-token.  XDG variables must hold absolute paths.
 * s->cache_dir stays NULL when there is no home either.
 */
static enum ct_err
resolve_cache_dir(const struct cli *c, struct settings *s)
{
	static const struct {
		const char *var, *sub;
	} xdg[] = {
		{ "XDG_RUNTIME_DIR", "collibra-token" },
		{ "XDG_CACHE_HOME", "collibra-token" },
		{ "HOME", ".cache/collibra-token" },
	};
	const char	*dir;
	size_t		 i;

	dir = pick(s, c->cache_dir, "--cache-dir", "COLLIBRA_TOKEN_CACHE_DIR",
	    "cache_dir", &s->cache_dir_from);
	if (dir != NULL)
		return (s->cache_dir = xstrdup(dir)) == NULL ?
		    CT_ERR_INTERNAL : CT_OK;
	for (i = 0; i < sizeof(xdg) / sizeof(xdg[0]); i++) {
		dir = pick(NULL, NULL, NULL, xdg[i].var, NULL,
		    &s->cache_dir_from);
		if (dir == NULL || dir[0] != '/')
			continue;
		return (s->cache_dir = path_join(dir, xdg[i].sub)) == NULL ?
		    CT_ERR_INTERNAL : CT_OK;
	}
	s->cache_dir_from = "default";
	return CT_OK;
}

/*
 * The cache mode: at most one of --no-cache, --refresh and
 * --clear-cache, else COLLIBRA_TOKEN_CACHE (0 or 1), else on.  Then
 * --min-ttl and the directory.
 */
static enum ct_err
resolve_cache(const struct cli *c, struct settings *s)
{
	const char	*v, *errstr;

	if (c->no_cache + c->refresh + c->clear_cache > 1) {
		warnmsg("--no-cache, --refresh and --clear-cache are "
		    "mutually exclusive");
		return CT_ERR_USAGE;
	}
	s->cache = CACHE_ON;
	if (c->no_cache) {
		s->cache = CACHE_OFF;
		s->cache_from = "--no-cache";
	} else if (c->refresh) {
		s->cache = CACHE_REFRESH;
		s->cache_from = "--refresh";
	} else if (c->clear_cache) {
		s->cache = CACHE_CLEAR;
		s->cache_from = "--clear-cache";
	} else if ((v = pick(NULL, NULL, NULL, "COLLIBRA_TOKEN_CACHE", NULL,
	    &s->cache_from)) != NULL) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			warnmsg("COLLIBRA_TOKEN_CACHE: must be 0 or 1");
			return CT_ERR_USAGE;
		}
		s->cache = strcmp(v, "0") == 0 ? CACHE_OFF : CACHE_ON;
	} else {
		switch (pick_bool(s, "cache", 1, &s->cache_from)) {
		case -1:
			return CT_ERR_USAGE;
		case 0:
			s->cache = CACHE_OFF;
			break;
		}
	}
	s->min_ttl = 60;
	v = pick(s, c->min_ttl, "--min-ttl", "COLLIBRA_TOKEN_MIN_TTL",
	    "min_ttl", &s->min_ttl_from);
	if (v != NULL &&
	    parse_number(v, 0, MAX_SECONDS, &s->min_ttl, &errstr) == -1) {
		warnmsg("%s: %s (whole seconds, 0 to %d)", s->min_ttl_from,
		    errstr, MAX_SECONDS);
		return CT_ERR_USAGE;
	}
	return resolve_cache_dir(c, s);
}

/* --retries, else COLLIBRA_TOKEN_RETRIES, else 2: 0 to MAX_RETRIES. */
static enum ct_err
resolve_retries(const struct cli *c, struct settings *s)
{
	const char	*v, *errstr;

	s->retries = 2;
	v = pick(s, c->retries, "--retries", "COLLIBRA_TOKEN_RETRIES",
	    "retries", &s->retries_from);
	if (v != NULL &&
	    parse_number(v, 0, MAX_RETRIES, &s->retries, &errstr) == -1) {
		warnmsg("%s: %s (0 to %d)", s->retries_from, errstr,
		    MAX_RETRIES);
		return CT_ERR_USAGE;
	}
	return CT_OK;
}

/*
 * Trust anchors: --cacert, else CURL_CA_BUNDLE, else SSL_CERT_FILE;
 * --capath, else SSL_CERT_DIR.  Checked for access here.
 */
static enum ct_err
resolve_trust(const struct cli *c, struct settings *s)
{
	struct stat	 st;
	const char	*from;

	s->cacert = pick(s, c->cacert, "--cacert", "CURL_CA_BUNDLE", NULL,
	    &s->cacert_from);
	if (s->cacert == NULL)
		s->cacert = pick(s, NULL, NULL, "SSL_CERT_FILE", "cacert",
		    &s->cacert_from);
	s->capath = pick(s, c->capath, "--capath", "SSL_CERT_DIR", "capath",
	    &s->capath_from);
	if (s->cacert != NULL && access(s->cacert, R_OK) == -1) {
		warnmsg("%s: cannot read %s: %s", s->cacert_from, s->cacert,
		    strerror(errno));
		return CT_ERR_USAGE;
	}
	if (s->capath != NULL &&
	    (stat(s->capath, &st) == -1 || !S_ISDIR(st.st_mode))) {
		warnmsg("%s: %s is not a directory", s->capath_from, s->capath);
		return CT_ERR_USAGE;
	}
	s->insecure = c->insecure ? 1 : pick_bool(s, "insecure", 0, &from);
	if (s->insecure == -1)
		return CT_ERR_USAGE;
	if (s->insecure)
		warnmsg("warning: --insecure: the server certificate is not "
		    "verified; anyone on the path can read the secret");
	return CT_OK;
}

/*
 * The config file: --config, else $XDG_CONFIG_HOME/collibra-token/config,
 * else ~/.config/collibra-token/config; the profile: --profile, else
 * COLLIBRA_PROFILE.  Read before anything else, as the lowest level
 * above the built-in defaults.
 */
static enum ct_err
resolve_profile(const struct cli *c, struct settings *s)
{
	const char	*home, *from;

	s->profile.name = pick(NULL, c->profile, "--profile",
	    "COLLIBRA_PROFILE", NULL, &s->profile_from);
	if (c->config != NULL)
		s->profile.path = xstrdup(c->config);
	else if ((home = pick(NULL, NULL, NULL, "XDG_CONFIG_HOME", NULL,
	    &from)) != NULL && home[0] == '/')
		s->profile.path = path_join(home, "collibra-token/config");
	else if ((home = pick(NULL, NULL, NULL, "HOME", NULL, &from)) != NULL)
		s->profile.path = path_join(home, ".config/collibra-token/config");
	else if (s->profile.name == NULL)
		return CT_OK;
	else {
		warnmsg("%s: profile '%s' asked for, but there is no config "
		    "file (set --config or HOME)", s->profile_from,
		    s->profile.name);
		return CT_ERR_USAGE;
	}
	if (s->profile.path == NULL)
		return CT_ERR_INTERNAL;
	return profile_load(&s->profile, c->config != NULL);
}

/*
 * Resolve every setting of c, the environment and the defaults into s.
 * On failure prints one line naming the setting and returns an error;
 * s must be released with config_free() either way.
 */
enum ct_err
config_resolve(const struct cli *c, struct settings *s)
{
	enum ct_err	 rc;

	memset(s, 0, sizeof(*s));
	s->verbose = c->verbose;
	s->show_config = c->show_config;
	if ((rc = resolve_profile(c, s)) != CT_OK)
		return rc;
	s->proxy = pick(s, c->proxy, "--proxy", NULL, "proxy", &s->proxy_from);
	if ((rc = resolve_token_url(c, s)) != CT_OK ||
	    (rc = resolve_client_id(c, s)) != CT_OK ||
	    (rc = resolve_cache(c, s)) != CT_OK ||
	    (rc = resolve_scope(c, s)) != CT_OK ||
	    (rc = resolve_choices(c, s)) != CT_OK ||
	    (rc = resolve_seconds(s, c->timeout, "--timeout", "timeout", 30,
	    &s->timeout_ms, &s->timeout_from)) != CT_OK ||
	    (rc = resolve_seconds(s, c->connect_timeout, "--connect-timeout",
	    "connect_timeout", 10, &s->connect_timeout_ms,
	    &s->connect_timeout_from)) != CT_OK ||
	    (rc = resolve_retries(c, s)) != CT_OK ||
	    (rc = resolve_trust(c, s)) != CT_OK)
		return rc;
	s->deadline_ms = now_ms() + s->timeout_ms;
	return resolve_secret(c, s);
}

/*
 * Print a string setting and its source: on stderr with our name in
 * front for -v, on stdout as is for --show-config.
 */
static void
print_setting(FILE *f, const char *name, const char *val, const char *from)
{
	const char	*lead = f == stderr ? PROGNAME ": " : "";
	char	*safe;

	if (val == NULL) {
		fprintf(f, "%s%s: (none, %s)\n", lead, name, from);
		return;
	}
	if ((safe = sanitize(val, strlen(val), 256)) == NULL)
		return;
	fprintf(f, "%s%s: %s (%s)\n", lead, name, safe, from);
	free(safe);
}

/*
 * Every setting and where it came from, never the secret: on stderr
 * for -v, on stdout for --show-config.
 */
void
config_print(FILE *f, const struct settings *s)
{
	const char	*lead = f == stderr ? PROGNAME ": " : "";

	if (s->profile.loaded)
		fprintf(f, "%sconfig file: %s\n", lead, s->profile.path);
	print_setting(f, "profile", s->profile.name, s->profile_from);
	print_setting(f, "token URL", s->token_url, s->token_url_from);
	print_setting(f, "client ID", s->client_id, s->client_id_from);
	if (s->secret != NULL)
		fprintf(f, "%sclient secret: %zu bytes, <redacted> "
		    "(%s)\n", lead, s->secret_len, s->secret_from);
	else if (s->secret_from != NULL)
		fprintf(f, "%sclient secret: read only for a fetch (%s)\n",
		    lead, s->secret_from);
	else
		fprintf(f, "%sclient secret: (none)\n", lead);
	print_setting(f, "scope", s->scope, s->scope_from);
	print_setting(f, "auth method", s->auth == AUTH_BASIC ? "basic" : "post",
	    s->auth_from);
	print_setting(f, "format", format_names[s->format], s->format_from);
	print_setting(f, "variable", s->var, s->var_from);
	fprintf(f, "%stimeout: %ld s (%s), connect timeout: %ld s "
	    "(%s)\n", lead, s->timeout_ms / 1000, s->timeout_from,
	    s->connect_timeout_ms / 1000, s->connect_timeout_from);
	fprintf(f, "%sretries: %lld (%s)\n", lead, s->retries,
	    s->retries_from);
	print_setting(f, "CA file", s->cacert, s->cacert_from);
	print_setting(f, "CA directory", s->capath, s->capath_from);
	if (s->proxy != NULL)
		fprintf(f, "%sproxy: given (%s)\n", lead, s->proxy_from);
	if (s->insecure)
		fprintf(f, "%scertificate verification: off "
		    "(--insecure)\n", lead);
	static const char *const modes[] = { "on", "off", "refresh", "clear" };

	fprintf(f, "%scache: %s (%s), min TTL %lld s (%s)\n",
	    lead, modes[s->cache], s->cache_from, s->min_ttl,
	    s->min_ttl_from);
	print_setting(f, "cache directory", s->cache_dir, s->cache_dir_from);
}

/* Wipe the secret and free what config_resolve() allocated. */
void
config_free(struct settings *s)
{
	wipe_free(s->secret, s->secret_size);
	profile_free(&s->profile);
	free(s->token_url);
	free(s->cache_dir);
	free(s->key_file);
	memset(s, 0, sizeof(*s));
}
