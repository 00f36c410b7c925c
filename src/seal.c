/*
 * Sealed cache entries, with libsodium.  XChaCha20-Poly1305 (IETF)
 * encrypts and authenticates the payload under a 256-bit key, with the
 * header and the entry's context (everything that makes it valid, see
 * cache.c) as additional data and a random 192-bit nonce per entry.
 *
 * Keys: an entry for a literal secret is keyed by a BLAKE2b hash of the
 * secret; an entry for a secret command or a prompt by a subkey of the
 * user's random cache key (crypto_kdf).
 *
 * Layout: "CTK3" | kind (1) | nonce (24) | ciphertext | tag (16)
 * Earlier releases wrote "CTK1" (AES-256-GCM) and "CTK2" entries (the
 * same seal, but a payload without the moment and boot of its receipt,
 * see cache.c); they are recognised and refused here, so that the
 * caller replaces them.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "extern.h"
#include "cache_priv.h"

#define MAGIC		"CTK3"
#define MAGIC_V1	"CTK1"
#define MAGIC_V2	"CTK2"
#define NONCE_LEN	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN		crypto_aead_xchacha20poly1305_ietf_ABYTES
#define HEADER_LEN	(4 + 1 + NONCE_LEN)
#define SECRET_LABEL	"collibra-token cache v2 secret key"
#define NAME_LABEL	"collibra-token cache v2 entry name"
#define V1_LABEL	"collibra-token cache v1"
#define KDF_CONTEXT	"ctcache2"	/* crypto_kdf: exactly 8 bytes */

/* sodium_init() once, and only where libsodium is needed; 0 or -1. */
static int
ready(void)
{
	static int	 done;

	if (!done && sodium_init() < 0)
		return -1;
	done = 1;
	return 0;
}

/*
 * The key of entries sealed for a literal secret: BLAKE2b-256 of the
 * secret, keyed by a fixed label to keep it apart from other uses.
 */
int
seal_key_secret(const char *secret, size_t len,
    unsigned char key[SEAL_KEY_LEN])
{
	if (ready() == -1)
		return -1;
	return crypto_generichash(key, SEAL_KEY_LEN,
	    (const unsigned char *)secret, len,
	    (const unsigned char *)SECRET_LABEL, sizeof(SECRET_LABEL) - 1);
}

/* The key of entries sealed with the user's cache key (root). */
int
seal_key_user(const unsigned char root[SEAL_KEY_LEN],
    unsigned char key[SEAL_KEY_LEN])
{
	if (ready() == -1)
		return -1;
	return crypto_kdf_derive_from_key(key, SEAL_KEY_LEN, 1, KDF_CONTEXT,
	    root);
}

/* n random bytes into buf (a new user cache key); 0 or -1. */
int
seal_random(unsigned char *buf, size_t n)
{
	if (ready() == -1)
		return -1;
	randombytes_buf(buf, n);
	return 0;
}

/* The additional data: header then ctx, in a new buffer (or NULL). */
static unsigned char *
make_ad(const unsigned char *header, const struct seal_ctx *ctx,
    size_t *len)
{
	unsigned char	*ad;

	*len = HEADER_LEN + ctx->len;
	if ((ad = xmalloc(*len)) == NULL)
		return NULL;
	memcpy(ad, header, HEADER_LEN);
	memcpy(ad + HEADER_LEN, ctx->data, ctx->len);
	return ad;
}

/*
 * Seal len bytes of plain as an entry of the given kind for ctx under
 * key.  *out (owned by the caller) gets the entry and *outlen its size.
 * Returns 0, or -1 when libsodium fails or memory runs out.
 */
int
seal(const unsigned char key[SEAL_KEY_LEN], const struct seal_ctx *ctx,
    char kind, const char *plain, size_t len, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*e, *ad;
	unsigned long long clen;
	size_t		 n = HEADER_LEN + len + TAG_LEN, adlen;
	int		 rc = -1;

	*out = NULL;
	if (ready() == -1 || (e = xmalloc(n)) == NULL)
		return -1;
	memcpy(e, MAGIC, 4);
	e[4] = (unsigned char)kind;
	randombytes_buf(e + 5, NONCE_LEN);
	if ((ad = make_ad(e, ctx, &adlen)) != NULL &&
	    crypto_aead_xchacha20poly1305_ietf_encrypt(e + HEADER_LEN, &clen,
	    (const unsigned char *)plain, len, ad, adlen, NULL, e + 5,
	    key) == 0 && clen == len + TAG_LEN)
		rc = 0;
	free(ad);
	if (rc == -1) {
		wipe_free((char *)e, n);
		return -1;
	}
	*out = e;
	*outlen = n;
	return 0;
}

/*
 * Open an entry of the given kind sealed for ctx under key.  On success
 * *plain (owned, NUL-terminated, to be wiped) holds *plen bytes and 0
 * is returned; otherwise -1 and *why says what was wrong.  An entry of
 * an earlier release gives SEAL_OLD_FORMAT (CTK1) or SEAL_OLD_FORMAT2
 * (CTK2) in *why.
 */
int
unseal(const unsigned char key[SEAL_KEY_LEN], const struct seal_ctx *ctx,
    char kind, const unsigned char *e, size_t n, char **plain, size_t *plen,
    const char **why)
{
	unsigned char	*ad;
	unsigned long long mlen;
	size_t		 len, adlen;
	char		*p;
	int		 rc;

	*plain = NULL;
	if (n >= 4 && memcmp(e, MAGIC_V1, 4) == 0) {
		*why = SEAL_OLD_FORMAT;
		return -1;
	}
	if (n >= 4 && memcmp(e, MAGIC_V2, 4) == 0) {
		*why = SEAL_OLD_FORMAT2;
		return -1;
	}
	if (n < HEADER_LEN + TAG_LEN || memcmp(e, MAGIC, 4) != 0 ||
	    e[4] != (unsigned char)kind) {
		*why = "truncated or not an entry";
		return -1;
	}
	len = n - HEADER_LEN - TAG_LEN;
	if (ready() == -1 || (p = xmalloc(len + 1)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	if ((ad = make_ad(e, ctx, &adlen)) == NULL) {
		free(p);
		*why = "out of memory";
		return -1;
	}
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)p,
	    &mlen, NULL, e + HEADER_LEN, n - HEADER_LEN, ad, adlen, e + 5,
	    key) == 0 && mlen == len ? 0 : -1;
	free(ad);
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

/* 16 bytes as 32 lowercase hex digits and a NUL. */
static void
to_hex(const unsigned char *md, char name[33])
{
	static const char hex[] = "0123456789abcdef";
	int		 i;

	for (i = 0; i < 16; i++) {
		name[2 * i] = hex[md[i] >> 4];
		name[2 * i + 1] = hex[md[i] & 0x0f];
	}
	name[32] = '\0';
}

/*
 * The file name of ctx's entry: 32 hex digits of BLAKE2b-128 over ctx,
 * keyed by a label.  Names carry no secret.  Returns 0, or -1.
 */
int
seal_name(const struct seal_ctx *ctx, char name[33])
{
	unsigned char	 md[16];

	if (ready() == -1 || crypto_generichash(md, sizeof(md),
	    (const unsigned char *)ctx->data, ctx->len,
	    (const unsigned char *)NAME_LABEL, sizeof(NAME_LABEL) - 1) != 0)
		return -1;
	to_hex(md, name);
	return 0;
}

/*
 * The name the previous release gave the entry of ctx (its context:
 * token URL, client ID and scope, each NUL-terminated): 32 hex digits
 * of SHA-256 over its label with the NUL, then ctx.  Returns 0, or -1.
 */
int
seal_name_v1(const struct seal_ctx *ctx, char name[33])
{
	crypto_hash_sha256_state st;
	unsigned char	 md[crypto_hash_sha256_BYTES];

	if (ready() == -1 || crypto_hash_sha256_init(&st) != 0 ||
	    crypto_hash_sha256_update(&st, (const unsigned char *)V1_LABEL,
	    sizeof(V1_LABEL)) != 0 ||
	    crypto_hash_sha256_update(&st, (const unsigned char *)ctx->data,
	    ctx->len) != 0 || crypto_hash_sha256_final(&st, md) != 0)
		return -1;
	to_hex(md, name);
	return 0;
}
