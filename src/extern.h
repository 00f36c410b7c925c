/*
 * collibra-token: shared types and prototypes, grouped by file.
 * Data flows one way: argv + environment -> settings -> request ->
 * response -> token -> output.
 */
#ifndef EXTERN_H
#define EXTERN_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <time.h>

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
	CT_ERR_NOT_CACHED,		/* --status: no token fresh enough */
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

/*
 * NAME, NAME_TYPE, NAME_EXPIRES_AT (Unix seconds) and
 * NAME_EXPIRES_AT_RFC3339 and their values, for one token.
 */
#define TOKEN_VARS	4
struct token_vars {
	char		 name[TOKEN_VARS][MAX_VAR + 24];
	const char	*value[TOKEN_VARS];
	char		 expires_at[24];
	char		 expires_rfc3339[32];
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
 * user's cache key (cachekey.c).
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

/* Every setting, in the order of settings_table[] (settings.c). */
enum set_id {
	SET_URL,
	SET_TOKEN_URL,
	SET_CLIENT_ID,
	SET_SECRET,
	SET_SECRET_FILE,
	SET_SECRET_COMMAND,
	SET_CONFIG,
	SET_PROFILE,
	SET_SHOW_CONFIG,
	SET_STATUS,
	SET_SCOPE,
	SET_AUTH_METHOD,
	SET_FORMAT,
	SET_VAR,
	SET_OUTPUT,
	SET_FILE_MODE,
	SET_WATCH,
	SET_TIMEOUT,
	SET_CONNECT_TIMEOUT,
	SET_RETRIES,
	SET_CACERT,
	SET_CAPATH,
	SET_INSECURE,
	SET_PROXY,
	SET_CACHE,
	SET_REFRESH,
	SET_CLEAR_CACHE,
	SET_CACHE_DIR,
	SET_MIN_TTL,
	SET_VERBOSE,
	SET_HELP,
	SET_VERSION,
	SET__MAX
};

enum set_kind {
	KIND_STRING,			/* text, checked by chars and length */
	KIND_PATH,			/* a file or directory name */
	KIND_SECRET,			/* text that is never shown */
	KIND_NUMBER,			/* decimal integer in [min, max] */
	KIND_MODE,			/* octal file mode within max */
	KIND_ENUM,			/* one of choices[]: num is the index */
	KIND_BOOL,			/* a flag, 0/1 or true/false words */
	KIND_FLAG,			/* a flag without argument, counted */
	KIND_ACTION			/* --help, --version: done by cli.c */
};

/* The bytes a string setting may hold. */
enum set_chars {
	CHARS_ANY,			/* no check here */
	CHARS_URL,			/* no space or control byte */
	CHARS_TEXT,			/* no control byte */
	CHARS_SCOPE,			/* RFC 6749 3.3 scope-tokens */
	CHARS_NAME			/* a shell variable name */
};

/* NOTIFY_SOCKET's length: sizeof(sun_path) on Linux, less elsewhere */
#define MAX_NOTIFY_SOCKET	104

/* https_proxy HTTPS_PROXY all_proxy ALL_PROXY */
#define MAX_AMBIENT	4

/* One row of the settings table. */
struct setting_row {
	const char	*name;		/* long flag without "--" */
	int		 flag;		/* short flag, or 0 */
	const char	*arg;		/* its argument in --help, or NULL */
	const char	*var;		/* ours: beats the config file */
	const char	*ambient[MAX_AMBIENT];	/* generic ones, below it */
	const char	*key;		/* config-file key, or NULL */
	enum set_kind	 kind;
	enum set_chars	 chars;
	long long	 min, max;	/* NUMBER bounds, STRING length */
	const char *const *choices;	/* ENUM words, NULL-terminated */
	const char	*def;		/* the default as text, or NULL */
	const char	*unit;		/* NUMBER unit for --show-config */
	const char	*label;		/* name in --show-config, messages */
	int		 negated;	/* BOOL whose flag turns it off */
	const char	*help;		/* --help lines, '\n'-separated */
};

/* Where a value came from, strongest first. */
enum set_level {
	LEVEL_FLAG,
	LEVEL_ENV,			/* one of our own variables */
	LEVEL_PROFILE,			/* the config file */
	LEVEL_AMBIENT,			/* a generic variable (SSL_CERT_FILE) */
	LEVEL_DEFAULT
};

/* The resolved value of one setting. */
struct value {
	const char	*str;		/* as given, borrowed; NULL: none */
	long long	 num;		/* NUMBER, ENUM index, BOOL, FLAG */
	const char	*from;		/* "--flag", "VAR", FILE:LINE... */
	const char	*aside;		/* our variable that -p outranked */
	enum set_level	 level;
};

/* What the command line said; strings are borrowed from argv. */
struct cli {
	const char	*arg[SET__MAX];
	int		 count[SET__MAX];	/* times a flag was given */
	char		*secret;	/* owned copy; argv is overwritten */
	char		**command;	/* after "--": exec it with the token */
};

/* One value of the config file and where it stands (FILE:LINE). */
struct profile_value {
	char		*value;		/* owned, wiped on free */
	char		*from;		/* owned */
};

/* The config file: [default] and the selected [profile NAME]. */
struct profile {
	char		*path;		/* owned */
	const char	*name;		/* the profile asked for, or NULL */
	int		 loaded;	/* the file was read */
	int		 found;		/* the profile's section exists */
	int		 holds_secret;	/* client_secret in any section */
	char		*names;		/* owned: "dev|prod", or NULL */
	struct profile_value def[SET__MAX];
	struct profile_value sel[SET__MAX];
};

/*
 * The resolved settings: one value per row of the table, and what is
 * derived from them.  Strings are borrowed from argv, environ or the
 * profile unless marked owned.
 */
struct settings {
	struct value	 val[SET__MAX];
	struct profile	 profile;	/* the config file */
	const char	*url;		/* as given: the URL or the token URL */
	char		*token_url;	/* owned: --token-url, or --url+path */
	const char	*token_url_from;
	char		 token_url_aside[48];	/* variables -p outranked */
	int		 url_is_endpoint; /* --url ended in TOKEN_PATH */
	int		 url_is_base;	/* from --url: no query allowed */
	char		*secret;	/* owned, wiped on free */
	size_t		 secret_len;
	size_t		 secret_size;	/* of the buffer, for the wipe */
	const char	*secret_from;
	const char	*secret_file;	/* the secret file's name, or NULL */
	const char	*secret_aside;	/* a secret variable -p outranked */
	enum secret_kind secret_kind;
	const char	*secret_command; /* SECRET_COMMAND: borrowed */
	char		*key_file;	/* owned; the user's cache key */
	enum cache_mode	 cache;
	const char	*cache_from;
	char		*cache_dir;	/* owned; NULL: no usable location */
	const char	*cache_dir_from;
	const char	*runtime_dir;	/* XDG_RUNTIME_DIR if absolute */
	const char	*tmp_dir;	/* TMPDIR, or NULL */
	const char	*github_env;	/* GITHUB_ENV, or NULL */
	const char	*exec_path;	/* $PATH, or execvp(3)'s default */
	char		*keylog;	/* owned; SSLKEYLOGFILE, now unset */
	char		*notify_socket;	/* owned; NOTIFY_SOCKET, now unset */
	int		 allow_http;	/* http:// to a loopback host */
	int		 verbose;
	long long	 deadline_ms;	/* monotonic; start + timeout */
	char		 profile_hint[256]; /* " (or choose ...: -p a|b)" */
};

/* The string, number or source of a resolved setting. */
#define SET_STR(s, id)	((s)->val[SET_##id].str)
#define SET_NUM(s, id)	((s)->val[SET_##id].num)
#define SET_FROM(s, id)	((s)->val[SET_##id].from)

/* An open cache (cache.c); its internals are in cache_priv.h. */
struct cache;

/* Where --watch keeps a command's token file (watch.c). */
struct watch_dir {
	int		 basefd;	/* the checked base, or -1 */
	int		 fd;		/* our directory in it, or -1 */
	char		*path;		/* owned: the token file's path */
	char		 name[48];	/* our directory's name in the base */
	int		 pidfd;		/* its pid file, held locked, or -1 */
	int		 topfd;		/* TMPDIR, if we made the base, or -1 */
	char		 top[64];	/* the base we made there */
};
#define WATCH_DIR_INIT	{ -1, -1, NULL, "", -1, -1, "" }

/*
 * What came back from the token endpoint.  hide[] holds the forms of
 * the secret as it was sent (the bytes, form-encoded, the Basic value),
 * so that no text of the answer shows one (sanitize_hidden()).
 */
#define HIDE_FORMS	3
/*
 * A secret (or form of it) shorter than this is hidden only where it is
 * a whole value: searched for in free text, it would match inside other
 * words ("text/html" holds "x").
 */
#define HIDE_MIN_FREE	8
#define MAX_FIELD	512		/* a header or -v line, in bytes */
struct http_response {
	char		*hide[HIDE_FORMS];	/* owned, wiped; may be NULL */
	long		 status;
	char		*body;		/* owned, NUL-terminated, wiped */
	size_t		 len;
	char		*content_type;	/* owned, sanitized, or NULL */
	char		*location;	/* owned, sanitized, or NULL */
	char		*retry_after;	/* owned, sanitized, or NULL */
	int		 retryable;	/* a failed transfer may succeed */
	char		 error[1024];	/* what failed, when it did */
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

/* settings.c */
extern const struct setting_row settings_table[SET__MAX];
const char	*setting_flag(enum set_id);
enum set_id	 setting_by_key(const char *);
int		 setting_is_secret_var(const char *, size_t);
const char	*setting_near_key(const char *, size_t);
const char	*setting_near_name(const char *, size_t);
void		 settings_help(FILE *);

/* cli.c */
void		 cli_parse(int, char **, struct cli *);
void		 cli_free(struct cli *);

/* config.c */
enum ct_err	 config_resolve(const struct cli *, struct settings *);
void		 config_free(struct settings *);

/* configshow.c */
void		 config_print(FILE *, const struct settings *);

/* profile.c */
enum ct_err	 profile_load(struct profile *, int);
const char	*profile_get(const struct profile *, enum set_id,
		    const char **);
void		 profile_free(struct profile *);

/* secret.c */
size_t		 secret_parse(char *, size_t);
enum ct_err	 secret_from_file(const char *, const char *, struct secret *);
enum ct_err	 secret_load(struct settings *);
enum ct_err	 secret_reload(struct settings *, int *);
void		 secret_credentials(const struct settings *, char *, size_t);

/* safedir.c */
#define SAFEDIR_MAKE	1	/* make the directory and its parents */
#define SAFEDIR_SHARED	2	/* a directory others share, as TMPDIR */
const char	*safedir_open(const char *, const char *, int, int *,
		    const char **);
int		 safedir_cache(const char *, const char *);
int		 safedir_mkrandom(int, const char *, char *, size_t);

/* tmpname.c */
int		 tmp_name(char *, size_t, const char *);
int		 tmp_create(int, const char *, char *, size_t);
void		 tmp_hold(int);
void		 tmp_sweep(int, const char *);
int		 owner_dead(long, int);

/* cache.c */
struct cache	*cache_new(void);
enum ct_err	 cache_open(const struct settings *, struct cache *);
int		 cache_dirfd(const struct cache *);
struct token	*cache_lookup(struct cache *);
enum ct_err	 cache_lock(struct cache *);
void		 cache_unlock(struct cache *);
enum ct_err	 cache_shared_error(struct cache *);
void		 cache_store(struct cache *, const struct token *);
void		 cache_store_error(struct cache *, enum ct_err);
enum ct_err	 cache_clear(struct cache *);
struct token	*cache_peek(struct cache *, long long *, const char **);
char		*cache_entry_path(const struct cache *);
void		 cache_free(struct cache *);

/* http.c */
char		*form_urlencode(const char *, size_t);
enum ct_err	 http_fetch(const struct settings *, struct http_response *);
time_t		 http_date(const char *);
const char	*http_version(void);
void		 http_response_free(struct http_response *);

/* url.c */
enum ct_err	 http_check_url(struct settings *);

/* httpview.c */
void		 http_show_text(const struct http_response *, const char *,
		    size_t);
void		 http_show_request(const struct http_response *, const char *,
		    size_t);
void		 http_print_response(const struct http_response *,
		    const char *);

/* libcurl.c */
enum ct_err	 libcurl_start(void);
void		 libcurl_stop(void);

/* retry.c */
enum ct_err	 retry_fetch(const struct settings *, struct http_response *);

/* token.c */
enum ct_err	 token_from_response(const struct http_response *,
		    const char *, const char *, struct token **);
enum ct_err	 token_parse(const char *, size_t, struct token **);
long long	 token_expires_at(const struct token *);
const char	*token_from_object(json_t *, struct token **);
void		 token_free(struct token *);

/* watch.c */
typedef enum ct_err (*watch_fetch)(void *, struct token **);
enum ct_err	 watch_dir_open(const struct settings *, const struct cache *,
		    struct watch_dir *);
void		 watch_dir_close(struct watch_dir *);
enum ct_err	 watch_run(struct settings *, struct watch_dir *,
		    struct token **, char **, watch_fetch, void *, int *);
void		 watch_failed(const struct settings *);

/* status.c */
enum ct_err	 status_print(const struct settings *, struct cache *);

/* output.c */
char		*shell_quote(const char *);
void		 utc_time(long long, char *, size_t);
void		 output_expiry(const struct token *, char[24], char[32]);
void		 output_vars(const struct token *, const char *,
		    struct token_vars *);
enum ct_err	 output_token(const struct token *, const struct settings *);
enum ct_err	 output_file(const struct token *, const struct settings *,
		    const char *);
enum ct_err	 output_file_at(const struct token *, const struct settings *,
		    int, const char *, const char *, mode_t);

/* signals.c */
enum ct_err	 process_init(void);
int		 interrupted(void);
int		 reraise(void);
int		 sleep_ms(long long);
void		 process_reset(void);
enum ct_err	 signals_watch(void);
void		 signals_watch_child(pid_t);
int		 signals_wake_fd(void);
void		 signals_drain_wake(void);
int		 signals_take(int *);
void		 signals_note(int);
void		 signals_forget(void);

/* children.c */
/* What child_spawn() starts a command with; all borrowed. */
struct child_spec {
	const char	*var;		/* --var: the token variables' name */
	const char	*path;		/* COLLIBRA_TOKEN_FILE */
	int		 tty;		/* child_foreground_tty(), or -1 */
	const char	*search;	/* $PATH, for a "not found" */
};
enum ct_err	 child_env(const struct token *, const char *);
enum ct_err	 child_exec(char **, const char *);
int		 child_foreground_tty(void);
void		 child_give_tty(int, pid_t);
enum ct_err	 child_spawn(char **, const struct child_spec *, pid_t *);
enum ct_err	 child_shell(const char *, const char *, int *, pid_t *);
int		 child_wait(pid_t);

/* util.c */
void		*xmalloc(size_t);
DIR		*dir_entries(int);
char		*xstrdup(const char *);
char		*path_absolute(const char *);
void		 wipe_free(char *, size_t);
void		 wipe_free_str(char *);
int		 parse_number(const char *, long long, long long,
		    long long *, const char **);
char		*sanitize(const char *, size_t, size_t);
size_t		 trim_end(const char *, size_t);
char		*redact_userinfo(const char *, size_t);
char		*sanitize_hidden(const char *, size_t, const char *const *,
		    size_t, size_t);
int		 hidden_whole(const char *, size_t, const char *const *,
		    size_t);
void		 jansson_setup(void);
void		 warnmsg(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 verbosef(const struct settings *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
const char	*last_message(void);
void		 warn_defer(int);
long long	 now_ms(void);
long long	 wall_ns(void);
const char	*near_word(const char *, size_t, const char *const *);

#endif /* !EXTERN_H */
