/*
 * log.c - leveled logging to stderr, one line per call, with escaping of
 * untrusted input.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int cn_log_level = CN_LOG_INFO;

static const char *const level_names[] = {"err", "warn", "info", "debug"};

void cn_log_write(int level, const char *comp, const char *file, int line,
    const char *fmt, ...)
{
	char msg[2048];
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	const char *base;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	if (level < 0 || level > CN_LOG_DEBUG)
		level = CN_LOG_ERR;
	fprintf(stderr, "%s.%03ldZ %s %s: %s (%s:%d)\n", stamp,
	    ts.tv_nsec / 1000000, level_names[level], comp, msg, base, line);
}

int cn_log_level_parse(const char *name, int *level)
{
	int i;

	for (i = 0; i <= CN_LOG_DEBUG; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = i;
			return 0;
		}
	}
	return cn_err_set(CN_ERR_USAGE, "unknown log level '%s'", name);
}

const char *cn_log_escape(const char *in, size_t in_len, char *out, size_t out_len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (out_len == 0)
		return out;
	for (i = 0; i < in_len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= out_len)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= out_len)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}
