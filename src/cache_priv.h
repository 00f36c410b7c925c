/*
 * The cache's internals, shared by its modules (cache.c, cachekey.c,
 * fresh.c, seal.c) and the unit tests and fuzz harnesses, as mblaze's
 * blaze822_priv.h: no other file includes it.  extern.h comes first.
 */
#ifndef CACHE_PRIV_H
#define CACHE_PRIV_H

/* Everything a cache entry is bound to (cache.c make_ctx()). */
struct seal_ctx {
	char		*data;		/* owned; NUL-separated fields */
	size_t		 len;
};

#define SEAL_KEY_LEN	32
#define SEAL_OLD_FORMAT	"an entry of the previous release (CTK1)"
#define SEAL_OLD_FORMAT2 "an entry of an earlier release (CTK2)"

/*
 * A moment as a cache entry records it: the wall clock, the clock of
 * lifetimes (now_ms(): counts suspend, starts again at each boot) and
 * the boot.  boot is "" when unknown; for the present moment it is read
 * only when boot_read is 0 and something needs it (fresh.c).
 */
struct cache_stamp {
	long long	 wall_ms;
	long long	 clock_ms;
	int		 clock;		/* compat_clock_id() */
	int		 boot_read;	/* boot is compat_boot_id()'s answer */
	char		 boot[64];
};

/* An open cache: a private directory and this configuration's entry. */
struct cache {
	int		 dirfd;		/* -1: no cache */
	int		 lockfd;	/* -1: not locked */
	long long	 since_ms;	/* now_ms() when we began looking; -1 */
	char		 name[33];
	struct seal_ctx	 ctx;
	unsigned char	 key[SEAL_KEY_LEN]; /* the entries' key, wiped */
	int		 keyed;		/* key is set */
	const struct settings *set;
};

/* The kinds of sealed entries: a token, an error record. */
#define ENTRY_TOKEN	'T'
#define ENTRY_ERROR	'E'

/* One "cache: ..." line for --verbose. */
#define note(c, ...)	verbosef((c)->set, "cache: " __VA_ARGS__)

/* cache.c */
void		 cache_store_stamped(struct cache *, const struct token *,
		    const struct cache_stamp *);

/* cachekey.c */
int		 cache_entry_key(struct cache *, int);

/* fresh.c */
void		 stamp_now(struct cache_stamp *);
int		 stamp_add(json_t *, struct cache_stamp *);
int		 stamp_get(json_t *, struct cache_stamp *);
long long	 stamp_ago_ms(const struct cache_stamp *,
		    struct cache_stamp *, int *);
struct token	*cache_entry_token(const char *, size_t, struct cache_stamp *,
		    long long, long long, const char **, long long *);

/* seal.c */
int		 seal_key_secret(const char *, size_t,
		    unsigned char[SEAL_KEY_LEN]);
int		 seal_key_user(const unsigned char[SEAL_KEY_LEN],
		    unsigned char[SEAL_KEY_LEN]);
int		 seal_random(unsigned char *, size_t);
int		 seal(const unsigned char[SEAL_KEY_LEN],
		    const struct seal_ctx *, char, const char *, size_t,
		    unsigned char **, size_t *);
int		 unseal(const unsigned char[SEAL_KEY_LEN],
		    const struct seal_ctx *, char, const unsigned char *,
		    size_t, char **, size_t *, const char **);
int		 seal_name(const struct seal_ctx *, char[33]);
int		 seal_name_v1(const struct seal_ctx *, char[33]);

#endif /* !CACHE_PRIV_H */
