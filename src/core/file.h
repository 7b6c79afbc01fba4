/*
 * file.h - whole-file reads with a size limit, and atomic replacement of a
 * file (write a temporary file in the same directory, fsync, rename, fsync
 * the directory) so that a crash leaves either the old or the new contents,
 * never a torn file. Used for keys, certificates and agent state.
 */
#ifndef CN_FILE_H
#define CN_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * Replaces path with len bytes of data, created with the given mode (the
 * umask does not apply). The temporary file is ".<name>.tmp.XXXXXX" beside
 * path and is removed on failure. Errors: CN_ERR_IO (detail names the path
 * and errno).
 */
int cn_file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode) CN_WUR;

/*
 * Reads the regular file at path into a NUL-terminated heap buffer (caller
 * frees; use cn_free_secret for keys). Errors: CN_ERR_NOT_FOUND when the
 * file does not exist, CN_ERR_TOO_BIG when it holds more than max bytes,
 * CN_ERR_IO otherwise. *out and *len are written only on success; len may
 * be NULL.
 */
int cn_file_read(const char *path, size_t max, char **out, size_t *len) CN_WUR;

#endif
