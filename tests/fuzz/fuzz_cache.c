/*
 * Fuzzes what the cache reads back from disk, which anyone who can
 * write the cache directory controls.  The first byte picks the stage:
 *
 *   even: the raw bytes as a sealed entry (CTK3, or an earlier
 *         release's CTK1 or CTK2), given to unseal();
 *   odd:  the bytes as a payload, sealed and unsealed (the round trip),
 *         then given to cache_entry_token() as the lookup would, and as
 *         the lookup after the lock would (a moment the call began).
 *
 * Invariants: unseal() never accepts bytes it did not seal (no forged
 * tag here); seal then unseal gives back the payload exactly, and
 * under another kind, context or key (a literal secret's, the user
 * key's subkey) or one byte shorter it fails; a CTK1 or CTK2 entry is
 * always refused as such; a token from a payload is printable ASCII
 * without spaces, of type Bearer in any letter case; on a first lookup
 * it has at least min_ttl seconds left, and then expires_in equals
 * them; after the lock it has a second left, or no expiry.  The boot is
 * given, so that nothing reads the system's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../src/extern.h"
#include "../../src/cache_priv.h"
#include "fuzz.h"

#define SECRET	"fuzz-secret"
#define NOW	1800000000
#define MIN_TTL	60
#define CLOCK	7		/* the clock id of the seeds */
#define CLOCK_MS 5000000LL	/* its reading now */
#define SINCE_MS 4990000LL	/* when the call began looking */

static char		 ctx_data[] = "https://x/rest/oauth/v2/token\0id\0";
static struct seal_ctx	 ctx = { ctx_data, sizeof(ctx_data) };
static char		 other_data[] = "https://y/rest/oauth/v2/token\0id\0";
static struct seal_ctx	 other = { other_data, sizeof(other_data) };

static unsigned char	 key[SEAL_KEY_LEN], wrong[SEAL_KEY_LEN];

/* The keys: the fuzz secret's, and a subkey of a user key (wrong). */
static void
keys(void)
{
	static int	 done;
	unsigned char	 root[SEAL_KEY_LEN] = { 1 };

	if (done)
		return;
	if (seal_key_secret(SECRET, strlen(SECRET), key) != 0 ||
	    seal_key_user(root, wrong) != 0)
		abort();
	done = 1;
}

static void
check_token(const struct token *t, long long left)
{
	size_t	 i, n = strlen(t->access_token);

	CHECK(n > 0);
	for (i = 0; i < n; i++)
		CHECK(t->access_token[i] >= 0x21 && t->access_token[i] <= 0x7e);
	CHECK(strcasecmp(t->token_type, "Bearer") == 0);
	CHECK(t->received_at == NOW);
	CHECK(!t->has_expiry || t->expires_in == left);
}

/* Now, as the seeds see it: this boot is "fuzz-boot". */
static void
stamp(struct cache_stamp *now)
{
	memset(now, 0, sizeof(*now));
	now->wall_ms = NOW * 1000LL;
	now->clock_ms = CLOCK_MS;
	now->clock = CLOCK;
	now->boot_read = 1;
	strcpy(now->boot, "fuzz-boot");
}

/* The payload of len bytes at plain, looked up as cache_lookup() does. */
static void
lookup(const char *plain, size_t len)
{
	struct cache_stamp now;
	struct token	*t;
	const char	*why;
	long long	 left;

	stamp(&now);
	if ((t = cache_entry_token(plain, len, &now, -1, MIN_TTL, &why,
	    &left)) != NULL) {
		CHECK(why != NULL && t->has_expiry && left >= MIN_TTL);
		check_token(t, left);
		token_free(t);
	} else
		CHECK(why != NULL);
	stamp(&now);
	if ((t = cache_entry_token(plain, len, &now, SINCE_MS, MIN_TTL, &why,
	    &left)) != NULL) {
		CHECK(why != NULL && (!t->has_expiry || left >= 1));
		check_token(t, left);
		token_free(t);
	} else
		CHECK(why != NULL);
}

static void
roundtrip(const char *plain, size_t len)
{
	unsigned char	*e;
	char		*back;
	size_t		 elen, blen;
	const char	*why;

	if (seal(key, &ctx, 'T', plain, len, &e, &elen) == -1)
		abort();
	CHECK(memcmp(e, "CTK3", 4) == 0);
	CHECK(unseal(key, &ctx, 'E', e, elen, &back, &blen, &why) == -1);
	CHECK(unseal(key, &other, 'T', e, elen, &back, &blen, &why) == -1);
	CHECK(unseal(wrong, &ctx, 'T', e, elen, &back, &blen, &why) == -1);
	CHECK(unseal(key, &ctx, 'T', e, elen - 1, &back, &blen,
	    &why) == -1);
	CHECK(unseal(key, &ctx, 'T', e, elen, &back, &blen, &why) == 0);
	CHECK(blen == len && memcmp(back, plain, len) == 0);
	free(e);
	lookup(back, blen);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*plain;
	size_t		 plen;
	const char	*why;

	if (size < 1)
		return 0;
	keys();
	if ((data[0] & 1) == 0) {
		CHECK(unseal(key, &ctx, 'T', data + 1, size - 1, &plain,
		    &plen, &why) == -1);
		CHECK(why != NULL);
		if (size >= 5 && memcmp(data + 1, "CTK1", 4) == 0)
			CHECK(strcmp(why, SEAL_OLD_FORMAT) == 0);
		if (size >= 5 && memcmp(data + 1, "CTK2", 4) == 0)
			CHECK(strcmp(why, SEAL_OLD_FORMAT2) == 0);
		return 0;
	}
	roundtrip((const char *)data + 1, size - 1);
	return 0;
}
