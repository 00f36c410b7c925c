/*
 * Settings resolved in one place: flags win over environment variables,
 * which win over defaults.  The only getenv(3) calls of the program are
 * here.  Every value is checked for length and bytes before use.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <err.h>
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
#define MAX_SECRET	(64 * 1024)
#define MAX_SECONDS	86400

/*
 * The value of a setting: the flag if given, else the environment
 * variable if set and not empty, else NULL.  *from names the source.
 */
static const char *
pick(const char *flagval, const char *flag, const char *var,
    const char **from)
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
	*from = "default";
	return NULL;
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

	if (curl_url_get(u, part, &s, 0) != CURLUE_OK)
		return NULL;
	return s;
}

/*
 * Check a URL given as setting `what`: https, or http to a loopback
 * host (then *is_http is set); no credentials, no fragment; no query
 * when base is set.  On success *out is the normalized URL (caller
 * frees with curl_free).  Prints the reason on failure.
 */
static enum ct_err
check_url(const char *url, const char *what, int base, int *is_http,
    char **out)
{
	CURLU		*u;
	CURLUcode	 uc;
	char		*scheme = NULL, *host = NULL, *user = NULL;
	char		*frag = NULL, *query = NULL;
	enum ct_err	 rc = CT_ERR_USAGE;

	*out = NULL;
	if (strlen(url) > MAX_URL) {
		warnx("%s: URL too long", what);
		return CT_ERR_USAGE;
	}
	if ((u = curl_url()) == NULL) {
		warnx("out of memory");
		return CT_ERR_INTERNAL;
	}
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK) {
		warnx("%s: malformed URL: %s", what, curl_url_strerror(uc));
		goto out;
	}
	scheme = url_part(u, CURLUPART_SCHEME);
	host = url_part(u, CURLUPART_HOST);
	user = url_part(u, CURLUPART_USER);
	frag = url_part(u, CURLUPART_FRAGMENT);
	query = url_part(u, CURLUPART_QUERY);
	*is_http = scheme != NULL && strcmp(scheme, "http") == 0;
	if (scheme == NULL || host == NULL)
		warnx("%s: malformed URL", what);
	else if (strcmp(scheme, "https") != 0 && !*is_http)
		warnx("%s: scheme must be https", what);
	else if (*is_http && !is_loopback(host))
		warnx("%s: http:// is only allowed for loopback hosts; "
		    "use https://", what);
	else if (user != NULL)
		warnx("%s: credentials in the URL are not allowed", what);
	else if (frag != NULL)
		warnx("%s: a fragment (#) is not allowed", what);
	else if (base && query != NULL)
		warnx("%s: a query (?) is not allowed in the base URL", what);
	else if ((*out = url_part(u, CURLUPART_URL)) == NULL)
		warnx("%s: malformed URL", what);
	else
		rc = CT_OK;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(frag);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

/*
 * The token endpoint: --token-url as given, or --url with
 * TOKEN_PATH appended to it after any trailing slashes.
 */
static enum ct_err
resolve_token_url(const struct cli *c, struct settings *s)
{
	const char	*turl, *burl, *from;
	char		*norm;
	size_t		 n;
	enum ct_err	 rc;

	turl = pick(c->token_url, "--token-url", "COLLIBRA_TOKEN_URL", &from);
	if (turl != NULL) {
		s->token_url_from = from;
		if ((rc = check_url(turl, from, 0, &s->allow_http, &norm)))
			return rc;
		s->token_url = xstrdup(norm);
		curl_free(norm);
		return s->token_url == NULL ? CT_ERR_INTERNAL : CT_OK;
	}
	if ((burl = pick(c->url, "--url", "COLLIBRA_URL", &from)) == NULL) {
		warnx("no Collibra URL: use --url or set COLLIBRA_URL");
		return CT_ERR_USAGE;
	}
	s->token_url_from = from;
	if ((rc = check_url(burl, from, 1, &s->allow_http, &norm)))
		return rc;
	for (n = strlen(norm); n > 0 && norm[n - 1] == '/'; n--)
		continue;
	if ((s->token_url = xmalloc(n + sizeof(TOKEN_PATH))) != NULL) {
		memcpy(s->token_url, norm, n);
		memcpy(s->token_url + n, TOKEN_PATH, sizeof(TOKEN_PATH));
	}
	curl_free(norm);
	return s->token_url == NULL ? CT_ERR_INTERNAL : CT_OK;
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
	s->client_id = pick(c->client_id, "--client-id", "COLLIBRA_CLIENT_ID",
	    &s->client_id_from);
	if (s->client_id == NULL) {
		warnx("no client ID: use --client-id or set "
		    "COLLIBRA_CLIENT_ID");
		return CT_ERR_USAGE;
	}
	if (*s->client_id == '\0' || strlen(s->client_id) > MAX_CLIENT_ID) {
		warnx("%s: client ID must be 1 to %d bytes",
		    s->client_id_from, MAX_CLIENT_ID);
		return CT_ERR_USAGE;
	}
	if (has_control(s->client_id)) {
		warnx("%s: client ID contains control characters",
		    s->client_id_from);
		return CT_ERR_USAGE;
	}
	return CT_OK;
}

/*
 * The secret held in the len bytes of buf (a secret file's contents;
 * buf has room for len + 1): one trailing newline or CRLF is stripped
 * and the rest NUL-terminated in place.  Returns the secret's length,
 * or 0 when it is empty, longer than MAX_SECRET or holds a NUL byte.
 */
size_t
secret_parse(char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n')
		len -= (len > 1 && buf[len - 2] == '\r') ? 2 : 1;
	buf[len] = '\0';
	if (len > MAX_SECRET || memchr(buf, '\0', len) != NULL)
		return 0;
	return len;
}

/*
 * Read the secret from an open descriptor straight into our own buffer
 * (no stdio buffer keeps a copy).  Reading stops one byte past the
 * largest valid file.
 */
static enum ct_err
read_secret_fd(int fd, const char *what, const char *path, struct settings *s)
{
	const size_t	 cap = MAX_SECRET + 3, size = MAX_SECRET + 4;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 r;

	if ((buf = xmalloc(size)) == NULL)
		return CT_ERR_INTERNAL;
	while (len < cap && (r = read(fd, buf + len, cap - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			warnx("%s: cannot read %s: %s", what, path,
			    strerror(errno));
			wipe_free(buf, size);
			return CT_ERR_USAGE;
		}
		len += r;
	}
	if ((s->secret_len = secret_parse(buf, len)) == 0) {
		warnx("%s: %s: the secret must be 1 to %d bytes without NUL",
		    what, path, MAX_SECRET);
		wipe_free(buf, size);
		return CT_ERR_USAGE;
	}
	s->secret = buf;
	return CT_OK;
}

/* Read the secret from path, or standard input for "-". */
static enum ct_err
read_secret_file(const char *path, const char *what, struct settings *s)
{
	enum ct_err	 rc;
	int		 fd;

	if (strcmp(path, "-") == 0)
		return read_secret_fd(STDIN_FILENO, what, "standard input", s);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		warnx("%s: cannot open %s: %s", what, path, strerror(errno));
		return CT_ERR_USAGE;
	}
	rc = read_secret_fd(fd, what, path, s);
	close(fd);
	return rc;
}

/*
 * The secret: --client-secret or --client-secret-file, else
 * COLLIBRA_CLIENT_SECRET or COLLIBRA_CLIENT_SECRET_FILE.  Two sources
 * at the same level are ambiguous and refused.
 */
static enum ct_err
resolve_secret(const struct cli *c, struct settings *s)
{
	const char	*val, *file, *ffrom;

	if (c->secret != NULL && c->secret_file != NULL) {
		warnx("--client-secret and --client-secret-file are "
		    "mutually exclusive");
		return CT_ERR_USAGE;
	}
	if (c->secret != NULL) {
		warnx("warning: --client-secret is visible to other users "
		    "of this machine; prefer --client-secret-file or "
		    "COLLIBRA_CLIENT_SECRET");
		s->secret_from = "--client-secret";
		val = c->secret;
	} else if (c->secret_file != NULL) {
		s->secret_from = "--client-secret-file";
		return read_secret_file(c->secret_file, s->secret_from, s);
	} else {
		val = pick(NULL, NULL, "COLLIBRA_CLIENT_SECRET", &s->secret_from);
		file = pick(NULL, NULL, "COLLIBRA_CLIENT_SECRET_FILE", &ffrom);
		if (val != NULL && file != NULL) {
			warnx("COLLIBRA_CLIENT_SECRET and "
			    "COLLIBRA_CLIENT_SECRET_FILE are both set; "
			    "unset one");
			return CT_ERR_USAGE;
		}
		if (file != NULL) {
			s->secret_from = ffrom;
			return read_secret_file(file, ffrom, s);
		}
	}
	if (val == NULL) {
		warnx("no client secret: use --client-secret-file or set "
		    "COLLIBRA_CLIENT_SECRET or COLLIBRA_CLIENT_SECRET_FILE");
		return CT_ERR_USAGE;
	}
	s->secret_len = strlen(val);
	if (s->secret_len == 0 || s->secret_len > MAX_SECRET) {
		warnx("%s: the secret must be 1 to %d bytes", s->secret_from,
		    MAX_SECRET);
		return CT_ERR_USAGE;
	}
	return (s->secret = xstrdup(val)) == NULL ? CT_ERR_INTERNAL : CT_OK;
}

/*
 * A scope is space-separated scope-tokens of printable ASCII other than
 * '"' and '\' (RFC 6749 section 3.3).
 */
static enum ct_err
resolve_scope(const struct cli *c, struct settings *s)
{
	const char	*p;

	s->scope = pick(c->scope, "--scope", "COLLIBRA_SCOPE", &s->scope_from);
	if (s->scope == NULL)
		return CT_OK;
	if (*s->scope == '\0' || strlen(s->scope) > MAX_SCOPE) {
		warnx("%s: scope must be 1 to %d bytes", s->scope_from,
		    MAX_SCOPE);
		return CT_ERR_USAGE;
	}
	for (p = s->scope; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\') {
			warnx("%s: scope may only hold printable ASCII "
			    "other than '\"' and '\\'", s->scope_from);
			return CT_ERR_USAGE;
		}
	}
	return CT_OK;
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

static enum ct_err
resolve_choices(const struct cli *c, struct settings *s)
{
	static const char *const formats[] = { "raw", "json", "shell", NULL };
	static const char *const methods[] = { "basic", "post", NULL };
	const char	*v;
	int		 i;

	v = pick(c->format, "--format", "COLLIBRA_TOKEN_FORMAT",
	    &s->format_from);
	if ((i = lookup(v == NULL ? "raw" : v, formats)) < 0) {
		warnx("%s: unknown format '%s' (raw, json or shell)",
		    s->format_from, v);
		return CT_ERR_USAGE;
	}
	s->format = (enum format)i;
	v = pick(c->auth_method, "--auth-method", "COLLIBRA_AUTH_METHOD",
	    &s->auth_from);
	if ((i = lookup(v == NULL ? "basic" : v, methods)) < 0) {
		warnx("%s: unknown method '%s' (basic or post)",
		    s->auth_from, v);
		return CT_ERR_USAGE;
	}
	s->auth = (enum auth_method)i;
	return CT_OK;
}

/* A number of seconds from a flag, else def; stored in milliseconds. */
static enum ct_err
resolve_seconds(const char *val, const char *flag, long def, long *ms,
    const char **from)
{
	const char	*errstr;
	long long	 v = def;

	*from = val != NULL ? flag : "default";
	if (val != NULL &&
	    parse_number(val, 1, MAX_SECONDS, &v, &errstr) == -1) {
		warnx("%s: %s (whole seconds, 1 to %d)", flag, errstr,
		    MAX_SECONDS);
		return CT_ERR_USAGE;
	}
	*ms = (long)v * 1000;
	return CT_OK;
}

/* Trust anchors: flags, else SSL_CERT_FILE/SSL_CERT_DIR, checked. */
static enum ct_err
resolve_trust(const struct cli *c, struct settings *s)
{
	struct stat	 st;

	s->cacert = pick(c->cacert, "--cacert", "SSL_CERT_FILE",
	    &s->cacert_from);
	s->capath = pick(c->capath, "--capath", "SSL_CERT_DIR",
	    &s->capath_from);
	if (s->cacert != NULL && access(s->cacert, R_OK) == -1) {
		warnx("%s: cannot read %s: %s", s->cacert_from, s->cacert,
		    strerror(errno));
		return CT_ERR_USAGE;
	}
	if (s->capath != NULL &&
	    (stat(s->capath, &st) == -1 || !S_ISDIR(st.st_mode))) {
		warnx("%s: %s is not a directory", s->capath_from, s->capath);
		return CT_ERR_USAGE;
	}
	s->insecure = c->insecure;
	if (s->insecure)
		warnx("warning: --insecure: the server certificate is not "
		    "verified; anyone on the path can read the secret");
	return CT_OK;
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
	s->proxy = c->proxy;
	if ((rc = resolve_token_url(c, s)) != CT_OK ||
	    (rc = resolve_client_id(c, s)) != CT_OK ||
	    (rc = resolve_scope(c, s)) != CT_OK ||
	    (rc = resolve_choices(c, s)) != CT_OK ||
	    (rc = resolve_seconds(c->timeout, "--timeout", 30,
	    &s->timeout_ms, &s->timeout_from)) != CT_OK ||
	    (rc = resolve_seconds(c->connect_timeout, "--connect-timeout", 10,
	    &s->connect_timeout_ms, &s->connect_timeout_from)) != CT_OK ||
	    (rc = resolve_trust(c, s)) != CT_OK)
		return rc;
	return resolve_secret(c, s);
}

/* Print a string setting and its source for --verbose. */
static void
print_setting(const char *name, const char *val, const char *from)
{
	char	*safe;

	if (val == NULL) {
		fprintf(stderr, "%s: %s: (none, %s)\n", PROGNAME, name, from);
		return;
	}
	if ((safe = sanitize(val, strlen(val), 256)) == NULL)
		return;
	fprintf(stderr, "%s: %s: %s (%s)\n", PROGNAME, name, safe, from);
	free(safe);
}

/* --verbose: every setting and where it came from; never the secret. */
void
config_print(const struct settings *s)
{
	static const char *const formats[] = { "raw", "json", "shell" };

	print_setting("token URL", s->token_url, s->token_url_from);
	print_setting("client ID", s->client_id, s->client_id_from);
	fprintf(stderr, "%s: client secret: %zu bytes, <redacted> (%s)\n",
	    PROGNAME, s->secret_len, s->secret_from);
	print_setting("scope", s->scope, s->scope_from);
	print_setting("auth method", s->auth == AUTH_BASIC ? "basic" : "post",
	    s->auth_from);
	print_setting("format", formats[s->format], s->format_from);
	fprintf(stderr, "%s: timeout: %ld s (%s), connect timeout: %ld s "
	    "(%s)\n", PROGNAME, s->timeout_ms / 1000, s->timeout_from,
	    s->connect_timeout_ms / 1000, s->connect_timeout_from);
	print_setting("CA file", s->cacert, s->cacert_from);
	print_setting("CA directory", s->capath, s->capath_from);
	if (s->proxy != NULL)
		fprintf(stderr, "%s: proxy: given (--proxy)\n", PROGNAME);
	if (s->insecure)
		fprintf(stderr, "%s: certificate verification: off "
		    "(--insecure)\n", PROGNAME);
}

/* Wipe the secret and free what config_resolve() allocated. */
void
config_free(struct settings *s)
{
	wipe_free(s->secret, s->secret_len);
	free(s->token_url);
	memset(s, 0, sizeof(*s));
}
