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

/* Print one setting and its source; a value is cut to 256 bytes. */
static void
print_value(FILE *f, const char *name, const char *val, const char *unit,
    const char *from)
{
	char	*safe;

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
	    unit != NULL ? unit : "", from);
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
	print_value(f, "token URL", shown, NULL, s->token_url_from);
	free(shown);
}

/* The client secret: its size and source, never its bytes. */
static void
print_secret(FILE *f, const struct settings *s)
{
	if (s->secret != NULL)
		show(f, "client secret: %zu bytes, <redacted> (%s)",
		    s->secret_len, s->secret_from);
	else if (s->secret_from != NULL)
		show(f, "client secret: read only for a fetch (%s)",
		    s->secret_from);
	else
		show(f, "client secret: (none)");
}

/* A row with a label, shown as its kind says. */
static void
print_row(FILE *f, const struct settings *s, enum set_id id)
{
	const struct setting_row *d = &settings_table[id];
	const struct value *v = &s->val[id];
	char		 num[32];

	if (id == SET_PROXY && v->str != NULL) {
		show(f, "proxy: given (%s)", v->from);
		return;
	}
	if (id == SET_PROXY)
		return;
	if (d->kind == KIND_NUMBER && v->str != NULL) {
		snprintf(num, sizeof(num), "%lld", v->num);
		print_value(f, d->label, num, d->unit, v->from);
	} else if (d->kind == KIND_ENUM && v->str != NULL)
		print_value(f, d->label, d->choices[v->num], NULL, v->from);
	else
		print_value(f, d->label, v->str, NULL, v->from);
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
			    SET_FROM(s, INSECURE));
		else if (i == SET_CACHE)
			show(f, "cache: %s (%s)", modes[s->cache],
			    s->cache_from);
		else if (i == SET_CACHE_DIR)
			print_value(f, "cache directory", s->cache_dir, NULL,
			    s->cache_dir_from);
		else if (settings_table[i].label != NULL)
			print_row(f, s, (enum set_id)i);
	}
	if (s->keylog != NULL)
		show(f, "SSLKEYLOGFILE: %s (unset: TLS secrets are not "
		    "logged)", s->keylog);
}
