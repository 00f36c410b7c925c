/*
 * Fuzzes token_from_response(): the HTTP status and body of the token
 * endpoint's answer, classified, and parsed as a token (status 200) or
 * as an RFC 6749 5.2 error body.
 *
 * Input: the low nibble of byte 0 picks the status (0-6: 200, 7: 0, 8:
 * 400, 9: 401, a: 403, b: 429, c: 500, d: 503, e: 302, f: any of
 * 0-4095, from the high nibble and byte 1); bit 0 of byte 1 adds a
 * Content-Type, bit 1 a Location.  The rest is the body.  In ASCII,
 * "0 " is a plain 200, "8 " a 400, "> " a 302 and so on.
 *
 * Invariants: the result is a valid enum ct_err; a token comes back
 * exactly when CT_OK, and only for status 200, which otherwise gives
 * CT_ERR_RESPONSE (or CT_ERR_INTERNAL); on CT_OK the
 * access_token is non-empty printable ASCII without spaces (0x21-0x7e),
 * token_type is "Bearer" in any case, expires_in is 0..10^9 when
 * present and 0 when not, and received_at is carried over; 3xx, 429 and
 * 5xx are CT_ERR_SERVER, any other status is never CT_ERR_RESPONSE.
 * ASan and UBSan catch memory errors, leaks and undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../src/extern.h"
#include "fuzz.h"

#define RECEIVED_AT	1700000000

static const long statuses[16] = {
	200, 200, 200, 200, 200, 200, 200, 0,
	400, 401, 403, 429, 500, 503, 302, -1
};

static void
check_token(const struct token *t)
{
	const char	*p;

	CHECK(t != NULL);
	CHECK(t->access_token != NULL && t->access_token[0] != '\0');
	for (p = t->access_token; *p != '\0'; p++)
		CHECK((unsigned char)*p >= 0x21 && (unsigned char)*p <= 0x7e);
	CHECK(t->token_type != NULL);
	CHECK(strcasecmp(t->token_type, "Bearer") == 0);
	if (t->has_expiry)
		CHECK(t->expires_in >= 0 && t->expires_in <= 1000000000LL);
	else
		CHECK(t->expires_in == 0);
	CHECK(t->received_at == RECEIVED_AT);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response	 r;
	struct token		*t = (struct token *)1;
	enum ct_err		 rc;

	if (size < 2)
		return 0;
	memset(&r, 0, sizeof(r));
	r.status = statuses[data[0] & 0x0f];
	if (r.status == -1)
		r.status = (long)(data[0] >> 4) << 8 | data[1];
	if (data[1] & 1)
		r.content_type = strdup("application/json;charset=UTF-8");
	if (data[1] & 2)
		r.location = strdup("https://login.example.invalid/");
	r.len = size - 2;
	if ((r.body = malloc(r.len + 1)) == NULL)
		abort();
	memcpy(r.body, data + 2, r.len);
	r.body[r.len] = '\0';
	r.received_at = RECEIVED_AT;

	rc = token_from_response(&r, "https://fuzz.invalid/t", (data[1] & 4) ?
	    "client ID from A, secret from B" : NULL, &t);

	CHECK(rc >= CT_OK && rc < CT_ERR__MAX);
	CHECK((rc == CT_OK) == (t != NULL));
	if (rc == CT_OK) {
		CHECK(r.status == 200);
		check_token(t);
	}
	if ((r.status >= 300 && r.status < 400) || r.status == 429 ||
	    r.status >= 500)
		CHECK(rc == CT_ERR_SERVER);
	if (r.status == 200)
		CHECK(rc == CT_OK || rc == CT_ERR_RESPONSE ||
		    rc == CT_ERR_INTERNAL);
	else
		CHECK(rc != CT_ERR_RESPONSE);
	token_free(t);
	http_response_free(&r);
	return 0;
}
