/*
 * store_sqlite_sync.c - group commit for the SQLite store: many durable
 * commits share one fdatasync of the WAL file.
 *
 * Every connection runs with synchronous=NORMAL: COMMIT appends the
 * transaction's frames to the WAL file without syncing it. Durability is
 * this file's job, and it is what synchronous=FULL gave before (FULL in WAL
 * mode is exactly "the WAL file is synced after each commit"):
 *
 *  - A write transaction that must be durable takes a sequence number in
 *    SQLite's commit hook, before its frames are written (sq_sync_begun).
 *    SQLite serializes writers on the database's write lock, so numbers are
 *    handed out in commit order, and when commit N has returned, every
 *    commit before it is in the WAL file too.
 *  - After COMMIT returns, the writer records N as written and waits until
 *    an fdatasync that began after that covers it (sq_sync_wait). The first
 *    waiter that finds no sync running becomes the leader: it takes the
 *    highest written number, syncs the file, and wakes everyone that number
 *    covers. Writers that commit during one sync share the next: one sync
 *    per group, not per commit, and the writer mutex (store_sqlite.c) is no
 *    longer held across the disk's latency.
 *  - A commit is visible to other connections as soon as COMMIT returns,
 *    before it is synced. So that no client is ever shown state a crash
 *    could take back (an order "valid" whose certificate the store then
 *    forgets), the release of a connection that only read notes, for the
 *    thread, the highest number begun by then (sq_sync_note_read), and the
 *    HTTP server, before it sends a response, waits until that number is
 *    synced (ca_store_sync_reads). One wait per response, not per read,
 *    and usually none: the sync runs while the request computes. When
 *    nothing is pending, it is two loads.
 *
 * Commits without a number: light transactions (job leases, sq_begin_light)
 * whose loss a crash may cause without harm; the next sync covers them
 * anyway. The WAL file is opened once beside the database and kept
 * (SQLITE_FCNTL_PERSIST_WAL on every connection); should it be unlinked all
 * the same (it is deleted only after a checkpoint made everything in it
 * durable), the leader opens it again.
 *
 * Other processes on the same file (`cairnd admin`) sync their own commits
 * before they return; this process's readers may see such a commit a few
 * milliseconds before it is durable.
 */
#include "store/store_sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

int sq_sync_init(struct sq_sync *sy, const char *db_path)
{
	int n;

	memset(sy, 0, sizeof(*sy));
	sy->fd = -1;
	n = snprintf(sy->wal_path, sizeof(sy->wal_path), "%s-wal", db_path);
	if (n < 0 || (size_t)n >= sizeof(sy->wal_path))
		return cn_err_set(CN_ERR_USAGE, "store: path too long: %s",
		    db_path);
	pthread_mutex_init(&sy->mu, NULL);
	pthread_cond_init(&sy->cv, NULL);
	sy->ready = true;
	return 0;
}

void sq_sync_fini(struct sq_sync *sy)
{
	if (!sy->ready)
		return;
	if (sy->fd >= 0)
		close(sy->fd);
	pthread_cond_destroy(&sy->cv);
	pthread_mutex_destroy(&sy->mu);
	sy->ready = false;
}

int64_t sq_sync_begun(struct sq_sync *sy)
{
	return atomic_fetch_add(&sy->begun, 1) + 1;
}

/* The WAL file's descriptor, opened again if the file was replaced. */
static int wal_fd(struct sq_sync *sy)
{
	struct stat sb;

	if (sy->fd >= 0 && fstat(sy->fd, &sb) == 0 && sb.st_nlink > 0)
		return sy->fd;
	if (sy->fd >= 0)
		close(sy->fd);
	sy->fd = open(sy->wal_path, O_RDWR | O_CLOEXEC);
	return sy->fd;
}

/* The leader's sync, outside the mutex. */
static int sync_file(struct sq_sync *sy)
{
	int fd = wal_fd(sy);

	if (fd < 0) {
		/* No WAL file: SQLite deletes it only after a checkpoint
		 * synced everything it held into the database. */
		if (errno == ENOENT)
			return 0;
		CN_LOG(CN_LOG_ERR, "store", "%s: open: %s", sy->wal_path,
		    strerror(errno));
		return cn_err_set(CN_ERR_STORE, "store: cannot open the WAL "
		    "file to sync it");
	}
	if (fdatasync(fd) != 0) {
		CN_LOG(CN_LOG_ERR, "store", "%s: fdatasync: %s",
		    sy->wal_path, strerror(errno));
		return cn_err_set(CN_ERR_STORE, "store: cannot sync the WAL "
		    "file");
	}
	return 0;
}

/* Waits, with sy->mu held, until every commit up to `upto` is synced,
 * leading a sync when none runs and `upto` has been written. */
static int wait_locked(struct sq_sync *sy, int64_t upto)
{
	int64_t target;
	int r = 0;

	while (atomic_load(&sy->synced) < upto) {
		if (sy->written < upto) {
			sy->n_wait_written++;
			pthread_cond_wait(&sy->cv, &sy->mu);
			sy->n_wait_written--;
			continue;
		}
		if (sy->syncing) {
			pthread_cond_wait(&sy->cv, &sy->mu);
			continue;
		}
		sy->syncing = true;
		target = sy->written;
		pthread_mutex_unlock(&sy->mu);
		r = sync_file(sy);
		pthread_mutex_lock(&sy->mu);
		sy->syncing = false;
		if (r == 0) {
			if (atomic_load(&sy->synced) < target)
				atomic_store(&sy->synced, target);
			sy->n_syncs++;
		}
		pthread_cond_broadcast(&sy->cv);
		if (r != 0)
			break;
	}
	return r;
}

int sq_sync_wait(struct sq_sync *sy, int64_t seq)
{
	int r;

	pthread_mutex_lock(&sy->mu);
	if (sy->written < seq) {
		sy->written = seq;
		/* Only those waiting for a commit to be written need waking
		 * now; the others wait for the sync in progress. */
		if (sy->n_wait_written > 0)
			pthread_cond_broadcast(&sy->cv);
	}
	r = wait_locked(sy, seq);
	pthread_mutex_unlock(&sy->mu);
	return r;
}

int sq_sync_reader(struct sq_sync *sy)
{
	int64_t upto = atomic_load(&sy->begun);
	int r;

	if (atomic_load(&sy->synced) >= upto)
		return 0;
	pthread_mutex_lock(&sy->mu);
	r = wait_locked(sy, upto);
	pthread_mutex_unlock(&sy->mu);
	return r;
}

/* What this thread may have read and not yet waited for. A process has
 * one store; should a thread meet another (tests), it starts over. */
static _Thread_local struct {
	struct sq_sync *sy;
	int64_t upto;
} thread_reads;

void sq_sync_note_read(struct sq_sync *sy)
{
	int64_t begun = atomic_load(&sy->begun);

	if (thread_reads.sy != sy) {
		thread_reads.sy = sy;
		thread_reads.upto = 0;
	}
	if (begun > thread_reads.upto)
		thread_reads.upto = begun;
}

int ca_store_sync_reads(struct ca_store *st)
{
	struct sq_sync *sy = &st->sync;
	int64_t upto;
	int r;

	if (thread_reads.sy != sy)
		return 0;
	upto = thread_reads.upto;
	thread_reads.upto = 0;
	if (upto == 0 || atomic_load(&sy->synced) >= upto)
		return 0;
	pthread_mutex_lock(&sy->mu);
	r = wait_locked(sy, upto);
	pthread_mutex_unlock(&sy->mu);
	return r;
}

uint64_t sq_sync_count(struct sq_sync *sy)
{
	uint64_t n;

	pthread_mutex_lock(&sy->mu);
	n = sy->n_syncs;
	pthread_mutex_unlock(&sy->mu);
	return n;
}
