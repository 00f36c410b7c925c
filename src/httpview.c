/*
 * The redacted --verbose view of the exchange: the request's headers
 * and libcurl's text lines (-vv) as libcurl hands them over, and the
 * response's status line, headers and timings; credentials, URL
 * userinfo, every form of the secret and the token hidden, control
 * bytes sanitized, lines cut to MAX_FIELD bytes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extern.h"

/*
 * libcurl's -vv lines about a proxy, with its credentials hidden:
 * "Uses proxy env variable NAME == 'VALUE'" (VALUE may be
 * "user:pass@host:port", without a scheme, which redact_userinfo() does
 * not see) and "Proxy auth using Basic with user 'USER'" (a proxy may
 * take a key as its user name).  Other lines are copied.  Owned, or
 * NULL when out of memory.
 */
static char *
proxy_text(const char *p, size_t n)
{
	static const char env_line[] = "Uses proxy env variable ";
	static const char auth_line[] = "Proxy auth using ";
	const char	*q = memchr(p, '\'', n), *v, *at = NULL, *end = p + n;
	char		*out;
	size_t		 k;

	if ((out = xmalloc(n + 16)) == NULL)
		return NULL;
	if (q != NULL && n > sizeof(auth_line) - 1 &&
	    memcmp(p, auth_line, sizeof(auth_line) - 1) == 0) {
		k = (size_t)(q - p);
		memcpy(out, p, k);
		memcpy(out + k, "<redacted>", 11);
		return out;
	}
	if (q != NULL && n > sizeof(env_line) - 1 &&
	    memcmp(p, env_line, sizeof(env_line) - 1) == 0)
		for (v = q + 1; v < end && *v != '\'' && *v != '/'; v++)
			if (*v == '@')
				at = v;
	if (at == NULL) {
		memcpy(out, p, n);
		out[n] = '\0';
		return out;
	}
	k = (size_t)(q - p) + 1;
	memcpy(out, p, k);
	memcpy(out + k, "<redacted>", 10);
	memcpy(out + k + 10, at, (size_t)(end - at));
	out[k + 10 + (size_t)(end - at)] = '\0';
	return out;
}

/*
 * A line of libcurl's for -v: proxy credentials and URL userinfo
 * hidden, every form of the secret (r->hide) hidden, then
 * sanitized and cut to MAX_FIELD bytes.  Owned, or NULL when out of
 * memory.
 */
static char *
safe_text(const struct http_response *r, const char *p, size_t n)
{
	char	*x, *u = NULL, *safe = NULL;

	if ((x = proxy_text(p, n)) == NULL ||
	    (u = redact_userinfo(x, strlen(x))) == NULL)
		goto out;
	safe = sanitize_hidden(u, strlen(u), (const char *const *)r->hide,
	    HIDE_FORMS, MAX_FIELD);
out:
	wipe_free_str(x);
	wipe_free_str(u);
	return safe;
}

/*
 * A libcurl text line that shows a credential header, as HTTP/2 does
 * ("h2h3 [authorization: Basic ...]", "[HTTP/2] [1] [authorization:
 * ..."): the length up to the header's name and scheme, else 0.  Such
 * a line is shown cut there, whatever follows: libcurl cuts long lines
 * itself, and a value cut short no longer matches what redact() hides.
 */
static size_t
credential_text(const char *p, size_t n)
{
	static const char name[] = "authorization:";
	size_t	 i, k = sizeof(name) - 1;

	for (i = 0; i + k <= n; i++) {
		if (strncasecmp(p + i, name, k) != 0)
			continue;
		for (i += k; i < n && p[i] == ' '; i++)
			;
		while (i < n && isalpha((unsigned char)p[i]))
			i++;
		return i;
	}
	return 0;
}

/*
 * Show a libcurl text line for -vv on stderr, credentials and the
 * secret's forms in r->hide hidden.
 */
void
http_show_text(const struct http_response *r, const char *p, size_t n)
{
	char	*safe;
	size_t	 k;

	n = trim_end(p, n);
	if ((k = credential_text(p, n)) > 0) {
		if ((safe = sanitize(p, k, k)) != NULL)
			fprintf(stderr, "* %s <redacted>%s\n", safe,
			    memchr(p, '[', k) != NULL ? "]" : "");
	} else if ((safe = safe_text(r, p, n)) != NULL)
		fprintf(stderr, "* %s\n", safe);
	free(safe);
}

/* Print one outgoing header line for -v, hiding credentials. */
static void
show_request_line(const struct http_response *r, const char *p, size_t n)
{
	static const char *const secret[] = {
		"Authorization:", "Proxy-Authorization:", NULL
	};
	const char	*sp;
	char		*safe;
	int		 i;

	for (i = 0; secret[i] != NULL; i++) {
		if (n >= strlen(secret[i]) &&
		    strncasecmp(p, secret[i], strlen(secret[i])) == 0) {
			sp = memchr(p + strlen(secret[i]) + 1, ' ',
			    n - strlen(secret[i]) - 1);
			n = sp == NULL ? strlen(secret[i]) : (size_t)(sp - p);
			fprintf(stderr, "> %.*s <redacted>\n", (int)n, p);
			return;
		}
	}
	if ((safe = safe_text(r, p, trim_end(p, n))) != NULL)
		fprintf(stderr, "> %s\n", safe);
	free(safe);
}

/*
 * Show a block of outgoing header lines for -v on stderr, each one with
 * credentials and the secret's forms in r->hide hidden.
 */
void
http_show_request(const struct http_response *r, const char *p, size_t n)
{
	const char	*nl;
	size_t		 k;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		k = nl == NULL ? n : (size_t)(nl - p) + 1;
		if (k > 2 || (k > 0 && p[0] != '\r' && p[0] != '\n'))
			show_request_line(r, p, k);
		p += k;
		n -= k;
	}
}

/*
 * One response header line for -v: sanitized whole (so that control
 * bytes cannot split the token or the secret), the token and every form
 * of the secret hidden, then cut to MAX_FIELD bytes, so that no part of
 * a long token survives the cut; a value that is one of them whole is
 * "<redacted>" however short (HIDE_MIN_FREE).  Owned, or NULL when out
 * of memory.
 */
static char *
response_line(const struct http_response *r, const char *p, size_t n,
    const char *token)
{
	const char	*hide[HIDE_FORMS + 1], *v, *colon;
	char		*name, *safe;
	int		 i;

	for (i = 0; i < HIDE_FORMS; i++)
		hide[i] = r->hide[i];
	hide[HIDE_FORMS] = token;
	/* a value that is a secret whole, however short: "Name: <redacted>" */
	if ((colon = memchr(p, ':', n)) == NULL)
		return sanitize_hidden(p, n, hide, HIDE_FORMS + 1, MAX_FIELD);
	for (v = colon + 1; v < p + n && (*v == ' ' || *v == '\t'); v++)
		;
	if (!hidden_whole(v, (size_t)(p + n - v), hide, HIDE_FORMS + 1))
		return sanitize_hidden(p, n, hide, HIDE_FORMS + 1, MAX_FIELD);
	if ((name = sanitize(p, (size_t)(colon - p), MAX_FIELD)) == NULL)
		return NULL;
	if ((safe = xmalloc(strlen(name) + 13)) != NULL)
		snprintf(safe, strlen(name) + 13, "%s: <redacted>", name);
	free(name);
	return safe;
}

/*
 * --verbose: the response status line and headers, sanitized and with
 * every occurrence of token (may be NULL) and of the secret hidden,
 * then the timings.
 */
void
http_print_response(const struct http_response *r, const char *token)
{
	static const char *const names[5] = {
		"dns", "connect", "tls", "first byte", "total"
	};
	const char	*p, *nl;
	char		*line, times[128] = "";
	size_t		 n;
	int		 i;

	for (p = r->headers; p != NULL && *p != '\0'; p += n) {
		nl = strchr(p, '\n');
		n = nl == NULL ? strlen(p) : (size_t)(nl - p) + 1;
		if ((line = response_line(r, p, trim_end(p, n), token)) ==
		    NULL)
			return;
		if (*line != '\0')
			fprintf(stderr, "< %s\n", line);
		free(line);
	}
	for (i = 0, n = 0; i < 5 && n < sizeof(times); i++)
		if (r->timing_us[i] >= 0)
			n += (size_t)snprintf(times + n, sizeof(times) - n,
			    " %s %.1f", names[i], r->timing_us[i] / 1000.0);
	fprintf(stderr, "%s: HTTP %ld, %zu byte body; timings (ms):%s\n",
	    PROGNAME, r->status, r->len, times);
}
