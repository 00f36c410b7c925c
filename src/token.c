/*
 * The token endpoint's answer: a strictly validated success body, or an
 * RFC 6749 section 5.2 error mapped to its error class, or Collibra's
 * REST error envelope.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "extern.h"

#define MAX_EXPIRES	1000000000LL	/* about 31 years */
#define MAX_DESC	300

static const struct {
	const char	*code;
	enum ct_err	 err;
} oauth_errors[] = {
	{ "invalid_request",		CT_ERR_INVALID_REQUEST },
	{ "invalid_client",		CT_ERR_INVALID_CLIENT },
	{ "invalid_grant",		CT_ERR_INVALID_GRANT },
	{ "unauthorized_client",	CT_ERR_UNAUTHORIZED_CLIENT },
	{ "unsupported_grant_type",	CT_ERR_UNSUPPORTED_GRANT_TYPE },
	{ "invalid_scope",		CT_ERR_INVALID_SCOPE },
	{ "server_error",		CT_ERR_SERVER },
	{ "temporarily_unavailable",	CT_ERR_SERVER },
};

/* Why jansson refused a body, without quoting any of it. */
static const char *
json_reason(const json_error_t *je)
{
	switch (json_error_code(je)) {
	case json_error_duplicate_key:
		return "duplicate key";
	case json_error_premature_end_of_input:
		return "truncated JSON";
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_numeric_overflow:
		return "number out of range";
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return "NUL byte";
	default:
		return "not valid JSON";
	}
}

/* Load a body as a JSON object, or NULL with *why set. */
static json_t *
load_object(const char *body, size_t len, const char **why)
{
	json_error_t	 je;
	json_t		*root;

	if (len == 0) {
		*why = "empty body";
		return NULL;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &je);
	if (root == NULL) {
		*why = json_reason(&je);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		*why = "not a JSON object";
		return NULL;
	}
	return root;
}

/* True if s is non-empty printable ASCII without spaces (RFC 6750). */
static int
is_token_chars(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * Check the fields of a success object; NULL if usable, else why not.
 * Never quotes the token.
 */
static const char *
check_fields(json_t *root, json_int_t *expires, int *has_expiry)
{
	json_t	*at, *tt, *ei, *sc;

	at = json_object_get(root, "access_token");
	tt = json_object_get(root, "token_type");
	ei = json_object_get(root, "expires_in");
	sc = json_object_get(root, "scope");
	if (at == NULL)
		return "no access_token";
	if (!json_is_string(at))
		return "access_token is not a string";
	if (!is_token_chars(json_string_value(at), json_string_length(at)))
		return "access_token is empty or has bytes other than "
		    "printable ASCII without spaces";
	if (tt == NULL || !json_is_string(tt))
		return "token_type missing or not a string";
	if (strcasecmp(json_string_value(tt), "Bearer") != 0)
		return "token_type is not Bearer";
	*has_expiry = ei != NULL && !json_is_null(ei);
	if (*has_expiry && !json_is_integer(ei))
		return "expires_in is not an integer";
	if (*has_expiry && (json_integer_value(ei) < 0 ||
	    json_integer_value(ei) > MAX_EXPIRES))
		return "expires_in out of range";
	*expires = *has_expiry ? json_integer_value(ei) : 0;
	if (sc != NULL && !json_is_null(sc) && !json_is_string(sc))
		return "scope is not a string";
	return NULL;
}

/* Copy the checked fields of root into a new token. */
static enum ct_err
token_new(json_t *root, json_int_t expires, int has_expiry,
    struct token **out)
{
	struct token	*t;
	json_t		*sc = json_object_get(root, "scope");

	if ((t = xmalloc(sizeof(*t))) == NULL)
		return CT_ERR_INTERNAL;
	memset(t, 0, sizeof(*t));
	t->access_token = xstrdup(json_string_value(
	    json_object_get(root, "access_token")));
	t->token_type = xstrdup(json_string_value(
	    json_object_get(root, "token_type")));
	if (json_is_string(sc))
		t->scope = xstrdup(json_string_value(sc));
	t->has_expiry = has_expiry;
	t->expires_in = expires;
	if (t->access_token == NULL || t->token_type == NULL ||
	    (json_is_string(sc) && t->scope == NULL)) {
		token_free(t);
		return CT_ERR_INTERNAL;
	}
	*out = t;
	return CT_OK;
}

/*
 * Check a success object and copy it into a new token (caller frees
 * with token_free).  Returns NULL, or why the object is not usable
 * (never quoting the token); *out stays NULL then, and also when
 * memory runs out (after a message).
 */
const char *
token_from_object(json_t *root, struct token **out)
{
	json_int_t	 expires = 0;
	int		 has_expiry = 0;
	const char	*why;

	*out = NULL;
	if ((why = check_fields(root, &expires, &has_expiry)) != NULL)
		return why;
	(void)token_new(root, expires, has_expiry, out);
	return NULL;
}

/*
 * Parse and validate a 200 body into a new token (caller frees with
 * token_free).  On failure prints "bad response: why" and returns
 * CT_ERR_RESPONSE.  Never quotes the body.
 */
enum ct_err
token_parse(const char *body, size_t len, struct token **out)
{
	json_t		*root;
	const char	*why;

	*out = NULL;
	if ((root = load_object(body, len, &why)) == NULL) {
		warnmsg("bad response: %s", why);
		return CT_ERR_RESPONSE;
	}
	why = token_from_object(root, out);
	json_decref(root);
	if (why != NULL) {
		warnmsg("bad response: %s", why);
		return CT_ERR_RESPONSE;
	}
	return *out == NULL ? CT_ERR_INTERNAL : CT_OK;
}

/* The error class of an OAuth error code. */
static enum ct_err
oauth_class(const char *code)
{
	size_t	 i;

	for (i = 0; i < sizeof(oauth_errors) / sizeof(oauth_errors[0]); i++)
		if (strcmp(code, oauth_errors[i].code) == 0)
			return oauth_errors[i].err;
	return CT_ERR_OAUTH_OTHER;
}

/*
 * A string of the server's made safe to show: sanitized, cut to max
 * bytes, and every form of the secret that r was sent with hidden (an
 * echoing server may quote it).  Owned, or NULL when out of memory.
 */
static char *
server_text(const struct http_response *r, json_t *str, size_t max)
{
	return sanitize_hidden(json_string_value(str), json_string_length(str),
	    (const char *const *)r->hide, HIDE_FORMS, max);
}

/* "; hint" after an invalid_client message, else "". */
static const char *
client_sep(enum ct_err rc, const char *hint)
{
	return rc == CT_ERR_INVALID_CLIENT && hint != NULL ? "; " : "";
}

static const char *
client_hint(enum ct_err rc, const char *hint)
{
	return rc == CT_ERR_INVALID_CLIENT && hint != NULL ? hint : "";
}

/*
 * If r's body is an RFC 6749 5.2 error object, print
 * "code: description (HTTP status)" (and "; hint" for invalid_client)
 * and return its class; else return CT_OK and print nothing.
 */
static enum ct_err
oauth_error(const struct http_response *r, const char *hint)
{
	json_t		*root, *e, *d;
	const char	*why;
	char		*code, *desc = NULL;
	enum ct_err	 rc;

	if ((root = load_object(r->body, r->len, &why)) == NULL)
		return CT_OK;
	e = json_object_get(root, "error");
	d = json_object_get(root, "error_description");
	if (!json_is_string(e) || json_string_length(e) == 0) {
		json_decref(root);
		return CT_OK;
	}
	code = server_text(r, e, 64);
	if (json_is_string(d))
		desc = server_text(r, d, MAX_DESC);
	rc = oauth_class(json_string_value(e));
	if (code == NULL)
		rc = CT_ERR_INTERNAL;
	else if (desc != NULL && *desc != '\0')
		warnmsg("%s: %s (HTTP %ld)%s%s", code, desc, r->status,
		    client_sep(rc, hint), client_hint(rc, hint));
	else
		warnmsg("%s (HTTP %ld)%s%s", code, r->status,
		    client_sep(rc, hint), client_hint(rc, hint));
	free(code);
	free(desc);
	json_decref(root);
	return rc;
}

/* A string member of o, or NULL when missing, not a string or empty. */
static json_t *
nonempty_string(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_string(v) && json_string_length(v) > 0 ? v : NULL;
}

/*
 * If r's body is Collibra's REST error envelope (statusCode, errorCode,
 * titleMessage, userMessage, helpMessage) with a message, print
 * "errorCode: userMessage (HTTP status)" (titleMessage without a
 * userMessage; what, the error class, without an errorCode; "from url"
 * after the status unless url is NULL), sanitized, and return 1; else
 * print nothing and return 0.
 */
static int
collibra_error(const struct http_response *r, const char *what,
    const char *url, const char *hint)
{
	json_t		*root, *m, *c;
	const char	*why;
	char		*msg = NULL, *code = NULL;
	int		 shown = 0;

	if ((root = load_object(r->body, r->len, &why)) == NULL)
		return 0;
	if ((m = nonempty_string(root, "userMessage")) == NULL)
		m = nonempty_string(root, "titleMessage");
	c = nonempty_string(root, "errorCode");
	if (m != NULL && (msg = server_text(r, m, MAX_DESC)) != NULL &&
	    *msg != '\0' &&
	    (c == NULL || (code = server_text(r, c, 64)) != NULL)) {
		warnmsg("%s: %s (HTTP %ld%s%s)%s%s", code != NULL &&
		    *code != '\0' ? code : what, msg, r->status,
		    url != NULL ? " from " : "", url != NULL ? url : "",
		    hint != NULL ? "; " : "", hint != NULL ? hint : "");
		shown = 1;
	}
	free(msg);
	free(code);
	json_decref(root);
	return shown;
}

/*
 * Turn the answer of url into a token (caller frees) or an error class:
 * 200 must carry a valid token; 3xx, 429 and 5xx are server errors;
 * other statuses are OAuth errors when the body says so, else 400 is
 * invalid_request, 401 invalid_client and the rest server errors,
 * described by Collibra's error envelope when the body is one, else by
 * the status and Content-Type (a body that is neither is never shown).
 * Prints one line on failure, naming url when the server's body does
 * not explain the status, and ending for invalid_client in "; hint"
 * (where the credentials came from; may be NULL); no text of the
 * server's shows the secret (r->hide; the headers were hidden when they
 * came, http.c).
 */
enum ct_err
token_from_response(const struct http_response *r, const char *url,
    const char *hint,
    struct token **out)
{
	enum ct_err	 rc;
	const char	*what, *ct = r->content_type;

	*out = NULL;
	if (r->status == 200) {
		if ((rc = token_parse(r->body, r->len, out)) == CT_OK)
			(*out)->received_at = r->received_at;
		return rc;
	}
	if (r->status >= 300 && r->status < 400) {
		warnmsg("server error: HTTP %ld from %s: redirect to %s not "
		    "followed", r->status, url,
		    r->location ? r->location : "(nowhere)");
		return CT_ERR_SERVER;
	}
	if (r->status == 429 || r->status >= 500) {
		if (oauth_error(r, NULL) == CT_OK)
			warnmsg("server error: HTTP %ld from %s", r->status,
			    url);
		return CT_ERR_SERVER;
	}
	if ((rc = oauth_error(r, hint)) != CT_OK)
		return rc;
	rc = r->status == 400 ? CT_ERR_INVALID_REQUEST :
	    r->status == 401 ? CT_ERR_INVALID_CLIENT : CT_ERR_SERVER;
	what = r->status == 400 ? "invalid_request" :
	    r->status == 401 ? "invalid_client" : "server error";
	/* the URL where the status is not the client's own error */
	if (collibra_error(r, what, rc == CT_ERR_SERVER ? url : NULL,
	    rc == CT_ERR_INVALID_CLIENT ? hint : NULL))
		return rc;
	if (rc != CT_ERR_SERVER)
		warnmsg("%s: HTTP %ld from %s without an OAuth error (%s%s)%s%s",
		    what, r->status, url, ct != NULL ? "Content-Type " :
		    "no Content-Type", ct != NULL ? ct : "",
		    client_sep(rc, hint), client_hint(rc, hint));
	else
		warnmsg("server error: unexpected HTTP %ld from %s (%s%s)",
		    r->status, url, ct != NULL ? "Content-Type " :
		    "no Content-Type", ct != NULL ? ct : "");
	return rc;
}

/*
 * When t expires, in Unix seconds (meaningful only when t->has_expiry):
 * the one place of this arithmetic, for every form of the expiry.
 */
long long
token_expires_at(const struct token *t)
{
	return (long long)t->received_at + t->expires_in;
}

/* Wipe the token and free t.  Accepts NULL. */
void
token_free(struct token *t)
{
	if (t == NULL)
		return;
	wipe_free_str(t->access_token);
	free(t->token_type);
	free(t->scope);
	free(t);
}
