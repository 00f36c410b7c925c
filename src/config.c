/*
 * Settings resolved in one place, driven by the settings table: a flag
 * wins over a profile named with -p (for the keys it sets), which wins
 * over our own environment variable, which wins over the config file
 * (the selected profile, then [default]), which wins over a generic
 * variable such as SSL_CERT_FILE, which wins over the default.  The only
 * getenv(3) calls of the program are here.  Every value is checked for
 * length and bytes before use.  Showing them is configshow.c's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extern.h"

/* The environment variable name, if set and not empty. */
static const char *
env(const char *name)
{
	const char	*v;

	return name != NULL && (v = getenv(name)) != NULL && *v != '\0' ?
	    v : NULL;
}

/* Note str from `from` at `level` as the value of v. */
static void
found(struct value *v, const char *str, const char *from,
    enum set_level level)
{
	v->str = str;
	v->from = from;
	v->level = level;
}

/* True if the profile was named on the command line (-p, --profile). */
static int
explicit_profile(const struct settings *s)
{
	return s->profile.name != NULL &&
	    s->val[SET_PROFILE].level == LEVEL_FLAG;
}

/*
 * The raw value of setting id, from the strongest source that gives
 * it: flag, the profile named by -p, our variable, config file, generic
 * variable, default.  Notes our variable when -p set it aside.
 */
static void
pick(const struct cli *c, struct settings *s, enum set_id id)
{
	const struct setting_row *d = &settings_table[id];
	struct value	*v = &s->val[id];
	const char	*str, *from;
	size_t		 i;

	if (c->count[id] > 0) {
		found(v, c->arg[id], setting_flag(id), LEVEL_FLAG);
		return;
	}
	if (d->key != NULL && explicit_profile(s) &&
	    (str = s->profile.sel[id].value) != NULL) {
		found(v, str, s->profile.sel[id].from, LEVEL_PROFILE);
		v->aside = env(d->var) != NULL ? d->var : NULL;
		return;
	}
	if ((str = env(d->var)) != NULL) {
		found(v, str, d->var, LEVEL_ENV);
		return;
	}
	if (d->key != NULL &&
	    (str = profile_get(&s->profile, id, &from)) != NULL) {
		found(v, str, from, LEVEL_PROFILE);
		return;
	}
	for (i = 0; i < MAX_AMBIENT && d->ambient[i] != NULL; i++) {
		if ((str = env(d->ambient[i])) != NULL) {
			found(v, str, d->ambient[i], LEVEL_AMBIENT);
			return;
		}
	}
	found(v, d->def, "default", LEVEL_DEFAULT);
}

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

/* lookup(), case ignored. */
static int
lookup_nocase(const char *word, const char *const names[])
{
	int	 i;

	for (i = 0; names[i] != NULL; i++)
		if (strcasecmp(word, names[i]) == 0)
			return i;
	return -1;
}

/* "a, b or c" of a NULL-terminated list, into buf. */
static void
choice_list(const char *const names[], char *buf, size_t size)
{
	size_t	 i, n = 0;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s",
		    i == 0 ? "" : names[i + 1] == NULL ? " or " : ", ",
		    names[i]);
}

/* A number setting within its bounds. */
static enum ct_err
check_number(const struct setting_row *d, struct value *v)
{
	const char	*errstr;

	if (parse_number(v->str, d->min, d->max, &v->num, &errstr) == 0)
		return CT_OK;
	warnmsg("%s: %s (%s%lld to %lld)", v->from, errstr,
	    d->unit != NULL ? "whole seconds, " : "", d->min, d->max);
	return CT_ERR_USAGE;
}

/*
 * A file mode: three or four octal digits, readable by the owner, with
 * no bit outside max (d->max: no world or execute bit, no setuid).
 */
static enum ct_err
check_mode(const struct setting_row *d, struct value *v)
{
	const char	*p;
	long long	 mode = 0;

	for (p = v->str; *p >= '0' && *p <= '7' && p - v->str < 4; p++)
		mode = mode * 8 + (*p - '0');
	if (*p != '\0' || p - v->str < 3) {
		warnmsg("%s: %s must be octal, such as 0640", v->from,
		    d->label);
		return CT_ERR_USAGE;
	}
	if ((mode & ~d->max) != 0 || (mode & 0400) == 0) {
		warnmsg("%s: %s %04llo: only the owner's and the group's "
		    "read and write bits, the owner's read among them "
		    "(0600, 0640, 0660, 0440)", v->from, d->label, mode);
		return CT_ERR_USAGE;
	}
	v->num = mode;
	return CT_OK;
}

/* An enum setting: one of its words. */
static enum ct_err
check_enum(const struct setting_row *d, struct value *v)
{
	char	 list[128], *safe;
	int	 i;

	if ((i = lookup(v->str, d->choices)) >= 0) {
		v->num = i;
		return CT_OK;
	}
	choice_list(d->choices, list, sizeof(list));
	safe = sanitize(v->str, strlen(v->str), 64);
	warnmsg("%s: unknown %s '%s' (%s)", v->from, d->label,
	    safe != NULL ? safe : "", list);
	free(safe);
	return CT_ERR_USAGE;
}

/*
 * A boolean: a flag turns it on (off if negated); a variable or the
 * config file says true/yes/on/1 or false/no/off/0, in any case.
 */
static enum ct_err
check_bool(const struct setting_row *d, struct value *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };

	if (v->level == LEVEL_FLAG)
		v->num = !d->negated;
	else if (lookup_nocase(v->str, yes) >= 0)
		v->num = 1;
	else if (lookup_nocase(v->str, no) >= 0)
		v->num = 0;
	else {
		warnmsg("%s: %s%smust be true or false (or yes/no, on/off, "
		    "1/0)", v->from, v->level == LEVEL_PROFILE ? d->key : "",
		    v->level == LEVEL_PROFILE ? " " : "");
		return CT_ERR_USAGE;
	}
	return CT_OK;
}

/* True if byte c may stand in a string of the given class. */
static int
char_ok(enum set_chars chars, const char *start, const char *p)
{
	unsigned char	 c = (unsigned char)*p;

	switch (chars) {
	case CHARS_URL:
		return c > 0x20 && c != 0x7f;
	case CHARS_TEXT:
		return c >= 0x20 && c != 0x7f;
	case CHARS_SCOPE:
		return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
	case CHARS_NAME:
		return c == '_' || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (p > start && c >= '0' &&
		    c <= '9');
	default:
		return 1;
	}
}

/* Why a string of the given class is refused, for the message. */
static void
refuse_string(const struct setting_row *d, const struct value *v, int length)
{
	char	*safe;

	switch (d->chars) {
	case CHARS_URL:
		warnmsg(length ? "%s: URL too long" : "%s: malformed URL: "
		    "spaces or control characters", v->from);
		break;
	case CHARS_SCOPE:
		warnmsg(length ? "%s: scope must be %lld to %lld bytes" :
		    "%s: scope may only hold printable ASCII other than "
		    "'\"' and '\\'", v->from, d->min, d->max);
		break;
	case CHARS_NAME:
		safe = sanitize(v->str, strlen(v->str), 256);
		warnmsg("%s: invalid variable name '%s'", v->from,
		    safe != NULL ? safe : "");
		free(safe);
		break;
	default:
		if (length)
			warnmsg("%s: %s must be %lld to %lld bytes", v->from,
			    d->label, d->min, d->max);
		else
			warnmsg("%s: %s contains control characters",
			    v->from, d->label);
	}
}

/* A string setting: its length and its bytes. */
static enum ct_err
check_string(const struct setting_row *d, const struct value *v)
{
	const char	*p;
	size_t		 n = strlen(v->str);

	if (d->max > 0 && ((long long)n < d->min || (long long)n > d->max)) {
		refuse_string(d, v, 1);
		return CT_ERR_USAGE;
	}
	for (p = v->str; *p != '\0'; p++) {
		if (!char_ok(d->chars, v->str, p)) {
			refuse_string(d, v, 0);
			return CT_ERR_USAGE;
		}
	}
	return CT_OK;
}

/* Pick setting id and check it by its kind. */
static enum ct_err
resolve(const struct cli *c, struct settings *s, enum set_id id)
{
	const struct setting_row *d = &settings_table[id];
	struct value	*v = &s->val[id];

	pick(c, s, id);
	if (d->kind == KIND_FLAG) {
		v->num = c->count[id];
		return CT_OK;
	}
	if (v->str == NULL && d->kind != KIND_BOOL)
		return CT_OK;
	switch (d->kind) {
	case KIND_NUMBER:
		return check_number(d, v);
	case KIND_MODE:
		return check_mode(d, v);
	case KIND_ENUM:
		return check_enum(d, v);
	case KIND_BOOL:
		return check_bool(d, v);
	case KIND_STRING:
		return check_string(d, v);
	default:
		return CT_OK;
	}
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
 * The config file: --config, else $XDG_CONFIG_HOME/collibra-token/config,
 * else ~/.config/collibra-token/config; the profile: --profile, else
 * COLLIBRA_PROFILE.  Read before the other settings, which it feeds.
 */
static enum ct_err
resolve_profile(const struct cli *c, struct settings *s)
{
	const char	*home, *config = c->arg[SET_CONFIG];
	enum ct_err	 rc;

	if ((rc = resolve(c, s, SET_PROFILE)) != CT_OK)
		return rc;
	s->profile.name = SET_STR(s, PROFILE);
	if (config != NULL)
		s->profile.path = xstrdup(config);
	else if ((home = env("XDG_CONFIG_HOME")) != NULL && home[0] == '/')
		s->profile.path = path_join(home, "collibra-token/config");
	else if ((home = env("HOME")) != NULL)
		s->profile.path = path_join(home,
		    ".config/collibra-token/config");
	else if (s->profile.name == NULL)
		return CT_OK;
	else {
		warnmsg("%s: profile '%s' asked for, but there is no config "
		    "file (set --config or HOME)", SET_FROM(s, PROFILE),
		    s->profile.name);
		return CT_ERR_USAGE;
	}
	if (s->profile.path == NULL)
		return CT_ERR_INTERNAL;
	return profile_load(&s->profile, config != NULL);
}

/*
 * How strong the source of setting id is, for the URL pair, as pick()
 * orders them: flag, a profile named by -p, our variable, the selected
 * profile, [default], generic variable, default.  Lower is stronger.
 */
static int
url_rank(const struct settings *s, enum set_id id)
{
	const struct value *v = &s->val[id];

	switch (v->level) {
	case LEVEL_FLAG:
		return 0;
	case LEVEL_ENV:
		return 2;
	case LEVEL_PROFILE:
		if (s->profile.sel[id].value == NULL)
			return 4;
		return explicit_profile(s) ? 1 : 3;
	default:
		return 5 + (int)v->level;
	}
}

/*
 * The variables that the profile named by -p set aside for the token
 * URL: the winner's own, and the other's when it came from its variable.
 */
static void
url_aside(struct settings *s, const struct value *win,
    const struct value *other)
{
	const char	*a = win->aside, *b = NULL;

	if (url_rank(s, win == &s->val[SET_URL] ? SET_URL :
	    SET_TOKEN_URL) == 1)
		b = other->level == LEVEL_ENV ? other->from : other->aside;
	snprintf(s->token_url_aside, sizeof(s->token_url_aside), "%s%s%s",
	    a != NULL ? a : "", a != NULL && b != NULL ? " and " : "",
	    b != NULL ? b : "");
}

/*
 * The token endpoint.  The URL and the token URL are one setting for
 * precedence: the strongest source that gives either wins (the selected
 * profile beats [default]), and within one source the token URL beats
 * the URL.  --token-url is used as given; --url gets TOKEN_PATH after
 * any trailing slashes.  The http layer parses it before it is used
 * (http_check_url()).
 */
static enum ct_err
resolve_token_url(struct settings *s)
{
	const struct value *u = &s->val[SET_URL], *t = &s->val[SET_TOKEN_URL];
	size_t		 n;

	if (t->str != NULL && (u->str == NULL ||
	    url_rank(s, SET_TOKEN_URL) <= url_rank(s, SET_URL))) {
		s->url = t->str;
		s->token_url_from = t->from;
		url_aside(s, t, u);
		return (s->token_url = xstrdup(t->str)) == NULL ?
		    CT_ERR_INTERNAL : CT_OK;
	}
	if (u->str == NULL)
		return CT_OK;		/* require_settings() */
	s->url = u->str;
	s->url_is_base = 1;
	s->token_url_from = u->from;
	url_aside(s, u, t);
	n = strlen(u->str);
	while (n > 0 && u->str[n - 1] == '/')
		n--;
	/* the endpoint itself, as Collibra's documentation shows it */
	s->url_is_endpoint = n >= sizeof(TOKEN_PATH) - 1 &&
	    strncmp(u->str + n - (sizeof(TOKEN_PATH) - 1), TOKEN_PATH,
	    sizeof(TOKEN_PATH) - 1) == 0;
	if (s->url_is_endpoint)
		n -= sizeof(TOKEN_PATH) - 1;
	if ((s->token_url = xmalloc(n + sizeof(TOKEN_PATH))) == NULL)
		return CT_ERR_INTERNAL;
	memcpy(s->token_url, u->str, n);
	memcpy(s->token_url + n, TOKEN_PATH, sizeof(TOKEN_PATH));
	return CT_OK;
}

/*
 * s->profile_hint: " (or choose a profile: -p a|b)" when the config
 * file has profiles and none was chosen, else "": for the messages
 * about a missing setting.
 */
static void
profile_hint(struct settings *s)
{
	char	*list;

	s->profile_hint[0] = '\0';
	if (s->profile.name != NULL || s->profile.names == NULL ||
	    (list = sanitize(s->profile.names, strlen(s->profile.names),
	    200)) == NULL)
		return;
	snprintf(s->profile_hint, sizeof(s->profile_hint),
	    " (or choose a profile: -p %s)", list);
	free(list);
}

/* "a", "a or b", "a, b or c" of the n words of list, into buf. */
static void
join(const char *const *list, size_t n, const char *conj, char *buf,
    size_t size)
{
	size_t	 i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i == 0 ? "" : i + 1 == n ? conj : ", ", list[i]);
}

/*
 * The URL and the client ID, which every request and cache entry
 * needs, and the secret when a fetch would need one and there is no
 * terminal to ask on: all that is missing in one message.  The secret
 * alone is looked for only when a fetch needs it (secret_load()).
 */
static enum ct_err
require_settings(const struct settings *s)
{
	static const char *const what[] = {
		"Collibra URL", "client ID", "client secret"
	};
	static const char *const flag[] = {
		"--url", "--client-id", "--client-secret-file"
	};
	static const char *const var[] = {
		"COLLIBRA_URL", "COLLIBRA_CLIENT_ID", "COLLIBRA_CLIENT_SECRET"
	};
	const char	*w[3], *f[3], *v[3];
	char		 ws[64], fs[96], vs[96];
	size_t		 i, n = 0;
	int		 missing[3];

	if (SET_NUM(s, SHOW_CONFIG))
		return CT_OK;
	missing[0] = s->token_url == NULL;
	missing[1] = SET_STR(s, CLIENT_ID) == NULL;
	missing[2] = (missing[0] || missing[1]) &&
	    s->secret_kind == SECRET_PROMPT && s->cache != CACHE_CLEAR &&
	    !isatty(STDIN_FILENO);
	for (i = 0; i < 3; i++) {
		if (!missing[i])
			continue;
		w[n] = what[i];
		f[n] = flag[i];
		v[n++] = var[i];
	}
	if (n == 0)
		return CT_OK;
	join(w, n, " or ", ws, sizeof(ws));
	join(f, n, " and ", fs, sizeof(fs));
	join(v, n, " and ", vs, sizeof(vs));
	warnmsg("no %s: use %s%s set %s%s", ws, fs, n > 1 ? ", or" : " or",
	    vs, s->profile_hint);
	return CT_ERR_USAGE;
}

/*
 * Where the token goes: -o FILE, else COLLIBRA_OUTPUT, which a command
 * after "--" sets aside (it gets the token in its environment); --watch
 * needs one of them, and the --file-mode flag a file.
 */
static enum ct_err
resolve_output(const struct cli *c, struct settings *s)
{
	struct value	*v = &s->val[SET_OUTPUT];

	if (c->command != NULL && v->level == LEVEL_ENV)
		found(v, NULL, "COLLIBRA_OUTPUT set aside for the command",
		    LEVEL_DEFAULT);
	if (SET_NUM(s, WATCH) && c->command == NULL && v->str == NULL) {
		warnmsg("--watch needs -o FILE or a command after '--'");
		return CT_ERR_USAGE;
	}
	/* a command's own file stays private: the flag needs a file */
	if (c->count[SET_FILE_MODE] > 0 && v->str == NULL) {
		warnmsg("--file-mode goes with -o FILE");
		return CT_ERR_USAGE;
	}
	return CT_OK;
}

/*
 * The cache mode: at most one of --no-cache, --refresh and
 * --clear-cache, else COLLIBRA_TOKEN_CACHE or the config file's cache
 * key, else on.  Then the directory (see resolve_cache_dir()).
 */
static enum ct_err
resolve_cache(struct settings *s)
{
	const struct value *off = &s->val[SET_CACHE];

	if ((off->level == LEVEL_FLAG) + (SET_NUM(s, REFRESH) > 0) +
	    (SET_NUM(s, CLEAR_CACHE) > 0) > 1) {
		warnmsg("--no-cache, --refresh and --clear-cache are "
		    "mutually exclusive");
		return CT_ERR_USAGE;
	}
	s->cache = off->num ? CACHE_ON : CACHE_OFF;
	s->cache_from = off->from;
	if (SET_NUM(s, REFRESH)) {
		s->cache = CACHE_REFRESH;
		s->cache_from = setting_flag(SET_REFRESH);
	} else if (SET_NUM(s, CLEAR_CACHE)) {
		s->cache = CACHE_CLEAR;
		s->cache_from = setting_flag(SET_CLEAR_CACHE);
	}
	return CT_OK;
}

/*
 * Where the cache lives: --cache-dir, COLLIBRA_TOKEN_CACHE_DIR, the
 * config file, $XDG_RUNTIME_DIR/collibra-token,
 * $XDG_CACHE_HOME/collibra-token, ~/.cache/collibra-token.  XDG
 * variables must hold absolute paths.  s->cache_dir stays NULL when
 * there is no home either.
 */
static enum ct_err
resolve_cache_dir(struct settings *s)
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

	s->cache_dir_from = SET_FROM(s, CACHE_DIR);
	if ((dir = SET_STR(s, CACHE_DIR)) != NULL)
		return (s->cache_dir = xstrdup(dir)) == NULL ?
		    CT_ERR_INTERNAL : CT_OK;
	for (i = 0; i < sizeof(xdg) / sizeof(xdg[0]); i++) {
		if ((dir = env(xdg[i].var)) == NULL || dir[0] != '/')
			continue;
		s->cache_dir_from = xdg[i].var;
		return (s->cache_dir = path_join(dir, xdg[i].sub)) == NULL ?
		    CT_ERR_INTERNAL : CT_OK;
	}
	return CT_OK;
}

/*
 * Trust anchors.  A CA file or directory the user named (flag, config
 * file) replaces every generic one: SSL_CERT_DIR does not add to
 * --cacert, nor CURL_CA_BUNDLE to --capath.  Checked for access here.
 */
static enum ct_err
resolve_trust(struct settings *s)
{
	struct value	*file = &s->val[SET_CACERT], *dir = &s->val[SET_CAPATH];
	struct stat	 st;

	if (file->level < LEVEL_AMBIENT && dir->level == LEVEL_AMBIENT)
		found(dir, NULL, "replaced by the CA file", LEVEL_DEFAULT);
	if (dir->level < LEVEL_AMBIENT && file->level == LEVEL_AMBIENT)
		found(file, NULL, "replaced by the CA directory",
		    LEVEL_DEFAULT);
	if (file->str != NULL && access(file->str, R_OK) == -1) {
		warnmsg("%s: cannot read %s: %s", file->from, file->str,
		    strerror(errno));
		return CT_ERR_USAGE;
	}
	if (dir->str != NULL &&
	    (stat(dir->str, &st) == -1 || !S_ISDIR(st.st_mode))) {
		warnmsg("%s: %s is not a directory", dir->from, dir->str);
		return CT_ERR_USAGE;
	}
	/* named when not the flag: an exported variable goes unnoticed */
	if (SET_NUM(s, INSECURE))
		warnmsg("warning: --insecure%s%s%s: the server certificate is "
		    "not verified; anyone on the path can read the secret",
		    s->val[SET_INSECURE].level == LEVEL_FLAG ? "" : " (",
		    s->val[SET_INSECURE].level == LEVEL_FLAG ? "" :
		    SET_FROM(s, INSECURE),
		    s->val[SET_INSECURE].level == LEVEL_FLAG ? "" : ")");
	return CT_OK;
}

/* One of the three ways to give the secret, and where it was said. */
struct secret_source {
	const char	*value;
	const char	*file;
	const char	*command;
	const char	*from;		/* of the one that is set */
	const char	*aside;		/* a secret variable -p outranked */
	int		 n;		/* how many are set */
};

static const enum set_id secret_ids[] = {
	SET_SECRET, SET_SECRET_FILE, SET_SECRET_COMMAND
};

/*
 * The value of secret setting id at one step of the search: 0 the
 * flags, 1 the variables, 2 the selected profile, 3 [default]; or NULL.
 */
static const char *
secret_at(const struct cli *c, const struct settings *s, enum set_id id,
    int step, const char **from)
{
	const struct profile_value *pv;

	switch (step) {
	case 0:
		*from = setting_flag(id);
		return c->count[id] > 0 ? c->arg[id] : NULL;
	case 1:
		*from = settings_table[id].var;
		return env(*from);
	default:
		pv = step == 2 ? &s->profile.sel[id] : &s->profile.def[id];
		*from = pv->from;
		return pv->value;
	}
}

/* The three secret settings at one step, and how many are given. */
static void
source_at(const struct cli *c, const struct settings *s, int step,
    struct secret_source *src)
{
	const char	**slot[3] = { &src->value, &src->file, &src->command };
	const char	*v, *from;
	int		 i;

	memset(src, 0, sizeof(*src));
	for (i = 0; i < 3; i++) {
		if ((v = secret_at(c, s, secret_ids[i], step, &from)) == NULL)
			continue;
		*slot[i] = v;
		src->from = from;
		src->n++;
	}
}

/*
 * The secret's source: the flags, else the variables, else the config
 * file (the selected profile's keys, else [default]'s); a profile named
 * by -p comes before the variables.  At each level only one of value,
 * file and command may be given.
 */
static enum ct_err
find_secret(const struct cli *c, const struct settings *s,
    struct secret_source *src)
{
	static const int order[2][4] = { { 0, 1, 2, 3 }, { 0, 2, 1, 3 } };
	struct secret_source var;
	int		 i, step;

	for (i = 0; i < 4; i++) {
		step = order[explicit_profile(s)][i];
		source_at(c, s, step, src);
		if (src->n > 1 && step == 0)
			warnmsg("--client-secret, --client-secret-file and "
			    "--client-secret-command are mutually exclusive");
		else if (src->n > 1 && step == 1)
			warnmsg("COLLIBRA_CLIENT_SECRET, "
			    "COLLIBRA_CLIENT_SECRET_FILE and "
			    "COLLIBRA_CLIENT_SECRET_COMMAND are set together; "
			    "unset all but one");
		else if (src->n > 1)
			warnmsg("%s: only one of client_secret, "
			    "client_secret_file and client_secret_command "
			    "may be given", src->from);
		if (src->n > 1)
			return CT_ERR_USAGE;
		if (src->n == 1)
			break;
	}
	if (step == 2) {		/* the profile named by -p */
		source_at(c, s, 1, &var);
		src->aside = var.n > 0 ? var.from : NULL;
	}
	return CT_OK;
}

/* A literal secret (flag, variable, config file) in a buffer of ours. */
static enum ct_err
secret_literal(const struct secret_source *src, struct secret *sec)
{
	if ((sec->len = strlen(src->value)) == 0 || sec->len > MAX_SECRET) {
		warnmsg("%s: the secret must be 1 to %d bytes", src->from,
		    MAX_SECRET);
		return CT_ERR_USAGE;
	}
	sec->size = sec->len + 1;
	return (sec->value = xstrdup(src->value)) == NULL ?
	    CT_ERR_INTERNAL : CT_OK;
}

/*
 * Where the user's cache key is kept (the key of entries for a secret
 * command or a prompt): $XDG_STATE_HOME/collibra-token/cache-key, else
 * ~/.local/state/collibra-token/cache-key; outside the cache directory,
 * so that a copy of the cache is useless without it.  NULL: nowhere.
 */
static enum ct_err
resolve_key_file(struct settings *s)
{
	const char	*home;

	if ((home = env("XDG_STATE_HOME")) != NULL && home[0] == '/')
		s->key_file = path_join(home, "collibra-token/cache-key");
	else if ((home = env("HOME")) != NULL && home[0] == '/')
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
	s->secret_file = src.file;
	s->secret_aside = src.aside;
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
	if (src.value != NULL)
		rc = secret_literal(&src, &sec);
	else
		rc = secret_from_file(src.file, src.from, &sec);
	s->secret = sec.value;
	s->secret_len = sec.len;
	s->secret_size = sec.size;
	return rc;
}

/*
 * SSLKEYLOGFILE names a file where libcurl appends the TLS secrets of
 * every connection, which decrypt a capture of the request and so the
 * secret.  Keep its value for -v and unset it, so that neither libcurl
 * nor a command run with the token gets it.  Before libcurl starts.
 */
static enum ct_err
resolve_keylog(struct settings *s)
{
	const char	*v;

	if ((v = getenv("SSLKEYLOGFILE")) == NULL)
		return CT_OK;
	if ((s->keylog = xstrdup(v)) == NULL)
		return CT_ERR_INTERNAL;
	if (unsetenv("SSLKEYLOGFILE") == -1) {
		warnmsg("cannot unset SSLKEYLOGFILE: %s", strerror(errno));
		return CT_ERR_INTERNAL;
	}
	return CT_OK;
}

/*
 * NOTIFY_SOCKET, with --watch only: where a service manager (systemd)
 * listens for the watch's readiness and status (sd_notify(3)): a path,
 * or "@NAME" in Linux's abstract namespace.  Kept, and unset so that no
 * child (a secret command, the watch's command) speaks in our name; one
 * that cannot be a socket address is ignored.  Without --watch it stays
 * for the command that exec mode becomes.
 */
static enum ct_err
resolve_notify(struct settings *s)
{
	const char	*v;

	if (!SET_NUM(s, WATCH) || (v = env("NOTIFY_SOCKET")) == NULL)
		return CT_OK;
	if ((v[0] == '/' || v[0] == '@') && strlen(v) < MAX_NOTIFY_SOCKET &&
	    (s->notify_socket = xstrdup(v)) == NULL)
		return CT_ERR_INTERNAL;
	if (unsetenv("NOTIFY_SOCKET") == -1) {
		warnmsg("cannot unset NOTIFY_SOCKET: %s", strerror(errno));
		return CT_ERR_INTERNAL;
	}
	return CT_OK;
}

/* Every row that config_resolve() checks by its kind alone. */
static enum ct_err
resolve_table(const struct cli *c, struct settings *s)
{
	enum ct_err	 rc;
	int		 i;

	for (i = 0; i < SET__MAX; i++) {
		switch (settings_table[i].kind) {
		case KIND_SECRET:
		case KIND_ACTION:
			continue;
		default:
			break;
		}
		if (i == SET_PROFILE || i == SET_SECRET_FILE ||
		    i == SET_SECRET_COMMAND)
			continue;	/* resolve_profile(), find_secret() */
		if ((rc = resolve(c, s, (enum set_id)i)) != CT_OK)
			return rc;
	}
	return CT_OK;
}

/*
 * Resolve every setting of c, the environment, the config file and the
 * defaults into s.  On failure prints one line naming the setting and
 * returns an error; s must be released with config_free() either way.
 */
enum ct_err
config_resolve(const struct cli *c, struct settings *s)
{
	enum ct_err	 rc;

	memset(s, 0, sizeof(*s));
	/* where execvp(3) looks for a command: $PATH, or its default */
	if ((s->exec_path = getenv("PATH")) == NULL)
		s->exec_path = "/bin:/usr/bin";
	s->val[SET_SHOW_CONFIG].num = c->count[SET_SHOW_CONFIG];
	if ((rc = resolve_keylog(s)) != CT_OK ||
	    (rc = resolve_profile(c, s)) != CT_OK ||
	    (rc = resolve_table(c, s)) != CT_OK ||
	    (rc = resolve_token_url(s)) != CT_OK ||
	    (rc = resolve_output(c, s)) != CT_OK ||
	    (rc = resolve_cache(s)) != CT_OK ||
	    (rc = resolve_cache_dir(s)) != CT_OK ||
	    (rc = resolve_trust(s)) != CT_OK ||
	    (rc = resolve_notify(s)) != CT_OK)
		return rc;
	if (SET_NUM(s, FORMAT) == FORMAT_GITHUB &&
	    (SET_STR(s, OUTPUT) != NULL || SET_NUM(s, WATCH))) {
		warnmsg("%s: the github format masks the token on standard "
		    "output; it goes with neither -o nor --watch",
		    SET_FROM(s, FORMAT));
		return CT_ERR_USAGE;
	}
	s->verbose = (int)SET_NUM(s, VERBOSE);
	s->github_env = env("GITHUB_ENV");
	s->runtime_dir = env("XDG_RUNTIME_DIR");
	if (s->runtime_dir != NULL && s->runtime_dir[0] != '/')
		s->runtime_dir = NULL;
	s->tmp_dir = env("TMPDIR");
	profile_hint(s);
	if ((rc = resolve_secret(c, s)) != CT_OK ||
	    (rc = require_settings(s)) != CT_OK)
		return rc;
	if (s->url_is_endpoint)
		verbosef(s, "%s ends in %s: used as the token endpoint",
		    s->token_url_from, TOKEN_PATH);
	s->deadline_ms = now_ms() + SET_NUM(s, TIMEOUT) * 1000;
	return CT_OK;
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
	free(s->keylog);
	free(s->notify_socket);
	memset(s, 0, sizeof(*s));
}
