/*
 * --status: what the cache holds for the chosen configuration (whether
 * a token is cached, its type, scope, expiry and time left) and the
 * settings that choose it, with their sources; as text, or as one JSON
 * object with -f json.  Never the token, never a request: a secret
 * command does not run and nobody is prompted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extern.h"

/* What --status found in the cache. */
struct status {
	struct token	*tok;		/* owned, or NULL: none */
	long long	 left;		/* seconds left */
	const char	*why;		/* when none: why not */
	char		 epoch[24];	/* the expiry, both forms */
	char		 rfc3339[32];
	char		*entry;		/* owned: the entry's path, or NULL */
	int		 fresh;		/* at least --min-ttl left */
};

/* Why no token is shown, in words, or NULL for a plain miss. */
static const char *
reason(const struct settings *s, const struct status *st)
{
	if (s->cache == CACHE_OFF)
		return "the cache is off";
	if (strcmp(st->why, "no cache") == 0)
		return "no usable cache, see -v";
	if (strcmp(st->why, "none") == 0 || strcmp(st->why, "no key") == 0)
		return NULL;
	return st->why;
}

/* One line of text, sanitized whole. */
static void
line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
line(const char *fmt, ...)
{
	char	 raw[4096], *safe;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if ((safe = sanitize(raw, strlen(raw), sizeof(raw))) != NULL)
		printf("%s\n", safe);
	free(safe);
}

/* The text form: the token's lines, then the settings (config_print()). */
static void
print_text(const struct settings *s, const struct status *st)
{
	const struct token *t = st->tok;
	const char	*why = reason(s, st);

	if (t == NULL && why != NULL)
		line("token: none cached (%s)", why);
	else if (t == NULL)
		line("token: none cached");
	else {
		line("token: cached (%s)", t->token_type);
		if (t->scope != NULL)
			line("granted scope: %s", t->scope);
		line("expires at: %s (Unix %s)", st->rfc3339, st->epoch);
		line("time left: %lld s (--min-ttl %lld s: %s)", st->left,
		    SET_NUM(s, MIN_TTL), st->fresh ? "enough" : "not enough");
	}
	if (st->entry != NULL)
		line("cache entry: %s (%s)", st->entry, s->cache_dir_from);
	config_print(stdout, s);
}

/* Add key: str (NULL: null) to o; 0, or -1. */
static int
set_str(json_t *o, const char *key, const char *str)
{
	return json_object_set_new(o, key, str != NULL ? json_string(str) :
	    json_null());
}

/* The sources of the settings that choose the entry, as an object. */
static json_t *
sources(const struct settings *s)
{
	json_t	*o;

	if ((o = json_object()) == NULL ||
	    set_str(o, "token_url", s->token_url_from) != 0 ||
	    set_str(o, "client_id", SET_FROM(s, CLIENT_ID)) != 0 ||
	    set_str(o, "client_secret", s->secret_from) != 0 ||
	    set_str(o, "scope", SET_FROM(s, SCOPE)) != 0 ||
	    set_str(o, "min_ttl", SET_FROM(s, MIN_TTL)) != 0 ||
	    set_str(o, "cache", s->cache_from) != 0 ||
	    set_str(o, "cache_dir", s->cache_dir_from) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The JSON form: one object, the same facts as the text, in ASCII.
 * Strings that are not valid UTF-8 (a path, a client ID) make
 * json_string() fail: then nothing is printed.  Returns CT_OK or
 * CT_ERR_INTERNAL.
 */
static enum ct_err
print_json(const struct settings *s, const struct status *st)
{
	static const char *const modes[] = { "on", "off", "refresh", "clear" };
	const struct token *t = st->tok;
	json_t		*o, *src;
	int		 bad;

	if ((o = json_object()) == NULL || (src = sources(s)) == NULL) {
		json_decref(o);
		warnmsg("out of memory");
		return CT_ERR_INTERNAL;
	}
	bad = json_object_set_new(o, "cached", json_boolean(t != NULL)) |
	    json_object_set_new(o, "fresh", json_boolean(st->fresh)) |
	    set_str(o, "reason", t == NULL ? reason(s, st) : NULL) |
	    set_str(o, "token_type", t != NULL ? t->token_type : NULL) |
	    set_str(o, "scope", t != NULL ? t->scope : NULL) |
	    json_object_set_new(o, "expires_in", t != NULL ?
	    json_integer(st->left) : json_null()) |
	    set_str(o, "expires_at", t != NULL ? st->rfc3339 : NULL) |
	    json_object_set_new(o, "expires_at_epoch", t != NULL ?
	    json_integer((json_int_t)token_expires_at(t)) : json_null()) |
	    json_object_set_new(o, "min_ttl",
	    json_integer(SET_NUM(s, MIN_TTL))) |
	    set_str(o, "token_url", s->token_url) |
	    set_str(o, "client_id", SET_STR(s, CLIENT_ID)) |
	    set_str(o, "cache", modes[s->cache]) |
	    set_str(o, "cache_entry", st->entry) |
	    json_object_set_new(o, "sources", src);
	/* \u escapes: the server's scope may reorder a terminal's line */
	if (bad == 0 && json_dumpf(o, stdout, JSON_COMPACT |
	    JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) == 0)
		putchar('\n');
	json_decref(o);
	if (bad != 0) {
		warnmsg("--status: a setting is not valid UTF-8; see "
		    "--status without -f json");
		return CT_ERR_INTERNAL;
	}
	return CT_OK;
}

/*
 * Print the status of the configuration s and its open cache c on
 * standard output.  Returns CT_OK when a token with at least --min-ttl
 * left is cached, CT_ERR_NOT_CACHED when none is, CT_ERR_INTERNAL
 * (after a message) when the output did not get out.
 */
enum ct_err
status_print(const struct settings *s, struct cache *c)
{
	struct status	 st = { 0 };
	enum ct_err	 rc = CT_OK;

	st.why = "none";
	if (s->cache != CACHE_OFF)
		st.tok = cache_peek(c, &st.left, &st.why);
	if (st.tok != NULL) {
		output_expiry(st.tok, st.epoch, st.rfc3339);
		st.fresh = st.left >= SET_NUM(s, MIN_TTL);
	}
	st.entry = cache_entry_path(c);
	if (SET_NUM(s, FORMAT) == FORMAT_JSON)
		rc = print_json(s, &st);
	else
		print_text(s, &st);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warnmsg("--status: cannot write to standard output");
		rc = CT_ERR_INTERNAL;
	}
	token_free(st.tok);
	free(st.entry);
	if (rc == CT_OK && !st.fresh)
		rc = CT_ERR_NOT_CACHED;
	return rc;
}
