/*
 * The token URL's check, with libcurl's own URL parser, before the first
 * request: https (or http to a loopback host), no credentials, no
 * fragment, no query in a base URL.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extern.h"
#include "libcurl.h"

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

/*
 * libcurl's message for a CURLUcode: its own from 7.80 on, else the same
 * words from this table of the codes that 7.74 to 7.79 return.
 */
static const char *
url_strerror(CURLUcode uc)
{
	static const char *const msg[] = {
		"No error",
		"An invalid CURLU pointer was passed as argument",
		"An invalid 'part' argument was passed as argument",
		"Malformed input to a URL function",
		"Port number was not a decimal number between 0 and 65535",
		"Unsupported URL scheme",
		"URL decode error, most likely because of rubbish in the input",
		"A memory function failed",
		"Credentials was passed in the URL when prohibited",
		"An unknown part ID was passed to a URL API function",
		"No scheme part in the URL",
		"No user part in the URL",
		"No password part in the URL",
		"No options part in the URL",
		"No host part in the URL",
		"No port part in the URL",
		"No query part in the URL",
		"No fragment part in the URL",
		"No zoneid part in the URL",
	};

	if (curl.url_strerror != NULL)
		return curl.url_strerror(uc);
	if ((unsigned int)uc < sizeof(msg) / sizeof(msg[0]))
		return msg[uc];
	return "CURLUcode unknown";
}

/* One part of a parsed URL; NULL when absent.  Free with curl.free. */
static char *
url_part(CURLU *u, CURLUPart part)
{
	char	*s = NULL;

	if (curl.url_get(u, part, &s, 0) != CURLUE_OK)
		return NULL;
	return s;
}

/* Why the parts of a URL are refused, or NULL when they are fine. */
static const char *
url_refusal(const struct settings *s, const char *scheme, const char *host,
    const char *user, const char *frag, const char *query)
{
	if (scheme == NULL || host == NULL)
		return "malformed URL";
	if (strcmp(scheme, "https") != 0 && !s->allow_http)
		return "scheme must be https";
	if (s->allow_http && !is_loopback(host))
		return "http:// is only allowed for loopback hosts; use "
		    "https://";
	if (user != NULL)
		return "credentials in the URL are not allowed";
	if (frag != NULL)
		return "a fragment (#) is not allowed";
	if (s->url_is_base && query != NULL)
		return "a query (?) is not allowed in the base URL";
	return NULL;
}

/*
 * Check the URL as given (--url or --token-url) with libcurl's own
 * parser, so that what is checked is what libcurl will use (the token
 * path appended to a base URL changes no part checked here): https,
 * or http to a loopback host (then s->allow_http is set); no
 * credentials, no fragment; no query in a base URL.  Called before the
 * first request, not on a cache hit: an entry is only ever stored for a
 * URL that passed.  Prints the reason on failure.
 */
enum ct_err
http_check_url(struct settings *s)
{
	CURLU		*u;
	CURLUcode	 uc;
	char		*scheme = NULL, *host = NULL, *user = NULL;
	char		*frag = NULL, *query = NULL;
	const char	*why;
	enum ct_err	 rc = CT_ERR_USAGE;

	if ((rc = libcurl_start()) != CT_OK)
		return rc;
	if ((u = curl.url()) == NULL) {
		warnmsg("out of memory");
		return CT_ERR_INTERNAL;
	}
	rc = CT_ERR_USAGE;
	if ((uc = curl.url_set(u, CURLUPART_URL, s->url, 0)) != CURLUE_OK) {
		warnmsg("%s: malformed URL: %s", s->token_url_from,
		    url_strerror(uc));
		goto out;
	}
	scheme = url_part(u, CURLUPART_SCHEME);
	host = url_part(u, CURLUPART_HOST);
	user = url_part(u, CURLUPART_USER);
	frag = url_part(u, CURLUPART_FRAGMENT);
	query = url_part(u, CURLUPART_QUERY);
	s->allow_http = scheme != NULL && strcmp(scheme, "http") == 0;
	if ((why = url_refusal(s, scheme, host, user, frag, query)) != NULL)
		warnmsg("%s: %s", s->token_url_from, why);
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
