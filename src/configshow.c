/*
 * What the resolved settings are and where each came from: the
 * --show-config listing on stdout, and the same lines on stderr for -v.
 * Secrets are never shown, only where they came from.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/*
 * One line of config_print(): on stderr with our name in front for -v,
 * on stdout as is for --show-config; sanitized whole, so that no value,
 * path or FILE:LINE (the config file's path is the user's, or
 * XDG_CONFIG_HOME's) reaches the terminal raw.
 */
static void
show(FILE *f, const char *fmt, ...)
{
	char		 raw[2 * PATH_MAX + 512], *safe;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if ((safe = sanitize(raw, strlen(raw), sizeof(raw))) == NULL)
		return;
	fprintf(f, "%s%s\n", f == stderr ? PROGNAME ": " : "", safe);
	free(safe);
}

/*
 * "FROM", or "FROM; VAR set aside for --profile" when the profile named
 * by -p outranked our variable VAR (aside: NULL or ""), into buf.
 */
static const char *
source(const char *from, const char *aside, char *buf, size_t size)
{
	if (aside == NULL || *aside == '\0')
		return from;
	snprintf(buf, size, "%s; %s set aside for %s", from, aside,
	    setting_flag(SET_PROFILE));
	return buf;
}

/*
 * Print one setting and its source (and what -p set aside for it); a
 * value is cut to 256 bytes.
 */
static void
print_value(FILE *f, const char *name, const char *val, const char *unit,
    const char *from, const char *aside)
{
	char	 buf[PATH_MAX + 128], *safe;

	if (val == NULL && from == NULL) {	/* no default either */
		show(f, "%s: (none)", name);
		return;
	}
	if (val == NULL) {
		show(f, "%s: (none, %s)", name, from);
		return;
	}
	if ((safe = sanitize(val, strlen(val), 256)) == NULL)
		return;
	show(f, "%s: %s%s%s (%s)", name, safe, unit != NULL ? " " : "",
	    unit != NULL ? unit : "", source(from, aside, buf, sizeof(buf)));
	free(safe);
}

/* The token URL, a password in it hidden (the URL is refused later). */
static void
print_url(FILE *f, const struct settings *s)
{
	char	*shown = NULL;

	if (s->token_url != NULL && (shown = redact_userinfo(s->token_url,
	    strlen(s->token_url))) == NULL)
		return;
	print_value(f, "token URL", shown, NULL, s->token_url_from,
	    s->token_url_aside);
	free(shown);
}

/* The client secret: its size and source, never its bytes. */
static void
print_secret(FILE *f, const struct settings *s)
{
	char		 buf[PATH_MAX + 128];
	const char	*from = s->secret_from == NULL ? NULL :
			    source(s->secret_from, s->secret_aside, buf,
			    sizeof(buf));

	if (s->secret != NULL)
		show(f, "client secret: %zu bytes, <redacted> (%s)",
		    s->secret_len, from);
	else if (from != NULL)
		show(f, "client secret: read only for a fetch (%s)", from);
	else
		show(f, "client secret: (none)");
}

/* A row with a label, shown as its kind says. */
static void
print_row(FILE *f, const struct settings *s, enum set_id id)
{
	const struct setting_row *d = &settings_table[id];
	const struct value *v = &s->val[id];
	char		 num[32], buf[PATH_MAX + 128];

	if (id == SET_PROXY && v->str != NULL) {
		show(f, "proxy: given (%s)", source(v->from, v->aside, buf,
		    sizeof(buf)));
		return;
	}
	if (id == SET_PROXY)
		return;
	if (d->kind == KIND_NUMBER && v->str != NULL) {
		snprintf(num, sizeof(num), "%lld", v->num);
		print_value(f, d->label, num, d->unit, v->from, v->aside);
	} else if (d->kind == KIND_ENUM && v->str != NULL)
		print_value(f, d->label, d->choices[v->num], NULL, v->from,
		    v->aside);
	else
		print_value(f, d->label, v->str, NULL, v->from, v->aside);
}

/*
 * Every setting and where it came from, never the secret: on stderr
 * for -v, on stdout for --show-config.  Then SSLKEYLOGFILE when it was
 * set (resolve_keylog()).
 */
void
config_print(FILE *f, const struct settings *s)
{
	static const char *const modes[] = { "on", "off", "refresh", "clear" };
	char		 buf[PATH_MAX + 128];
	int		 i;

	if (s->profile.loaded)
		show(f, "config file: %s", s->profile.path);
	for (i = 0; i < SET__MAX; i++) {
		if (i == SET_TOKEN_URL)
			print_url(f, s);
		else if (i == SET_SECRET)
			print_secret(f, s);
		else if (i == SET_INSECURE && SET_NUM(s, INSECURE))
			show(f, "certificate verification: off (%s)",
			    source(SET_FROM(s, INSECURE),
			    s->val[SET_INSECURE].aside, buf, sizeof(buf)));
		else if (i == SET_CACHE)
			show(f, "cache: %s (%s)", modes[s->cache],
			    source(s->cache_from, s->cache == CACHE_ON ||
			    s->cache == CACHE_OFF ? s->val[SET_CACHE].aside :
			    NULL, buf, sizeof(buf)));
		else if (i == SET_CACHE_DIR)
			print_value(f, "cache directory", s->cache_dir, NULL,
			    s->cache_dir_from, s->cache_dir_from ==
			    SET_FROM(s, CACHE_DIR) ?
			    s->val[SET_CACHE_DIR].aside : NULL);
		else if (settings_table[i].label != NULL)
			print_row(f, s, (enum set_id)i);
	}
	if (s->keylog != NULL)
		show(f, "SSLKEYLOGFILE: %s (unset: TLS secrets are not "
		    "logged)", s->keylog);
}
