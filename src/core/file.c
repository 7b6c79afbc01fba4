/*
 * file.c - bounded whole-file reads and atomic file replacement
 * (temporary file, fsync, rename, fsync of the directory).
 */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"

/* Splits path into its directory ("." when none) and base name. */
static void split_path(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*dir = cn_xstrdup(".");
		*base = path;
	} else if (slash == path) {
		*dir = cn_xstrdup("/");
		*base = slash + 1;
	} else {
		*dir = cn_xstrndup(path, (size_t)(slash - path));
		*base = slash + 1;
	}
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd, rc;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int cn_file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode)
{
	struct cn_buf tmp;
	char *dir = NULL;
	const char *base = NULL;
	int fd = -1;
	int created = 0;
	int r;

	cn_buf_init(&tmp, 4096);
	split_path(path, &dir, &base);
	if (base[0] == '\0') {
		r = cn_err_set(CN_ERR_IO, "%s: not a file name", path);
		goto out;
	}
	r = cn_buf_addf(&tmp, "%s/.%s.tmp.XXXXXX", dir, base);
	if (r != 0)
		goto out;
	fd = mkstemp((char *)tmp.data);
	if (fd < 0) {
		r = cn_err_set(CN_ERR_IO, "%s: cannot create temporary file: %s",
		    path, strerror(errno));
		goto out;
	}
	created = 1;
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		r = cn_err_set(CN_ERR_IO, "%s: cannot write: %s", cn_buf_str(&tmp),
		    strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = cn_err_set(CN_ERR_IO, "%s: close: %s", cn_buf_str(&tmp),
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(cn_buf_str(&tmp), path) != 0) {
		r = cn_err_set(CN_ERR_IO, "%s: rename: %s", path, strerror(errno));
		goto out;
	}
	created = 0;
	if (fsync_dir(dir) != 0) {
		r = cn_err_set(CN_ERR_IO, "%s: fsync: %s", dir, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(cn_buf_str(&tmp));
	cn_buf_free(&tmp);
	free(dir);
	return r;
}

int cn_file_read(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *data = NULL;
	size_t used = 0, cap;
	int fd = -1;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = cn_err_set(errno == ENOENT ? CN_ERR_NOT_FOUND : CN_ERR_IO,
		    "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = cn_err_set(CN_ERR_IO, "%s: fstat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = cn_err_set(CN_ERR_IO, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > 0 && (unsigned long long)st.st_size > max) {
		r = cn_err_set(CN_ERR_TOO_BIG, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	/* The size may change under us: read until EOF, bounded by max. */
	cap = (size_t)st.st_size + 1;
	data = cn_xmalloc(cap + 1);
	for (;;) {
		ssize_t n;

		if (used == cap) {
			if (cap > max) {
				r = cn_err_set(CN_ERR_TOO_BIG, "%s: larger than %zu bytes",
				    path, max);
				goto out;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			data = cn_xrealloc(data, cap + 1);
		}
		n = read(fd, data + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = cn_err_set(CN_ERR_IO, "%s: read: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max) {
		r = cn_err_set(CN_ERR_TOO_BIG, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	data[used] = '\0';
	*out = data;
	data = NULL;
	if (len != NULL)
		*len = used;
	r = 0;
out:
	if (data != NULL)
		cn_free_secret(data, cap + 1);
	if (fd >= 0)
		close(fd);
	return r;
}
