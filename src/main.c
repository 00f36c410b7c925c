/*
 * collibra-token: get an OAuth 2.0 access token from Collibra with the
 * client_credentials grant and print it.  main() runs the pipeline in
 * order and is the only place that turns errors into exit codes.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extern.h"

static const int exit_codes[CT_ERR__MAX] = {
	[CT_OK] = 0,
	[CT_ERR_INTERNAL] = 1,
	[CT_ERR_USAGE] = 2,
	[CT_ERR_NETWORK] = 3,
	[CT_ERR_TLS] = 4,
	[CT_ERR_SERVER] = 5,
	[CT_ERR_RESPONSE] = 6,
	[CT_ERR_INVALID_REQUEST] = 10,
	[CT_ERR_INVALID_CLIENT] = 11,
	[CT_ERR_INVALID_GRANT] = 12,
	[CT_ERR_UNAUTHORIZED_CLIENT] = 13,
	[CT_ERR_UNSUPPORTED_GRANT_TYPE] = 14,
	[CT_ERR_INVALID_SCOPE] = 15,
	[CT_ERR_OAUTH_OTHER] = 16,
	[CT_ERR_NOEXEC] = 126,
	[CT_ERR_NOTFOUND] = 127,
	[CT_ERR_SIGNAL] = 128,		/* main() re-raises the signal */
	[CT_ERR_NOT_CACHED] = 7,
};

/* -v: what the server said, with the token shown only as its length. */
static void
show_response(const struct settings *s, const struct http_response *r,
    const struct token *t)
{
	http_print_response(r, t != NULL ? t->access_token : NULL);
	if (r->content_type == NULL ||
	    strncasecmp(r->content_type, "application/json", 16) != 0)
		verbosef(s, "note: Content-Type is %s, not application/json",
		    r->content_type ? r->content_type : "missing");
	if (t != NULL && t->has_expiry)
		verbosef(s, "token: %zu bytes, <redacted>, type %s, expires "
		    "in %lld s", strlen(t->access_token), t->token_type,
		    t->expires_in);
	else if (t != NULL)
		verbosef(s, "token: %zu bytes, <redacted>, type %s, no "
		    "expiry given", strlen(t->access_token), t->token_type);
}

/*
 * Ask the server: check the URL, POST, and turn the answer into a
 * token.  --timeout counts from here, once the secret is in hand, so a
 * slow password manager does not use it up.  -v shows the exchange.
 */
static enum ct_err
fetch(struct settings *s, struct token **tok)
{
	struct http_response	 resp = { 0 };
	char			 creds[2 * PATH_MAX];
	enum ct_err		 rc;

	s->deadline_ms = now_ms() + SET_NUM(s, TIMEOUT) * 1000;
	if ((rc = http_check_url(s)) != CT_OK ||
	    (rc = retry_fetch(s, &resp)) != CT_OK)
		goto out;
	secret_credentials(s, creds, sizeof(creds));
	rc = token_from_response(&resp, s->token_url, creds, tok);
	if (s->verbose)
		show_response(s, &resp, *tok);
out:
	http_response_free(&resp);
	return rc;
}

/*
 * A token from the cache when it holds a fresh one; otherwise fetch it
 * under the configuration's lock, so that processes started together
 * make one request, and share the result or the failure: once the lock
 * is ours, what another process got since we began looking is ours too.
 * Only the process that fetches runs the secret command or prompts.
 */
static enum ct_err
get_token(struct settings *s, struct cache *c, struct token **tok)
{
	enum ct_err	 rc;

	if ((*tok = cache_lookup(c)) != NULL)
		return CT_OK;
	if ((rc = cache_lock(c)) != CT_OK)
		return rc;
	if ((*tok = cache_lookup(c)) != NULL ||
	    (rc = cache_shared_error(c)) != CT_OK)
		goto out;
	if ((rc = secret_load(s)) == CT_OK && (rc = fetch(s, tok)) == CT_OK)
		cache_store(c, *tok);
	else
		cache_store_error(c, rc);
out:
	cache_unlock(c);
	return rc;
}

/* What --watch refreshes with: the pipeline, the cache skipped. */
struct pipeline {
	struct settings	*set;
	struct cache	*cache;
};

/*
 * --watch's fetch: a new token from the server, then cached; a secret
 * command runs again for it, and a secret file is read again (one that
 * cannot be read leaves the secret read before, said with -v).
 */
static enum ct_err
refetch(void *arg, struct token **tok)
{
	struct pipeline	*p = arg;
	struct settings	*s = p->set;
	int		 changed;

	if (s->cache == CACHE_ON)
		s->cache = CACHE_REFRESH;
	if (s->secret_kind == SECRET_COMMAND) {
		/* run it again: the secret may have been rotated */
		wipe_free(s->secret, s->secret_size);
		s->secret = NULL;
	}
	if (secret_reload(s, &changed) != CT_OK)
		verbosef(s, "watch: %s; the secret read before is kept",
		    last_message());
	else if (changed)
		verbosef(s, "watch: the secret in %s changed; the new one "
		    "is used", s->secret_file);
	/* the lock wait of this refresh gets its own --timeout */
	s->deadline_ms = now_ms() + SET_NUM(s, TIMEOUT) * 1000;
	return get_token(s, p->cache, tok);
}

/* Hand the token on: --watch, a command's environment, or output. */
static enum ct_err
deliver(struct settings *s, struct cache *c, struct watch_dir *d,
    struct token **tok, char **command, int *status)
{
	struct pipeline	 p = { s, c };

	if (SET_NUM(s, WATCH))
		return watch_run(s, d, tok, command, refetch, &p, status);
	if (command != NULL)
		return child_env(*tok, SET_STR(s, VAR));
	return output_token(*tok, s);
}

int
main(int argc, char *argv[])
{
	struct cli		 cli;
	struct settings		 set = { 0 };
	struct cache		*cache;
	struct watch_dir	 wdir = WATCH_DIR_INIT;
	struct token		*tok = NULL;
	char			**command;
	enum ct_err		 rc;
	const char		*search = NULL;	/* $PATH, for child_exec() */
	int			 status = -1;

	if ((rc = process_init()) != CT_OK)
		return exit_codes[rc];
	if ((cache = cache_new()) == NULL)
		return exit_codes[CT_ERR_INTERNAL];
	cli_parse(argc, argv, &cli);
	command = cli.command;
	jansson_setup();
	rc = config_resolve(&cli, &set);
	cli_free(&cli);
	if (rc != CT_OK)
		goto out;
	search = set.exec_path;
	if (SET_NUM(&set, SHOW_CONFIG)) {
		config_print(stdout, &set);
		rc = fflush(stdout) == 0 ? CT_OK : CT_ERR_INTERNAL;
		goto out;
	}
	if (set.verbose)
		config_print(stderr, &set);
	if ((rc = cache_open(&set, cache)) != CT_OK)
		goto out;
	if (SET_NUM(&set, STATUS)) {
		rc = status_print(&set, cache);
		goto out;
	}
	/* where --watch puts a command's token file, before any request */
	if (SET_NUM(&set, WATCH) && command != NULL &&
	    (rc = watch_dir_open(&set, cache, &wdir)) != CT_OK)
		goto out;
	if (set.cache == CACHE_CLEAR)
		rc = cache_clear(cache);
	else if ((rc = get_token(&set, cache, &tok)) == CT_OK)
		rc = deliver(&set, cache, &wdir, &tok, command, &status);
	else if (SET_NUM(&set, WATCH))
		watch_failed(&set);	/* for a service manager's status */
out:
	watch_dir_close(&wdir);
	token_free(tok);
	cache_free(cache);
	config_free(&set);
	libcurl_stop();
	if (status >= 0)
		return status;		/* --watch's command ended */
	if ((rc == CT_ERR_SIGNAL || interrupted()) && (status = reraise()) > 0)
		return status;	/* as PID 1, raise() returned */
	if (rc == CT_OK && command != NULL && cli.count[SET_WATCH] == 0)
		rc = child_exec(command, search); /* returns on failure */
	return exit_codes[rc];
}
