/*
 * Freshness: when a cache entry was stored (a stamp: wall clock, clock
 * of lifetimes, boot), how long ago that was, and whether its token may
 * be served now (judge()): --min-ttl, single flight, another boot.
 */
#include <limits.h>
#include <string.h>
#include <time.h>

#include "compat.h"
#include "extern.h"
#include "cache_priv.h"

#define MAX_MS		(1LL << 50)	/* a stamp's clocks, in ms: bounded */
#define AGREE_MS	1000	/* the clocks moved together, within this */

/* This moment; its boot is read later, if something needs it. */
void
stamp_now(struct cache_stamp *now)
{
	memset(now, 0, sizeof(*now));
	now->wall_ms = wall_ns() / 1000000;
	now->clock_ms = now_ms();
	now->clock = (int)compat_clock_id();
}

/* The boot of the moment now, read once: "" when the system has none. */
static const char *
stamp_boot(struct cache_stamp *now)
{
	if (!now->boot_read && compat_boot_id(now->boot,
	    sizeof(now->boot)) == -1)
		now->boot[0] = '\0';
	now->boot_read = 1;
	return now->boot;
}

/* Add the stamp st to the object o (a payload): 0, or -1. */
int
stamp_add(json_t *o, struct cache_stamp *st)
{
	return json_object_set_new(o, "wall_ms",
	    json_integer((json_int_t)st->wall_ms)) |
	    json_object_set_new(o, "clock_ms",
	    json_integer((json_int_t)st->clock_ms)) |
	    json_object_set_new(o, "clock", json_integer(st->clock)) |
	    json_object_set_new(o, "boot", json_string(stamp_boot(st)));
}

/* The stamp of the payload root in st: 0, or -1 if it has none. */
int
stamp_get(json_t *root, struct cache_stamp *st)
{
	json_t	*w = json_object_get(root, "wall_ms");
	json_t	*c = json_object_get(root, "clock_ms");
	json_t	*id = json_object_get(root, "clock");
	json_t	*b = json_object_get(root, "boot");

	if (!json_is_integer(w) || !json_is_integer(c) ||
	    !json_is_integer(id) || !json_is_string(b) ||
	    json_integer_value(w) < 0 || json_integer_value(w) > MAX_MS ||
	    json_integer_value(c) < 0 || json_integer_value(c) > MAX_MS ||
	    json_integer_value(id) < INT_MIN ||
	    json_integer_value(id) > INT_MAX ||
	    json_string_length(b) >= sizeof(st->boot))
		return -1;
	st->wall_ms = json_integer_value(w);
	st->clock_ms = json_integer_value(c);
	st->clock = (int)json_integer_value(id);
	memcpy(st->boot, json_string_value(b), json_string_length(b) + 1);
	st->boot_read = 1;
	return 0;
}

/*
 * How long ago (ms) the stamp then was, seen from now: on the clock of
 * lifetimes within one boot (*same set), on the wall clock across
 * boots or when the boot is unknown.  Unless the wall clock was stepped
 * or this is another boot, the clocks moved together and agree: only
 * otherwise is the boot read, so that a hit costs no system call more.
 */
long long
stamp_ago_ms(const struct cache_stamp *then, struct cache_stamp *now, int *same)
{
	long long	 d = (now->wall_ms - now->clock_ms) -
			    (then->wall_ms - then->clock_ms);

	*same = then->clock == now->clock && ((d > -AGREE_MS &&
	    d < AGREE_MS) || (then->boot[0] != '\0' &&
	    strcmp(then->boot, stamp_boot(now)) == 0));
	return *same ? now->clock_ms - then->clock_ms :
	    now->wall_ms - then->wall_ms;
}

/*
 * Whether the token t received at then may be served now, and *left
 * its seconds left.  A token received after since_ms (this boot, on the
 * clock of lifetimes; -1: no such moment) was fetched for us: it is
 * served with any time left, or with no lifetime given; any other needs
 * min_ttl seconds.  Returns NULL, or why not; *how says more on a hit.
 */
static const char *
judge(const struct token *t, const struct cache_stamp *then,
    struct cache_stamp *now, long long since_ms, long long min_ttl,
    long long *left, const char **how)
{
	long long	 ago;
	int		 same, fresh;

	ago = stamp_ago_ms(then, now, &same);
	fresh = same && since_ms >= 0 && then->clock_ms >= since_ms;
	*how = same ? "" : ", by the wall clock: another boot";
	*left = 0;
	if (ago < 0)
		return same ? "received in the future on the clock of this "
		    "boot" : "received in the future by the wall clock "
		    "(stepped back, or another boot)";
	if (!t->has_expiry)
		return fresh ? NULL : "no lifetime given: it was only for "
		    "the processes waiting for it";
	*left = t->expires_in - (ago + 999) / 1000;
	if (fresh && *left > 0 && *left < min_ttl)
		*how = ", fetched since this call began: --min-ttl not "
		    "applied";
	if (*left < (fresh ? 1 : min_ttl))
		return "expired";
	return NULL;
}

/*
 * The token held in an opened entry's payload (len bytes of JSON), if
 * judge() serves it at now (since_ms and min_ttl as there); the token
 * (caller frees) then has expires_in set to what is left, or no expiry
 * when the server gave none, and *why a remark for the -v line ("" or
 * more).  Otherwise NULL, with *why saying why and *left the seconds
 * left (for "expired").  now's boot is read if it is needed.
 */
struct token *
cache_entry_token(const char *plain, size_t len, struct cache_stamp *now,
    long long since_ms, long long min_ttl, const char **why,
    long long *left)
{
	struct cache_stamp then;
	struct token	*t = NULL;
	json_t		*root;
	const char	*how = "";

	*left = 0;
	root = json_loadb(plain, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root) || stamp_get(root, &then) == -1)
		*why = "unreadable payload";
	else if ((*why = token_from_object(root, &t)) != NULL || t == NULL) {
		if (*why == NULL)
			*why = "out of memory";
	} else
		*why = judge(t, &then, now, since_ms, min_ttl, left, &how);
	json_decref(root);
	if (*why != NULL) {
		token_free(t);
		return NULL;
	}
	if (t->has_expiry)
		t->expires_in = *left;
	t->received_at = (time_t)(now->wall_ms / 1000);
	*why = how;
	return t;
}
