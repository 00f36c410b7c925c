/*
 * The token on standard output, as raw text, JSON or POSIX shell
 * assignments.  Output goes through a buffer of our own that is wiped
 * after the flush, and every write is checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "extern.h"

static char	 outbuf[BUFSIZ];

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

/* One "export NAME='value'" line. */
static int
print_export(const char *name, const char *value)
{
	char	*q;
	int	 rc;

	if ((q = shell_quote(value)) == NULL)
		return -1;
	rc = printf("export %s=%s\n", name, q);
	wipe_free_str(q);
	return rc < 0 ? -1 : 0;
}

static int
print_shell(const struct token *t)
{
	char	 at[32] = "";

	if (t->has_expiry)
		snprintf(at, sizeof(at), "%lld",
		    (long long)t->received_at + t->expires_in);
	if (print_export("COLLIBRA_TOKEN", t->access_token) == -1 ||
	    print_export("COLLIBRA_TOKEN_TYPE", t->token_type) == -1 ||
	    print_export("COLLIBRA_TOKEN_EXPIRES_AT", at) == -1)
		return -1;
	return 0;
}

/*
 * Write t to standard output in format f and flush it.  Returns CT_OK,
 * or CT_ERR_INTERNAL after a message when the output did not get out.
 */
enum ct_err
output_token(const struct token *t, enum format f)
{
	int	 rc;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	switch (f) {
	case FORMAT_JSON:
		rc = print_json(t);
		break;
	case FORMAT_SHELL:
		rc = print_shell(t);
		break;
	default:
		rc = printf("%s\n", t->access_token) < 0 ? -1 : 0;
		break;
	}
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = -1;
	explicit_bzero(outbuf, sizeof(outbuf));
	if (rc == -1) {
		warnmsg("cannot write the token to standard output%s%s",
		    errno ? ": " : "", errno ? strerror(errno) : "");
		return CT_ERR_INTERNAL;
	}
	return CT_OK;
}
