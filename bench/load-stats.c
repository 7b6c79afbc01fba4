/*
 * load-stats.c - latency samples (percentiles by sorting, nearest rank),
 * error counts by kind and the clock for bench/acme-load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "load.h"
#include "mem.h"

static const char *const step_names[BL_STEP_MAX] = {
	[BL_NEW_ORDER] = "new_order",
	[BL_AUTHZ] = "authz",
	[BL_CHALLENGE] = "challenge",
	[BL_VALIDATION] = "validation",
	[BL_FINALIZE_POST] = "finalize_request",
	[BL_FINALIZE] = "finalize",
	[BL_CERT] = "certificate",
	[BL_ISSUANCE] = "issuance",
	[BL_REQUEST] = "request",
};

const char *bl_step_name(enum bl_step s)
{
	return s < BL_STEP_MAX ? step_names[s] : "?";
}

double bl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void bl_samples_add(struct bl_samples *s, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = cn_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = v;
}

void bl_samples_merge(struct bl_samples *dst, const struct bl_samples *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		bl_samples_add(dst, src->v[i]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bl_samples_pct(struct bl_samples *s, double p)
{
	size_t i;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	/* nearest rank: the smallest sample with at least p of them <= it */
	i = (size_t)(p * (double)s->n + 0.999999);
	if (i == 0)
		i = 1;
	if (i > s->n)
		i = s->n;
	return s->v[i - 1];
}

void bl_samples_free(struct bl_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void bl_errors_add(struct bl_errors *e, const char *name)
{
	size_t i;

	e->total++;
	for (i = 0; i < e->n; i++) {
		if (strcmp(e->name[i], name) == 0) {
			e->count[i]++;
			return;
		}
	}
	if (e->n == BL_MAX_ERR_KINDS)
		name = "other";
	for (i = 0; i < e->n; i++) {
		if (strcmp(e->name[i], name) == 0) {
			e->count[i]++;
			return;
		}
	}
	if (e->n == BL_MAX_ERR_KINDS) {
		e->count[BL_MAX_ERR_KINDS - 1]++;
		return;
	}
	snprintf(e->name[e->n], sizeof(e->name[e->n]), "%s", name);
	e->count[e->n++] = 1;
}

void bl_errors_merge(struct bl_errors *dst, const struct bl_errors *src)
{
	size_t i;
	uint64_t k;

	for (i = 0; i < src->n; i++)
		for (k = 0; k < src->count[i]; k++)
			bl_errors_add(dst, src->name[i]);
}
