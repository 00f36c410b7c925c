/*
 * Sealed cache entries.  A per-entry key is derived from the client
 * secret and a random salt with HKDF-SHA256; AES-256-GCM encrypts and
 * authenticates the payload, with the header and the configuration
 * (token URL, client ID, scope) as additional data.  All cryptography is
 * OpenSSL's libcrypto.
 *
 * Layout: "CTK1" | kind (1) | salt (16) | nonce (12) | ciphertext | tag (16)
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "extern.h"

#define MAGIC		"CTK1"
#define SALT_LEN	16
#define NONCE_LEN	12
#define TAG_LEN		16
#define KEY_LEN		32
#define HEADER_LEN	(4 + 1 + SALT_LEN + NONCE_LEN)
#define KDF_INFO	"collibra-token cache v1"

/* HKDF-SHA256(secret, salt, info) into key[KEY_LEN]; 0 or -1. */
static int
derive(const char *secret, size_t slen, const unsigned char *salt,
    unsigned char *key)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*kctx = NULL;
	OSSL_PARAM	 params[5];
	int		 rc = -1;

	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)secret, slen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, SALT_LEN);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)KDF_INFO, sizeof(KDF_INFO) - 1);
	params[4] = OSSL_PARAM_construct_end();
	if ((kctx = EVP_KDF_CTX_new(kdf)) != NULL &&
	    EVP_KDF_derive(kctx, key, KEY_LEN, params) == 1)
		rc = 0;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

/*
 * Run AES-256-GCM over len bytes of in into out, with the header and
 * ctx as additional data; enc selects the direction.  The tag is
 * written to, or checked against, tag.  Returns 0, or -1 (including a
 * failed authentication).
 */
static int
gcm(int enc, const unsigned char *key, const unsigned char *header,
    const struct seal_ctx *ctx, const unsigned char *in, size_t len,
    unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX	*c;
	int		 n, ok;

	if (len > INT_MAX || (c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key,
	    header + 4 + 1 + SALT_LEN, enc) == 1 &&
	    EVP_CipherUpdate(c, NULL, &n, header, HEADER_LEN) == 1 &&
	    EVP_CipherUpdate(c, NULL, &n, (const unsigned char *)ctx->data,
	    (int)ctx->len) == 1 &&
	    EVP_CipherUpdate(c, out, &n, in, (int)len) == 1 &&
	    (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	    tag) == 1) &&
	    EVP_CipherFinal_ex(c, out + n, &n) == 1 &&
	    (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
	    tag) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/*
 * Seal len bytes of plain as an entry of the given kind for ctx, keyed
 * by the secret.  *out (owned by the caller) gets the entry and *outlen
 * its size.  Returns 0, or -1 when libcrypto fails or memory runs out.
 */
int
seal(const char *secret, size_t slen, const struct seal_ctx *ctx, char kind,
    const char *plain, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char	 key[KEY_LEN], *e;
	size_t		 n = HEADER_LEN + len + TAG_LEN;
	int		 rc = -1;

	*out = NULL;
	if ((e = xmalloc(n)) == NULL)
		return -1;
	memcpy(e, MAGIC, 4);
	e[4] = (unsigned char)kind;
	if (RAND_bytes(e + 5, SALT_LEN + NONCE_LEN) == 1 &&
	    derive(secret, slen, e + 5, key) == 0 &&
	    gcm(1, key, e, ctx, (const unsigned char *)plain, len,
	    e + HEADER_LEN, e + HEADER_LEN + len) == 0)
		rc = 0;
	explicit_bzero(key, sizeof(key));
	if (rc == -1) {
		wipe_free((char *)e, n);
		return -1;
	}
	*out = e;
	*outlen = n;
	return 0;
}

/*
 * Open an entry of the given kind sealed for ctx with the secret.  On
 * success *plain (owned, NUL-terminated, to be wiped) holds *plen bytes
 * and 0 is returned; otherwise -1 and *why says what was wrong.
 */
int
unseal(const char *secret, size_t slen, const struct seal_ctx *ctx,
    char kind, const unsigned char *e, size_t n, char **plain, size_t *plen,
    const char **why)
{
	unsigned char	 key[KEY_LEN], tag[TAG_LEN];
	size_t		 len;
	char		*p;
	int		 rc;

	*plain = NULL;
	if (n < HEADER_LEN + TAG_LEN || memcmp(e, MAGIC, 4) != 0 ||
	    e[4] != (unsigned char)kind) {
		*why = "truncated or not an entry";
		return -1;
	}
	len = n - HEADER_LEN - TAG_LEN;
	if ((p = xmalloc(len + 1)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	memcpy(tag, e + HEADER_LEN + len, TAG_LEN);
	rc = derive(secret, slen, e + 5, key) == 0 &&
	    gcm(0, key, e, ctx, e + HEADER_LEN, len, (unsigned char *)p,
	    tag) == 0 ? 0 : -1;
	explicit_bzero(key, sizeof(key));
	if (rc == -1) {
		wipe_free(p, len + 1);
		*why = "cannot authenticate: other secret, or tampered";
		return -1;
	}
	p[len] = '\0';
	*plain = p;
	*plen = len;
	return 0;
}

/*
 * The file name of ctx's entry: 32 hex digits of SHA-256 over a label
 * and ctx.  Names carry no secret.  Returns 0, or -1 if libcrypto fails.
 */
int
seal_name(const struct seal_ctx *ctx, char name[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX	*m;
	unsigned int	 mdlen;
	int		 ok, i;

	if ((m = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(m, KDF_INFO, sizeof(KDF_INFO)) == 1 &&
	    EVP_DigestUpdate(m, ctx->data, ctx->len) == 1 &&
	    EVP_DigestFinal_ex(m, md, &mdlen) == 1;
	EVP_MD_CTX_free(m);
	if (!ok)
		return -1;
	for (i = 0; i < 16; i++) {
		name[2 * i] = hex[md[i] >> 4];
		name[2 * i + 1] = hex[md[i] & 0x0f];
	}
	name[32] = '\0';
	return 0;
}
