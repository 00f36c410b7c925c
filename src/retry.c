/*
 * Retries of transient failures (connect errors, timeouts, resets,
 * HTTP 5xx and 429) with exponential backoff and full jitter, honouring
 * Retry-After, all within the --timeout budget.  OAuth errors, TLS
 * failures and bad responses are final.
 */
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include "compat.h"
#include "extern.h"

#define BACKOFF_BASE_MS		250
#define BACKOFF_CAP_MS		8000
#define RETRY_AFTER_CAP_MS	60000LL

/* Full jitter: a random delay in [0, min(cap, base * 2^n)] ms. */
static long long
backoff_ms(int n)
{
	long long	 ceiling = BACKOFF_BASE_MS;
	uint32_t	 r = 0;

	while (n-- > 0 && ceiling < BACKOFF_CAP_MS)
		ceiling *= 2;
	if (ceiling > BACKOFF_CAP_MS)
		ceiling = BACKOFF_CAP_MS;
	if (compat_random(&r, sizeof(r)) == -1)
		r = 0;
	return (long long)(r % (uint32_t)(ceiling + 1));
}

/*
 * A Retry-After value (delay-seconds or HTTP-date) in ms, capped; -1
 * when it is absent or unreadable.
 */
static long long
retry_after_ms(const char *v)
{
	const char	*errstr;
	long long	 sec;
	time_t		 t;

	if (v == NULL)
		return -1;
	if (parse_number(v, 0, LLONG_MAX / 1000, &sec, &errstr) == 0)
		return sec * 1000 > RETRY_AFTER_CAP_MS ? RETRY_AFTER_CAP_MS :
		    sec * 1000;
	if ((t = http_date(v)) == -1)
		return -1;
	sec = (long long)(t - time(NULL));
	if (sec > RETRY_AFTER_CAP_MS / 1000)
		return RETRY_AFTER_CAP_MS;
	return sec < 0 ? 0 : sec * 1000;
}

/* Why the outcome of an attempt is worth another one, or NULL. */
static const char *
worth_retry(enum ct_err rc, const struct http_response *r, char *buf,
    size_t size)
{
	if (rc != CT_OK)
		return r->retryable ? r->error : NULL;
	if (r->status != 429 && r->status < 500)
		return NULL;
	snprintf(buf, size, "HTTP %ld", r->status);
	return buf;
}

/*
 * http_fetch() up to 1 + SET_NUM(s, RETRIES) times while the outcome is
 * transient and the budget allows the wait.  Returns like http_fetch()
 * for the last attempt; a final failed transfer is printed here.
 */
enum ct_err
retry_fetch(const struct settings *s, struct http_response *r)
{
	char		 buf[32];
	const char	*why;
	long long	 wait, hinted;
	enum ct_err	 rc;
	int		 attempt;

	for (attempt = 1;; attempt++) {
		rc = http_fetch(s, r);
		why = worth_retry(rc, r, buf, sizeof(buf));
		if (why == NULL || attempt > SET_NUM(s, RETRIES))
			break;
		hinted = retry_after_ms(r->retry_after);
		wait = hinted >= 0 ? hinted : backoff_ms(attempt - 1);
		if (now_ms() + wait >= s->deadline_ms) {
			verbosef(s, "attempt %d: %s; no time left for "
			    "another before --timeout", attempt, why);
			break;
		}
		verbosef(s, "attempt %d: %s; retrying in %lld ms%s", attempt,
		    why, wait, hinted >= 0 ? " (Retry-After)" : "");
		http_response_free(r);
		if (sleep_ms(wait) == -1)
			return CT_ERR_SIGNAL;
	}
	if (rc != CT_OK && r->error[0] != '\0' && rc != CT_ERR_SIGNAL)
		warnmsg("%s", r->error);
	return rc;
}
