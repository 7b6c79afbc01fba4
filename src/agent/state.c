/*
 * state.c - cairn's state directory: accounts, versioned certificate
 * directories made live by an atomic symlink swap, renewal bookkeeping and
 * the writer lock. See state.h for the layout and the crash-safety argument.
 */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "json.h"
#include "log.h"
#include "mem.h"

static char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = cn_xmalloc(n);

	snprintf(p, n, "%s/%s", a, b);
	return p;
}

static char *path_fmt(const char *fmt, ...) CN_PRINTF(1, 2);
static char *path_fmt(const char *fmt, ...)
{
	struct cn_buf b;
	va_list ap;
	int r;

	cn_buf_init(&b, PATH_MAX * 2);
	va_start(ap, fmt);
	r = cn_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (r != 0)
		abort(); /* names are validated and bounded before we get here */
	return cn_buf_take(&b, NULL);
}

char *agent_state_path(const struct agent_state *st, const char *rel)
{
	return path_join(st->dir, rel);
}

static int mkdir_0700(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return cn_err_set(CN_ERR_IO, "mkdir %s: %s", path, strerror(errno));
	return 0;
}

/* mkdir -p with mode 0700 for what is created. */
static int mkdir_p(const char *path)
{
	char *p = cn_xstrdup(path), *s;
	int r = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		r = mkdir_0700(p);
		*s = '/';
		if (r != 0)
			goto out;
	}
	r = mkdir_0700(p);
out:
	free(p);
	return r;
}

static int fsync_dir(const char *path)
{
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cn_err_set(CN_ERR_IO, "open %s: %s", path, strerror(errno));
	if (fsync(fd) != 0)
		r = cn_err_set(CN_ERR_IO, "fsync %s: %s", path, strerror(errno));
	close(fd);
	return r;
}

int agent_state_open(const char *dir, struct agent_state *st)
{
	static const char *const subdirs[] = {"accounts", "certs", "archive"};
	char real[PATH_MAX], *p;
	size_t i;
	int r;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	if (dir[0] == '\0')
		return cn_err_set(CN_ERR_USAGE, "empty state directory");
	r = mkdir_p(dir);
	if (r != 0)
		return r;
	if (realpath(dir, real) == NULL)
		return cn_err_set(CN_ERR_IO, "realpath %s: %s", dir, strerror(errno));
	st->dir = cn_xstrdup(real);
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		p = path_join(st->dir, subdirs[i]);
		r = mkdir_0700(p);
		free(p);
		if (r != 0) {
			agent_state_close(st);
			return r;
		}
	}
	return 0;
}

void agent_state_close(struct agent_state *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	st->lock_fd = -1;
	free(st->dir);
	st->dir = NULL;
}

int agent_state_lock(struct agent_state *st, bool wait)
{
	char *p;
	int fd;

	if (st->lock_fd < 0) {
		p = path_join(st->dir, "lock");
		fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			int e = errno;

			free(p);
			return cn_err_set(CN_ERR_IO, "open lock: %s", strerror(e));
		}
		free(p);
		st->lock_fd = fd;
	}
	while (flock(st->lock_fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return cn_err_set(CN_ERR_CONFLICT, "another cairn holds %s/lock", st->dir);
		return cn_err_set(CN_ERR_IO, "flock: %s", strerror(errno));
	}
	return 0;
}

void agent_state_unlock(struct agent_state *st)
{
	if (st->lock_fd >= 0)
		flock(st->lock_fd, LOCK_UN);
}

/* ---- accounts ---------------------------------------------------------- */

char *agent_account_id(const char *url)
{
	struct cn_buf b;
	const char *p = url;
	bool last_sep = true;

	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	cn_buf_init(&b, 200);
	for (; *p != '\0' && b.len < 180; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-';

		if (c == '.' && b.len == 0)
			continue; /* never a hidden name, "." or ".." */
		if (!ok) {
			if (last_sep)
				continue;
			c = '_';
		}
		if (cn_buf_add(&b, &c, 1) != 0)
			break;
		last_sep = !ok;
	}
	while (b.len > 0 && b.data[b.len - 1] == '_')
		b.data[--b.len] = '\0';
	if (b.len == 0) {
		if (cn_buf_adds(&b, "server") != 0)
			abort();
	}
	return cn_buf_take(&b, NULL);
}

int agent_account_key_rel(const struct agent_state *st, const char *server_url, char **rel)
{
	char *id = agent_account_id(server_url), *dir;
	int r;

	dir = path_fmt("%s/accounts/%s", st->dir, id);
	r = mkdir_0700(dir);
	free(dir);
	if (r == 0)
		*rel = path_fmt("accounts/%s/account.key", id);
	free(id);
	return r;
}

int agent_account_load(const struct agent_state *st, const char *server_url, json_t **out)
{
	char *id = agent_account_id(server_url), *p, *data = NULL;
	size_t len = 0;
	int r;

	p = path_fmt("%s/accounts/%s/account.json", st->dir, id);
	r = cn_file_read(p, AGENT_MAX_STATE_FILE, &data, &len);
	if (r == 0)
		r = cn_json_parse_object(data, len, out);
	free(data);
	free(p);
	free(id);
	return r;
}

int agent_account_save(const struct agent_state *st, const char *server_url, const json_t *acct)
{
	char *id = agent_account_id(server_url), *p, *dir, *s;
	int r;

	dir = path_fmt("%s/accounts/%s", st->dir, id);
	r = mkdir_0700(dir);
	if (r != 0)
		goto out;
	p = path_fmt("%s/account.json", dir);
	s = json_dumps(acct, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s == NULL)
		abort();
	r = cn_file_write_atomic(p, s, strlen(s), 0600);
	free(s);
	free(p);
out:
	free(dir);
	free(id);
	return r;
}

/* ---- certificates ------------------------------------------------------ */

bool agent_certname_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > AGENT_CERTNAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

char *agent_certname_default(const char *ident)
{
	char *s = cn_xstrdup(ident), *p;

	for (p = s; *p; p++)
		if (*p == '*' || *p == ':' || *p == '/')
			*p = '_';
	return s;
}

bool agent_cert_exists(const struct agent_state *st, const char *name)
{
	char *p = path_fmt("%s/certs/%s/cert.pem", st->dir, name);
	bool ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

int agent_cert_read(const struct agent_state *st, const char *name, const char *file,
    char **data, size_t *len)
{
	char *p = path_fmt("%s/certs/%s/%s", st->dir, name, file);
	int r;

	r = cn_file_read(p, AGENT_MAX_STATE_FILE, data, len);
	free(p);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int agent_cert_names(const struct agent_state *st, char ***names, size_t *n)
{
	char *d = path_join(st->dir, "certs");
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *e;
	DIR *dir;

	dir = opendir(d);
	if (dir == NULL) {
		int err = errno;

		free(d);
		return cn_err_set(CN_ERR_IO, "opendir certs: %s", strerror(err));
	}
	while ((e = readdir(dir)) != NULL) {
		if (!agent_certname_ok(e->d_name))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			v = cn_xrealloc(v, cap * sizeof(*v));
		}
		v[cnt++] = cn_xstrdup(e->d_name);
	}
	closedir(dir);
	free(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*names = v;
	*n = cnt;
	return 0;
}

/* Parses a version directory name: decimal, 1..999999. */
static unsigned version_parse(const char *s)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0' || *s == '0')
		return 0;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > 999999)
			return 0;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	return v > 999999 ? 0 : (unsigned)v;
}

unsigned agent_cert_version(const struct agent_state *st, const char *name)
{
	char *p = path_fmt("%s/certs/%s", st->dir, name);
	char target[PATH_MAX];
	const char *slash;
	ssize_t n;

	n = readlink(p, target, sizeof(target) - 1);
	free(p);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	slash = strrchr(target, '/');
	return version_parse(slash ? slash + 1 : target);
}

int agent_cert_status_load(const struct agent_state *st, const char *name, json_t **out)
{
	char *p = path_fmt("%s/archive/%s/status.json", st->dir, name), *data = NULL;
	size_t len = 0;
	int r;

	r = cn_file_read(p, AGENT_MAX_STATE_FILE, &data, &len);
	if (r == CN_ERR_NOT_FOUND) {
		*out = json_object();
		r = 0;
	} else if (r == 0) {
		r = cn_json_parse_object(data, len, out);
	}
	free(data);
	free(p);
	return r;
}

int agent_cert_status_save(const struct agent_state *st, const char *name, const json_t *status)
{
	char *dir = path_fmt("%s/archive/%s", st->dir, name), *p, *s;
	int r;

	r = mkdir_0700(dir);
	if (r != 0)
		goto out;
	p = path_join(dir, "status.json");
	s = json_dumps(status, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s == NULL)
		abort();
	r = cn_file_write_atomic(p, s, strlen(s), 0600);
	free(s);
	free(p);
out:
	free(dir);
	return r;
}

/* Removes a flat directory (files only, as version directories are). */
static int rm_flat_dir(const char *path)
{
	struct dirent *e;
	DIR *d;
	char *f;
	int r = 0;

	d = opendir(path);
	if (d == NULL)
		return errno == ENOENT ? 0 : cn_err_set(CN_ERR_IO, "opendir %s: %s", path, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		f = path_join(path, e->d_name);
		if (unlink(f) != 0 && errno != ENOENT)
			r = cn_err_set(CN_ERR_IO, "unlink %s: %s", f, strerror(errno));
		free(f);
	}
	closedir(d);
	if (rmdir(path) != 0 && errno != ENOENT)
		r = cn_err_set(CN_ERR_IO, "rmdir %s: %s", path, strerror(errno));
	return r;
}

int agent_stage_begin(const struct agent_state *st, const char *name, struct agent_stage *sg)
{
	char *adir = NULL, *p;
	struct dirent *e;
	DIR *d;
	int r;

	memset(sg, 0, sizeof(*sg));
	if (!agent_certname_ok(name))
		return cn_err_set(CN_ERR_USAGE, "invalid certificate name '%s'", name);
	adir = path_fmt("%s/archive/%s", st->dir, name);
	r = mkdir_0700(adir);
	if (r != 0)
		goto out;
	/* leftovers of runs that crashed (we hold the lock, so none is live) */
	d = opendir(adir);
	if (d == NULL) {
		r = cn_err_set(CN_ERR_IO, "opendir %s: %s", adir, strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, ".new-", 5) != 0)
			continue;
		p = path_join(adir, e->d_name);
		CN_LOG(CN_LOG_INFO, "agent", "removing unfinished version %s", p);
		if (rm_flat_dir(p) != 0)
			CN_LOG(CN_LOG_WARN, "agent", "%s", cn_err_detail());
		free(p);
	}
	closedir(d);
	sg->name = cn_xstrdup(name);
	sg->rel = path_fmt("archive/%s/.new-%ld", name, (long)getpid());
	sg->abs = path_join(st->dir, sg->rel);
	if (mkdir(sg->abs, 0700) != 0) {
		r = cn_err_set(CN_ERR_IO, "mkdir %s: %s", sg->abs, strerror(errno));
		agent_stage_abort(sg);
		memset(sg, 0, sizeof(*sg));
		goto out;
	}
out:
	free(adir);
	return r;
}

int agent_stage_write(const struct agent_stage *sg, const char *file, const void *data,
    size_t len, mode_t mode)
{
	/*
	 * The staging directory is private to this run and is fsynced once
	 * before it is renamed into place, so each file only needs its own
	 * fsync (no temporary name, no directory fsync per file).
	 */
	const unsigned char *p = data;
	char *path = path_join(sg->abs, file);
	ssize_t w;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		r = cn_err_set(CN_ERR_IO, "create %s: %s", path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, mode) != 0) {
		r = cn_err_set(CN_ERR_IO, "chmod %s: %s", path, strerror(errno));
		goto fail;
	}
	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = cn_err_set(CN_ERR_IO, "write %s: %s", path, strerror(errno));
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		r = cn_err_set(CN_ERR_IO, "fsync %s: %s", path, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = cn_err_set(CN_ERR_IO, "close %s: %s", path, strerror(errno));
		goto fail;
	}
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(path);
out:
	free(path);
	return r;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Lists version numbers under archive/NAME, ascending. */
static int versions_list(const char *adir, unsigned **out, size_t *n)
{
	unsigned *v = NULL, x;
	size_t cnt = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	d = opendir(adir);
	if (d == NULL)
		return cn_err_set(CN_ERR_IO, "opendir %s: %s", adir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		x = version_parse(e->d_name);
		if (x == 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			v = cn_xrealloc(v, cap * sizeof(*v));
		}
		v[cnt++] = x;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_unsigned);
	*out = v;
	*n = cnt;
	return 0;
}

int agent_stage_commit(const struct agent_state *st, struct agent_stage *sg, unsigned *version)
{
	char *adir = NULL, *vdir = NULL, *link_tmp = NULL, *link = NULL, *target = NULL;
	char *certs = NULL, num[16];
	unsigned *vers = NULL, next, live;
	size_t n = 0, i;
	int r;

	adir = path_fmt("%s/archive/%s", st->dir, sg->name);
	r = versions_list(adir, &vers, &n);
	if (r != 0)
		goto out;
	next = n > 0 ? vers[n - 1] + 1 : 1;
	if (next > 999999) {
		r = cn_err_set(CN_ERR_IO, "%s: version numbers exhausted", adir);
		goto out;
	}
	snprintf(num, sizeof(num), "%u", next);
	/* the files are fsynced by cn_file_write_atomic; make the directory durable */
	r = fsync_dir(sg->abs);
	if (r != 0)
		goto out;
	vdir = path_join(adir, num);
	if (rename(sg->abs, vdir) != 0) {
		r = cn_err_set(CN_ERR_IO, "rename %s: %s", sg->abs, strerror(errno));
		goto out;
	}
	r = fsync_dir(adir);
	if (r != 0)
		goto out;
	certs = path_join(st->dir, "certs");
	link = path_fmt("%s/%s", certs, sg->name);
	link_tmp = path_fmt("%s/.%s.tmp", certs, sg->name);
	target = path_fmt("../archive/%s/%s", sg->name, num);
	if (unlink(link_tmp) != 0 && errno != ENOENT) {
		r = cn_err_set(CN_ERR_IO, "unlink %s: %s", link_tmp, strerror(errno));
		goto out;
	}
	if (symlink(target, link_tmp) != 0) {
		r = cn_err_set(CN_ERR_IO, "symlink %s: %s", link_tmp, strerror(errno));
		goto out;
	}
	if (rename(link_tmp, link) != 0) {
		r = cn_err_set(CN_ERR_IO, "rename %s: %s", link, strerror(errno));
		unlink(link_tmp);
		goto out;
	}
	r = fsync_dir(certs);
	if (r != 0)
		goto out;
	*version = next;
	/* prune: keep the newest AGENT_KEEP_VERSIONS (the live one is the newest) */
	live = next;
	for (i = 0; i + AGENT_KEEP_VERSIONS - 1 < n; i++) {
		char *old;

		if (vers[i] == live)
			continue;
		snprintf(num, sizeof(num), "%u", vers[i]);
		old = path_join(adir, num);
		if (rm_flat_dir(old) != 0)
			CN_LOG(CN_LOG_WARN, "agent", "pruning %s: %s", old, cn_err_detail());
		free(old);
	}
	free(sg->abs);
	sg->abs = NULL; /* nothing left to abort */
out:
	free(adir);
	free(vdir);
	free(link_tmp);
	free(link);
	free(target);
	free(certs);
	free(vers);
	return r;
}

void agent_stage_abort(struct agent_stage *sg)
{
	if (sg == NULL)
		return;
	if (sg->abs != NULL && rm_flat_dir(sg->abs) != 0)
		CN_LOG(CN_LOG_WARN, "agent", "%s", cn_err_detail());
	free(sg->name);
	free(sg->rel);
	free(sg->abs);
	memset(sg, 0, sizeof(*sg));
}
