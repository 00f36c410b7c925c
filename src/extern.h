/*
 * collibra-token: shared types and prototypes, grouped by file.
 * Data flows one way: argv + environment -> settings -> request ->
 * response -> token -> output.
 */
#ifndef EXTERN_H
#define EXTERN_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#ifndef VERSION
#define VERSION "0.0.0"
#endif

#define PROGNAME	"collibra-token"
#define TOKEN_PATH	"/rest/oauth/v2/token"

/*
 * Every failure a module can report.  Only main.c turns these into exit
 * codes; modules print one precise line on stderr where the failure is
 * found and return one of these.
 */
enum ct_err {
	CT_OK = 0,
	CT_ERR_INTERNAL,		/* out of memory, cannot write stdout */
	CT_ERR_USAGE,			/* bad flag, setting or secret file */
	CT_ERR_NETWORK,			/* resolve, connect, timeout, reset */
	CT_ERR_TLS,			/* certificate, name, handshake */
	CT_ERR_SERVER,			/* 5xx, 429, redirect, odd status */
	CT_ERR_RESPONSE,		/* 200 without a usable token */
	CT_ERR_INVALID_REQUEST,
	CT_ERR_INVALID_CLIENT,
	CT_ERR_INVALID_GRANT,
	CT_ERR_UNAUTHORIZED_CLIENT,
	CT_ERR_UNSUPPORTED_GRANT_TYPE,
	CT_ERR_INVALID_SCOPE,
	CT_ERR_OAUTH_OTHER,		/* any other OAuth error code */
	CT_ERR_NOEXEC,			/* COMMAND cannot be run */
	CT_ERR_NOTFOUND,		/* COMMAND not found */
	CT_ERR_SIGNAL,			/* SIGINT or SIGTERM caught */
	CT_ERR__MAX
};

enum format {
	FORMAT_RAW,
	FORMAT_JSON,
	FORMAT_SHELL,
	FORMAT_FISH,
	FORMAT_HEADER,
	FORMAT_GITHUB,
	FORMAT_DOTENV
};

#define MAX_VAR		64
#define MAX_SECRET	(64 * 1024)

/* A secret in a buffer of ours: wipe_free(value, size) when done. */
struct secret {
	char		*value;
	size_t		 len;
	size_t		 size;
};

/* NAME, NAME_TYPE, NAME_EXPIRES_AT and their values, for one token. */
struct token_vars {
	char		 name[3][MAX_VAR + 16];
	const char	*value[3];
	char		 expires_at[24];
};

enum cache_mode {
	CACHE_ON,			/* read, and write after a fetch */
	CACHE_OFF,			/* --no-cache: neither */
	CACHE_REFRESH,			/* --refresh: fetch, then write */
	CACHE_CLEAR			/* --clear-cache: remove and exit */
};

/*
 * Where the secret comes from, which decides what a cache entry is
 * bound to: a literal secret (flag, variable, file, standard input) is
 * read at once and keys its entries; a command runs, and a prompt asks,
 * only when a fetch is needed, and their entries are sealed with the
 * user's cache key (cache.c).
 */
enum secret_kind {
	SECRET_LITERAL,
	SECRET_COMMAND,
	SECRET_PROMPT
};

enum auth_method {
	AUTH_BASIC,			/* RFC 6749 2.3.1 HTTP Basic */
	AUTH_POST			/* client_id/client_secret in body */
};

/* What the command line said; strings are borrowed from argv. */
struct cli {
	const char	*url;
	const char	*token_url;
	const char	*client_id;
	char		*secret;	/* owned copy; argv is overwritten */
	const char	*secret_file;
	const char	*secret_command;
	const char	*config;
	const char	*profile;
	int		 show_config;
	const char	*scope;
	const char	*auth_method;
	const char	*format;
	const char	*var;
	const char	*timeout;
	const char	*connect_timeout;
	const char	*retries;
	const char	*cacert;
	const char	*capath;
	const char	*proxy;
	const char	*cache_dir;
	const char	*min_ttl;
	int		 no_cache;
	int		 refresh;
	int		 clear_cache;
	int		 insecure;
	int		 verbose;
	char		**command;	/* after "--": exec it with the token */
};

/* One value of the config file and where it stands (FILE:LINE). */
struct profile_value {
	char		*value;		/* owned, wiped on free */
	char		*from;		/* owned */
};

#define PROFILE_KEYS	20		/* entries of profile_keys[] */

/* The config file: [default] and the selected [profile NAME]. */
struct profile {
	char		*path;		/* owned */
	const char	*name;		/* the profile asked for, or NULL */
	int		 loaded;	/* the file was read */
	int		 found;		/* the profile's section exists */
	int		 holds_secret;	/* client_secret in any section */
	struct profile_value def[PROFILE_KEYS];
	struct profile_value sel[PROFILE_KEYS];
};

/*
 * The resolved settings: flags > environment > defaults.  Each "*_from"
 * names the source (a flag, a variable or "default") for --verbose.
 * Strings are borrowed from argv or environ unless marked owned.
 */
struct settings {
	const char	*url;		/* as given: --url or --token-url */
	char		*token_url;	/* owned */
	const char	*token_url_from;
	const char	*client_id;
	const char	*client_id_from;
	char		*secret;	/* owned, wiped on free */
	size_t		 secret_len;
	size_t		 secret_size;	/* of the buffer, for the wipe */
	const char	*secret_from;
	enum secret_kind secret_kind;
	const char	*secret_command; /* SECRET_COMMAND: borrowed */
	char		*key_file;	/* owned; the user's cache key, or NULL */
	struct profile	 profile;	/* the config file */
	const char	*profile_from;
	int		 show_config;
	const char	*scope;		/* NULL when not requested */
	const char	*scope_from;
	enum auth_method auth;
	const char	*auth_from;
	enum format	 format;
	const char	*format_from;
	const char	*var;		/* NAME of NAME, NAME_TYPE, ... */
	const char	*var_from;
	const char	*github_env;	/* GITHUB_ENV, or NULL */
	long		 timeout_ms;
	const char	*timeout_from;
	long		 connect_timeout_ms;
	const char	*connect_timeout_from;
	long long	 retries;
	const char	*retries_from;
	const char	*cacert;
	const char	*cacert_from;
	const char	*capath;
	const char	*capath_from;
	const char	*proxy;
	const char	*proxy_from;
	enum cache_mode	 cache;
	const char	*cache_from;
	char		*cache_dir;	/* owned; NULL: no usable location */
	const char	*cache_dir_from;
	long long	 min_ttl;	/* seconds */
	const char	*min_ttl_from;
	int		 insecure;
	int		 url_is_base;	/* from --url: no query allowed */
	int		 allow_http;	/* http:// to a loopback host */
	int		 verbose;
	long long	 deadline_ms;	/* monotonic; start + timeout */
};

/* Everything a cache entry is bound to (cache.c make_ctx()). */
struct seal_ctx {
	char		*data;		/* owned; NUL-separated fields */
	size_t		 len;
};

#define SEAL_KEY_LEN	32
#define SEAL_OLD_FORMAT	"an entry of the previous release (CTK1)"

/* An open cache: a private directory and this configuration's entry. */
struct cache {
	int		 dirfd;		/* -1: no cache */
	int		 lockfd;	/* -1: not locked */
	int		 waited;	/* another process held the lock */
	long long	 since_ns;	/* wall clock when we began to wait */
	char		 name[33];
	struct seal_ctx	 ctx;
	unsigned char	 key[SEAL_KEY_LEN]; /* the entries' key, wiped */
	int		 keyed;		/* key is set */
	const struct settings *set;
};

/* What came back from the token endpoint. */
struct http_response {
	long		 status;
	char		*body;		/* owned, NUL-terminated, wiped */
	size_t		 len;
	char		*content_type;	/* owned, sanitized, or NULL */
	char		*location;	/* owned, sanitized, or NULL */
	char		*retry_after;	/* owned, sanitized, or NULL */
	int		 retryable;	/* a failed transfer may succeed */
	char		 error[300];	/* what failed, when it did */
	char		*headers;	/* owned; verbose only, or NULL */
	size_t		 headers_len;
	time_t		 received_at;
	long long	 timing_us[5];	/* dns, connect, tls, first, total */
};

/* A validated token response. */
struct token {
	char		*access_token;	/* owned, wiped on free */
	char		*token_type;	/* owned */
	char		*scope;		/* owned or NULL */
	int		 has_expiry;
	long long	 expires_in;	/* seconds, >= 0 */
	time_t		 received_at;
};

/* The libcurl functions we use, loaded by curl_load() (libcurl.c). */
#define CURL_FUNCS(X)							\
	X(global_init_mem) X(global_cleanup) X(version) X(free)		\
	X(easy_init) X(easy_setopt) X(easy_perform) X(easy_getinfo)	\
	X(easy_cleanup) X(easy_strerror)				\
	X(slist_append) X(slist_free_all)				\
	X(url) X(url_set) X(url_get) X(url_strerror) X(url_cleanup)	\
	X(getdate)

struct curl_api {
#define X(f) __typeof__(curl_##f) *f;
	CURL_FUNCS(X)
#undef X
};

/* cli.c */
void		 cli_parse(int, char **, struct cli *);
void		 cli_free(struct cli *);

/* config.c */
extern const char *const format_names[];
enum ct_err	 config_resolve(const struct cli *, struct settings *);
void		 config_print(FILE *, const struct settings *);
enum ct_err	 config_check_url(struct settings *);
void		 config_free(struct settings *);

/* http.c */
char		*form_urlencode(const char *, size_t);
enum ct_err	 http_fetch(const struct settings *, struct http_response *);
void		 http_print_response(const struct http_response *,
		    const char *);
void		 http_response_free(struct http_response *);

/* cache.c */
enum ct_err	 cache_open(const struct settings *, struct cache *);
struct token	*cache_lookup(struct cache *);
struct token	*cache_entry_token(const char *, size_t, time_t, long long,
		    const char **, long long *);
enum ct_err	 cache_lock(struct cache *);
enum ct_err	 cache_shared_error(struct cache *);
void		 cache_store(struct cache *, const struct token *);
void		 cache_store_error(struct cache *, enum ct_err);
enum ct_err	 cache_clear(struct cache *);
void		 cache_close(struct cache *);

/* process.c */
enum ct_err	 process_init(void);
int		 interrupted(void);
void		 reraise(void);
int		 sleep_ms(long long);
enum ct_err	 process_env(const struct token *, const char *);
enum ct_err	 process_exec(char **);
void		 process_reset(void);

/* profile.c */
extern const char *const profile_keys[];
enum ct_err	 profile_load(struct profile *, int);
const char	*profile_get(const struct profile *, const char *,
		    const char **);
void		 profile_free(struct profile *);
int		 profile_key(const char *);

/* retry.c */
enum ct_err	 retry_fetch(const struct settings *, struct http_response *);

/* secret.c */
size_t		 secret_parse(char *, size_t);
enum ct_err	 secret_from_file(const char *, const char *, struct secret *);
enum ct_err	 secret_from_command(const char *, const char *,
		    struct secret *);
enum ct_err	 secret_from_prompt(const char *, struct secret *);
enum ct_err	 secret_load(struct settings *);

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

/* token.c */
enum ct_err	 token_from_response(const struct http_response *,
		    struct token **);
enum ct_err	 token_parse(const char *, size_t, struct token **);
const char	*token_from_object(json_t *, struct token **);
void		 token_free(struct token *);

/* libcurl.c */
extern struct curl_api curl;
enum ct_err	 curl_load(void);
enum ct_err	 http_start(void);
void		 http_stop(void);

/* output.c */
char		*shell_quote(const char *);
char		*fish_quote(const char *);
char		*dotenv_quote(const char *);
void		 token_vars(const struct token *, const char *,
		    struct token_vars *);
enum ct_err	 output_token(const struct token *, const struct settings *);

/* util.c */
void		*xmalloc(size_t);
char		*xstrdup(const char *);
void		 wipe_free(char *, size_t);
void		 wipe_free_str(char *);
int		 parse_number(const char *, long long, long long,
		    long long *, const char **);
char		*sanitize(const char *, size_t, size_t);
void		 libs_init(void);
void		 wipe_free_any(void *);
void		*wipe_realloc(void *, size_t);
char		*wipe_strdup(const char *);
void		 warnmsg(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
const char	*last_message(void);
long long	 now_ms(void);
long long	 wall_ns(void);


#endif /* !EXTERN_H */
