/*
 * log.h - leveled logging to stderr.
 *
 * CN_LOG tests the level before evaluating its arguments. Each line carries
 * the time, level, component and source location. Untrusted strings must be
 * passed through cn_log_escape() first. Keys, secrets and JWS bodies are
 * never logged.
 */
#ifndef CN_LOG_H
#define CN_LOG_H

#include <stddef.h>

#include "err.h"

enum cn_log_level { CN_LOG_ERR, CN_LOG_WARN, CN_LOG_INFO, CN_LOG_DEBUG };

extern int cn_log_level;

#define CN_LOG(level, comp, ...)                                              \
	do {                                                                  \
		if ((level) <= cn_log_level)                                  \
			cn_log_write((level), (comp), __FILE__, __LINE__,     \
			    __VA_ARGS__);                                     \
	} while (0)

void cn_log_write(int level, const char *comp, const char *file, int line,
    const char *fmt, ...) CN_PRINTF(5, 6);

/* Parses "err|warn|info|debug"; returns 0 or CN_ERR_USAGE. */
int cn_log_level_parse(const char *name, int *level);

/*
 * Copies at most out_len-1 bytes of an escaped rendering of untrusted input
 * (non-printable bytes as \xNN) into out; always NUL-terminates. Returns out.
 */
const char *cn_log_escape(const char *in, size_t in_len, char *out, size_t out_len);

#endif
