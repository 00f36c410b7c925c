/*
 * The token on standard output, as raw text, JSON or POSIX shell
 * assignments.  Output goes through a buffer of our own that is wiped
 * after the flush, and every write is checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "extern.h"

static char	 outbuf[BUFSIZ];

/*
 * s between two q quotes, with every byte listed in esc preceded by a
 * backslash.  Returns an owned string or NULL.
 */
static char *
quote_with(const char *s, char q, const char *esc)
{
	const char	*p;
	char		*out, *o;
	size_t		 n = 3;

	for (p = s; *p != '\0'; p++)
		n += strchr(esc, *p) != NULL ? 2 : 1;
	if ((out = xmalloc(n)) == NULL)
		return NULL;
	o = out;
	*o++ = q;
	for (p = s; *p != '\0'; p++) {
		if (strchr(esc, *p) != NULL)
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = q;
	*o = '\0';
	return out;
}

/*
 * Quote s for a POSIX shell: inside single quotes every byte is literal
 * except the quote itself, written as '\''.  Safe for eval in sh, bash,
 * dash and zsh whatever s holds.  Returns an owned string or NULL.
 */
char *
shell_quote(const char *s)
{
	const char	*p;
	char		*out, *o;
	size_t		 n = 3;

	for (p = s; *p != '\0'; p++)
		n += *p == '\'' ? 4 : 1;
	if ((out = xmalloc(n)) == NULL)
		return NULL;
	o = out;
	*o++ = '\'';
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *p;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

/* RFC 3339 UTC time of t into buf (at least 21 bytes). */
static void
rfc3339(time_t t, char *buf, size_t size)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "1970-01-01T00:00:00Z");
}

static int
print_json(const struct token *t)
{
	json_t	*o;
	char	 at[32];
	int	 rc;

	rfc3339(t->received_at + (time_t)t->expires_in, at, sizeof(at));
	o = json_pack("{s:s, s:s, s:o, s:o}",
	    "access_token", t->access_token,
	    "token_type", t->token_type,
	    "expires_in", t->has_expiry ?
	    json_integer(t->expires_in) : json_null(),
	    "expires_at", t->has_expiry ? json_string(at) : json_null());
	if (o == NULL)
		return -1;
	if (t->scope != NULL &&
	    json_object_set_new(o, "scope", json_string(t->scope)) == -1) {
		json_decref(o);
		return -1;
	}
	rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return rc == 0 && putchar('\n') != EOF ? 0 : -1;
}

/*
 * The three variables that carry a token: NAME, NAME_TYPE and
 * NAME_EXPIRES_AT (Unix seconds, empty without an expiry), for the
 * shell-like formats and for a command's environment.  Values point into
 * t or into v; nothing is allocated.
 */
void
output_vars(const struct token *t, const char *var, struct token_vars *v)
{
	snprintf(v->name[0], sizeof(v->name[0]), "%s", var);
	snprintf(v->name[1], sizeof(v->name[1]), "%s_TYPE", var);
	snprintf(v->name[2], sizeof(v->name[2]), "%s_EXPIRES_AT", var);
	v->expires_at[0] = '\0';
	if (t->has_expiry)
		snprintf(v->expires_at, sizeof(v->expires_at), "%lld",
		    (long long)t->received_at + t->expires_in);
	v->value[0] = t->access_token;
	v->value[1] = t->token_type;
	v->value[2] = v->expires_at;
}

/*
 * Quote s for fish: inside single quotes only the backslash and the
 * quote are special, each escaped with a backslash.  Owned or NULL.
 */
char *
fish_quote(const char *s)
{
	return quote_with(s, '\'', "\\'");
}

/*
 * Quote s for a .env file: single quotes (literal) unless s holds one;
 * then double quotes with \, ", $ and ` escaped.  Owned or NULL.
 */
char *
dotenv_quote(const char *s)
{
	if (strchr(s, '\'') == NULL)
		return quote_with(s, '\'', "");
	return quote_with(s, '"', "\\\"$`");
}

/* Print NAME=VALUE lines in one of the shell-like formats. */
static int
print_vars(const struct token *t, const struct settings *s)
{
	enum format	 format = (enum format)SET_NUM(s, FORMAT);
	struct token_vars v = { 0 };
	char		*q;
	int		 i, rc = 0;

	output_vars(t, SET_STR(s, VAR), &v);
	for (i = 0; i < 3 && rc == 0; i++) {
		q = format == FORMAT_SHELL ? shell_quote(v.value[i]) :
		    format == FORMAT_FISH ? fish_quote(v.value[i]) :
		    dotenv_quote(v.value[i]);
		if (q == NULL)
			return -1;
		if (format == FORMAT_SHELL)
			rc = printf("export %s=%s\n", v.name[i], q) < 0;
		else if (format == FORMAT_FISH)
			rc = printf("set -gx %s %s\n", v.name[i], q) < 0;
		else
			rc = printf("%s=%s\n", v.name[i], q) < 0;
		wipe_free_str(q);
	}
	return rc ? -1 : 0;
}

/*
 * GitHub Actions: mask the token in the log, and when GITHUB_ENV names
 * the job's environment file, append the variables to it in the
 * multiline syntax (NAME<<DELIMITER) with a random delimiter.
 */
static int
print_github(const struct token *t, const struct settings *s)
{
	struct token_vars v = { 0 };
	unsigned char	 rnd[12];
	char		 delim[48];
	FILE		*f;
	int		 i, fd, rc = 0;

	if (printf("::add-mask::%s\n", t->access_token) < 0)
		return -1;
	if (s->github_env == NULL) {
		warnmsg("warning: GITHUB_ENV is not set; only the mask was "
		    "printed");
		return 0;
	}
	if (compat_random(rnd, sizeof(rnd)) == -1)
		return -1;
	snprintf(delim, sizeof(delim), "ghadelimiter_");
	for (i = 0; i < (int)sizeof(rnd); i++)
		snprintf(delim + 13 + 2 * i, 3, "%02x", rnd[i]);
	if ((fd = open(s->github_env, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOCTTY, 0600)) == -1 ||
	    (f = fdopen(fd, "a")) == NULL) {
		warnmsg("GITHUB_ENV: cannot open %s: %s", s->github_env,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -2;
	}
	output_vars(t, SET_STR(s, VAR), &v);
	for (i = 0; i < 3; i++)
		if (fprintf(f, "%s<<%s\n%s\n%s\n", v.name[i], delim,
		    v.value[i], delim) < 0)
			rc = -1;
	if (fclose(f) != 0 || rc != 0) {
		warnmsg("GITHUB_ENV: cannot write %s: %s", s->github_env,
		    strerror(errno));
		return -2;
	}
	return 0;
}

/*
 * Write t to standard output in the format of s and flush it.  Returns
 * CT_OK, or CT_ERR_INTERNAL after a message when the output did not get
 * out.
 */
enum ct_err
output_token(const struct token *t, const struct settings *s)
{
	int	 rc;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	switch (SET_NUM(s, FORMAT)) {
	case FORMAT_JSON:
		rc = print_json(t);
		break;
	case FORMAT_SHELL:
	case FORMAT_FISH:
	case FORMAT_DOTENV:
		rc = print_vars(t, s);
		break;
	case FORMAT_HEADER:
		rc = printf("Authorization: Bearer %s\n", t->access_token) < 0 ?
		    -1 : 0;
		break;
	case FORMAT_GITHUB:
		rc = print_github(t, s);
		break;
	default:
		rc = printf("%s\n", t->access_token) < 0 ? -1 : 0;
		break;
	}
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = -1;
	compat_wipe(outbuf, sizeof(outbuf));
	if (rc == -1) {
		warnmsg("cannot write the token to standard output%s%s",
		    errno ? ": " : "", errno ? strerror(errno) : "");
		return CT_ERR_INTERNAL;
	}
	return rc == 0 ? CT_OK : CT_ERR_INTERNAL;
}
