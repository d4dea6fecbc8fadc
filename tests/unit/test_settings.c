/* test_settings.c: defaults, .env syntax, environment and precedence. */
#ifdef HAVE_CONFIG_H
#include "config.h"	/* _GNU_SOURCE: mkdtemp() under -std=c11 */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "settings.h"
#include "t.h"

#define MAXFILES	64

static char	 tmpdir[] = "/tmp/test_settings.XXXXXX";
static char	*files[MAXFILES];
static int	 nfiles;
static char	 warned[4096];	/* the last warning logged */
static int	 nwarned;

/* Warnings are captured so that the unknown-key one can be checked. */
static void
sink(int prio, const char *msg, void *arg)
{
	(void)prio;
	(void)arg;
	snprintf(warned, sizeof(warned), "%s", msg);
	nwarned++;
}

/* Writes len bytes (NULs allowed) to a new file in tmpdir; returns its path. */
static const char *
put_bytes(const char *name, const char *data, size_t len)
{
	FILE	*fp;
	char	*path;

	if (nfiles == MAXFILES ||
	    asprintf(&path, "%s/%s", tmpdir, name) == -1) {
		fprintf(stderr, "cannot make a file name\n");
		exit(2);
	}
	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	files[nfiles++] = path;
	return path;
}

static const char *
put(const char *name, const char *text)
{
	return put_bytes(name, text, strlen(text));
}

/* Writable copies of literals, as settings_load_env() takes char *const *. */
static char **
mkenv(const char *const *list)
{
	char	**e;
	size_t	  i, n;

	for (n = 0; list[n] != NULL; n++)
		;
	if ((e = calloc(n + 1, sizeof(*e))) == NULL)
		exit(2);
	for (i = 0; i < n; i++)
		if ((e[i] = strdup(list[i])) == NULL)
			exit(2);
	return e;
}

static void
freeenv(char **e)
{
	size_t	 i;

	for (i = 0; e[i] != NULL; i++)
		free(e[i]);
	free(e);
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
same(const struct settings *a, const struct settings *b)
{
	return same_str(a->api_key, b->api_key) &&
	    same_str(a->host, b->host) && a->port == b->port &&
	    same_str(a->config_file, b->config_file) &&
	    same_str(a->log_dir, b->log_dir) &&
	    a->start_port == b->start_port &&
	    a->max_retries == b->max_retries &&
	    a->log_buffer_size == b->log_buffer_size &&
	    same_str(a->llama_server, b->llama_server) &&
	    a->stop_timeout_s == b->stop_timeout_s &&
	    a->start_stall_s == b->start_stall_s &&
	    a->allow_extra_args == b->allow_extra_args &&
	    a->http_timeout_s == b->http_timeout_s &&
	    a->max_connections == b->max_connections &&
	    a->sandbox == b->sandbox;
}

/* A state unlike the defaults, so that "unchanged" means something. */
static void
nondefault(struct settings *s)
{
	settings_defaults(s);
	CHECK(settings_set(s, "API_KEY", "before", NULL, 0) == 0);
	CHECK(settings_set(s, "HOST", "127.0.0.1", NULL, 0) == 0);
	CHECK(settings_set(s, "PORT", "7000", NULL, 0) == 0);
	CHECK(settings_set(s, "LOG_DIR", "before-logs", NULL, 0) == 0);
	CHECK(settings_set(s, "MAX_RETRIES", "7", NULL, 0) == 0);
	CHECK(settings_set(s, "ALLOW_EXTRA_ARGS", "yes", NULL, 0) == 0);
}

/*
 * Loads text as a file whose first lines change settings and whose last
 * line is bad; checks the whole message and that nothing changed.
 */
static void
file_error(const char *name, const char *text, const char *want_reason)
{
	struct settings	 s, before;
	const char	*path;
	char		 err[512], want[1024];

	nondefault(&s);
	nondefault(&before);
	path = put(name, text);
	err[0] = '\0';
	CHECK(settings_load_file(&s, path, 1, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want), "%s:%s", path, want_reason);
	CHECK_STR(err, want);
	CHECK(same(&s, &before));
	settings_free(&s);
	settings_free(&before);
}

static void
env_error(const char *const *list, const char *want)
{
	struct settings	 s, before;
	char		 err[512];
	char		**envp;

	nondefault(&s);
	nondefault(&before);
	err[0] = '\0';
	envp = mkenv(list);
	CHECK(settings_load_env(&s, envp, err, sizeof(err)) == -1);
	freeenv(envp);
	CHECK_STR(err, want);
	CHECK(same(&s, &before));
	settings_free(&s);
	settings_free(&before);
}

static char	 seterr[512];

static int
set(struct settings *s, const char *key, const char *value)
{
	return settings_set(s, key, value, seterr, sizeof(seterr));
}

static void
test_defaults(void)
{
	struct settings	 s;

	settings_defaults(&s);
	CHECK(s.api_key == NULL);
	CHECK_STR(s.host, "0.0.0.0");
	CHECK(s.port == 8001);
	CHECK_STR(s.config_file, "config.json");
	CHECK_STR(s.log_dir, "logs");
	CHECK(s.start_port == 3500);
	CHECK(s.max_retries == 2);
	CHECK(s.log_buffer_size == 1000);
	CHECK_STR(s.llama_server, "llama-server");
	CHECK(s.stop_timeout_s == 10);
	CHECK(s.start_stall_s == 600);
	CHECK(s.allow_extra_args == 0);
	CHECK(s.http_timeout_s == 60);
	CHECK(s.max_connections == 512);
	CHECK(s.ws_max_clients == 256);
	CHECK(s.ws_max_per_instance == 32);
	CHECK(s.sandbox == 1);
	CHECK(s.header_timeout_s == 10);
	CHECK(s.log_buffer_bytes == 4 * 1024 * 1024);
	CHECK(s.ws_max_queued_mb == 32);
	CHECK(s.log_file_max_mb == 100);
	CHECK(s.log_file_keep == 3);
	CHECK(s.model_dirs == NULL);
	CHECK(s.max_instances == 1000);

	settings_free(&s);
	CHECK(s.api_key == NULL && s.host == NULL && s.config_file == NULL &&
	    s.log_dir == NULL && s.llama_server == NULL);
	settings_free(&s);	/* freeable again: ASan would object */
}

static void
test_keys(void)
{
	static const char *const all[] = { "API_KEY", "HOST", "PORT",
	    "CONFIG_FILE", "LOG_DIR", "START_PORT", "MAX_RETRIES",
	    "LOG_BUFFER_SIZE", "LLAMA_SERVER", "STOP_TIMEOUT_S",
	    "START_STALL_S", "ALLOW_EXTRA_ARGS", "HTTP_TIMEOUT_S",
	    "MAX_CONNECTIONS", "WS_MAX_CLIENTS", "WS_MAX_PER_INSTANCE",
	    "SANDBOX", "HEADER_TIMEOUT_S", "LOG_BUFFER_BYTES",
	    "WS_MAX_QUEUED_MB", "LOG_FILE_MAX_MB", "LOG_FILE_KEEP",
	    "MODEL_DIRS", "MAX_INSTANCES" };
	size_t	 i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		CHECK(settings_is_key(all[i]));
	CHECK(settings_is_key("api_key"));
	CHECK(settings_is_key("Log_Buffer_Size"));
	CHECK(!settings_is_key("PORTS"));
	CHECK(!settings_is_key("POR"));
	CHECK(!settings_is_key(""));
	CHECK(!settings_is_key("PATH"));
}

static void
test_set(void)
{
	struct settings	 s;
	char		 big[4098];

	settings_defaults(&s);

	CHECK(set(&s, "port", "9000") == 0);
	CHECK(s.port == 9000);
	CHECK(set(&s, "PORT", "") == 0);
	CHECK(s.port == 9000);
	CHECK(set(&s, "NOPE", "1") == -2);
	CHECK_STR(seterr, "unknown setting \"NOPE\"");

	/* Integers: decimal digits only. */
	CHECK(set(&s, "PORT", "abc") == -1);
	CHECK_STR(seterr,
	    "PORT: must be an integer from 1 to 65535, not \"abc\"");
	CHECK(set(&s, "PORT", " 80") == -1);
	CHECK(set(&s, "PORT", "80 ") == -1);
	CHECK(set(&s, "PORT", "80x") == -1);
	CHECK(set(&s, "PORT", "+80") == -1);
	CHECK(set(&s, "PORT", "0x50") == -1);
	CHECK(set(&s, "PORT", "-1") == -1);
	CHECK(set(&s, "PORT", "0") == -1);
	CHECK(set(&s, "PORT", "65536") == -1);
	CHECK(set(&s, "PORT", "4294967377") == -1);
	CHECK(set(&s, "PORT", "99999999999999999999999") == -1);
	CHECK(s.port == 9000);
	CHECK(set(&s, "PORT", "65535") == 0);
	CHECK(s.port == 65535);
	CHECK(set(&s, "PORT", "0080") == 0);
	CHECK(s.port == 80);
	CHECK(set(&s, "MAX_RETRIES", "0") == 0);
	CHECK(s.max_retries == 0);
	CHECK(set(&s, "MAX_RETRIES", "1001") == -1);
	CHECK_STR(seterr,
	    "MAX_RETRIES: must be an integer from 0 to 1000, not \"1001\"");
	CHECK(set(&s, "LOG_BUFFER_SIZE", "1000000") == 0);
	CHECK(s.log_buffer_size == 1000000);
	CHECK(set(&s, "LOG_BUFFER_SIZE", "1000001") == -1);
	CHECK(set(&s, "STOP_TIMEOUT_S", "3601") == -1);
	CHECK(set(&s, "STOP_TIMEOUT_S", "3600") == 0);
	CHECK(s.stop_timeout_s == 3600);
	CHECK(set(&s, "START_STALL_S", "86401") == -1);
	CHECK(set(&s, "START_STALL_S", "86400") == 0);
	CHECK(s.start_stall_s == 86400);
	CHECK(set(&s, "HTTP_TIMEOUT_S", "0") == -1);
	CHECK(set(&s, "http_timeout_s", "5") == 0);
	CHECK(s.http_timeout_s == 5);
	CHECK(set(&s, "START_PORT", "0") == -1);
	CHECK_STR(seterr,
	    "START_PORT: must be an integer from 1 to 65535, not \"0\"");

	/* Booleans, in any case. */
	CHECK(set(&s, "allow_extra_args", "OFF") == 0);
	CHECK(s.allow_extra_args == 0);
	CHECK(set(&s, "ALLOW_EXTRA_ARGS", "Yes") == 0);
	CHECK(s.allow_extra_args == 1);
	CHECK(set(&s, "ALLOW_EXTRA_ARGS", "0") == 0);
	CHECK(s.allow_extra_args == 0);
	CHECK(set(&s, "ALLOW_EXTRA_ARGS", "TRUE") == 0);
	CHECK(s.allow_extra_args == 1);
	CHECK(set(&s, "ALLOW_EXTRA_ARGS", "no") == 0);
	CHECK(s.allow_extra_args == 0);
	CHECK(set(&s, "ALLOW_EXTRA_ARGS", "On") == 0);
	CHECK(s.allow_extra_args == 1);
	CHECK(set(&s, "ALLOW_EXTRA_ARGS", "false") == 0);
	CHECK(s.allow_extra_args == 0);
	CHECK(set(&s, "ALLOW_EXTRA_ARGS", "1") == 0);
	CHECK(s.allow_extra_args == 1);
	CHECK(set(&s, "ALLOW_EXTRA_ARGS", "2") == -1);
	CHECK(set(&s, "ALLOW_EXTRA_ARGS", "maybe") == -1);
	CHECK_STR(seterr, "ALLOW_EXTRA_ARGS: must be true or false (or 1/0, "
	    "yes/no, on/off), not \"maybe\"");
	CHECK(s.allow_extra_args == 1);

	/* HOST: literal addresses or localhost. */
	CHECK(set(&s, "HOST", "::1") == 0);
	CHECK_STR(s.host, "::1");
	CHECK(set(&s, "HOST", "localhost") == 0);
	CHECK_STR(s.host, "localhost");
	CHECK(set(&s, "HOST", "192.168.1.20") == 0);
	CHECK_STR(s.host, "192.168.1.20");
	CHECK(set(&s, "HOST", "1.2.3") == -1);
	CHECK(set(&s, "HOST", "[::1]") == -1);
	CHECK(set(&s, "HOST", "example.com") == -1);
	CHECK_STR(seterr, "HOST: must be an IPv4 or IPv6 address or "
	    "\"localhost\", not \"example.com\"");
	CHECK_STR(s.host, "192.168.1.20");

	/* Bad values are escaped and shortened in messages. */
	CHECK(set(&s, "HOST", "a\nb\"c\\") == -1);
	CHECK_STR(seterr, "HOST: must be an IPv4 or IPv6 address or "
	    "\"localhost\", not \"a\\x0ab\\\"c\\\\\"");
	memset(big, '7', 100);
	big[100] = '\0';
	CHECK(set(&s, "PORT", big) == -1);
	CHECK_STR(seterr, "PORT: must be an integer from 1 to 65535, not "
	    "\"7777777777777777777777777777777777777777777777777777777777777777"
	    "...\"");

	/* Strings: at most 4096 bytes, and never echoed. */
	memset(big, 'k', 4097);
	big[4097] = '\0';
	CHECK(set(&s, "API_KEY", big) == -1);
	CHECK_STR(seterr, "API_KEY: must be at most 4096 bytes");
	CHECK(s.api_key == NULL);
	big[4096] = '\0';
	CHECK(set(&s, "API_KEY", big) == 0);
	CHECK(s.api_key != NULL && strlen(s.api_key) == 4096);
	CHECK(set(&s, "Llama_Server", "/usr/bin/llama-server") == 0);
	CHECK_STR(s.llama_server, "/usr/bin/llama-server");

	settings_free(&s);
}

static void
test_file_syntax(void)
{
	struct settings	 s;
	const char	*path;
	char		 err[512];

	settings_defaults(&s);
	path = put("syntax.env",
	    "# a comment at the start of a line\n"
	    "   # an indented comment\n"
	    "\n"
	    "   \t\n"
	    "api_key=secret\n"
	    "  Host\t=  127.0.0.1  \n"
	    "export PORT=9000\n"
	    "export  \tconfig_file = \"my config.json\"  # after quotes\n"
	    "LOG_DIR='lo\\gs \"x\" # not a comment \\n'\n"
	    "LLAMA_SERVER=\"/opt/l \\\"s\\\" \\\\b\\nx\\t'y'# kept\"\n"
	    "START_PORT=4000 # a comment after a space\n"
	    "max_retries=5\t# a comment after a tab\n"
	    "Stop_Timeout_S=\"30\"\n"
	    "START_STALL_S='60'# right after the quote\n");
	err[0] = '\0';
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK_STR(s.api_key, "secret");
	CHECK_STR(s.host, "127.0.0.1");
	CHECK(s.port == 9000);
	CHECK_STR(s.config_file, "my config.json");
	CHECK_STR(s.log_dir, "lo\\gs \"x\" # not a comment \\n");
	CHECK_STR(s.llama_server, "/opt/l \"s\" \\b\nx\\t'y'# kept");
	CHECK(s.start_port == 4000);
	CHECK(s.max_retries == 5);
	CHECK(s.stop_timeout_s == 30);
	CHECK(s.start_stall_s == 60);
	CHECK(s.log_buffer_size == 1000);	/* untouched: the default */

	/* '#' without a blank before it is part of the value. */
	path = put("hash.env",
	    "API_KEY=a#b\n"
	    "LOG_DIR=#x\n"
	    "CONFIG_FILE=c #d\n"
	    "LLAMA_SERVER=e\t#f\n");
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	CHECK_STR(s.api_key, "a#b");
	CHECK_STR(s.log_dir, "#x");
	CHECK_STR(s.config_file, "c");
	CHECK_STR(s.llama_server, "e");

	/* Later lines win; an empty value leaves what an earlier line set. */
	path = put("empty.env",
	    "PORT=9001\n"
	    "PORT=\n"
	    "HOST=::1\n"
	    "HOST=\"\"\n"
	    "LOG_DIR= # nothing but a comment\n"
	    "CONFIG_FILE=first\n"
	    "CONFIG_FILE=second\n");
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	CHECK(s.port == 9001);
	CHECK_STR(s.host, "::1");
	CHECK_STR(s.log_dir, "#x");
	CHECK_STR(s.config_file, "second");
	settings_free(&s);

	settings_defaults(&s);
	path = put("emptykey.env", "API_KEY=\nexport API_KEY=''\n");
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	CHECK(s.api_key == NULL);
	settings_free(&s);

	/* CRLF endings, even after a closing quote or a comment. */
	settings_defaults(&s);
	path = put("crlf.env",
	    "# windows\r\n"
	    "\r\n"
	    "PORT=9002\r\n"
	    "HOST=\"::1\"\r\n"
	    "API_KEY=k \r\n"
	    "LOG_DIR='w' # c\r\n"
	    "CONFIG_FILE=last\r");
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	CHECK(s.port == 9002);
	CHECK_STR(s.host, "::1");
	CHECK_STR(s.api_key, "k");
	CHECK_STR(s.log_dir, "w");
	CHECK_STR(s.config_file, "last");
	settings_free(&s);

	/* A byte order mark on the first line, and no final newline. */
	settings_defaults(&s);
	path = put("bom.env", "\xef\xbb\xbfPORT=9003");
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	CHECK(s.port == 9003);
	settings_free(&s);

	/* "export" alone is a key like any other. */
	settings_defaults(&s);
	nwarned = 0;
	path = put("exportkey.env", "export = 1\nexport=2\nPORT=9004\n");
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	CHECK(nwarned == 2);
	CHECK(s.port == 9004);
	settings_free(&s);
}

static void
test_long_line(void)
{
	struct settings	 s;
	const char	*path;
	char		*text;
	char		 err[512], want[1024];

	/* 4096 bytes fits; getline() has no limit of its own. */
	settings_defaults(&s);
	text = malloc(20000);
	if (text == NULL)
		exit(2);
	memcpy(text, "LLAMA_SERVER=", 13);
	memset(text + 13, 'x', 4096);
	strcpy(text + 13 + 4096, "\nPORT=9005\n");
	path = put("long.env", text);
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	CHECK(s.llama_server != NULL && strlen(s.llama_server) == 4096);
	CHECK(s.port == 9005);
	settings_free(&s);

	settings_defaults(&s);
	memset(text, '\0', 20000);
	memcpy(text, "PORT=9006\nLLAMA_SERVER=", 23);
	memset(text + 23, 'y', 15000);
	path = put("toolong.env", text);
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want),
	    "%s:2: LLAMA_SERVER: must be at most 4096 bytes", path);
	CHECK_STR(err, want);
	CHECK(s.port == 8001);
	CHECK_STR(s.llama_server, "llama-server");
	settings_free(&s);
	free(text);
}

static void
test_file_errors(void)
{
	static const char nul[] = "PORT=9000\nAPI_KEY=ab\0cd\n";
	struct settings	 s, before;
	const char	*path;
	char		 err[512], want[1024];

	file_error("noeq.env", "PORT=9000\nHOST=::1\njust some words\n",
	    "3: expected KEY=VALUE");
	file_error("unterm2.env", "PORT=9000\nAPI_KEY=\"abc\nX=1\"\n",
	    "2: unterminated quote");
	file_error("unterm1.env", "PORT=9000\n\nLOG_DIR='abc\n",
	    "3: unterminated quote");
	file_error("untermesc.env", "PORT=9000\nLOG_DIR=\"abc\\\"\n",
	    "2: unterminated quote");
	file_error("junk.env", "PORT=9000\nLOG_DIR=\"abc\" def\n",
	    "2: unexpected text after closing quote");
	file_error("badkey.env", "PORT=9000\n1PORT=80\n",
	    "2: invalid key \"1PORT\"");
	file_error("badkey2.env", "PORT=9000\nMY-KEY=1\n",
	    "2: invalid key \"MY-KEY\"");
	file_error("badkey3.env", "PORT=9000\nexport A B=1\n",
	    "2: invalid key \"A B\"");
	file_error("nokey.env", "PORT=9000\n=1\n", "2: invalid key \"\"");
	file_error("badint.env", "# c\nPORT=9000\nport=abc\n",
	    "3: PORT: must be an integer from 1 to 65535, not \"abc\"");
	file_error("junkint.env", "PORT=9000\nPORT=80x\n",
	    "2: PORT: must be an integer from 1 to 65535, not \"80x\"");
	file_error("quotedint.env", "PORT=9000\nPORT=\" 80\"\n",
	    "2: PORT: must be an integer from 1 to 65535, not \" 80\"");
	file_error("range.env", "PORT=9000\nMAX_RETRIES=1001\n",
	    "2: MAX_RETRIES: must be an integer from 0 to 1000, not \"1001\"");
	file_error("range2.env", "PORT=9000\nLOG_BUFFER_SIZE=0\n",
	    "2: LOG_BUFFER_SIZE: must be an integer from 1 to 1000000, "
	    "not \"0\"");
	file_error("overflow.env", "PORT=9000\nPORT=18446744073709551617\n",
	    "2: PORT: must be an integer from 1 to 65535, "
	    "not \"18446744073709551617\"");
	file_error("host.env", "PORT=9000\nHOST=my.host\n",
	    "2: HOST: must be an IPv4 or IPv6 address or \"localhost\", "
	    "not \"my.host\"");
	file_error("bool.env", "PORT=9000\nALLOW_EXTRA_ARGS=maybe\n",
	    "2: ALLOW_EXTRA_ARGS: must be true or false (or 1/0, yes/no, "
	    "on/off), not \"maybe\"");
	file_error("crlfline.env", "PORT=9000\r\nHOST=\"::1\"\r\nPORT=x\r\n",
	    "3: PORT: must be an integer from 1 to 65535, not \"x\"");

	/* A NUL byte anywhere in a line. */
	nondefault(&s);
	nondefault(&before);
	path = put_bytes("nul.env", nul, sizeof(nul) - 1);
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
	CHECK_STR(err, want);
	CHECK(same(&s, &before));

	/* A directory opens but does not read. */
	CHECK(settings_load_file(&s, tmpdir, 0, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want), "%s: Is a directory", tmpdir);
	CHECK_STR(err, want);
	CHECK(same(&s, &before));
	settings_free(&s);
	settings_free(&before);
}

static void
test_unknown_and_missing(void)
{
	struct settings	 s, before;
	const char	*path;
	char		 err[512], want[1024], missing[256];

	/* An unknown key is a warning naming file and line, not an error. */
	settings_defaults(&s);
	path = put("unknown.env", "# x\nFOO=bar\nPORT=9007\nfoo_bar=1\n");
	nwarned = 0;
	warned[0] = '\0';
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	CHECK(s.port == 9007);
	CHECK(nwarned == 2);
	snprintf(want, sizeof(want), "%s:4: unknown setting foo_bar, ignored",
	    path);
	CHECK_STR(warned, want);
	settings_free(&s);

	nondefault(&s);
	nondefault(&before);
	snprintf(missing, sizeof(missing), "%s/no-such.env", tmpdir);
	err[0] = '\0';
	CHECK(settings_load_file(&s, missing, 1, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK(same(&s, &before));
	CHECK(settings_load_file(&s, missing, 0, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", missing);
	CHECK_STR(err, want);
	CHECK(same(&s, &before));
	settings_free(&s);
	settings_free(&before);
}

static void
test_env(void)
{
	static const char *const env1[] = { "PATH=/bin:/usr/bin", "NOEQUALS",
	    "port=9100", "Log_Dir=envlogs", "PORT_EXTRA=1", "API_KEY=",
	    "CONFIG_FILE=", "HOST", NULL };
	static const char *const env2[] = { "PORT=", "allow_extra_args=off",
	    NULL };
	static const char *const env3[] = { "HOST=::1", "port=abc", NULL };
	static const char *const env4[] = { "PORT= 80", NULL };
	static const char *const env5[] = { "LOG_DIR=x", "HOST=a\nb", NULL };
	static const char *const env7[] = { "ALLOW_EXTRA_ARGS=nah", NULL };
	static const char *const env8[] = { NULL };
	struct settings	 s;
	const char	*path;
	const char	*env6[2];
	char		 err[512];
	char		 big[5000];
	char		**e;

	/* The file first, then the environment over it. */
	settings_defaults(&s);
	path = put("base.env", "PORT=9000\nHOST=::1\nLOG_DIR=filelogs\n"
	    "CONFIG_FILE=file.json\nMAX_RETRIES=9\nALLOW_EXTRA_ARGS=true\n");
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	e = mkenv(env1);
	CHECK(settings_load_env(&s, e, err, sizeof(err)) == 0);
	freeenv(e);
	CHECK(s.port == 9100);
	CHECK_STR(s.log_dir, "envlogs");
	CHECK_STR(s.host, "::1");
	CHECK_STR(s.config_file, "file.json");
	CHECK(s.max_retries == 9);
	CHECK(s.api_key == NULL);
	CHECK(s.allow_extra_args == 1);
	settings_free(&s);

	/* An empty variable leaves what the file set. */
	settings_defaults(&s);
	CHECK(settings_load_file(&s, path, 0, err, sizeof(err)) == 0);
	e = mkenv(env2);
	CHECK(settings_load_env(&s, e, err, sizeof(err)) == 0);
	freeenv(e);
	CHECK(s.port == 9000);
	CHECK(s.allow_extra_args == 0);
	e = mkenv(env8);
	CHECK(settings_load_env(&s, e, err, sizeof(err)) == 0);
	freeenv(e);
	CHECK(s.port == 9000);
	settings_free(&s);

	env_error(env3, "environment: PORT: must be an integer from 1 to "
	    "65535, not \"abc\"");
	/* Unlike in a file, nothing trims the blanks of a variable. */
	env_error(env4, "environment: PORT: must be an integer from 1 to "
	    "65535, not \" 80\"");
	env_error(env5, "environment: HOST: must be an IPv4 or IPv6 address "
	    "or \"localhost\", not \"a\\x0ab\"");
	env_error(env7, "environment: ALLOW_EXTRA_ARGS: must be true or false "
	    "(or 1/0, yes/no, on/off), not \"nah\"");
	memcpy(big, "api_key=", 8);
	memset(big + 8, 'k', 4097);
	big[8 + 4097] = '\0';
	env6[0] = big;
	env6[1] = NULL;
	env_error(env6, "environment: API_KEY: must be at most 4096 bytes");
}

int
main(void)
{
	int	 i;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	log_init(1, 0);
	log_set_sink(sink, NULL);

	test_defaults();
	test_keys();
	test_set();
	test_file_syntax();
	test_long_line();
	test_file_errors();
	test_unknown_and_missing();
	test_env();

	for (i = 0; i < nfiles; i++) {
		if (unlink(files[i]) == -1)
			perror(files[i]);
		free(files[i]);
	}
	if (rmdir(tmpdir) == -1)
		perror(tmpdir);
	T_DONE();
}
