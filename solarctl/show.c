/*
 * show.c: the server's JSON made readable: the instance table of list,
 * and "key  value" lines for one object (an instance, its state, memory,
 * health).  Text from the server may hold a child's output, so control
 * characters never reach the terminal.
 */
#include <sys/types.h>
#include <sys/time.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fmt.h"
#include "solarctl.h"
#include "strbuf.h"
#include "timefmt.h"
#include "utf8.h"

#define SHOW_INDENT	2
#define SHOW_GAP	2
#define ALIAS_MAX	32	/* characters in the list */
#define ERROR_MAX	40
#define HIDDEN		"(hidden; --json shows it)"

static size_t	 seq_len(const unsigned char *, size_t);
static char	*render(const json_t *);
static void	 quote_word(struct strbuf *, const char *);
static size_t	 key_width(const json_t *, size_t);
static void	 show_level(const json_t *, size_t, size_t);
static const char *str_field(const json_t *, const char *);

/* Bytes of the UTF-8 character at s, 0 when it is not one. */
static size_t
seq_len(const unsigned char *s, size_t left)
{
	uint32_t	cp;
	int		n;

	return (n = utf8_decode(s, left, &cp)) == -1 ? 0 : (size_t)n;
}

char *
show_clean(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		 i, n, chars = 0, keep, o = 0;
	char		*out;

	for (i = 0; i < len; i += n, chars++)
		if ((n = seq_len(p + i, len - i)) == 0)
			n = 1;
	keep = max > 3 && chars > max ? max - 3 : chars;
	if ((out = malloc(len + 4)) == NULL)
		return NULL;
	for (i = 0; keep > 0; i += n, keep--) {
		n = seq_len(p + i, len - i);
		/* C0, DEL, C1 and broken bytes: terminal escapes start so. */
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7f ||
		    (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			out[o++] = p[i] == '\t' ? ' ' : '?';
			if (n == 0)
				n = 1;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
	}
	if (max > 3 && chars > max) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

void
show_uptime(const char *started_at, char *buf, size_t len)
{
	struct timeval	 start, now;
	long long	 s;

	if (started_at == NULL || timefmt_parse(started_at, &start) == -1) {
		snprintf(buf, len, "-");
		return;
	}
	gettimeofday(&now, NULL);
	s = (long long)now.tv_sec - (long long)start.tv_sec;
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
}

/* A word as a shell would need it to read it back. */
static void
quote_word(struct strbuf *sb, const char *w)
{
	const char	*p;

	if (*w != '\0' && strpbrk(w, " \t'\"\\$`*?[]{}()<>|&;#~") == NULL) {
		strbuf_adds(sb, w);
		return;
	}
	strbuf_addc(sb, '\'');
	for (p = w; *p != '\0'; p++) {
		if (*p == '\'')
			strbuf_adds(sb, "'\\''");
		else
			strbuf_addc(sb, *p);
	}
	strbuf_addc(sb, '\'');
}

/* One value on one line, new and clean; NULL when out of memory. */
static char *
render(const json_t *v)
{
	struct strbuf	 sb;
	char		 num[FMT_DOUBLE_LEN], *word, *out;
	size_t		 i;

	if (v == NULL)
		return strdup("-");
	strbuf_init(&sb);
	switch (json_typeof(v)) {
	case JSON_NULL:
		strbuf_adds(&sb, "-");
		break;
	case JSON_TRUE:
		strbuf_adds(&sb, "true");
		break;
	case JSON_FALSE:
		strbuf_adds(&sb, "false");
		break;
	case JSON_INTEGER:
		strbuf_addf(&sb, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		fmt_double(json_real_value(v), num, sizeof(num));
		strbuf_adds(&sb, num);
		break;
	case JSON_STRING:
		strbuf_add(&sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				strbuf_addc(&sb, ' ');
			if ((word = render(json_array_get(v, i))) == NULL)
				break;
			quote_word(&sb, word);
			free(word);
		}
		if (i == 0)
			strbuf_adds(&sb, "-");
		break;
	default:
		strbuf_adds(&sb, "{...}");
		break;
	}
	if (sb.failed) {
		strbuf_free(&sb);
		return NULL;
	}
	out = show_clean(sb.data != NULL ? sb.data : "", sb.len, 0);
	strbuf_free(&sb);
	return out;
}

/* The widest "indent key" of an object and the objects in it. */
static size_t
key_width(const json_t *obj, size_t indent)
{
	const char	*k;
	json_t		*v;
	size_t		 w = 0, n;

	json_object_foreach((json_t *)obj, k, v) {
		if (json_is_object(v) && json_object_size(v) > 0)
			n = key_width(v, indent + SHOW_INDENT);
		else
			n = indent + strlen(k);
		if (n > w)
			w = n;
	}
	return w;
}

static void
show_level(const json_t *obj, size_t indent, size_t width)
{
	const char	*k;
	json_t		*v;
	char		*val;

	json_object_foreach((json_t *)obj, k, v) {
		printf("%*s%s", (int)indent, "", k);
		if (json_is_object(v) && json_object_size(v) > 0) {
			putchar('\n');
			show_level(v, indent + SHOW_INDENT, width);
			continue;
		}
		if (strcmp(k, "api_key") == 0 && json_is_string(v))
			val = strdup(HIDDEN);
		else if (json_is_object(v))
			val = strdup("-");
		else
			val = render(v);
		printf("%*s%s\n", (int)(width - indent - strlen(k) + SHOW_GAP),
		    "", val != NULL ? val : "?");
		free(val);
	}
}

void
show_object(const json_t *obj)
{
	if (!json_is_object(obj))
		return;
	show_level(obj, 0, key_width(obj, 0));
}

static const char *
str_field(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

int
show_list(const json_t *instances)
{
	static const char *const headers[] = {
		"ID", "ALIAS", "STATUS", "PORT", "PID", "RETRIES", "UPTIME",
		"ERROR"
	};
	struct table	*t;
	const json_t	*inst, *cfg;
	const char	*row[8], *s;
	char		 id[9], uptime[32], *alias, *port, *pid, *retries;
	char		*error;
	size_t		 i;
	int		 rc = 0;

	if ((t = table_new(8, headers)) == NULL)
		return -1;
	for (i = 0; rc == 0 && i < json_array_size(instances); i++) {
		inst = json_array_get(instances, i);
		cfg = json_object_get(inst, "config");
		s = str_field(inst, "id");
		snprintf(id, sizeof(id), "%s", s != NULL ? s : "?");
		s = str_field(cfg, "alias");
		alias = show_clean(s != NULL ? s : "?", s != NULL ?
		    json_string_length(json_object_get(cfg, "alias")) : 1,
		    ALIAS_MAX);
		port = render(json_object_get(inst, "port"));
		pid = render(json_object_get(inst, "pid"));
		retries = render(json_object_get(inst, "retry_count"));
		show_uptime(str_field(inst, "started_at"), uptime,
		    sizeof(uptime));
		s = str_field(inst, "error_message");
		error = show_clean(s != NULL ? s : "-", s != NULL ?
		    json_string_length(json_object_get(inst,
		    "error_message")) : 1, ERROR_MAX);
		s = str_field(inst, "status");
		row[0] = id;
		row[1] = alias;
		row[2] = s != NULL ? s : "?";
		row[3] = port;
		row[4] = pid;
		row[5] = retries;
		row[6] = uptime;
		row[7] = error;
		if (alias == NULL || port == NULL || pid == NULL ||
		    retries == NULL || error == NULL || table_add(t, row) == -1)
			rc = -1;
		free(alias);
		free(port);
		free(pid);
		free(retries);
		free(error);
	}
	if (rc == 0)
		table_print(t, stdout);
	table_free(t);
	return rc;
}
