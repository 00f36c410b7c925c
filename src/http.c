/*
 * The HTTP layer's exchange: the single libcurl exchange with the token
 * endpoint (form encoding, options, every one checked, a capped body,
 * the status), and the few other services of libcurl the program uses
 * (dates, the version).  The token URL's check is url.c's, the redacted
 * --verbose view httpview.c's.  No file outside the HTTP layer (these,
 * libcurl.c) calls libcurl.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "extern.h"
#include "libcurl.h"

#define MAX_BODY	(1024 * 1024)
#define MAX_HEADERS	(64 * 1024)

/* A growing buffer that wipes what it leaves behind and has a cap. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 size;
	size_t	 cap;
	int	 overflow;
};

/* What the libcurl callbacks need; they never exit. */
struct ctx {
	const struct settings	*set;
	struct http_response	*resp;
	struct buf		 body;
	struct buf		 headers;
	const char		*shown_body;	/* redacted, for -v */
	char			 trust[2 * PATH_MAX + 128]; /* set_trust() */
};

#define SETOPT(h, opt, val) do {					\
	CURLcode cc_ = curl.easy_setopt((h), (opt), (val));		\
	if (cc_ != CURLE_OK) {						\
		warnmsg("cannot set %s: %s", #opt, curl.easy_strerror(cc_)); \
		return cc_ == CURLE_OUT_OF_MEMORY ?			\
		    CT_ERR_INTERNAL : CT_ERR_USAGE;			\
	}								\
} while (0)

/* An HTTP-date (RFC 9110) as a time, or -1 when unreadable. */
time_t
http_date(const char *v)
{
	if (libcurl_load() != CT_OK)
		return -1;
	return curl.getdate(v, NULL);
}

/* libcurl's version string, loading it; NULL after a message. */
const char *
http_version(void)
{
	return libcurl_load() == CT_OK ? curl.version() : NULL;
}

/*
 * Encode len bytes of s with the application/x-www-form-urlencoded
 * byte serializer: A-Z a-z 0-9 * - . _ stay, space becomes '+', every
 * other byte %XX.  Returns an owned string (wipe it if s is secret),
 * or NULL when out of memory.
 */
char *
form_urlencode(const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char		*out, *o;
	unsigned char	 c;
	size_t		 i;

	if (len > (SIZE_MAX - 1) / 3 || (out = xmalloc(len * 3 + 1)) == NULL)
		return NULL;
	for (o = out, i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '*' || c == '-' ||
		    c == '.' || c == '_')
			*o++ = (char)c;
		else if (c == ' ')
			*o++ = '+';
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0x0f];
		}
	}
	*o = '\0';
	return out;
}

/*
 * Append n bytes to b, growing it by copying so that no stale copy of
 * the data is left in freed memory.  Past the cap, sets b->overflow
 * and returns -1; -1 also when out of memory.
 */
static int
buf_add(struct buf *b, const char *p, size_t n)
{
	char	*nd;
	size_t	 ns;

	if (n > b->cap - b->len) {
		b->overflow = 1;
		return -1;
	}
	if (b->len + n + 1 > b->size) {
		ns = b->size == 0 ? 4096 : b->size;
		while (ns < b->len + n + 1)
			ns *= 2;
		if ((nd = malloc(ns)) == NULL)
			return -1;
		if (b->data != NULL) {
			memcpy(nd, b->data, b->len);
			wipe_free(b->data, b->size);
		}
		b->data = nd;
		b->size = ns;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct ctx	*c = arg;

	(void)size;
	return buf_add(&c->body, p, n) == 0 ? n : 0;
}

/* libcurl's progress callback: stop the transfer on SIGINT/SIGTERM. */
static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	(void)arg;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return interrupted() ? 1 : 0;
}

/*
 * Copy a header's value, trimmed, the secret hidden and sanitized, if
 * it is `name`.
 */
static void
keep_header(const struct ctx *c, const char *p, size_t n, const char *name,
    char **dst)
{
	size_t	 k = strlen(name);

	if (n <= k || strncasecmp(p, name, k) != 0 || p[k] != ':')
		return;
	for (p += k + 1, n -= k + 1; n > 0 && (*p == ' ' || *p == '\t'); n--)
		p++;
	n = trim_end(p, n);
	free(*dst);
	*dst = sanitize_hidden(p, n, (const char *const *)c->resp->hide,
	    HIDE_FORMS, MAX_FIELD);
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct ctx	*c = arg;

	(void)size;
	keep_header(c, p, n, "Content-Type", &c->resp->content_type);
	keep_header(c, p, n, "Location", &c->resp->location);
	keep_header(c, p, n, "Retry-After", &c->resp->retry_after);
	if (c->set->verbose)
		(void)buf_add(&c->headers, p, n);
	return n;
}

/*
 * libcurl's debug callback: -v shows the request headers (credentials
 * redacted) and a redacted copy of the body; -vv adds libcurl's text
 * (HTTP/2 prints each request header there: "h2h3 [authorization:
 * Basic ...]").  Every line of either has each form of the secret
 * hidden.  Response bodies are never shown: they hold the token.
 */
static int
on_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg)
{
	struct ctx	*c = arg;

	(void)h;
	switch (type) {
	case CURLINFO_TEXT:
		if (c->set->verbose >= 2)
			http_show_text(c->resp, p, n);
		break;
	case CURLINFO_HEADER_OUT:
		http_show_request(c->resp, p, n);
		break;
	case CURLINFO_DATA_OUT:
		if (c->shown_body != NULL)
			fprintf(stderr, "> [body] %s\n", c->shown_body);
		c->shown_body = NULL;
		break;
	default:
		break;
	}
	return 0;
}

/*
 * The form body into *out (owned; wipe it): grant_type, scope when
 * asked, and for the "post" method the client credentials, or
 * "<redacted>" for the secret when hide_secret is set.  CT_ERR_INTERNAL when
 * out of memory (reported).
 */
static enum ct_err
build_body(const struct settings *s, int hide_secret, char **out)
{
	const char	*want = SET_STR(s, SCOPE), *cid = SET_STR(s, CLIENT_ID);
	char		*scope = NULL, *id = NULL, *sec = NULL;
	size_t		 n;
	enum ct_err	 rc = CT_ERR_INTERNAL;

	*out = NULL;
	if (want != NULL &&
	    (scope = form_urlencode(want, strlen(want))) == NULL)
		goto out;
	if (SET_NUM(s, AUTH_METHOD) == AUTH_POST) {
		id = form_urlencode(cid, strlen(cid));
		sec = hide_secret ? xstrdup("<redacted>") :
		    form_urlencode(s->secret, s->secret_len);
		if (id == NULL || sec == NULL)
			goto out;
	}
	n = sizeof("grant_type=client_credentials&scope=&client_id="
	    "&client_secret=") + (scope ? strlen(scope) : 0) +
	    (id ? strlen(id) : 0) + (sec ? strlen(sec) : 0);
	if ((*out = xmalloc(n)) == NULL)
		goto out;
	snprintf(*out, n, "grant_type=client_credentials%s%s%s%s%s%s",
	    scope ? "&scope=" : "", scope ? scope : "",
	    id ? "&client_id=" : "", id ? id : "",
	    sec ? "&client_secret=" : "", sec ? sec : "");
	rc = CT_OK;
out:
	free(scope);
	free(id);
	wipe_free_str(sec);
	return rc;
}

/* True if paths a and b name the same file. */
static int
same_file(const char *a, const char *b)
{
	struct stat	 sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The system's hashed CA directory when the trust in force is the
 * system store: no CA setting, or the bundle libcurl was built with
 * (as SSL_CERT_FILE often names it) and at most that directory.  On
 * Debian the two hold the same certificates (update-ca-certificates
 * writes both); the directory lets OpenSSL load just the issuer it
 * needs instead of parsing ~150 certificates.  NULL otherwise.
 */
static const char *
system_dir(CURL *h, const char *file, const char *dir)
{
	struct stat	 st;
	char		*sysfile = NULL, *sysdir = NULL;

	/* before 7.84 libcurl cannot say: its own default trust then */
	if (!libcurl_since(LIBCURL_7_84))
		return NULL;
	if (curl.easy_getinfo(h, CURLINFO_CAPATH, &sysdir) != CURLE_OK ||
	    sysdir == NULL || stat(sysdir, &st) == -1 || !S_ISDIR(st.st_mode))
		return NULL;
	if (file != NULL &&
	    (curl.easy_getinfo(h, CURLINFO_CAINFO, &sysfile) != CURLE_OK ||
	    sysfile == NULL || !same_file(file, sysfile)))
		return NULL;
	if (dir != NULL && !same_file(dir, sysdir))
		return NULL;
	return sysdir;
}

/*
 * What a TLS error names as the trust in force, and where it came from,
 * into c->trust: the CA file and directory set, the system directory
 * used for them (system_dir()), or libcurl's own default.
 */
static void
note_trust(CURL *h, struct ctx *c, const char *sysdir)
{
	const struct settings *s = c->set;
	const char	*file = SET_STR(s, CACERT), *dir = SET_STR(s, CAPATH);
	char		*deffile = NULL;
	size_t		 n = sizeof(c->trust);

	if (SET_NUM(s, INSECURE))
		snprintf(c->trust, n, "nothing, certificates are not "
		    "verified (%s)", SET_FROM(s, INSECURE));
	else if (sysdir != NULL && file == NULL && dir == NULL)
		snprintf(c->trust, n, "the system CA directory %s (default)",
		    sysdir);
	else if (sysdir != NULL)
		snprintf(c->trust, n, "the system CA directory %s (%s names "
		    "the system's CAs)", sysdir, file != NULL ?
		    SET_FROM(s, CACERT) : SET_FROM(s, CAPATH));
	else if (file != NULL && dir != NULL)
		snprintf(c->trust, n, "CA file %s (%s) and CA directory %s "
		    "(%s)", file, SET_FROM(s, CACERT), dir,
		    SET_FROM(s, CAPATH));
	else if (file != NULL)
		snprintf(c->trust, n, "CA file %s (%s)", file,
		    SET_FROM(s, CACERT));
	else if (dir != NULL)
		snprintf(c->trust, n, "CA directory %s (%s)", dir,
		    SET_FROM(s, CAPATH));
	else if (curl.easy_getinfo(h, CURLINFO_CAINFO, &deffile) ==
	    CURLE_OK && deffile != NULL)
		snprintf(c->trust, n, "libcurl's default CA file %s (default)",
		    deffile);
	else
		snprintf(c->trust, n, "libcurl's default CAs (default)");
}

/*
 * Trust: the CAs the user named (flag or config file), exactly those;
 * else those of a generic variable or the system's, by the system's
 * hashed directory when that is the same trust (see system_dir()).
 * Verification stays on unless -k.  c->trust says which, for errors.
 */
static enum ct_err
set_trust(CURL *h, struct ctx *c)
{
	const struct settings *s = c->set;
	const char	*file = SET_STR(s, CACERT), *dir = SET_STR(s, CAPATH);
	const char	*sysdir = NULL;
	int		 named = s->val[SET_CACERT].level < LEVEL_AMBIENT ||
			    s->val[SET_CAPATH].level < LEVEL_AMBIENT;

	if (!named && (sysdir = system_dir(h, file, dir)) != NULL) {
		SETOPT(h, CURLOPT_CAINFO, NULL);
		SETOPT(h, CURLOPT_CAPATH, sysdir);
		verbosef(s, "CA: system directory %s", sysdir);
	} else if (file != NULL || dir != NULL) {
		SETOPT(h, CURLOPT_CAINFO, file);
		SETOPT(h, CURLOPT_CAPATH, dir);
	}
	note_trust(h, c, sysdir);
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, SET_NUM(s, INSECURE) ? 0L : 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, SET_NUM(s, INSECURE) ? 0L : 2L);
	return CT_OK;
}

/* What is left of --timeout (at least 1 ms: 0 would mean none). */
static long
remaining_ms(const struct settings *s)
{
	long long	 left = s->deadline_ms - now_ms();

	return left < 1 ? 1L : (long)left;
}

/*
 * Every option of the exchange.  Only the scheme of the URL is
 * allowed, redirects are never followed, both timeouts are set.  An
 * http:// URL (loopback only) never goes through a proxy, whatever
 * --proxy or the *_proxy variables say: the credentials would reach
 * the proxy in clear text.
 */
static enum ct_err
set_options(CURL *h, struct ctx *c, const char *body, char *errbuf,
    const char *user, const char *pass, struct curl_slist *hdrs)
{
	const struct settings *s = c->set;

	SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(h, CURLOPT_URL, s->token_url);
	if (libcurl_since(LIBCURL_7_85))
		SETOPT(h, CURLOPT_PROTOCOLS_STR, s->allow_http ? "http" : "https");
	else
		SETOPT(h, CURLOPT_PROTOCOLS_BITS,
		    s->allow_http ? (long)CURLPROTO_HTTP : (long)CURLPROTO_HTTPS);
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_TIMEOUT_MS, remaining_ms(s));
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)SET_NUM(s, CONNECT_TIMEOUT) * 1000L);
	SETOPT(h, CURLOPT_USERAGENT, PROGNAME "/" VERSION);
	SETOPT(h, CURLOPT_HTTPHEADER, hdrs);
	SETOPT(h, CURLOPT_POST, 1L);
	SETOPT(h, CURLOPT_POSTFIELDS, body);
	SETOPT(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	if (user != NULL) {
		SETOPT(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SETOPT(h, CURLOPT_USERNAME, user);
		SETOPT(h, CURLOPT_PASSWORD, pass);
	}
	if (s->allow_http) {
		/* cleartext to a loopback host: never via any proxy */
		SETOPT(h, CURLOPT_PROXY, "");
		SETOPT(h, CURLOPT_NOPROXY, "*");
	} else if (s->val[SET_PROXY].level < LEVEL_AMBIENT) {
		/* a proxy named by the user: NO_PROXY does not apply */
		SETOPT(h, CURLOPT_PROXY, SET_STR(s, PROXY));
		SETOPT(h, CURLOPT_NOPROXY, "");
	}	/* else libcurl's own: the variables with NO_PROXY */
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(h, CURLOPT_WRITEDATA, c);
	SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, CURLOPT_HEADERDATA, c);
	SETOPT(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(h, CURLOPT_NOPROGRESS, 0L);
	if (s->verbose) {
		SETOPT(h, CURLOPT_DEBUGFUNCTION, on_debug);
		SETOPT(h, CURLOPT_DEBUGDATA, c);
		SETOPT(h, CURLOPT_VERBOSE, 1L);
	}
	return set_trust(h, c);
}

/*
 * The class of a failed transfer, and whether trying again may help
 * (connect errors, timeouts, resets; not TLS, not our own limits).
 */
static enum ct_err
classify(CURLcode cc, const struct ctx *c, int *retryable)
{
	*retryable = 0;
	switch (cc) {
	case CURLE_ABORTED_BY_CALLBACK:
		return CT_ERR_SIGNAL;
	case CURLE_WRITE_ERROR:
		return c->body.overflow ? CT_ERR_RESPONSE : CT_ERR_INTERNAL;
	case CURLE_OUT_OF_MEMORY:
		return CT_ERR_INTERNAL;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return CT_ERR_TLS;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		*retryable = 1;
		return CT_ERR_NETWORK;
	default:
		return CT_ERR_NETWORK;
	}
}

/*
 * The one line that describes a failed transfer, kept in r->error for
 * the caller to print when it gives up (a retry may follow); a TLS
 * error names the trust in force and where it came from (trust) and
 * the options that change it.
 */
static void
describe(CURLcode cc, enum ct_err rc, const char *errbuf,
    const char *trust, struct http_response *r)
{
	char	*safe;
	int	 n;

	if (rc == CT_ERR_RESPONSE) {
		snprintf(r->error, sizeof(r->error),
		    "bad response: body larger than %d bytes", MAX_BODY);
		return;
	}
	if (rc == CT_ERR_SIGNAL) {
		snprintf(r->error, sizeof(r->error), "interrupted");
		return;
	}
	safe = sanitize_hidden(errbuf, strlen(errbuf),
	    (const char *const *)r->hide, HIDE_FORMS, MAX_FIELD);
	n = snprintf(r->error, sizeof(r->error), "%s: %s",
	    rc == CT_ERR_TLS ? "TLS error" : rc == CT_ERR_NETWORK ?
	    "network error" : "internal error",
	    safe != NULL && *safe != '\0' ? safe : curl.easy_strerror(cc));
	free(safe);
	if (rc != CT_ERR_TLS || n < 0 || (size_t)n >= sizeof(r->error))
		return;
	if (snprintf(r->error + n, sizeof(r->error) - (size_t)n,
	    "; trusted: %s; --cacert FILE or --capath DIR trusts another "
	    "CA, --show-config shows the settings", trust) < 0)
		r->error[n] = '\0';
}

/* Status, timings and arrival time of a finished transfer. */
static void
collect(CURL *h, struct http_response *r)
{
	static const CURLINFO timers[5] = {
		CURLINFO_NAMELOOKUP_TIME_T, CURLINFO_CONNECT_TIME_T,
		CURLINFO_APPCONNECT_TIME_T, CURLINFO_STARTTRANSFER_TIME_T,
		CURLINFO_TOTAL_TIME_T
	};
	curl_off_t	 t;
	int		 i;

	r->received_at = time(NULL);
	if (curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status) !=
	    CURLE_OK)
		r->status = 0;
	for (i = 0; i < 5; i++)
		r->timing_us[i] = curl.easy_getinfo(h, timers[i], &t) ==
		    CURLE_OK ? (long long)t : -1;
}

/* Run the exchange on a prepared handle; fill r on success. */
static enum ct_err
perform(CURL *h, struct ctx *c, const char *errbuf)
{
	CURLcode	 cc;
	enum ct_err	 rc;

	if ((cc = curl.easy_perform(h)) != CURLE_OK) {
		rc = classify(cc, c, &c->resp->retryable);
		describe(cc, rc, errbuf, c->trust, c->resp);
		return rc;
	}
	collect(h, c->resp);
	c->resp->body = c->body.data;
	c->resp->len = c->body.len;
	c->resp->headers = c->headers.data;
	c->resp->headers_len = c->headers.len;
	memset(&c->body, 0, sizeof(c->body));
	memset(&c->headers, 0, sizeof(c->headers));
	if (c->resp->body == NULL &&
	    (c->resp->body = calloc(1, 1)) == NULL) {
		warnmsg("out of memory");
		return CT_ERR_INTERNAL;
	}
	return CT_OK;
}

/*
 * The forms of the secret to hide from every text shown (r->hide): its
 * bytes, form-encoded, and for basic auth the Basic value of
 * "id:secret", both form-encoded (RFC 6749 2.3.1), as libcurl sends it.
 * CT_ERR_INTERNAL when out of memory (reported).
 */
static enum ct_err
hide_forms(const struct settings *s, const char *user, const char *pass,
    struct http_response *r)
{
	char	*pair = NULL;
	size_t	 u = 0, p = 0, n;
	enum ct_err rc = CT_ERR_INTERNAL;

	if ((r->hide[0] = xmalloc(s->secret_len + 1)) == NULL ||
	    (r->hide[1] = form_urlencode(s->secret, s->secret_len)) == NULL)
		goto out;
	memcpy(r->hide[0], s->secret, s->secret_len);
	r->hide[0][s->secret_len] = '\0';
	if (user != NULL) {
		u = strlen(user);
		p = strlen(pass);
		n = sodium_base64_ENCODED_LEN(u + 1 + p,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((pair = xmalloc(u + 1 + p)) == NULL ||
		    (r->hide[2] = xmalloc(n)) == NULL)
			goto out;
		memcpy(pair, user, u);
		pair[u] = ':';
		memcpy(pair + u + 1, pass, p);
		sodium_bin2base64(r->hide[2], n, (unsigned char *)pair,
		    u + 1 + p, sodium_base64_VARIANT_ORIGINAL);
	}
	rc = CT_OK;
out:
	if (pair != NULL)
		wipe_free(pair, u + 1 + p);
	return rc;
}

/*
 * POST the token request described by s and fill r with the status,
 * body (at most 1 MiB) and headers of the answer, whatever its status.
 * Returns CT_OK, or the class of a failure: a failed transfer is
 * described in r->error (not printed: a retry may follow) with
 * r->retryable set when trying again may help; other failures are
 * printed.  r must be released with http_response_free().
 */
enum ct_err
http_fetch(const struct settings *s, struct http_response *r)
{
	struct ctx	 c = { .set = s, .resp = r };
	struct curl_slist *hdrs = NULL, *t;
	const char	*cid = SET_STR(s, CLIENT_ID);
	char		 errbuf[CURL_ERROR_SIZE] = "";
	char		*body = NULL, *shown = NULL, *user = NULL, *pass = NULL;
	CURL		*h = NULL;
	enum ct_err	 rc = CT_ERR_INTERNAL;

	memset(r, 0, sizeof(*r));
	c.body.cap = MAX_BODY;
	c.headers.cap = MAX_HEADERS;
	if (build_body(s, 0, &body) != CT_OK ||
	    (s->verbose && build_body(s, 1, &shown) != CT_OK))
		goto out;
	c.shown_body = shown;
	if (SET_NUM(s, AUTH_METHOD) == AUTH_BASIC &&
	    ((user = form_urlencode(cid, strlen(cid))) == NULL ||
	    (pass = form_urlencode(s->secret, s->secret_len)) == NULL))
		goto out;
	if (hide_forms(s, user, pass, r) != CT_OK)
		goto out;
	if ((h = curl.easy_init()) == NULL) {
		warnmsg("cannot start libcurl");
		goto out;
	}
	if ((t = curl.slist_append(hdrs,
	    "Content-Type: application/x-www-form-urlencoded")) == NULL ||
	    (hdrs = t, t = curl.slist_append(hdrs,
	    "Accept: application/json")) == NULL ||
	    (hdrs = t, t = curl.slist_append(hdrs, "Expect:")) == NULL) {
		warnmsg("out of memory");
		goto out;
	}
	hdrs = t;
	if ((rc = set_options(h, &c, body, errbuf, user, pass, hdrs)) == CT_OK)
		rc = perform(h, &c, errbuf);
out:
	if (h != NULL)
		curl.easy_cleanup(h);
	curl.slist_free_all(hdrs);
	wipe_free(c.body.data, c.body.size);
	wipe_free(c.headers.data, c.headers.size);
	wipe_free_str(body);
	free(shown);
	free(user);
	wipe_free_str(pass);
	return rc;
}

/* Wipe the body and free everything in r.  Accepts a zeroed r. */
void
http_response_free(struct http_response *r)
{
	int	 i;

	for (i = 0; i < HIDE_FORMS; i++)
		wipe_free_str(r->hide[i]);
	wipe_free(r->body, r->len);
	free(r->content_type);
	free(r->location);
	free(r->retry_after);
	wipe_free(r->headers, r->headers_len);
	memset(r, 0, sizeof(*r));
}
